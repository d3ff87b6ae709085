"""Numeric API of the physics core: membrane electrochemistry.

SI units in and out (V, K, mol/m^3 = mM, S, A, F, C, m, s, N), numpy broadcasting over every
argument, signed valence ``z``, outward current positive, Vm = inside minus outside. Each
function checks its arguments, then evaluates the single definition in
:mod:`problemgen.physics.relations`. Scalar inputs give a Python ``float``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from problemgen.errors import PhysicsInputError
from problemgen.physics import constants as C
from problemgen.physics._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    check_sequences,
    check_temperature,
    check_valence,
    stack,
)
from problemgen.physics.constants import _scalar
from problemgen.physics.relations import RELATIONS

_CONC = "mol/m^3"


def nernst(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    """Nernst equilibrium potential E = RT/(zF) ln(c_out/c_in).

    Args: c_out, c_in in mol/m^3 (= mM), z signed valence, T in K. Returns E in V.
    """
    f = "nernst"
    return _scalar(RELATIONS[f].evaluate(
        c_out=check_positive(f, "c_out", c_out, _CONC), c_in=check_positive(f, "c_in", c_in, _CONC),
        z=check_valence(f, z), T=check_temperature(f, T)))


def ghk_current(P: Any, z: Any, Vm: Any, c_in: Any, c_out: Any, T: Any) -> Any:
    """GHK (constant-field) current density, outward positive.

    Args: P in m/s, z signed valence, Vm in V, c_in and c_out in mol/m^3, T in K.
    Returns A/m^2. At Vm = 0 it takes the limit P z F (c_in - c_out) exactly.
    """
    f = "ghk_current"
    return _scalar(RELATIONS[f].evaluate(
        P=check_nonnegative(f, "P", P, "m/s"), z=check_valence(f, z), Vm=check_finite(f, "Vm", Vm),
        c_in=check_nonnegative(f, "c_in", c_in, _CONC), c_out=check_nonnegative(f, "c_out", c_out, _CONC),
        T=check_temperature(f, T)))


def ghk_voltage(P: Sequence[Any], c_out: Sequence[Any], c_in: Sequence[Any], z: Sequence[Any], T: Any) -> Any:
    """Zero-current (reversal) potential of several permeant ions, in V.

    Args: sequences with one entry per ion of P (m/s, or ratios), c_out and c_in (mol/m^3) and
    signed valences z; T in K. Monovalent sets use the closed log form; when any ion has
    |z| != 1 the summed GHK currents are solved for zero by bisection on the bracket
    [min E_X, max E_X], where the sum changes sign because every GHK current increases with V.
    """
    f = "ghk_voltage"
    check_sequences(f, P=P, c_out=c_out, c_in=c_in, z=z)
    Ps = [check_nonnegative(f, f"P[{i}]", p, "m/s") for i, p in enumerate(P)]
    outs = [check_positive(f, f"c_out[{i}]", c, _CONC) for i, c in enumerate(c_out)]
    ins = [check_positive(f, f"c_in[{i}]", c, _CONC) for i, c in enumerate(c_in)]
    zs = [check_valence(f, v, f"z[{i}]") for i, v in enumerate(z)]
    T = check_temperature(f, T)
    if not np.all(sum(Ps) > 0):
        raise PhysicsInputError(f, "P", "must have at least one permeability > 0", list(P))
    if all(np.all(np.abs(v) == 1) for v in zs):
        numerator = sum(p * np.where(v > 0, co, ci) for p, v, co, ci in zip(Ps, zs, outs, ins))
        denominator = sum(p * np.where(v > 0, ci, co) for p, v, co, ci in zip(Ps, zs, outs, ins))
        return _scalar(C.R * T / C.F * np.log(numerator / denominator))

    def total_current(V: np.ndarray) -> np.ndarray:
        return sum(RELATIONS["ghk_current"].evaluate(P=p, z=v, Vm=V, c_in=ci, c_out=co, T=T)
                   for p, v, co, ci in zip(Ps, zs, outs, ins))

    potentials = [RELATIONS["nernst"].evaluate(c_out=co, c_in=ci, z=v, T=T) for co, ci, v in zip(outs, ins, zs)]
    # Ions with P = 0 carry no current; they must not widen the bracket, but widening is harmless.
    low = np.minimum.reduce(np.broadcast_arrays(*potentials)) - 1e-9
    high = np.maximum.reduce(np.broadcast_arrays(*potentials)) + 1e-9
    return _scalar(bisect_increasing(total_current, low, high))


def bisect_increasing(function: Any, low: np.ndarray, high: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Vectorized bisection for the root of an increasing function on [low, high]."""
    low, high = np.broadcast_arrays(np.asarray(low, float), np.asarray(high, float))
    low, high = low.copy(), high.copy()
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        if np.all((middle == low) | (middle == high)):
            break
        positive = function(middle) > 0
        high = np.where(positive, middle, high)
        low = np.where(positive, low, middle)
    return 0.5 * (low + high)


def driving_force(Vm: Any, E: Any) -> Any:
    """Driving force DF = Vm - E in V (negative: inward push on a cation)."""
    f = "driving_force"
    return _scalar(RELATIONS[f].evaluate(Vm=check_finite(f, "Vm", Vm), E=check_finite(f, "E", E)))


def ionic_current(g: Any, Vm: Any, E: Any) -> Any:
    """Ohmic current I = g (Vm - E) in A (g in S; or A/m^2 for g in S/m^2), outward positive."""
    f = "ionic_current"
    return _scalar(RELATIONS[f].evaluate(
        g=check_nonnegative(f, "g", g, "S"), Vm=check_finite(f, "Vm", Vm), E=check_finite(f, "E", E)))


def _direction(sign: np.ndarray, negative: str, positive: str) -> Any:
    words = np.where(sign < 0, negative, np.where(sign > 0, positive, "none"))
    return str(words) if words.ndim == 0 else words


def flux_direction(z: Any, Vm: Any, E: Any) -> Any:
    """Net movement of the ion: ``"influx"``, ``"efflux"`` or ``"none"``.

    The electrochemical force on the ion points inward when z (Vm - E) < 0; so a cation moves in
    when Vm < E, and an anion moves in when Vm > E.
    """
    f = "flux_direction"
    z = check_valence(f, z)
    return _direction(np.sign(z) * (check_finite(f, "Vm", Vm) - check_finite(f, "E", E)), "influx", "efflux")


def current_direction(Vm: Any, E: Any) -> Any:
    """Direction of the ionic current: ``"inward"`` (Vm < E), ``"outward"`` or ``"none"``.

    The current's sign is that of Vm - E for any ion, cation or anion (outward positive).
    """
    f = "current_direction"
    return _direction(check_finite(f, "Vm", Vm) - check_finite(f, "E", E), "inward", "outward")


def chord_potential(g: Sequence[Any], E: Sequence[Any]) -> Any:
    """Chord-conductance (steady-state) potential sum(g E) / sum(g), in V.

    Args: sequences with one entry per conductance: g (S, or S/m^2) and E (V).
    """
    f = "chord_potential"
    check_sequences(f, g=g, E=E)
    gs = [check_nonnegative(f, f"g[{i}]", v, "S") for i, v in enumerate(g)]
    Es = stack(f, "E", E)
    total = sum(gs)
    if not np.all(total > 0):
        raise PhysicsInputError(f, "g", "must have at least one conductance > 0", list(g))
    terms = [gi * Ei for gi, Ei in zip(gs, Es)]
    weighted = sum(terms)
    # Terms that cancel exactly leave rounding noise (1.4·63 − 0.9·98 gives −1.4e-14): that is 0.
    weighted = np.where(np.abs(weighted) <= 1e-12 * sum(np.abs(term) for term in terms), 0.0, weighted)
    return _scalar(weighted / total)


def coulomb_force(z: Any, field: Any) -> Any:
    """Force on an ion of valence z in an electric field (V/m): F = z e field, in N."""
    f = "coulomb_force"
    return _scalar(RELATIONS[f].evaluate(z=check_valence(f, z), field=check_finite(f, "field", field)))


def capacitive_charge(C: Any, dV: Any) -> Any:
    """Charge Q = C dV in C (C in F; or C/m^2 for a specific capacitance in F/m^2)."""
    f = "capacitive_charge"
    return _scalar(RELATIONS[f].evaluate(C=check_nonnegative(f, "C", C, "F"), dV=check_finite(f, "dV", dV)))


def sphere_area(r: Any) -> Any:
    """Surface area 4 pi r^2 (m^2) of a sphere of radius r (m)."""
    return _scalar(RELATIONS["sphere_area"].evaluate(r=check_positive("sphere_area", "r", r, "m")))


def sphere_volume(r: Any) -> Any:
    """Volume 4/3 pi r^3 (m^3) of a sphere of radius r (m)."""
    return _scalar(RELATIONS["sphere_volume"].evaluate(r=check_positive("sphere_volume", "r", r, "m")))


_SHAPE = {"sphere": 3.0, "cylinder": 2.0}


def fractional_concentration_change(radius: Any, dV: Any, c_in: Any, z: Any, C_m: Any = 0.01,
                                    geometry: str = "sphere") -> Any:
    """Fractional change of the inside concentration when the membrane charges by dV.

    Δc/c_in = C_m dV / (|z| F c_in) · A/V, with A/V = 3/r for a sphere and 2/r for a cylinder.
    Args: radius in m, dV in V (the sign follows dV), c_in in mol/m^3, z signed valence,
    C_m in F/m^2 (default 0.01 = 1 µF/cm^2), geometry "sphere" or "cylinder". Dimensionless.
    """
    f = "fractional_concentration_change"
    if geometry not in _SHAPE:
        from problemgen.errors import UnknownNameError

        raise UnknownNameError("geometry", geometry, sorted(_SHAPE))
    return _scalar(RELATIONS[f].evaluate(
        radius=check_positive(f, "radius", radius, "m"), dV=check_finite(f, "dV", dV),
        c_in=check_positive(f, "c_in", c_in, _CONC), z=check_valence(f, z),
        C_m=check_positive(f, "C_m", C_m, "F/m^2"), shape=_SHAPE[geometry]))


def pump_current(n_pumps: Any, turnover: Any, net_charge: Any = 1) -> Any:
    """Current of n_pumps pumps cycling at ``turnover`` (1/s): N k e net_charge, in A.

    The Na+/K+-ATPase moves one net positive charge outward per cycle (3 Na+ out, 2 K+ in).
    """
    f = "pump_current"
    return _scalar(RELATIONS[f].evaluate(
        n_pumps=check_nonnegative(f, "n_pumps", n_pumps, "pumps"),
        turnover=check_nonnegative(f, "turnover", turnover, "1/s"),
        net_charge=check_finite(f, "net_charge", net_charge)))


def ghk_voltage_with_pump(r: Any, P_K: Any, P_Na: Any, K_out: Any, K_in: Any, Na_out: Any, Na_in: Any,
                          T: Any) -> Any:
    """Mullins–Noda steady potential with an electrogenic pump of coupling ratio r (3/2), in V."""
    f = "ghk_voltage_with_pump"
    return _scalar(RELATIONS[f].evaluate(
        r=check_positive(f, "r", r, "Na+:K+ ratio"), P_K=check_nonnegative(f, "P_K", P_K, "m/s"),
        P_Na=check_nonnegative(f, "P_Na", P_Na, "m/s"),
        K_out=check_positive(f, "K_out", K_out, _CONC), K_in=check_positive(f, "K_in", K_in, _CONC),
        Na_out=check_positive(f, "Na_out", Na_out, _CONC), Na_in=check_positive(f, "Na_in", Na_in, _CONC),
        T=check_temperature(f, T)))


