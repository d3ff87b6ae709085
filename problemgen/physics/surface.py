"""Numeric API of the physics core: charged membrane surfaces (Gouy–Chapman).

Same conventions as :mod:`problemgen.physics.core`. Electrolytes are given as sequences over
their ions (bulk concentrations ``c`` in mol/m^3 and signed valences ``z``); a 1:1 salt of
150 mM is ``c=[150, 150], z=[1, -1]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from problemgen.errors import PhysicsInputError, UnknownNameError
from problemgen.physics import constants as C
from problemgen.physics._checks import (
    check_finite,
    check_positive,
    check_sequences,
    check_temperature,
    check_valence,
)
from problemgen.physics.constants import _scalar
from problemgen.physics.core import bisect_increasing
from problemgen.physics.relations import RELATIONS

_CONC = "mol/m^3"
_Y_BRACKET = 40.0  # |e psi / kT| searched by the Grahame inverse: about +/-1 V, far beyond physiology


def _electrolyte(function: str, c: Sequence[Any], z: Sequence[Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    check_sequences(function, c=c, z=z)
    cs = [check_positive(function, f"c[{i}]", v, _CONC) for i, v in enumerate(c)]
    zs = [check_valence(function, v, f"z[{i}]") for i, v in enumerate(z)]
    return cs, zs


def debye_length(c: Sequence[Any], z: Sequence[Any], T: Any, eps_r: Any) -> Any:
    """Debye screening length sqrt(eps_r eps0 R T / (F^2 sum c_i z_i^2)), in m.

    Args: per-ion sequences c (mol/m^3) and z; T in K; eps_r of the solvent.
    """
    f = "debye_length"
    cs, zs = _electrolyte(f, c, z)
    T = check_temperature(f, T)
    eps_r = check_positive(f, "eps_r", eps_r, "relative permittivity")
    strength = sum(ci * zi**2 for ci, zi in zip(cs, zs))
    return _scalar(np.sqrt(eps_r * C.eps0 * C.R * T / (C.F**2 * strength)))


def _double_layer_sum(y: np.ndarray, ns: list[np.ndarray], zs: list[np.ndarray]) -> np.ndarray:
    # sum_i n_i (exp(-z_i y) - 1); the linear terms -z_i y n_i cancel by electroneutrality and
    # are removed here, which keeps full precision for small y.
    return sum(n * (np.expm1(-z * y) + z * y) for n, z in zip(ns, zs))


def _check_neutral(function: str, cs: list[np.ndarray], zs: list[np.ndarray]) -> None:
    net = sum(ci * zi for ci, zi in zip(cs, zs))
    scale = sum(ci * np.abs(zi) for ci, zi in zip(cs, zs))
    if np.any(np.abs(net) > 1e-9 * scale):
        raise PhysicsInputError(function, "c", "must describe an electroneutral bulk (sum of z*c = 0)",
                                float(np.max(np.abs(net))))


def grahame_surface_charge(psi0: Any, c: Sequence[Any], z: Sequence[Any], T: Any, eps_r: Any) -> Any:
    """Surface charge density (C/m^2) that holds surface potential psi0 (V), general Grahame.

    sigma^2 = 2 eps kT sum_i n_i (exp(-z_i e psi0 / kT) - 1), with sign(sigma) = sign(psi0).
    """
    f = "grahame_surface_charge"
    cs, zs = _electrolyte(f, c, z)
    _check_neutral(f, cs, zs)
    psi0 = check_finite(f, "psi0", psi0)
    T = check_temperature(f, T)
    eps_r = check_positive(f, "eps_r", eps_r, "relative permittivity")
    y = C.e * psi0 / (C.k_B * T)
    ns = [ci * C.N_A for ci in cs]
    return _scalar(_sigma_of_y(y, ns, zs, T, eps_r))


def _sigma_of_y(y: Any, ns: list[np.ndarray], zs: list[np.ndarray], T: Any, eps_r: Any) -> Any:
    inner = np.maximum(_double_layer_sum(y, ns, zs), 0.0)
    return np.sign(y) * np.sqrt(2 * eps_r * C.eps0 * C.k_B * T * inner)


def grahame_surface_potential(sigma: Any, c: Sequence[Any], z: Sequence[Any], T: Any, eps_r: Any) -> Any:
    """Surface potential psi0 (V) of a surface with charge density sigma (C/m^2), general Grahame.

    The inverse of :func:`grahame_surface_charge`, found by bisection (sigma increases
    monotonically with psi0). For a symmetric 1:1 salt it equals the closed form
    (2kT/e) asinh(sigma / sqrt(8 eps kT n)).
    """
    f = "grahame_surface_potential"
    cs, zs = _electrolyte(f, c, z)
    _check_neutral(f, cs, zs)
    sigma = check_finite(f, "sigma", sigma)
    T = check_temperature(f, T)
    eps_r = check_positive(f, "eps_r", eps_r, "relative permittivity")
    ns = [ci * C.N_A for ci in cs]
    limit = _sigma_of_y(np.full(np.shape(sigma), _Y_BRACKET), ns, zs, T, eps_r)
    if np.any(np.abs(sigma) >= limit):
        raise PhysicsInputError(f, "sigma", "is too large for this electrolyte (|psi0| would exceed 1 V)",
                                float(np.max(np.abs(sigma))))
    y = bisect_increasing(lambda y: _sigma_of_y(y, ns, zs, T, eps_r) - sigma, -_Y_BRACKET, _Y_BRACKET)
    return _scalar(y * C.k_B * T / C.e)


def boltzmann_concentration(c_bulk: Any, z: Any, psi: Any, T: Any) -> Any:
    """Concentration at a surface of potential psi (V): c_bulk exp(-z F psi / RT), in mol/m^3."""
    f = "boltzmann_concentration"
    return _scalar(RELATIONS[f].evaluate(
        c_bulk=check_positive(f, "c_bulk", c_bulk, _CONC), z=check_valence(f, z),
        psi=check_finite(f, "psi", psi), T=check_temperature(f, T)))


#: The three effective-driving-force models (physics.md §5).
EFFECTIVE_DRIVING_FORCE_MODELS = ("local_potential", "local_concentration", "consistent")


def effective_driving_force(Vm: Any, E: Any, psi_in: Any, psi_out: Any, model: str) -> Any:
    """Driving force (V) on an ion near charged membrane surfaces, under a named model.

    ``psi_in``/``psi_out`` are the inner/outer surface potentials relative to the adjacent bulk.

    - ``"local_potential"``: only the potential is local, DF = (Vm + psi_in - psi_out) - E.
      The domain text's simplified reading.
    - ``"local_concentration"``: only the concentrations are local (Boltzmann), so
      DF = Vm - (E + psi_in - psi_out).
    - ``"consistent"``: both; the psi terms cancel and DF = Vm - E. The thermodynamically
      consistent model: surface charge changes current amplitude, not the reversal potential.
    """
    f = "effective_driving_force"
    if model not in EFFECTIVE_DRIVING_FORCE_MODELS:
        raise UnknownNameError("effective driving force model", model, list(EFFECTIVE_DRIVING_FORCE_MODELS))
    Vm, E = check_finite(f, "Vm", Vm), check_finite(f, "E", E)
    step = check_finite(f, "psi_in", psi_in) - check_finite(f, "psi_out", psi_out)
    if model == "local_potential":
        return _scalar(Vm + step - E)
    if model == "local_concentration":
        return _scalar(Vm - (E + step))
    return _scalar(Vm - E + 0.0 * step)
