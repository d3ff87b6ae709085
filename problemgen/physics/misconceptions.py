"""Misconception models: the standard wrong formulas, as functions.

Each model belongs to one physics function and takes exactly that function's arguments, so
the generation engine can re-evaluate an answer with one function swapped for its wrong twin
(e.g. ``sphere_area`` -> ``circle_area`` inside a charge calculation), graders can name the
mistake, and distractors come for free. Numbers follow physics.md §8; a model may coincide with
the right answer for some inputs (dropping z for K+), and callers drop such values.

Temperature slips (°C used as K, 273 instead of 273.15) live on :func:`kelvin`, where the
conversion happens, so they apply to every relation that takes a temperature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from problemgen.errors import UnknownNameError
from problemgen.physics import constants as C
from problemgen.physics import core, surface
from problemgen.physics._checks import check_valence
from problemgen.physics.constants import _scalar


@dataclass(frozen=True)
class Misconception:
    """A named wrong formula for one physics function."""

    function: str
    """Name of the physics function it imitates (same arguments)."""
    name: str
    """Identifier used in banks, e.g. ``"log10_without_factor"``."""
    feedback: str
    """Second-person explanation shown to a student, e.g. "you used log10 without the factor 2.303"."""
    wrong: Callable[..., Any]
    """The wrong formula."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.wrong(*args, **kwargs)


_REGISTRY: dict[str, dict[str, Misconception]] = {}


def _model(function: str, name: str, feedback: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(wrong: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY.setdefault(function, {})[name] = Misconception(function, name, feedback, wrong)
        return wrong
    return register


def _sign(z: Any) -> Any:
    return np.sign(check_valence("misconception", z))


# --- temperature ------------------------------------------------------------------------------
@_model("kelvin", "celsius_as_kelvin", "you used the Celsius temperature where the absolute temperature (K) belongs")
def _celsius_as_kelvin(t_celsius: Any) -> Any:
    return _scalar(np.asarray(t_celsius, float))


@_model("kelvin", "wrong_absolute_zero", "you converted to kelvin with 273 instead of 273.15")
def _kelvin_273(t_celsius: Any) -> Any:
    return _scalar(np.asarray(t_celsius, float) + 273.0)


# --- Nernst -----------------------------------------------------------------------------------
@_model("nernst", "inverted_ratio", "you inverted the concentration ratio (inside over outside)")
def _nernst_inverted(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.nernst(c_in, c_out, z, T)


@_model("nernst", "log10_without_factor", "you used log10 without the factor 2.303 (ln 10)")
def _nernst_log10(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.nernst(c_out, c_in, z, T) / np.log(10.0)


@_model("nernst", "decade_slope_with_ln", "you used the per-decade slope (2.303 RT/zF: 58 mV at 20 °C, 61.5 mV at 37 °C) with the natural log")
def _nernst_slope_ln(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.nernst(c_out, c_in, z, T) * np.log(10.0)


@_model("nernst", "valence_dropped", "you left out the valence z (a divalent ion halves the potential)")
def _nernst_no_valence(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.nernst(c_out, c_in, _sign(z), T)


@_model("nernst", "anion_sign", "you used +1 as the valence of an anion; z is negative for anions")
def _nernst_anion_sign(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.nernst(c_out, c_in, np.abs(check_valence("misconception", z)), T)


@_model("nernst", "room_temperature_slope", "you used the room-temperature 58 mV per decade at a different temperature")
def _nernst_58(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    core.nernst(c_out, c_in, z, T)  # same argument checks as the real function
    return _scalar(0.058 / np.asarray(z, float) * np.log10(np.asarray(c_out, float) / np.asarray(c_in, float)))


@_model("nernst", "thermal_voltage_25mV", "you used RT/F = 25 mV (room temperature) instead of its value at this temperature")
def _nernst_25(c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    core.nernst(c_out, c_in, z, T)
    return _scalar(0.025 / np.asarray(z, float) * np.log(np.asarray(c_out, float) / np.asarray(c_in, float)))


# --- driving force, current, direction ----------------------------------------------------------
@_model("driving_force", "reversed_driving_force", "you computed E − Vm; the driving force is Vm − E")
def _df_reversed(Vm: Any, E: Any) -> Any:
    return -core.driving_force(Vm, E)


@_model("ionic_current", "reversed_driving_force", "you used E − Vm; the current is I = g (Vm − E), outward positive")
def _current_reversed(g: Any, Vm: Any, E: Any) -> Any:
    return -core.ionic_current(g, Vm, E)


@_model("ionic_current", "millivolt_slip", "you multiplied by the voltage in mV as if it were in V (a factor of 1000)")
def _current_mv(g: Any, Vm: Any, E: Any) -> Any:
    return core.ionic_current(g, Vm, E) * 1000.0


@_model("ionic_current", "volt_slip", "you converted the voltage twice (a factor of 1/1000)")
def _current_v(g: Any, Vm: Any, E: Any) -> Any:
    return core.ionic_current(g, Vm, E) / 1000.0


@_model("flux_direction", "anion_read_as_cation", "you read the direction as for a cation; for an anion it is the other way round")
def _flux_cation(z: Any, Vm: Any, E: Any) -> Any:
    return core.flux_direction(np.abs(check_valence("misconception", z)), Vm, E)


@_model("flux_direction", "reversed_driving_force", "you used E − Vm instead of Vm − E, so the direction came out reversed")
def _flux_reversed(z: Any, Vm: Any, E: Any) -> Any:
    return core.flux_direction(-check_valence("misconception", z), Vm, E)


# --- GHK --------------------------------------------------------------------------------------
@_model("ghk_current", "exponent_sign", "you wrote 1 − exp(+zFV/RT) in the denominator; the sign of the exponent matters")
def _ghk_exponent(P: Any, z: Any, Vm: Any, c_in: Any, c_out: Any, T: Any) -> Any:
    right = core.ghk_current(P, z, Vm, c_in, c_out, T)
    u = np.asarray(z, float) * C.F * np.asarray(Vm, float) / (C.R * np.asarray(T, float))
    # (1 - e^{-u}) / (1 - e^{+u}) = -e^{-u}; at u = 0 the wrong form has no limit problem of its own.
    return _scalar(right * -np.exp(-u))


@_model("ghk_voltage", "anion_on_cation_side", "you put Cl⁻ on the same side as the cations; an anion's concentrations swap sides")
def _ghk_anion(P: Any, c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.ghk_voltage(P, c_out, c_in, [np.abs(v) for v in z], T)


@_model("ghk_voltage", "log_form_with_divalent", "you put a divalent ion into the log form of the GHK equation, which holds for monovalent ions only")
def _ghk_divalent(P: Any, c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.ghk_voltage(P, c_out, c_in, [np.sign(v) for v in z], T)


@_model("ghk_voltage", "inverted_ratio", "you inverted the ratio in the GHK equation")
def _ghk_inverted(P: Any, c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return core.ghk_voltage(P, c_in, c_out, z, T)


@_model("ghk_voltage_with_pump", "pump_ratio_ignored", "you left out the pump's coupling ratio r = 3/2")
def _pump_ratio(r: Any, P_K: Any, P_Na: Any, K_out: Any, K_in: Any, Na_out: Any, Na_in: Any, T: Any) -> Any:
    return core.ghk_voltage_with_pump(1.0, P_K, P_Na, K_out, K_in, Na_out, Na_in, T)


@_model("ghk_voltage_with_pump", "inverted_ratio", "you inverted the ratio in the Mullins–Noda equation (inside over outside)")
def _pump_inverted(r: Any, P_K: Any, P_Na: Any, K_out: Any, K_in: Any, Na_out: Any, Na_in: Any, T: Any) -> Any:
    return core.ghk_voltage_with_pump(r, P_K, P_Na, K_in, K_out, Na_in, Na_out, T)


@_model("chord_potential", "unweighted_mean", "you averaged the equilibrium potentials without weighting them by conductance")
def _chord_mean(g: Any, E: Any) -> Any:
    return core.chord_potential([1.0] * len(g), E)


# --- forces, charge, geometry -----------------------------------------------------------------
@_model("coulomb_force", "valence_squared", "you scaled the force with z²; the force is proportional to z")
def _force_z2(z: Any, field: Any) -> Any:
    return core.coulomb_force(z, field) * np.abs(np.asarray(z, float))


@_model("coulomb_force", "valence_dropped", "you left out the valence z; a divalent ion feels twice the force")
def _force_no_z(z: Any, field: Any) -> Any:
    return core.coulomb_force(_sign(z), field)


@_model("sphere_area", "circle_area", "you used the area of a circle (πr²) instead of a sphere's surface (4πr²)")
def _circle(r: Any) -> Any:
    return core.sphere_area(r) / 4.0


@_model("fractional_concentration_change", "volume_area_ratio", "you used 1/r for A/V; a sphere has A/V = 3/r and a cylinder 2/r")
def _fraction_ratio(radius: Any, dV: Any, c_in: Any, z: Any, C_m: Any = 0.01, geometry: str = "sphere") -> Any:
    return core.fractional_concentration_change(radius, dV, c_in, z, C_m, geometry) / core._SHAPE[geometry]


@_model("fractional_concentration_change", "millimolar_as_molar", "you divided the concentration by 1000, as if 1 mM were 10⁻³ mol/m³; 1 mM is already 1 mol/m³")
def _fraction_mm(radius: Any, dV: Any, c_in: Any, z: Any, C_m: Any = 0.01, geometry: str = "sphere") -> Any:
    return core.fractional_concentration_change(radius, dV, c_in, z, C_m, geometry) * 1000.0


@_model("fractional_concentration_change", "capacitance_unit_slip", "you converted 1 µF/cm² to 1e-6 F/m²; it is 0.01 F/m²")
def _fraction_cm(radius: Any, dV: Any, c_in: Any, z: Any, C_m: Any = 0.01, geometry: str = "sphere") -> Any:
    return core.fractional_concentration_change(radius, dV, c_in, z, C_m, geometry) * 1e-4


@_model("pump_current", "three_charges_per_cycle", "you counted 3 charges per cycle; the 3 Na⁺ : 2 K⁺ pump moves one net charge")
def _pump_three(n_pumps: Any, turnover: Any, net_charge: Any = 1) -> Any:
    return core.pump_current(n_pumps, turnover, net_charge) * 3.0


# --- surface charge ---------------------------------------------------------------------------
@_model("grahame_surface_potential", "kT_over_e", "you used kT/e instead of 2kT/e in front of asinh")
def _grahame_kt(sigma: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    # For a 1:1 salt (kT/e) asinh(...) is exactly half of (2kT/e) asinh(...); general
    # electrolytes get the same factor-of-two slip.
    return surface.grahame_surface_potential(sigma, c, z, T, eps_r) / 2.0


@_model("grahame_surface_potential", "permittivity_omitted", "you left out ε_r (used ε0 alone for water)")
def _grahame_eps(sigma: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.grahame_surface_potential(sigma, c, z, T, 1.0)


@_model("grahame_surface_potential", "millimolar_as_molar", "you used the concentration in mol/L where mol/m³ belongs (mM = mol/m³)")
def _grahame_mm(sigma: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.grahame_surface_potential(sigma, [np.asarray(v, float) / 1000.0 for v in c], z, T, eps_r)


@_model("grahame_surface_potential", "linear_debye_huckel", "you used the linear (Debye–Hückel) form σλ_D/ε outside its range")
def _grahame_linear(sigma: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    surface.grahame_surface_potential(sigma, c, z, T, eps_r)
    length = surface.debye_length(c, z, T, eps_r)
    return _scalar(np.asarray(sigma, float) * length / (np.asarray(eps_r, float) * C.eps0))


@_model("grahame_surface_charge", "kT_over_e", "you used e ψ0 / kT instead of e ψ0 / 2kT inside sinh")
def _grahame_charge_kt(psi0: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.grahame_surface_charge(np.asarray(psi0, float) * 2.0, c, z, T, eps_r)


@_model("grahame_surface_charge", "permittivity_omitted", "you left out ε_r (used ε0 alone for water)")
def _grahame_charge_eps(psi0: Any, c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.grahame_surface_charge(psi0, c, z, T, 1.0)


@_model("debye_length", "millimolar_as_molar", "you used the concentration in mol/L where mol/m³ belongs (mM = mol/m³)")
def _debye_mm(c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.debye_length([np.asarray(v, float) / 1000.0 for v in c], z, T, eps_r)


@_model("debye_length", "permittivity_omitted", "you left out ε_r (used ε0 alone for water)")
def _debye_eps(c: Any, z: Any, T: Any, eps_r: Any) -> Any:
    return surface.debye_length(c, z, T, 1.0)


@_model("boltzmann_concentration", "boltzmann_sign", "you flipped the sign of the Boltzmann exponent; it is exp(−zFψ/RT)")
def _boltzmann_sign(c_bulk: Any, z: Any, psi: Any, T: Any) -> Any:
    return surface.boltzmann_concentration(c_bulk, -check_valence("misconception", z), psi, T)


@_model("boltzmann_concentration", "valence_dropped", "you left out the valence z in the Boltzmann factor")
def _boltzmann_z(c_bulk: Any, z: Any, psi: Any, T: Any) -> Any:
    return surface.boltzmann_concentration(c_bulk, _sign(z), psi, T)


for _other in surface.EFFECTIVE_DRIVING_FORCE_MODELS:
    def _wrong_model(Vm: Any, E: Any, psi_in: Any, psi_out: Any, model: str, _used: str = _other) -> Any:
        return surface.effective_driving_force(Vm, E, psi_in, psi_out, _used)

    _model("effective_driving_force", f"model_{_other}",
           f"you used the {_other.replace('_', ' ')} model, not the one this part asks for")(_wrong_model)


def misconceptions_for(function: str) -> dict[str, Misconception]:
    """All misconception models of one physics function (empty if it has none)."""
    return dict(_REGISTRY.get(function, {}))


def misconception(function: str, name: str) -> Misconception:
    """Look up one misconception model, e.g. ``misconception("nernst", "inverted_ratio")``."""
    models = _REGISTRY.get(function, {})
    if name not in models:
        raise UnknownNameError(f"misconception of {function}", name, sorted(models))
    return models[name]


def all_misconceptions() -> list[Misconception]:
    """Every registered model, ordered by function then name."""
    return [m for function in sorted(_REGISTRY) for _, m in sorted(_REGISTRY[function].items())]
