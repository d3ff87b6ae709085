"""Tests of problemgen.physics: properties, misconception models, relations, bad input.

Reference values from independent sources live in test_physics_reference.py; here we test
the behaviour the contract promises (signs, symmetries, limits, errors, one definition).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import problemgen.physics as p
from problemgen.errors import PhysicsInputError, UnknownNameError

conc = st.floats(min_value=1e-4, max_value=1e3)
temperature = st.floats(min_value=250.0, max_value=350.0)
valence = st.sampled_from([1, -1, 2, -2])
voltage = st.floats(min_value=-0.2, max_value=0.2)
permeability = st.floats(min_value=1e-9, max_value=1e-5)


# --- properties (hypothesis) ------------------------------------------------------------------
@given(conc, conc, valence, temperature)
def test_nernst_swapping_concentrations_negates(c_out: float, c_in: float, z: int, T: float) -> None:
    assert p.nernst(c_in, c_out, z, T) == pytest.approx(-p.nernst(c_out, c_in, z, T), rel=1e-12, abs=1e-15)


@given(conc, conc, valence, temperature)
def test_nernst_negating_valence_negates(c_out: float, c_in: float, z: int, T: float) -> None:
    assert p.nernst(c_out, c_in, -z, T) == pytest.approx(-p.nernst(c_out, c_in, z, T), rel=1e-12, abs=1e-15)


@given(conc, conc, st.sampled_from([1, -1]), temperature, permeability)
def test_ghk_voltage_of_one_ion_is_its_nernst_potential(c_out: float, c_in: float, z: int, T: float,
                                                         P: float) -> None:
    assert p.ghk_voltage([P], [c_out], [c_in], [z], T) == pytest.approx(
        p.nernst(c_out, c_in, z, T), rel=1e-9, abs=1e-12)


@settings(max_examples=50)
@given(conc, conc, st.sampled_from([2, -2]), temperature)
def test_ghk_voltage_root_finder_matches_nernst_for_one_divalent_ion(c_out: float, c_in: float, z: int,
                                                                   T: float) -> None:
    assert p.ghk_voltage([1e-7], [c_out], [c_in], [z], T) == pytest.approx(
        p.nernst(c_out, c_in, z, T), rel=1e-9, abs=1e-12)


@given(permeability, valence, conc, conc, temperature)
def test_ghk_current_is_zero_at_the_nernst_potential(P: float, z: int, c_in: float, c_out: float,
                                                     T: float) -> None:
    E = p.nernst(c_out, c_in, z, T)
    scale = P * abs(z) * p.F * max(c_in, c_out)
    assert abs(p.ghk_current(P, z, E, c_in, c_out, T)) <= 1e-9 * scale


@given(permeability, valence, conc, conc, temperature)
def test_ghk_current_is_continuous_at_zero_voltage(P: float, z: int, c_in: float, c_out: float,
                                                   T: float) -> None:
    at_zero = p.ghk_current(P, z, 0.0, c_in, c_out, T)
    assert at_zero == pytest.approx(P * z * p.F * (c_in - c_out), rel=1e-12, abs=1e-300)
    # Near V = 0 the current moves by at most its (bounded) slope times V: no jump, no NaN.
    slope_bound = 2 * P * z**2 * p.F**2 / (p.R * T) * max(c_in, c_out)
    for V in (1e-12, -1e-12, 1e-9, -1e-9, 1e-7, -1e-7):
        nearby = p.ghk_current(P, z, V, c_in, c_out, T)
        assert abs(nearby - at_zero) <= slope_bound * abs(V) + 1e-12 * abs(at_zero)


@given(st.lists(st.tuples(st.floats(1e-3, 1e3), st.floats(-0.2, 0.2)), min_size=1, max_size=6))
def test_chord_potential_lies_between_the_extreme_potentials(pairs: list[tuple[float, float]]) -> None:
    g, E = zip(*pairs)
    V = p.chord_potential(list(g), list(E))
    assert min(E) - 1e-12 <= V <= max(E) + 1e-12


@pytest.mark.parametrize(("g", "E", "expected"), [
    ([1.4e-9, 0.9e-9], [0.063, -0.098], 0.0),        # 1.4·63 = 0.9·98: exactly 0, not -6e-15
    ([1.7e-9, 1.1e-9], [0.055, -0.085], 0.0),        # 1.7·55 = 1.1·85
    ([1.5e-9, 1.1e-9], [0.055, -0.085], -0.011 / 2.6),  # (82.5 − 93.5) / 2.6 mV
    ([1e-9, 2e-9], [0.06, -0.09], -0.04),
])
def test_chord_potential_of_terms_that_cancel_is_exactly_zero(g: list[float], E: list[float], expected: float) -> None:
    # By hand: sum(g E) / sum(g); a sum whose terms cancel exactly is 0, never rounding noise.
    assert p.chord_potential(g, E) == pytest.approx(expected, rel=1e-12, abs=0.0)


@given(st.floats(-0.3, 0.3), st.floats(1.0, 1000.0), temperature, st.floats(20.0, 90.0))
def test_grahame_round_trips(sigma: float, c: float, T: float, eps_r: float) -> None:
    psi = p.grahame_surface_potential(sigma, [c, c], [1, -1], T, eps_r)
    assert p.grahame_surface_charge(psi, [c, c], [1, -1], T, eps_r) == pytest.approx(sigma, rel=1e-9, abs=1e-15)


@given(st.floats(-0.15, 0.15), st.floats(10.0, 500.0), temperature)
def test_grahame_general_form_round_trips_with_divalent_ions(psi: float, c: float, T: float) -> None:
    ions = ([c, c + 4.0, 2.0], [1, -1, 2])
    sigma = p.grahame_surface_charge(psi, *ions, T, 78.3)
    assert p.grahame_surface_potential(sigma, *ions, T, 78.3) == pytest.approx(psi, rel=1e-9, abs=1e-12)


@given(voltage, voltage, voltage, voltage)
def test_consistent_effective_driving_force_is_vm_minus_e(Vm: float, E: float, psi_in: float,
                                                         psi_out: float) -> None:
    assert p.effective_driving_force(Vm, E, psi_in, psi_out, "consistent") == pytest.approx(
        Vm - E, rel=1e-12, abs=1e-15)


@given(st.sampled_from([1, -1, 2]), voltage, voltage)
def test_flux_and_current_directions_follow_the_sign_convention(z: int, Vm: float, E: float) -> None:
    current = p.current_direction(Vm, E)
    flux = p.flux_direction(z, Vm, E)
    if Vm == E:
        assert (current, flux) == ("none", "none")
    else:
        # Outward current positive: a cation efflux or an anion influx is an outward current.
        outward = current == "outward"
        assert (flux == "efflux") == (outward if z > 0 else not outward)


# --- misconception models: physics.md §8, reference case Na+ 150/15 mM at 37 °C -----------------
T37 = p.kelvin(37.0)
NA = dict(c_out=150.0, c_in=15.0, z=1, T=T37)


@pytest.mark.parametrize(
    ("function", "name", "args", "expected", "rel"),
    [
        ("nernst", "inverted_ratio", NA, -61.54e-3, 1e-4),
        ("nernst", "log10_without_factor", NA, 26.73e-3, 1e-3),
        ("nernst", "decade_slope_with_ln", NA, 141.7e-3, 1e-3),
        ("nernst", "valence_dropped", dict(c_out=2.0, c_in=1e-4, z=2, T=T37), 264.7e-3, 1e-3),
        ("nernst", "anion_sign", dict(c_out=110.0, c_in=10.0, z=-1, T=T37), 64.09e-3, 1e-3),
        ("nernst", "room_temperature_slope", NA, 58.0e-3, 1e-9),
        ("nernst", "thermal_voltage_25mV", NA, 57.56e-3, 1e-3),
        ("driving_force", "reversed_driving_force", dict(Vm=-65e-3, E=61.54e-3), 126.54e-3, 1e-9),
        ("chord_potential", "unweighted_mean",
         dict(g=[1.0, 0.04, 0.45], E=[-89.06e-3, 61.54e-3, -64.09e-3]), -30.54e-3, 1e-3),
        ("sphere_area", "circle_area", dict(r=10e-6), math.pi * 1e-10, 1e-12),
        ("fractional_concentration_change", "volume_area_ratio",
         dict(radius=10e-6, dV=0.1, c_in=15.0, z=1), 6.91e-5, 1e-3),
        ("fractional_concentration_change", "millimolar_as_molar",
         dict(radius=10e-6, dV=0.1, c_in=15.0, z=1), 0.2073, 1e-3),
        ("grahame_surface_potential", "kT_over_e",
         dict(sigma=-0.02, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15), -11.5e-3, 3e-3),
        ("grahame_surface_potential", "permittivity_omitted",
         dict(sigma=-0.02, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15), -109.6e-3, 1e-3),
        ("grahame_surface_potential", "millimolar_as_molar",
         dict(sigma=-0.02, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15), -178e-3, 3e-3),
        ("grahame_surface_potential", "linear_debye_huckel",
         dict(sigma=-0.02, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15), -23.7e-3, 3e-3),
        ("boltzmann_concentration", "boltzmann_sign", dict(c_bulk=15.0, z=1, psi=-23e-3, T=T37), 6.34, 1e-3),
        ("boltzmann_concentration", "valence_dropped", dict(c_bulk=2.0, z=2, psi=-30e-3, T=T37), 6.14, 1e-3),
        ("coulomb_force", "valence_squared", dict(z=2, field=1e7), 4 * p.e * 1e7, 1e-12),
        ("pump_current", "three_charges_per_cycle", dict(n_pumps=1e6, turnover=100.0), 3e8 * p.e, 1e-12),
        ("effective_driving_force", "model_local_potential",
         dict(Vm=-65e-3, E=61.54e-3, psi_in=-23e-3, psi_out=0.0, model="consistent"), -149.54e-3, 1e-9),
        ("effective_driving_force", "model_local_concentration",
         dict(Vm=-65e-3, E=61.54e-3, psi_in=-23e-3, psi_out=0.0, model="consistent"), -103.54e-3, 1e-9),
        ("ghk_voltage", "anion_on_cation_side",
         dict(P=[1, 0.05, 0.45], c_out=[5, 145, 110], c_in=[140, 15, 10], z=[1, 1, -1], T=T37), -22.86e-3, 1e-3),
        # Mullins–Noda with the 3:2 pump, K 5/140, Na 145/15, P_Na/P_K 0.05: +71.1 mV inverted
        # (-(RT/F)·ln((1.5·5 + 0.05·145)/(1.5·140 + 0.05·15)), by hand).
        ("ghk_voltage_with_pump", "inverted_ratio",
         dict(r=1.5, P_K=1.0, P_Na=0.05, K_out=5.0, K_in=140.0, Na_out=145.0, Na_in=15.0, T=T37),
         -(p.R * T37 / p.F) * math.log((1.5 * 5 + 0.05 * 145) / (1.5 * 140 + 0.05 * 15)), 1e-12),
        ("kelvin", "celsius_as_kelvin", dict(t_celsius=37.0), 37.0, 0.0),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_misconception_gives_the_documented_wrong_value(function: str, name: str, args: dict,
                                                        expected: float, rel: float) -> None:
    assert p.misconception(function, name)(**args) == pytest.approx(expected, rel=rel, abs=0)


def test_celsius_as_kelvin_in_nernst_gives_the_tabulated_value() -> None:
    # physics.md §8 row 4: 7.34 mV, by swapping kelvin() for its misconception.
    wrong_T = p.misconception("kelvin", "celsius_as_kelvin")(37.0)
    assert p.nernst(150.0, 15.0, 1, wrong_T) == pytest.approx(7.34e-3, rel=1e-3)


SAMPLE_ARGUMENTS = {
    "kelvin": dict(t_celsius=25.0),
    "nernst": dict(c_out=2.0, c_in=1e-4, z=2, T=T37),
    "driving_force": dict(Vm=-0.07, E=0.05),
    "ionic_current": dict(g=1e-9, Vm=-0.07, E=0.05),
    "flux_direction": dict(z=-1, Vm=-0.07, E=-0.06),
    "ghk_current": dict(P=1e-8, z=1, Vm=-0.05, c_in=15.0, c_out=150.0, T=T37),
    "ghk_voltage": dict(P=[1, 0.05, 0.45, 0.2], c_out=[5, 145, 110, 2], c_in=[140, 15, 10, 1e-4],
                        z=[1, 1, -1, 2], T=T37),
    "ghk_voltage_with_pump": dict(r=1.5, P_K=1.0, P_Na=0.05, K_out=5.0, K_in=140.0, Na_out=145.0, Na_in=15.0, T=T37),
    "chord_potential": dict(g=[1.0, 0.2], E=[-0.09, 0.06]),
    "coulomb_force": dict(z=2, field=1e7),
    "sphere_area": dict(r=1e-5),
    "fractional_concentration_change": dict(radius=1e-5, dV=0.1, c_in=15.0, z=1),
    "pump_current": dict(n_pumps=1e6, turnover=50.0),
    "debye_length": dict(c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15),
    "grahame_surface_potential": dict(sigma=-0.1, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15),
    "grahame_surface_charge": dict(psi0=-0.06, c=[150.0, 150.0], z=[1, -1], T=T37, eps_r=74.15),
    "boltzmann_concentration": dict(c_bulk=2.0, z=2, psi=-0.03, T=T37),
    "nernst.anion_sign": dict(c_out=110.0, c_in=10.0, z=-1, T=T37),
    "effective_driving_force.model_consistent": dict(Vm=-0.065, E=0.0615, psi_in=-0.023, psi_out=-0.005,
                                                     model="local_potential"),
    "effective_driving_force": dict(Vm=-0.065, E=0.0615, psi_in=-0.023, psi_out=-0.005, model="consistent"),
}


@pytest.mark.parametrize("model", p.all_misconceptions(), ids=lambda m: f"{m.function}.{m.name}")
def test_every_misconception_differs_from_the_correct_value(model: p.Misconception) -> None:
    # GIVEN inputs for which the slip matters, WHEN both formulas run, THEN they disagree.
    args = SAMPLE_ARGUMENTS.get(f"{model.function}.{model.name}", SAMPLE_ARGUMENTS[model.function])
    right = getattr(p, model.function)(**args)
    wrong = model(**args)
    if isinstance(right, str):
        assert wrong != right
    else:
        assert not math.isclose(wrong, right, rel_tol=1e-6), (wrong, right)
    assert model.feedback.startswith("you ")


def test_the_model_a_problem_uses_is_not_its_own_misconception() -> None:
    args = dict(SAMPLE_ARGUMENTS["effective_driving_force"], model="local_concentration")
    same = p.misconception("effective_driving_force", "model_local_concentration")(**args)
    assert same == p.effective_driving_force(**args)


# --- one definition: numeric, sympy and LaTeX agree ---------------------------------------------
RELATION_POINTS = {
    "kelvin": dict(t_celsius=21.5),
    "nernst": dict(c_out=145.0, c_in=12.0, z=1, T=300.0),
    "ghk_current": dict(P=2e-8, z=2, Vm=-0.04, c_in=1e-4, c_out=2.0, T=310.0),
    "ghk_voltage": dict(P_K=1.0, P_Na=0.04, P_Cl=0.45, K_out=20.0, K_in=400.0, Na_out=440.0, Na_in=50.0,
                        Cl_out=560.0, Cl_in=52.0, T=279.45),
    "ghk_voltage_with_pump": dict(r=1.5, P_K=1.0, P_Na=0.05, K_out=5.0, K_in=140.0, Na_out=145.0,
                                  Na_in=15.0, T=310.15),
    "driving_force": dict(Vm=-0.07, E=-0.09),
    "ionic_current": dict(g=5e-9, Vm=-0.07, E=0.06),
    "coulomb_force": dict(z=-1, field=1.4e7),
    "capacitive_charge": dict(C=1e-11, dV=0.1),
    "sphere_area": dict(r=7e-6),
    "sphere_volume": dict(r=7e-6),
    "fractional_concentration_change": dict(radius=0.3e-6, dV=0.08, c_in=1e-4, z=2, C_m=0.01, shape=3.0),
    "pump_current": dict(n_pumps=2e5, turnover=80.0, net_charge=1.0),
    "debye_length": dict(c=150.0, T=310.15, eps_r=74.15),
    "grahame_surface_potential": dict(sigma=-0.03, c=150.0, T=310.15, eps_r=74.15),
    "grahame_surface_charge": dict(psi=-0.03, c=150.0, T=310.15, eps_r=74.15),
    "boltzmann_concentration": dict(c_bulk=2.0, z=2, psi=-0.02, T=310.15),
}


def _sympy_value(relation: p.Relation, point: dict) -> float:
    from problemgen.physics.relations import constant_values

    expression = relation.expression().subs(constant_values())
    return float(expression.subs({relation.symbols()[k]: v for k, v in point.items()}).evalf(30))


@pytest.mark.parametrize("name", sorted(p.RELATIONS))
def test_relation_numeric_and_sympy_forms_agree(name: str) -> None:
    relation = p.relation(name)
    point = RELATION_POINTS[name]
    assert float(relation.evaluate(**point)) == pytest.approx(_sympy_value(relation, point), rel=1e-12)
    assert relation.latex().startswith(relation.output.latex + " = ")


@pytest.mark.parametrize(
    ("name", "unknown"),
    [(name, v.name) for name in sorted(p.RELATIONS) for v in p.relation(name).inputs
     if not (name == "ghk_current" and v.name in ("z", "Vm", "T"))  # transcendental in these
     and not (name.startswith("grahame") and v.name == "T")  # T inside and outside asinh/sinh
     and not (name == "fractional_concentration_change" and v.name == "z")],  # |z| has two roots
)
def test_relation_can_be_solved_for_each_input(name: str, unknown: str) -> None:
    # GIVEN the output at a point, WHEN sympy solves for one input, THEN the input comes back.
    from problemgen.physics.relations import constant_values

    relation = p.relation(name)
    point = RELATION_POINTS[name]
    output = float(relation.evaluate(**point))
    symbols = relation.symbols()
    values = {symbols[k]: v for k, v in point.items() if k != unknown}
    values[symbols[relation.output.name]] = output
    recovered = [complex(s.subs(constant_values()).subs(values).evalf(30)) for s in relation.solve_for(unknown)]
    assert any(abs(r.imag) < 1e-9 * (abs(r.real) + 1e-300) and r.real == pytest.approx(point[unknown], rel=1e-9)
               for r in recovered), recovered


def test_nernst_solved_for_inside_concentration_is_the_textbook_form() -> None:
    import sympy

    relation = p.relation("nernst")
    s = relation.symbols()
    R, F = (sympy.Symbol(n, positive=True) for n in ("R", "F"))
    (solution,) = relation.solve_for("c_in")
    assert sympy.simplify(solution - s["c_out"] * sympy.exp(-s["E"] * s["z"] * F / (R * s["T"]))) == 0


# --- broadcasting -------------------------------------------------------------------------------
def test_functions_broadcast_over_every_argument() -> None:
    c_out = np.array([[100.0], [150.0]])
    c_in = np.array([10.0, 15.0, 20.0])
    z = np.array([1, -1, 2])
    E = p.nernst(c_out, c_in, z, 310.15)
    assert E.shape == (2, 3)
    assert E[1, 1] == pytest.approx(p.nernst(150.0, 15.0, -1, 310.15))
    V = p.ghk_voltage([1.0, 0.05], [np.array([5.0, 10.0]), 145.0], [140.0, 15.0], [1, 1], 310.15)
    assert V.shape == (2,)
    assert p.flux_direction(np.array([1, -1]), -0.07, -0.064).tolist() == ["influx", "efflux"]


def test_scalar_inputs_give_python_floats() -> None:
    assert type(p.nernst(150, 15, 1, 310.15)) is float


# --- bad input: a clear error naming the argument and the value ---------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: p.nernst(150, 0, 1, 310), "nernst: c_in must be > 0 (mol/m^3), got 0.0"),
        (lambda: p.nernst(-5, 15, 1, 310), "nernst: c_out must be > 0 (mol/m^3), got -5.0"),
        (lambda: p.nernst(150, 15, 0, 310), "nernst: z must be a non-zero signed valence (e.g. 1, -1, 2), got 0"),
        (lambda: p.nernst(150, 15, 1.5, 310), "nernst: z must be an integer valence, got 1.5"),
        (lambda: p.nernst(150, 15, 1, -3), "nernst: T must be > 0 (K; convert Celsius with kelvin(t)), got -3.0"),
        (lambda: p.nernst(150, [15, float("nan")], 1, 310), "nernst: c_in must be finite, got nan"),
        (lambda: p.nernst("a lot", 15, 1, 310), "nernst: c_out must be a number or an array of numbers, got 'a lot'"),
        (lambda: p.ghk_current(1e-8, 1, float("inf"), 15, 150, 310), "ghk_current: Vm must be finite, got inf"),
        (lambda: p.ghk_voltage([1, 0.05], [5, 145], [140], [1, 1], 310),
         "ghk_voltage: sequences must all have one entry per ion, got 'P has 2, c_out has 2, c_in has 1, z has 2'"),
        (lambda: p.ghk_voltage([], [], [], [], 310), "ghk_voltage: P must list at least one ion, got []"),
        (lambda: p.ghk_voltage([0, 0], [5, 145], [140, 15], [1, 1], 310),
         "ghk_voltage: P must have at least one permeability > 0, got [0, 0]"),
        (lambda: p.chord_potential([1.0, 2.0], [-0.09]),
         "chord_potential: sequences must all have one entry per ion, got 'g has 2, E has 1'"),
        (lambda: p.chord_potential([-1.0], [-0.09]), "chord_potential: g[0] must be >= 0 (S), got -1.0"),
        (lambda: p.grahame_surface_potential(-0.02, [150, 100], [1, -1], 310, 74),
         "grahame_surface_potential: c must describe an electroneutral bulk (sum of z*c = 0), got 50.0"),
        (lambda: p.grahame_surface_potential(-1e8, [150, 150], [1, -1], 310, 74),
         "grahame_surface_potential: sigma is too large for this electrolyte (|psi0| would exceed 1 V), got 100000000.0"),
        (lambda: p.debye_length(150, [1, -1], 310, 74),
         "debye_length: c must be a sequence with one entry per ion, got 150"),
        (lambda: p.water_permittivity(37.0), "water_permittivity: T must lie between 273.15 and 373.15 K, got 37.0"),
        (lambda: p.sphere_area(0.0), "sphere_area: r must be > 0 (m), got 0.0"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_input_raises_a_located_error(call, message: str) -> None:
    with pytest.raises(PhysicsInputError) as caught:
        call()
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: p.effective_driving_force(0, 0, 0, 0, "surface"),
         "unknown effective driving force model 'surface'; use one of: local_potential, local_concentration, consistent"),
        (lambda: p.ion("Zn2+"), "unknown ion 'Zn2+'; use one of: K+, Na+, Cl-, Ca2+, Mg2+, H+, HCO3-"),
        (lambda: p.fractional_concentration_change(1e-6, 0.1, 15, 1, geometry="cube"),
         "unknown geometry 'cube'; use one of: cylinder, sphere"),
        (lambda: p.misconception("nernst", "bad_luck"),
         "unknown misconception of nernst 'bad_luck'; use one of: anion_sign, decade_slope_with_ln, "
         "inverted_ratio, log10_without_factor, room_temperature_slope, thermal_voltage_25mV, valence_dropped"),
        (lambda: p.cell_type("plankton"),
         "unknown cell type 'plankton'; use one of: neuron, skeletal_muscle, cardiac_myocyte, astrocyte, "
         "squid_axon, frog_muscle, plant_cell"),
    ],
    ids=["model", "ion", "geometry", "misconception", "cell-type"],
)
def test_unknown_names_raise_with_the_choices(call, message: str) -> None:
    with pytest.raises(UnknownNameError) as caught:
        call()
    assert str(caught.value) == message


# --- ion registry and cell types ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "symbol", "z", "unicode", "latex"),
    [
        ("K+", "K+", 1, "K⁺", r"\mathrm{K^+}"),
        ("sodium", "Na+", 1, "Na⁺", r"\mathrm{Na^+}"),
        ("Cl⁻", "Cl-", -1, "Cl⁻", r"\mathrm{Cl^-}"),
        ("Ca", "Ca2+", 2, "Ca²⁺", r"\mathrm{Ca^{2+}}"),
        ("Mg2+", "Mg2+", 2, "Mg²⁺", r"\mathrm{Mg^{2+}}"),
        ("H+", "H+", 1, "H⁺", r"\mathrm{H^+}"),
        ("bicarbonate", "HCO3-", -1, "HCO₃⁻", r"\mathrm{HCO_3^-}"),
    ],
)
def test_ion_registry(name: str, symbol: str, z: int, unicode: str, latex: str) -> None:
    ion = p.ion(name)
    assert (ion.plain, ion.z, ion.unicode, ion.latex) == (symbol, z, unicode, latex)


@pytest.mark.parametrize("cell", sorted(p.CELL_TYPES))
def test_cell_type_ranges_are_ordered_and_give_textbook_signs(cell: str) -> None:
    # Every tabulated range is ordered, and K+ always has a negative, Na+ a positive potential.
    c = p.cell_type(cell)
    for typical in c.ions.values():
        assert 0 < typical.inside[0] <= typical.inside[1]
        assert 0 < typical.outside[0] <= typical.outside[1]
    T = p.kelvin(c.temperature_C[1])
    k, na = c.typical("K+"), c.typical("Na+")
    assert p.nernst(k.outside[1], k.inside[0], 1, T) < 0
    if na.outside[0] > na.inside[1]:
        assert p.nernst(na.outside[0], na.inside[1], 1, T) > 0
    assert c.v_rest[0] <= c.v_rest[1] < 0
