"""Independent reference tests of the physics core contract (DESIGN.md "Physics core").

Every expected value here comes from outside ``problemgen.physics``:

- NEURON 9.0.2's ``h.nernst`` and ``h.ghk``, stored in ``data/neuron9_reference.json`` by
  ``data/make_neuron_reference.py`` (run by hand in a separate venv; NEURON is not a dependency);
- hand derivations written out below with mpmath at 40 significant digits from the exact
  CODATA 2018 constants (they share no code with the package);
- the worked figures printed in the shared reference ``reference/physics.md`` (compared within
  their printed rounding) and textbook tables (Hille 2001, within 1 mV as physics.md section 9 says).

Units as in the contract: SI in and out (V, K, mol/m^3 = mM, S, A, F, C, m, s, N), signed z,
outward current positive, Vm = inside minus outside.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mpmath import MPContext

import problemgen.physics as p

# --- exact constants and tolerances -------------------------------------------------------------
# A private 40-digit mpmath context, so the global mpmath precision (used elsewhere) is untouched.
mp = MPContext()
mp.dps = 40
mpf = mp.mpf

# CODATA 2018 (SI 2019): e, k_B, N_A exact; eps0 measured (CODATA 2018 value, not 2022's).
E_CHARGE = "1.602176634e-19"
K_BOLTZMANN = "1.380649e-23"
N_AVOGADRO = "6.02214076e23"
EPS0_2018 = "8.8541878128e-12"
Q_E = mpf(E_CHARGE)
KB = mpf(K_BOLTZMANN)
NA = mpf(N_AVOGADRO)
EPS0 = mpf(EPS0_2018)
RGAS = NA * KB  # 8.314462618153240... J/(mol K), exact
FARADAY = NA * Q_E  # 96485.33212331001... C/mol, exact
ZERO_C = mpf("273.15")

REL = 1e-6


def close(expected: Any, zero_abs: float = 0.0) -> Any:
    """``pytest.approx`` at 1e-6 relative.

    ``abs`` is given explicitly: approx's default ``abs=1e-12`` would otherwise let any SI quantity
    below ~1e-6 (charges in C, forces in N, lengths in m, currents in A) pass whatever its value.
    An exact-zero reference gets the caller's ``zero_abs`` instead.
    """
    if isinstance(expected, np.ndarray):
        return pytest.approx(expected, rel=REL, abs=zero_abs)
    value = float(expected)
    return pytest.approx(value, rel=REL, abs=zero_abs if value == 0.0 else 0.0)


def K(t_celsius: float) -> float:
    """Kelvin for test inputs, written out here so that tests do not depend on p.kelvin."""
    return t_celsius + 273.15


# --- hand derivations (mpmath, 40 digits) -------------------------------------------------------
def h_nernst(c_out: float, c_in: float, z: int, T: float) -> Any:
    return RGAS * mpf(T) / (z * FARADAY) * mp.log(mpf(c_out) / mpf(c_in))


def h_ghk_current(P: float, z: int, Vm: float, c_in: float, c_out: float, T: float) -> Any:
    P, Vm, c_in, c_out, T = map(mpf, (P, Vm, c_in, c_out, T))
    if Vm == 0:
        return P * z * FARADAY * (c_in - c_out)  # the V -> 0 limit
    u = z * FARADAY * Vm / (RGAS * T)
    return P * z * FARADAY * u * (c_in - c_out * mp.exp(-u)) / (1 - mp.exp(-u))


def h_ghk_voltage_log(P: Sequence[float], c_out: Sequence[float], c_in: Sequence[float],
                      z: Sequence[int], T: float) -> Any:
    """Monovalent log form: anions sit on the inverted side."""
    assert all(abs(zi) == 1 for zi in z)
    num = sum(mpf(Pi) * mpf(co if zi > 0 else ci) for Pi, co, ci, zi in zip(P, c_out, c_in, z))
    den = sum(mpf(Pi) * mpf(ci if zi > 0 else co) for Pi, co, ci, zi in zip(P, c_out, c_in, z))
    return RGAS * mpf(T) / FARADAY * mp.log(num / den)


def h_ghk_voltage_root(P: Sequence[float], c_out: Sequence[float], c_in: Sequence[float],
                       z: Sequence[int], T: float) -> Any:
    """Zero of the summed GHK currents, bracketed by the ions' Nernst potentials."""
    def total(V: Any) -> Any:
        return sum(h_ghk_current(Pi, zi, V, ci, co, T) for Pi, co, ci, zi in zip(P, c_out, c_in, z))

    E = [h_nernst(co, ci, zi, T) for co, ci, zi in zip(c_out, c_in, z)]
    lo, hi = min(E) - mpf("0.001"), max(E) + mpf("0.001")
    assert total(lo) < 0 < total(hi)
    root = mp.findroot(total, (lo, hi), solver="anderson")
    assert lo < root < hi
    return root


def h_chord(g: Sequence[float], E: Sequence[float]) -> Any:
    return sum(mpf(gi) * mpf(Ei) for gi, Ei in zip(g, E)) / sum(mpf(gi) for gi in g)


def h_debye(c: Sequence[float], z: Sequence[int], T: float, eps_r: float) -> Any:
    ionic = sum(mpf(ci) * zi**2 for ci, zi in zip(c, z))
    return mp.sqrt(mpf(eps_r) * EPS0 * RGAS * mpf(T) / (FARADAY**2 * ionic))


def h_grahame_sigma(psi0: Any, c: Sequence[float], z: Sequence[int], T: float, eps_r: float) -> Any:
    """General Grahame: sigma^2 = 2 eps kT sum n_i (exp(-z_i e psi/kT) - 1), sign sigma = sign psi."""
    psi0, T = mpf(psi0), mpf(T)
    s = sum(mpf(ci) * NA * (mp.exp(-zi * Q_E * psi0 / (KB * T)) - 1) for ci, zi in zip(c, z))
    return mp.sign(psi0) * mp.sqrt(2 * mpf(eps_r) * EPS0 * KB * T * s)


def h_grahame_psi(sigma: float, c: Sequence[float], z: Sequence[int], T: float, eps_r: float) -> Any:
    sigma = mpf(sigma)
    if sigma == 0:
        return mpf(0)
    bracket = (mpf("-0.5"), mpf(0)) if sigma < 0 else (mpf(0), mpf("0.5"))
    return mp.findroot(lambda psi: h_grahame_sigma(psi, c, z, T, eps_r) - sigma, bracket, solver="anderson")


def h_grahame_psi_1to1(sigma: float, c: float, T: float, eps_r: float) -> Any:
    """Closed form for a 1:1 electrolyte: psi0 = (2kT/e) asinh(sigma / sqrt(8 eps kT n))."""
    T = mpf(T)
    n = mpf(c) * NA
    return 2 * KB * T / Q_E * mp.asinh(mpf(sigma) / mp.sqrt(8 * mpf(eps_r) * EPS0 * KB * T * n))


def h_boltzmann(c_bulk: float, z: int, psi: float, T: float) -> Any:
    return mpf(c_bulk) * mp.exp(-z * FARADAY * mpf(psi) / (RGAS * mpf(T)))


def h_mullins_noda(r: float, P_K: float, P_Na: float, K_out: float, K_in: float,
                   Na_out: float, Na_in: float, T: float) -> Any:
    r, P_K, P_Na = mpf(r), mpf(P_K), mpf(P_Na)
    return RGAS * mpf(T) / FARADAY * mp.log((r * P_K * mpf(K_out) + P_Na * mpf(Na_out))
                                            / (r * P_K * mpf(K_in) + P_Na * mpf(Na_in)))


def h_water_permittivity(T: float) -> Any:
    """Malmberg & Maryott 1956, t in Celsius."""
    t = mpf(T) - ZERO_C
    return mpf("87.740") - mpf("0.40008") * t + mpf("9.398e-4") * t**2 - mpf("1.410e-6") * t**3


def h_sphere_area(r: float) -> Any:
    return 4 * mp.pi * mpf(r) ** 2


def h_sphere_volume(r: float) -> Any:
    return 4 * mp.pi * mpf(r) ** 3 / 3


def h_fractional(radius: float, dV: float, c_in: float, z: int, C_m: float = 0.01,
                 geometry: str = "sphere") -> Any:
    area_per_volume = {"sphere": 3, "cylinder": 2}[geometry] / mpf(radius)
    return mpf(C_m) * mpf(dV) / (abs(z) * FARADAY * mpf(c_in)) * area_per_volume


# --- 1. NEURON 9 -------------------------------------------------------------------------------
NEURON_FILE = Path(__file__).parent / "data" / "neuron9_reference.json"
NEURON = json.loads(NEURON_FILE.read_text(encoding="utf-8"))
NEURON_NERNST = NEURON["nernst"]
NEURON_GHK = NEURON["ghk"]


def test_neuron_reference_provenance() -> None:
    """The stored reference came from NEURON 9 with the CODATA 2018 constants."""
    prov = NEURON["provenance"]
    assert prov["neuron_version"].startswith("9.")
    assert prov["FARADAY"] == pytest.approx(float(FARADAY), rel=1e-15, abs=0.0)
    assert prov["R"] == pytest.approx(float(RGAS), rel=1e-15, abs=0.0)
    assert len(NEURON_NERNST) >= 12 and len(NEURON_GHK) >= 12


@pytest.mark.parametrize("case", NEURON_NERNST, ids=[c["id"] for c in NEURON_NERNST])
def test_nernst_matches_neuron(case: dict[str, Any]) -> None:
    # NEURON: nernst(ci, co, z) in mV; ours: nernst(c_out, c_in, z, T) in V (outside first).
    got = p.nernst(case["co_mM"], case["ci_mM"], case["z"], K(case["celsius"]))
    assert got == close(case["nernst_mV"] * 1e-3, zero_abs=1e-15)


@pytest.mark.parametrize("case", NEURON_GHK, ids=[c["id"] for c in NEURON_GHK])
@pytest.mark.parametrize("P", [1e-6, 3e-9], ids=["P=1e-6 m/s", "P=3e-9 m/s"])
def test_ghk_current_matches_neuron(case: dict[str, Any], P: float) -> None:
    # NEURON's ghk is mA/cm^2 per (cm/s): I [A/m^2] = 1000 * P [m/s] * ghk.
    expected = 1000.0 * P * case["ghk_mA_per_cm2_per_cm_per_s"]
    got = p.ghk_current(P, case["z"], case["v_mV"] * 1e-3, case["ci_mM"], case["co_mM"], K(case["celsius"]))
    assert got == close(expected)


@pytest.mark.parametrize("case", NEURON_NERNST + NEURON_GHK,
                         ids=[c["id"] for c in NEURON_NERNST] + [c["id"] for c in NEURON_GHK])
def test_neuron_reference_agrees_with_hand_derivation(case: dict[str, Any]) -> None:
    """Two independent references agree (physics.md section 9: better than 1e-8 relative)."""
    T = mpf(case["celsius"]) + ZERO_C
    if "nernst_mV" in case:
        hand = h_nernst(case["co_mM"], case["ci_mM"], case["z"], T) * 1000
        assert case["nernst_mV"] == pytest.approx(float(hand), rel=1e-8, abs=1e-12)
    else:
        hand = h_ghk_current(0.01, case["z"], mpf(case["v_mV"]) / 1000, case["ci_mM"], case["co_mM"], T) / 10
        assert case["ghk_mA_per_cm2_per_cm_per_s"] == pytest.approx(float(hand), rel=1e-8, abs=0.0)


# --- 2. constants ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "exact"), [
    ("e", E_CHARGE), ("k_B", K_BOLTZMANN), ("N_A", N_AVOGADRO), ("eps0", EPS0_2018),
], ids=["e exact", "k_B exact", "N_A exact", "eps0 CODATA 2018 (not 2022's 8.8541878188e-12)"])
def test_defining_constants_are_codata_2018(name: str, exact: str) -> None:
    # The nearest double to the CODATA 2018 decimal value, to the last bit.
    assert getattr(p, name) == float(exact)


@pytest.mark.parametrize(("name", "exact"), [("R", RGAS), ("F", FARADAY)], ids=["R = N_A k_B", "F = N_A e"])
def test_derived_constants_are_exact_products(name: str, exact: Any) -> None:
    assert getattr(p, name) == pytest.approx(float(exact), rel=1e-15, abs=0.0)


# (our name, sympy.physics.units name, SI unit as a function of the units module, rel).
# sympy defines eps0 as 1/(mu0 c^2) with the pre-2019 mu0 = 4 pi 1e-7 H/m, i.e.
# 8.854187817620e-12, which differs from CODATA 2018 by 5.4e-10 relative: hence 1e-9 there.
SYMPY_CONSTANTS = [
    ("e", "elementary_charge", lambda u: u.coulomb, 1e-15),
    ("k_B", "boltzmann_constant", lambda u: u.joule / u.kelvin, 1e-15),
    ("N_A", "avogadro_constant", lambda u: 1 / u.mol, 1e-15),
    ("R", "molar_gas_constant", lambda u: u.joule / u.kelvin / u.mol, 1e-15),
    ("F", "faraday_constant", lambda u: u.coulomb / u.mol, 1e-15),
    ("eps0", "vacuum_permittivity", lambda u: u.farad / u.meter, 1e-9),
]


@pytest.mark.parametrize(("name", "sympy_name", "unit", "rel"), SYMPY_CONSTANTS,
                         ids=[f"{c[0]} vs sympy {c[1]}" for c in SYMPY_CONSTANTS])
def test_constants_agree_with_sympy_units(name: str, sympy_name: str, unit: Callable[[Any], Any],
                                          rel: float) -> None:
    import sympy.physics.units as u

    quantity = getattr(u, sympy_name, None)
    if quantity is None:
        pytest.skip(f"sympy.physics.units has no {sympy_name}")
    si_unit = unit(u)
    value = float(u.convert_to(quantity, si_unit) / si_unit)
    assert getattr(p, name) == pytest.approx(value, rel=rel, abs=0.0)


KELVIN_CASES = [(0.0, 273.15), (6.3, 279.45), (25.0, 298.15), (37.0, 310.15), (-273.15, 0.0)]


@pytest.mark.parametrize(("t", "T"), KELVIN_CASES, ids=[f"{c[0]} C" for c in KELVIN_CASES])
def test_kelvin(t: float, T: float) -> None:
    # physics.md section 1: T = t + 273.15, never 273 or 273.16.
    assert p.kelvin(t) == close(T, zero_abs=1e-12)


WATER_T = [0.0, 6.3, 20.0, 25.0, 37.0, 50.0]


@pytest.mark.parametrize("t", WATER_T, ids=[f"{t} C" for t in WATER_T])
def test_water_permittivity_is_malmberg_maryott(t: float) -> None:
    T = K(t)
    assert p.water_permittivity(T) == close(h_water_permittivity(T))


# --- 3. hand derivations -----------------------------------------------------------------------
# (c_out, c_in, z, T)
NERNST_HAND = [
    ((150.0, 15.0, 1, K(37)), "Na 150/15 37C"),
    ((5.0, 140.0, 1, K(37)), "K 5/140 37C"),
    ((110.0, 10.0, -1, K(37)), "Cl 110/10 37C"),
    ((2.0, 1e-4, 2, K(37)), "Ca 2/1e-4 37C"),
    ((1.0, 10.0, -2, K(25)), "z=-2 1/10 25C"),
    ((20.0, 400.0, 1, K(6.3)), "squid K 20/400 6.3C"),
    ((1e-3, 100.0, 1, 300.0), "plant K 1e-3/100 300K"),
    ((145.0, 12.0, 1, 250.0), "Na 145/12 250K"),
]


@pytest.mark.parametrize("args", [c[0] for c in NERNST_HAND], ids=[c[1] for c in NERNST_HAND])
def test_nernst_hand(args: tuple[float, float, int, float]) -> None:
    assert p.nernst(*args) == close(h_nernst(*args))


# (P [m/s], z, Vm [V], c_in, c_out, T)
GHK_HAND = [
    ((1e-8, 1, -0.065, 15.0, 150.0, K(37)), "Na -65 mV"),
    ((1e-8, 1, -0.065, 140.0, 5.0, K(37)), "K -65 mV"),
    ((1e-8, -1, -0.065, 10.0, 110.0, K(37)), "Cl -65 mV"),
    ((1e-6, 2, -0.02, 1e-4, 2.0, K(37)), "Ca -20 mV"),
    ((1e-6, 2, 0.04, 1e-4, 2.0, K(20)), "Ca +40 mV"),
    ((1e-7, -2, 0.03, 10.0, 1.0, K(25)), "z=-2 +30 mV"),
    ((1e-8, 1, 0.0, 15.0, 150.0, K(37)), "Na V=0 exactly (limit PzF(ci-co))"),
    ((1e-6, 2, 0.0, 1e-4, 2.0, K(37)), "Ca V=0 exactly (limit)"),
    ((1e-8, -1, 0.0, 10.0, 110.0, K(6.3)), "Cl V=0 exactly (limit)"),
    ((1e-8, 1, 1e-12, 140.0, 5.0, K(25)), "K V=1e-12 V"),
    ((1e-8, 1, -1e-9, 15.0, 150.0, K(25)), "Na V=-1e-9 V"),
    ((1e-6, 2, 3e-7, 1e-4, 2.0, K(37)), "Ca V=3e-7 V"),
    ((1e-8, 1, 1e-5, 140.0, 5.0, K(37)), "K V=1e-5 V"),
    ((1e-8, 1, -0.2, 400.0, 20.0, K(6.3)), "squid K -200 mV"),
    ((1e-8, 1, 0.05, 15.0, 15.0, K(37)), "equal concentrations +50 mV"),
]


@pytest.mark.parametrize("args", [c[0] for c in GHK_HAND], ids=[c[1] for c in GHK_HAND])
def test_ghk_current_hand(args: tuple[float, int, float, float, float, float]) -> None:
    assert p.ghk_current(*args) == close(h_ghk_current(*args))


# (P, c_out, c_in, z, T): monovalent sets, reference = log form.
GHK_VOLTAGE_LOG = [
    (([1e-8, 5e-10, 4.5e-9], [5.0, 145.0, 110.0], [140.0, 15.0, 10.0], [1, 1, -1], K(37)),
     "mammal K:Na:Cl 1:0.05:0.45 37C"),
    (([1.0, 0.04, 0.45], [20.0, 440.0, 560.0], [400.0, 50.0, 40.0], [1, 1, -1], K(6.3)),
     "squid 1:0.04:0.45 6.3C"),
    (([1e-8, 2e-7], [4.0, 145.0], [155.0, 12.0], [1, 1], K(20)), "AP peak K:Na 1:20 20C"),
    (([1e-8, 2e-8], [4.0, 123.0], [155.0, 4.2], [1, -1], K(37)), "muscle K:Cl 1:2 37C"),
    (([3e-9], [150.0], [15.0], [1], K(37)), "Na alone = E_Na"),
]


@pytest.mark.parametrize("args", [c[0] for c in GHK_VOLTAGE_LOG], ids=[c[1] for c in GHK_VOLTAGE_LOG])
def test_ghk_voltage_monovalent_hand(args: tuple[Any, ...]) -> None:
    assert p.ghk_voltage(*args) == close(h_ghk_voltage_log(*args))


# (P, c_out, c_in, z, T) with a divalent ion: reference = mpmath root of sum of GHK currents.
GHK_VOLTAGE_ROOT = [
    (([1e-8, 5e-10, 4.5e-9, 1e-9], [5.0, 145.0, 110.0, 2.0], [140.0, 15.0, 10.0, 1e-4], [1, 1, -1, 2], K(37)),
     "mammal + Ca P_Ca=0.1 P_K"),
    (([1e-9, 1e-7], [5.0, 2.0], [140.0, 1e-4], [1, 2], K(37)), "Ca channel with K leak"),
    (([1.0, 0.04, 0.45, 0.1], [20.0, 440.0, 560.0, 10.0], [400.0, 50.0, 40.0, 1e-4], [1, 1, -1, 2], K(6.3)),
     "squid + Ca 6.3C"),
    (([1e-8, 1e-8], [5.0, 1.0], [140.0, 10.0], [1, -2], K(25)), "K + divalent anion 25C"),
    (([1e-8, 3e-8, 2e-8], [5.0, 1.0, 2.0], [140.0, 10.0, 1e-4], [1, -2, 2], K(20)), "K + z=-2 + Ca 20C"),
]


@pytest.mark.parametrize("args", [c[0] for c in GHK_VOLTAGE_ROOT], ids=[c[1] for c in GHK_VOLTAGE_ROOT])
def test_ghk_voltage_divalent_root(args: tuple[Any, ...]) -> None:
    assert p.ghk_voltage(*args) == close(h_ghk_voltage_root(*args))


# (r, P_K, P_Na, K_out, K_in, Na_out, Na_in, T)
MULLINS_NODA = [
    ((1.5, 1e-8, 5e-10, 5.0, 140.0, 145.0, 15.0, K(37)), "3:2 pump mammal 37C"),
    ((1.0, 1e-8, 5e-10, 5.0, 140.0, 145.0, 15.0, K(37)), "r=1 (no pump) mammal 37C"),
    ((1.5, 1.0, 0.04, 20.0, 400.0, 440.0, 50.0, K(6.3)), "3:2 pump squid 6.3C"),
    ((1.5, 1e-8, 1e-9, 4.0, 155.0, 145.0, 12.0, K(20)), "3:2 pump muscle 20C"),
]


@pytest.mark.parametrize("args", [c[0] for c in MULLINS_NODA], ids=[c[1] for c in MULLINS_NODA])
def test_ghk_voltage_with_pump_hand(args: tuple[float, ...]) -> None:
    assert p.ghk_voltage_with_pump(*args) == close(h_mullins_noda(*args))


CHORD = [
    (([1.0, 0.05, 0.45], [-0.08906, 0.06154, -0.06409]), "K Na Cl weighted"),
    (([10e-9, 1e-9], [-0.09, 0.06]), "10 nS K + 1 nS Na"),
    (([3e-9], [-0.07]), "single conductance = its E"),
    (([120.0 * 10, 36.0 * 10, 0.3 * 10], [0.050, -0.077, -0.0544]), "HH densities S/m^2"),
]


@pytest.mark.parametrize("args", [c[0] for c in CHORD], ids=[c[1] for c in CHORD])
def test_chord_potential_hand(args: tuple[list[float], list[float]]) -> None:
    assert p.chord_potential(*args) == close(h_chord(*args))


# (c, z, T, eps_r): sequences over electrolyte ions.
DEBYE = [
    (([150.0, 150.0], [1, -1], K(37), 74.15), "150 mM NaCl 37C"),
    (([2.0, 4.0], [2, -1], K(25), 78.30), "2 mM CaCl2 25C"),
    (([140.0, 144.0, 2.0], [1, -1, 2], K(37), 74.15), "140 NaCl + 2 CaCl2 37C"),
    (([10.0, 10.0], [2, -2], K(20), 80.10304), "10 mM MgSO4 20C"),
    (([700.0, 700.0], [1, -1], K(20), 80.10304), "seawater-like 700 mM 20C"),
]


@pytest.mark.parametrize("args", [c[0] for c in DEBYE], ids=[c[1] for c in DEBYE])
def test_debye_length_hand(args: tuple[Any, ...]) -> None:
    assert p.debye_length(*args) == close(h_debye(*args))


# (sigma [C/m^2], c, z, T, eps_r): general Grahame, mpmath root.
GRAHAME_PSI = [
    ((-0.02, [150.0, 150.0], [1, -1], K(37), 74.15), "-0.02 C/m2 150 NaCl 37C"),
    ((-0.02, [150.0, 150.0], [1, -1], K(25), 78.30), "-0.02 C/m2 150 NaCl 25C"),
    ((-0.02, [140.0, 144.0, 2.0], [1, -1, 2], K(37), 74.15), "-0.02 C/m2 NaCl + CaCl2 37C"),
    ((0.05, [150.0, 150.0], [1, -1], K(37), 74.15), "+0.05 C/m2 150 NaCl"),
    ((-0.089, [460.0, 560.0, 10.0, 40.0], [1, -1, 2, 2], K(6.3), 85.26), "squid outer seawater 6.3C"),
    ((-0.05, [10.0, 10.0], [1, -1], K(25), 78.30), "-0.05 C/m2 10 mM low salt"),
    ((-0.03, [50.0, 50.0], [2, -2], K(25), 78.30), "-0.03 C/m2 50 mM MgSO4"),
    ((0.0, [150.0, 150.0], [1, -1], K(37), 74.15), "sigma=0"),
]


@pytest.mark.parametrize("args", [c[0] for c in GRAHAME_PSI], ids=[c[1] for c in GRAHAME_PSI])
def test_grahame_surface_potential_general_hand(args: tuple[Any, ...]) -> None:
    assert p.grahame_surface_potential(*args) == close(h_grahame_psi(*args), zero_abs=1e-12)


# (sigma, c, T, eps_r) for a 1:1 electrolyte: closed form with asinh.
GRAHAME_1TO1 = [
    ((-0.02, 150.0, K(37), 74.15), "-0.02 C/m2 150 mM 37C"),
    ((-0.02, 150.0, K(25), 78.30), "-0.02 C/m2 150 mM 25C"),
    ((0.05, 150.0, K(37), 74.15), "+0.05 C/m2 150 mM 37C"),
    ((-0.05, 10.0, K(25), 78.30), "-0.05 C/m2 10 mM 25C"),
    ((-0.002, 1000.0, K(20), 80.10304), "-0.002 C/m2 1 M 20C (linear regime)"),
]


@pytest.mark.parametrize("args", [c[0] for c in GRAHAME_1TO1], ids=[c[1] for c in GRAHAME_1TO1])
def test_grahame_surface_potential_1to1_closed_form(args: tuple[float, float, float, float]) -> None:
    sigma, c, T, eps_r = args
    got = p.grahame_surface_potential(sigma, [c, c], [1, -1], T, eps_r)
    assert got == close(h_grahame_psi_1to1(*args))


# (psi0 [V], c, z, T, eps_r)
GRAHAME_SIGMA = [
    ((-0.023, [150.0, 150.0], [1, -1], K(37), 74.15), "-23 mV 150 NaCl 37C"),
    ((0.030, [150.0, 150.0], [1, -1], K(25), 78.30), "+30 mV 150 NaCl 25C"),
    ((-0.030, [140.0, 144.0, 2.0], [1, -1, 2], K(37), 74.15), "-30 mV NaCl + CaCl2"),
    ((-0.1, [10.0, 10.0], [1, -1], K(25), 78.30), "-100 mV 10 mM"),
    ((-0.05, [50.0, 50.0], [2, -2], K(25), 78.30), "-50 mV 50 mM MgSO4"),
    ((0.0, [150.0, 150.0], [1, -1], K(37), 74.15), "psi=0"),
]


@pytest.mark.parametrize("args", [c[0] for c in GRAHAME_SIGMA], ids=[c[1] for c in GRAHAME_SIGMA])
def test_grahame_surface_charge_hand(args: tuple[Any, ...]) -> None:
    assert p.grahame_surface_charge(*args) == close(h_grahame_sigma(*args), zero_abs=1e-12)


# (c_bulk, z, psi, T)
BOLTZMANN = [
    ((15.0, 1, -0.023, K(37)), "Na 15 mM at -23 mV"),
    ((2.0, 2, -0.030, K(37)), "Ca 2 mM at -30 mV"),
    ((110.0, -1, -0.023, K(37)), "Cl 110 mM at -23 mV"),
    ((140.0, 1, 0.010, K(20)), "K 140 mM at +10 mV"),
    ((1.0, -2, -0.05, K(25)), "z=-2 1 mM at -50 mV"),
    ((150.0, 1, 0.0, K(37)), "psi=0 gives bulk"),
]


@pytest.mark.parametrize("args", [c[0] for c in BOLTZMANN], ids=[c[1] for c in BOLTZMANN])
def test_boltzmann_concentration_hand(args: tuple[float, int, float, float]) -> None:
    assert p.boltzmann_concentration(*args) == close(h_boltzmann(*args))


# (Vm, E, psi_in, psi_out, model) -> DF, written out from physics.md section 5.
def h_effective_df(Vm: float, E: float, psi_in: float, psi_out: float, model: str) -> Any:
    Vm, E, psi_in, psi_out = map(mpf, (Vm, E, psi_in, psi_out))
    if model == "local_potential":  # V_loc - E
        return (Vm + psi_in - psi_out) - E
    if model == "local_concentration":  # Vm - E_loc
        return Vm - (E + psi_in - psi_out)
    assert model == "consistent"  # V_loc - E_loc = Vm - E
    return Vm - E


EFFECTIVE_DF = [
    ((-0.065, 0.0615, -0.023, 0.0, m), f"Na example {m}")
    for m in ("local_potential", "local_concentration", "consistent")
] + [
    ((-0.070, -0.089, -0.020, -0.010, m), f"K psi_out=-10 mV {m}")
    for m in ("local_potential", "local_concentration", "consistent")
] + [
    ((0.020, -0.064, -0.040, 0.005, m), f"Cl depolarised {m}")
    for m in ("local_potential", "local_concentration", "consistent")
]


@pytest.mark.parametrize("args", [c[0] for c in EFFECTIVE_DF], ids=[c[1] for c in EFFECTIVE_DF])
def test_effective_driving_force_hand(args: tuple[float, float, float, float, str]) -> None:
    Vm, E, psi_in, psi_out, model = args
    assert p.effective_driving_force(Vm, E, psi_in, psi_out, model=model) == close(h_effective_df(*args))


# (radius, dV, c_in, z, kwargs)
FRACTIONAL = [
    ((10e-6, 0.1, 15.0, 1, {}), "Na soma r=10 um, defaults (sphere, 0.01 F/m2)"),
    ((10e-6, 0.1, 15.0, 1, {"geometry": "cylinder"}), "same as cylinder 2/r"),
    ((0.25e-6, 0.1, 1e-4, 2, {"geometry": "sphere"}), "Ca spine head r=0.25 um"),
    ((1e-6, 0.05, 10.0, -1, {"C_m": 0.009, "geometry": "cylinder"}), "Cl axon C_m 0.9 uF/cm2"),
    ((250e-6, 0.1, 50.0, 1, {"geometry": "cylinder"}), "squid axon Na"),
    ((5e-6, -0.02, 140.0, 1, {}), "K, negative dV keeps its sign"),
]


@pytest.mark.parametrize("args", [c[0] for c in FRACTIONAL], ids=[c[1] for c in FRACTIONAL])
def test_fractional_concentration_change_hand(args: tuple[Any, ...]) -> None:
    radius, dV, c_in, z, kwargs = args
    got = p.fractional_concentration_change(radius, dV, c_in, z, **kwargs)
    assert got == close(h_fractional(radius, dV, c_in, z, **kwargs))


# Small closed-form relations: (function name, args, hand value).
SIMPLE = [
    ("capacitive_charge", (12.566e-12, 0.1), mpf("12.566e-12") * mpf("0.1"), "Q = C dV 12.6 pF 100 mV"),
    ("capacitive_charge", (1e-11, -0.065), mpf("1e-11") * mpf("-0.065"), "Q negative dV"),
    ("sphere_area", (10e-6,), h_sphere_area(10e-6), "sphere area r=10 um"),
    ("sphere_area", (3e-6,), h_sphere_area(3e-6), "sphere area r=3 um"),
    ("sphere_volume", (10e-6,), h_sphere_volume(10e-6), "sphere volume r=10 um"),
    ("sphere_volume", (0.25e-6,), h_sphere_volume(0.25e-6), "sphere volume r=0.25 um"),
    ("pump_current", (1e6, 100.0), mpf("1e6") * 100 * 1 * Q_E, "pump default net_charge=1"),
    ("pump_current", (3.14e5, 30.0, 1), mpf("3.14e5") * 30 * Q_E, "pump net_charge=1 explicit"),
    ("pump_current", (2e4, 50.0, 2), mpf("2e4") * 50 * 2 * Q_E, "pump net_charge=2"),
    ("coulomb_force", (1, 1.3e7), Q_E * mpf("1.3e7"), "Na in 13 MV/m"),
    ("coulomb_force", (2, 1.3e7), 2 * Q_E * mpf("1.3e7"), "Ca in 13 MV/m"),
    ("coulomb_force", (-1, 1.3e7), -Q_E * mpf("1.3e7"), "Cl in 13 MV/m"),
    ("coulomb_force", (2, -5e6), 2 * Q_E * mpf("-5e6"), "Ca in -5 MV/m"),
    ("driving_force", (-0.065, 0.0615404), mpf("-0.065") - mpf("0.0615404"), "Na DF at -65 mV"),
    ("driving_force", (-0.070, -0.0640877), mpf("-0.070") - mpf("-0.0640877"), "Cl DF at -70 mV"),
    ("ionic_current", (10e-9, -0.065, 0.0615), mpf("10e-9") * (mpf("-0.065") - mpf("0.0615")), "10 nS Na"),
    ("ionic_current", (1.2e3, 0.02, -0.077), mpf("1.2e3") * (mpf("0.02") - mpf("-0.077")),
     "HH K density S/m2 -> A/m2"),
]


@pytest.mark.parametrize(("name", "args", "expected"), [c[:3] for c in SIMPLE], ids=[c[3] for c in SIMPLE])
def test_simple_relations_hand(name: str, args: tuple[float, ...], expected: Any) -> None:
    assert getattr(p, name)(*args) == close(expected)


def test_driving_force_and_ionic_current_vanish_at_equilibrium() -> None:
    # Exact-zero references: Vm == E exactly.
    assert p.driving_force(-0.0641, -0.0641) == close(0.0, zero_abs=1e-18)
    assert p.ionic_current(5e-9, -0.0641, -0.0641) == close(0.0, zero_abs=1e-24)


# (z, Vm, E, expected): net flux follows -z (Vm - E): z (Vm - E) < 0 is influx.
FLUX = [
    ((1, -0.065, 0.0615), "influx", "Na at rest"),
    ((1, -0.065, -0.089), "efflux", "K at rest"),
    ((2, -0.065, 0.132), "influx", "Ca at rest"),
    ((-1, -0.070, -0.0641), "efflux", "Cl below E_Cl (physics.md s8 row 9)"),
    ((-1, -0.050, -0.0641), "influx", "Cl above E_Cl"),
    ((-2, 0.0, -0.03), "influx", "z=-2 above E"),
    ((-2, -0.06, -0.03), "efflux", "z=-2 below E"),
    ((1, -0.07, -0.07), "none", "cation at E"),
    ((-1, -0.0641, -0.0641), "none", "anion at E"),
]


@pytest.mark.parametrize(("args", "expected"), [c[:2] for c in FLUX], ids=[c[2] for c in FLUX])
def test_flux_direction(args: tuple[int, float, float], expected: str) -> None:
    assert p.flux_direction(*args) == expected


# (Vm, E, expected): outward current positive, current sign = sign(Vm - E) for any z.
CURRENT = [
    ((-0.065, 0.0615), "inward", "Na at rest"),
    ((-0.065, -0.089), "outward", "K at rest"),
    ((-0.070, -0.0641), "inward", "Cl efflux is an inward current"),
    ((-0.050, -0.0641), "outward", "Cl influx is an outward current"),
    ((-0.07, -0.07), "none", "at E"),
]


@pytest.mark.parametrize(("args", "expected"), [c[:2] for c in CURRENT], ids=[c[2] for c in CURRENT])
def test_current_direction(args: tuple[float, float], expected: str) -> None:
    assert p.current_direction(*args) == expected


# --- 4. physics.md worked figures, within their printed rounding --------------------------------
THERMAL = [(6.3, 24.081, 55.449), (20.0, 25.262, 58.167), (25.0, 25.693, 59.159), (37.0, 26.727, 61.540)]


@pytest.mark.parametrize(("t", "rt_f_mV", "decade_mV"), THERMAL, ids=[f"{c[0]} C" for c in THERMAL])
def test_thermal_voltage_table(t: float, rt_f_mV: float, decade_mV: float) -> None:
    # physics.md s2 table, 3 decimals in mV: RT/F = nernst for a ratio of e, ln10 RT/F for 10.
    assert p.nernst(math.e, 1.0, 1, K(t)) == pytest.approx(rt_f_mV * 1e-3, abs=0.5e-6, rel=0.0)
    assert p.nernst(10.0, 1.0, 1, K(t)) == pytest.approx(decade_mV * 1e-3, abs=0.5e-6, rel=0.0)


WATER_FIGURES = [(25.0, 78.30), (37.0, 74.15), (6.3, 85.26)]


@pytest.mark.parametrize(("t", "eps_r"), WATER_FIGURES, ids=[f"{c[0]} C" for c in WATER_FIGURES])
def test_water_permittivity_figures(t: float, eps_r: float) -> None:
    # physics.md s2: 78.30 at 25 C, 74.15 at 37 C, 85.26 at 6.3 C (2 decimals).
    assert p.water_permittivity(K(t)) == pytest.approx(eps_r, abs=0.005, rel=0.0)


# (label, computed by the package, printed value, abs tolerance = half the last printed digit)
def _worked_figures() -> list[tuple[str, Callable[[], Any], float, float]]:
    T37, T25 = K(37), K(25)
    nacl = ([150.0, 150.0], [1, -1])
    with_ca = ([140.0, 144.0, 2.0], [1, -1, 2])
    E_Na = lambda: p.nernst(150.0, 15.0, 1, T37)  # noqa: E731
    return [
        ("s2 E_Na 150/15 37C = 61.540 mV", E_Na, 61.540e-3, 0.5e-6),
        ("s4 Debye 150 mM 1:1 37C = 0.779 nm",
         lambda: p.debye_length(*nacl, T37, 74.15), 0.779e-9, 0.5e-12),
        ("s4 Debye 150 mM 1:1 37C with water_permittivity = 0.779 nm",
         lambda: p.debye_length(*nacl, T37, p.water_permittivity(T37)), 0.779e-9, 0.5e-12),
        ("s4 Grahame -0.02 C/m2 150 NaCl 37C eps 74.15 = -23.0 mV",
         lambda: p.grahame_surface_potential(-0.02, *nacl, T37, 74.15), -23.0e-3, 0.05e-3),
        ("s4 Grahame -0.02 C/m2 150 NaCl 25C eps 78.30 = -22.0 mV",
         lambda: p.grahame_surface_potential(-0.02, *nacl, T25, 78.30), -22.0e-3, 0.05e-3),
        ("s4 Grahame -0.02 C/m2 140 NaCl + 2 CaCl2 37C = -23.09 mV",
         lambda: p.grahame_surface_potential(-0.02, *with_ca, T37, 74.15), -23.09e-3, 0.005e-3),
        ("s5 local_potential -149.5 mV",
         lambda: p.effective_driving_force(-0.065, E_Na(), -0.023, 0.0, model="local_potential"),
         -149.5e-3, 0.05e-3),
        ("s5 local_concentration -103.5 mV",
         lambda: p.effective_driving_force(-0.065, E_Na(), -0.023, 0.0, model="local_concentration"),
         -103.5e-3, 0.05e-3),
        ("s5 consistent -126.5 mV",
         lambda: p.effective_driving_force(-0.065, E_Na(), -0.023, 0.0, model="consistent"),
         -126.5e-3, 0.05e-3),
        ("s8 row 12 GHK mammal K:Na:Cl 1:0.05:0.45 37C = -64.94 mV",
         lambda: p.ghk_voltage([1.0, 0.05, 0.45], [5.0, 145.0, 110.0], [140.0, 15.0, 10.0], [1, 1, -1], T37),
         -64.94e-3, 0.005e-3),
        ("s8 DF Na at -65 mV = -126.54 mV",
         lambda: p.driving_force(-0.065, E_Na()), -126.54e-3, 0.005e-3),
        ("s8 row 5 E_Ca 1e-4/2 mM 37C = 132.3 mV",
         lambda: p.nernst(2.0, 1e-4, 2, T37), 132.3e-3, 0.05e-3),
        ("s8 row 6 E_Cl 10/110 37C = -64.09 mV",
         lambda: p.nernst(110.0, 10.0, -1, T37), -64.09e-3, 0.005e-3),
        ("s8 row 13 E_K 140/5 37C = -89.06 mV",
         lambda: p.nernst(5.0, 140.0, 1, T37), -89.06e-3, 0.005e-3),
        ("s8 row 15 Q sphere r=10 um 100 mV = 1.26e-12 C",
         lambda: p.capacitive_charge(0.01 * p.sphere_area(10e-6), 0.1), 1.26e-12, 0.005e-12),
        ("s8 row 17 dc/c sphere r=10 um 15 mM 100 mV = 2.07e-4",
         lambda: p.fractional_concentration_change(10e-6, 0.1, 15.0, 1), 2.07e-4, 0.005e-4),
        ("s8 row 22 linear DH sigma lambda_D/eps = -23.7 mV",
         lambda: -0.02 * p.debye_length(*nacl, T37, 74.15) / (74.15 * p.eps0), -23.7e-3, 0.05e-3),
        ("s8 row 23 Boltzmann Na 15 mM at -23 mV 37C = 35.47 mM",
         lambda: p.boltzmann_concentration(15.0, 1, -0.023, T37), 35.47, 0.005),
        ("s8 row 24 Boltzmann Ca 2 mM at -30 mV 37C = 18.88 mM",
         lambda: p.boltzmann_concentration(2.0, 2, -0.030, T37), 18.88, 0.005),
    ]


WORKED = _worked_figures()


@pytest.mark.parametrize(("compute", "printed", "tol"), [c[1:] for c in WORKED], ids=[c[0] for c in WORKED])
def test_physics_md_worked_figures(compute: Callable[[], Any], printed: float, tol: float) -> None:
    assert compute() == pytest.approx(printed, abs=tol, rel=0.0)


# Hille (2001) Table 1.1, mammalian skeletal muscle at 37 C, printed to whole mV:
# compare with 1 mV absolute (physics.md s9), not 1e-6.
HILLE = [
    ((4.0, 155.0, 1), -98.0, "E_K 155/4"),
    ((145.0, 12.0, 1), 67.0, "E_Na 12/145"),
    ((123.0, 4.2, -1), -90.0, "E_Cl 4.2/123"),
]


@pytest.mark.parametrize(("args", "printed_mV"), [c[:2] for c in HILLE], ids=[c[2] for c in HILLE])
def test_hille_muscle_table(args: tuple[float, float, int], printed_mV: float) -> None:
    assert p.nernst(*args, K(37)) == pytest.approx(printed_mV * 1e-3, abs=1.0e-3, rel=0.0)


# --- 5. numpy broadcasting ---------------------------------------------------------------------
BROADCAST = [
    ("nernst", p.nernst, h_nernst,
     (np.array([5.0, 150.0, 110.0]), np.array([[15.0], [140.0]]), 1, K(37)), "c_out (3,) x c_in (2,1)"),
    ("nernst", p.nernst, h_nernst,
     (150.0, 15.0, np.array([[1], [-1]]), np.array([K(6.3), K(20), K(37)])), "z (2,1) x T (3,)"),
    ("ghk_current", p.ghk_current, h_ghk_current,
     (1e-8, 1, np.array([-0.065, 0.0, 0.03]), np.array([[15.0], [140.0]]), 150.0, K(37)),
     "Vm (3,) incl 0 x c_in (2,1)"),
    ("ghk_current", p.ghk_current, h_ghk_current,
     (np.array([[1e-8], [1e-6]]), np.array([1, -1, 2]), -0.02, 10.0, 2.0, K(25)), "P (2,1) x z (3,)"),
]


@pytest.mark.parametrize(("name", "func", "hand", "args"), [c[:4] for c in BROADCAST],
                         ids=[f"{c[0]} {c[4]}" for c in BROADCAST])
def test_broadcasting(name: str, func: Callable[..., Any], hand: Callable[..., Any], args: tuple[Any, ...]) -> None:
    arrays = np.broadcast_arrays(*(np.asarray(a) for a in args))
    expected = np.empty(arrays[0].shape)
    for index in np.ndindex(expected.shape):
        scalars = [a[index].item() for a in arrays]
        expected[index] = float(hand(*scalars))
    got = np.asarray(func(*args))
    assert got.shape == (2, 3)
    assert got == close(expected)
