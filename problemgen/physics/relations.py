"""Each physical relation defined once, as a formula over a math backend.

A relation's ``formula(m, ...)`` is written against a tiny backend ``m`` that provides
``log, exp, sqrt, asinh, Abs, pi``, the constants and ``exprel(u) = u / (1 - exp(-u))``.
Called with the numpy backend it gives numbers (vectorized, with the V -> 0 limit of the GHK
current handled); called with the sympy backend it gives the symbolic expression, from which
LaTeX, solving for any unknown and lambdified evaluation follow. Keys, worked solutions and
numbers therefore cannot disagree.

sympy is imported only when a symbolic form is first asked for, so numeric use stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from problemgen.errors import UnknownNameError
from problemgen.physics import constants as C

_SERIES_BELOW = 1e-6  # |u| below which u/(1-exp(-u)) uses its Taylor series


def _exprel_numpy(u: Any) -> Any:
    """u / (1 - exp(-u)) without dividing by zero: 1 + u/2 + u^2/12 near u = 0."""
    u = np.asarray(u, dtype=float)
    small = np.abs(u) < _SERIES_BELOW
    safe = np.where(small, 1.0, u)
    exact = safe / -np.expm1(-safe)
    return np.where(small, 1.0 + u / 2.0 + u * u / 12.0, exact)


#: The numpy backend: numbers in SI units.
NUMPY = SimpleNamespace(
    log=np.log, log10=np.log10, exp=np.exp, sqrt=np.sqrt, asinh=np.arcsinh, sinh=np.sinh,
    Abs=np.abs, pi=np.pi, exprel=_exprel_numpy,
    R=C.R, F=C.F, e=C.e, k_B=C.k_B, N_A=C.N_A, eps0=C.eps0,
)


@functools.cache
def sympy_backend() -> SimpleNamespace:
    """The sympy backend: constants stay symbols (R, F, ...) so LaTeX reads like a textbook."""
    import sympy

    constants = {name: sympy.Symbol(name, positive=True) for name in ("R", "F", "e", "k_B", "N_A")}
    constants["eps0"] = sympy.Symbol("varepsilon_0", positive=True)
    return SimpleNamespace(
        log=sympy.log, log10=lambda x: sympy.log(x, 10), exp=sympy.exp, sqrt=sympy.sqrt,
        asinh=sympy.asinh, sinh=sympy.sinh, Abs=sympy.Abs, pi=sympy.pi,
        exprel=lambda u: u / (1 - sympy.exp(-u)),
        **constants,
    )


@functools.cache
def constant_values() -> dict[Any, float]:
    """Map each sympy constant symbol to its SI value (for substitution before evaluation)."""
    m = sympy_backend()
    return {m.R: C.R, m.F: C.F, m.e: C.e, m.k_B: C.k_B, m.N_A: C.N_A, m.eps0: C.eps0}


@dataclass(frozen=True)
class Variable:
    """One quantity in a relation."""

    name: str
    """Python name of the argument, as in the numeric function."""
    latex: str
    """LaTeX for the symbol in keys and worked solutions."""
    unit: str
    """SI unit of the value the relation takes or returns ("" for dimensionless)."""
    description: str
    """Plain-language meaning, for authoring guides and error messages."""
    positive: bool = False
    """True if the quantity is strictly positive (a sympy assumption that helps solving)."""


@dataclass(frozen=True)
class Relation:
    """A named physical law: output = formula(inputs), one definition for every use."""

    name: str
    title: str
    output: Variable
    inputs: tuple[Variable, ...]
    formula: Callable[..., Any]

    def evaluate(self, **values: Any) -> Any:
        """Evaluate with numpy on SI values (no argument checks; use the public functions)."""
        return self.formula(NUMPY, **values)

    def symbols(self) -> dict[str, Any]:
        """sympy symbols for output and inputs, keyed by variable name."""
        import sympy

        return {
            v.name: sympy.Symbol(v.name, positive=True) if v.positive else sympy.Symbol(v.name, real=True)
            for v in (self.output, *self.inputs)
        }

    def expression(self, **replacements: Any) -> Any:
        """The right-hand side as a sympy expression; ``replacements`` substitute inputs."""
        symbols = self.symbols()
        arguments = {v.name: replacements.get(v.name, symbols[v.name]) for v in self.inputs}
        return self.formula(sympy_backend(), **arguments)

    def equation(self) -> Any:
        """The relation as a sympy ``Eq(output, expression)``."""
        import sympy

        return sympy.Eq(self.symbols()[self.output.name], self.expression())

    def solve_for(self, unknown: str) -> list[Any]:
        """Solve the relation for one of its variables; returns sympy solutions (maybe several)."""
        import sympy

        names = [v.name for v in (self.output, *self.inputs)]
        if unknown not in names:
            raise UnknownNameError(f"variable of relation {self.name!r}", unknown, names)
        return sympy.solve(self.equation(), self.symbols()[unknown], dict=False)

    def latex_names(self) -> dict[Any, str]:
        """sympy symbol -> LaTeX name, constants included, for ``sympy.latex(symbol_names=...)``."""
        m = sympy_backend()
        names = {self.symbols()[v.name]: v.latex for v in (self.output, *self.inputs)}
        names.update({m.k_B: "k_B", m.eps0: r"\varepsilon_0", m.N_A: "N_A"})
        return names

    def latex(self) -> str:
        """The relation as LaTeX, e.g. ``E = \\frac{R T}{F z} \\ln{...}``."""
        import sympy

        names = self.latex_names()
        # order="none" keeps the terms as the formula writes them (V_m - E_X, not -E_X + V_m).
        return f"{self.output.latex} = " + sympy.latex(self.expression(), symbol_names=names, ln_notation=True,
                                                        order="none")


# --- variables used by several relations ----------------------------------------------------
_c_out = Variable("c_out", r"[\mathrm{X}]_o", "mol/m^3", "concentration outside", positive=True)
_c_in = Variable("c_in", r"[\mathrm{X}]_i", "mol/m^3", "concentration inside", positive=True)
_z = Variable("z", "z", "", "signed valence")
_T = Variable("T", "T", "K", "absolute temperature", positive=True)
_Vm = Variable("Vm", "V_m", "V", "membrane potential (inside minus outside)")
_E = Variable("E", "E_X", "V", "equilibrium potential")
_P = Variable("P", "P_X", "m/s", "permeability", positive=True)
_g = Variable("g", "g_X", "S", "conductance", positive=True)
_psi = Variable("psi", r"\psi_0", "V", "surface potential")
_eps_r = Variable("eps_r", r"\varepsilon_r", "", "relative permittivity", positive=True)
_c = Variable("c", "c", "mol/m^3", "bulk concentration of the 1:1 electrolyte", positive=True)


def _nernst(m: Any, c_out: Any, c_in: Any, z: Any, T: Any) -> Any:
    return m.R * T / (z * m.F) * m.log(c_out / c_in)


def _ghk_current(m: Any, P: Any, z: Any, Vm: Any, c_in: Any, c_out: Any, T: Any) -> Any:
    # I = P z^2 F^2 V/(RT) (c_i - c_o e^{-u}) / (1 - e^{-u}),  u = zFV/RT; written with
    # exprel(u) = u/(1 - e^{-u}) so the V -> 0 limit P z F (c_i - c_o) is exact numerically.
    u = z * m.F * Vm / (m.R * T)
    return P * z * m.F * (c_in - c_out * m.exp(-u)) * m.exprel(u)


def _ghk_voltage_3(m: Any, P_K: Any, P_Na: Any, P_Cl: Any, K_out: Any, K_in: Any,
                   Na_out: Any, Na_in: Any, Cl_out: Any, Cl_in: Any, T: Any) -> Any:
    # Cl- (z = -1) sits on the "inverted" side.
    return m.R * T / m.F * m.log((P_K * K_out + P_Na * Na_out + P_Cl * Cl_in)
                                 / (P_K * K_in + P_Na * Na_in + P_Cl * Cl_out))


def _ghk_voltage_with_pump(m: Any, r: Any, P_K: Any, P_Na: Any, K_out: Any, K_in: Any,
                           Na_out: Any, Na_in: Any, T: Any) -> Any:
    return m.R * T / m.F * m.log((r * P_K * K_out + P_Na * Na_out) / (r * P_K * K_in + P_Na * Na_in))


def _debye_length_11(m: Any, c: Any, T: Any, eps_r: Any) -> Any:
    return m.sqrt(eps_r * m.eps0 * m.R * T / (2 * m.F**2 * c))


def _grahame_potential_11(m: Any, sigma: Any, c: Any, T: Any, eps_r: Any) -> Any:
    return 2 * m.k_B * T / m.e * m.asinh(sigma / m.sqrt(8 * eps_r * m.eps0 * m.k_B * T * c * m.N_A))


def _grahame_charge_11(m: Any, psi: Any, c: Any, T: Any, eps_r: Any) -> Any:
    return m.sqrt(8 * eps_r * m.eps0 * m.k_B * T * c * m.N_A) * m.sinh(m.e * psi / (2 * m.k_B * T))


def _boltzmann(m: Any, c_bulk: Any, z: Any, psi: Any, T: Any) -> Any:
    return c_bulk * m.exp(-z * m.F * psi / (m.R * T))


def _fraction(m: Any, radius: Any, dV: Any, c_in: Any, z: Any, C_m: Any, shape: Any) -> Any:
    # A/V = shape / r, with shape 3 for a sphere and 2 for a cylinder.
    return C_m * dV / (m.Abs(z) * m.F * c_in) * shape / radius


_RELATIONS = (
    Relation("kelvin", "Absolute temperature", _T,
             (Variable("t_celsius", "t", "degC", "Celsius temperature"),),
             lambda m, t_celsius: t_celsius + C.ZERO_CELSIUS),
    Relation("nernst", "Nernst equilibrium potential", _E, (_c_out, _c_in, _z, _T), _nernst),
    Relation("ghk_current", "GHK current density (constant field)",
             Variable("I", "I_X", "A/m^2", "current density, outward positive"),
             (_P, _z, _Vm, _c_in, _c_out, _T), _ghk_current),
    Relation("ghk_voltage", "GHK voltage equation (K+, Na+, Cl-)",
             Variable("V_rev", r"V_{rev}", "V", "reversal (resting) potential"),
             (Variable("P_K", "P_K", "m/s", "K+ permeability", True),
              Variable("P_Na", r"P_{Na}", "m/s", "Na+ permeability", True),
              Variable("P_Cl", r"P_{Cl}", "m/s", "Cl- permeability", True),
              Variable("K_out", r"[\mathrm{K^+}]_o", "mol/m^3", "K+ outside", True),
              Variable("K_in", r"[\mathrm{K^+}]_i", "mol/m^3", "K+ inside", True),
              Variable("Na_out", r"[\mathrm{Na^+}]_o", "mol/m^3", "Na+ outside", True),
              Variable("Na_in", r"[\mathrm{Na^+}]_i", "mol/m^3", "Na+ inside", True),
              Variable("Cl_out", r"[\mathrm{Cl^-}]_o", "mol/m^3", "Cl- outside", True),
              Variable("Cl_in", r"[\mathrm{Cl^-}]_i", "mol/m^3", "Cl- inside", True), _T),
             _ghk_voltage_3),
    Relation("ghk_voltage_with_pump", "Mullins–Noda potential with an electrogenic pump",
             Variable("V_m", "V_m", "V", "steady membrane potential"),
             (Variable("r", "r", "", "pump coupling ratio Na+:K+ (3/2)", True),
              Variable("P_K", "P_K", "m/s", "K+ permeability", True),
              Variable("P_Na", r"P_{Na}", "m/s", "Na+ permeability", True),
              Variable("K_out", r"[\mathrm{K^+}]_o", "mol/m^3", "K+ outside", True),
              Variable("K_in", r"[\mathrm{K^+}]_i", "mol/m^3", "K+ inside", True),
              Variable("Na_out", r"[\mathrm{Na^+}]_o", "mol/m^3", "Na+ outside", True),
              Variable("Na_in", r"[\mathrm{Na^+}]_i", "mol/m^3", "Na+ inside", True), _T),
             _ghk_voltage_with_pump),
    Relation("driving_force", "Driving force", Variable("DF", r"\mathrm{DF}", "V", "driving force"),
             (_Vm, _E), lambda m, Vm, E: Vm - E),
    Relation("ionic_current", "Ohmic ionic current", Variable("I", "I_X", "A", "current, outward positive"),
             (_g, _Vm, _E), lambda m, g, Vm, E: g * (Vm - E)),
    Relation("coulomb_force", "Electric force on an ion",
             Variable("force", "F_{el}", "N", "force along the field"),
             (_z, Variable("field", r"\mathcal{E}", "V/m", "electric field")),
             lambda m, z, field: z * m.e * field),
    Relation("capacitive_charge", "Charge on a capacitor", Variable("Q", "Q", "C", "charge"),
             (Variable("C", "C", "F", "capacitance", True), Variable("dV", r"\Delta V", "V", "voltage change")),
             lambda m, C, dV: C * dV),
    Relation("sphere_area", "Surface area of a sphere", Variable("A", "A", "m^2", "area"),
             (Variable("r", "r", "m", "radius", True),), lambda m, r: 4 * m.pi * r**2),
    Relation("sphere_volume", "Volume of a sphere", Variable("volume", r"\mathcal{V}", "m^3", "volume"),
             (Variable("r", "r", "m", "radius", True),), lambda m, r: 4 * m.pi * r**3 / 3),
    Relation("fractional_concentration_change", "Fractional concentration change for a voltage step",
             Variable("fraction", r"\Delta c / c_i", "", "fractional change"),
             (Variable("radius", "r", "m", "radius", True), Variable("dV", r"\Delta V", "V", "voltage change"),
              _c_in, _z, Variable("C_m", "C_m", "F/m^2", "specific capacitance", True),
              Variable("shape", r"k_{geom}", "", "r A/V: 3 for a sphere, 2 for a cylinder", True)),
             _fraction),
    Relation("pump_current", "Electrogenic pump current", Variable("I_pump", r"I_{pump}", "A", "pump current"),
             (Variable("n_pumps", "N", "", "number of pumps", True),
              Variable("turnover", r"k_{cat}", "1/s", "cycles per second", True),
              Variable("net_charge", r"n_{net}", "", "net charges per cycle")),
             lambda m, n_pumps, turnover, net_charge: n_pumps * turnover * net_charge * m.e),
    Relation("debye_length", "Debye length of a 1:1 electrolyte", Variable("lambda_D", r"\lambda_D", "m", "Debye length"),
             (_c, _T, _eps_r), _debye_length_11),
    Relation("grahame_surface_potential", "Grahame equation, 1:1 electrolyte (surface potential)", _psi,
             (Variable("sigma", r"\sigma", "C/m^2", "surface charge density"), _c, _T, _eps_r), _grahame_potential_11),
    Relation("grahame_surface_charge", "Grahame equation, 1:1 electrolyte (surface charge)",
             Variable("sigma", r"\sigma", "C/m^2", "surface charge density"), (_psi, _c, _T, _eps_r), _grahame_charge_11),
    Relation("boltzmann_concentration", "Boltzmann surface concentration",
             Variable("c_s", "c_s", "mol/m^3", "concentration at the surface"),
             (Variable("c_bulk", r"c_\infty", "mol/m^3", "bulk concentration", True), _z, _psi, _T), _boltzmann),
)

RELATIONS: dict[str, Relation] = {relation.name: relation for relation in _RELATIONS}


def relation(name: str) -> Relation:
    """Look up a relation by name (e.g. ``relation("nernst").solve_for("c_in")``)."""
    try:
        return RELATIONS[name]
    except KeyError:
        raise UnknownNameError("relation", name, sorted(RELATIONS)) from None
