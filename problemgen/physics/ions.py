"""The ion registry and typical concentrations per cell type.

Concentrations are in mM (numerically mol/m^3, the SI unit of the core). Ranges come from
standard textbook tables (Hille 2001 Table 1.1; Bear, Connors & Paradiso; Kandel; Purves) as
collected in the project's physics reference §7; free Mg2+, H+ (from pH) and HCO3- use the usual
textbook values (Hille ch. 1; Boron & Boulpaep).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from problemgen.errors import UnknownNameError


@dataclass(frozen=True)
class Ion:
    """An ion species with signed valence and its display forms."""

    symbol: str
    """Plain key, e.g. ``"K+"``, ``"Ca2+"``, ``"Cl-"``."""
    name: str
    """English name, e.g. ``"potassium"``."""
    z: int
    """Signed valence."""
    unicode: str
    """Display form with Unicode super/subscripts, e.g. ``"Ca²⁺"``."""
    latex: str
    """LaTeX form, e.g. ``r"\\mathrm{Ca^{2+}}"``."""
    html: str
    """HTML form, e.g. ``"Ca<sup>2+</sup>"``."""

    @property
    def plain(self) -> str:
        """Plain ASCII form (the registry key)."""
        return self.symbol

    @property
    def is_cation(self) -> bool:
        """True for positive valence."""
        return self.z > 0


IONS: dict[str, Ion] = {
    ion.symbol: ion
    for ion in (
        Ion("K+", "potassium", 1, "K⁺", r"\mathrm{K^+}", "K<sup>+</sup>"),
        Ion("Na+", "sodium", 1, "Na⁺", r"\mathrm{Na^+}", "Na<sup>+</sup>"),
        Ion("Cl-", "chloride", -1, "Cl⁻", r"\mathrm{Cl^-}", "Cl<sup>−</sup>"),
        Ion("Ca2+", "calcium", 2, "Ca²⁺", r"\mathrm{Ca^{2+}}", "Ca<sup>2+</sup>"),
        Ion("Mg2+", "magnesium", 2, "Mg²⁺", r"\mathrm{Mg^{2+}}", "Mg<sup>2+</sup>"),
        Ion("H+", "proton", 1, "H⁺", r"\mathrm{H^+}", "H<sup>+</sup>"),
        Ion("HCO3-", "bicarbonate", -1, "HCO₃⁻", r"\mathrm{HCO_3^-}", "HCO<sub>3</sub><sup>−</sup>"),
    )
}

_ALIASES = {alias.casefold(): ion.symbol for ion in IONS.values()
            for alias in (ion.symbol, ion.unicode, ion.name, ion.symbol.rstrip("+-").rstrip("0123456789"))}


def ion(name: str) -> Ion:
    """Look up an ion by plain symbol (``"K+"``), Unicode form, bare element or name."""
    key = _ALIASES.get(str(name).strip().casefold())
    if key is None:
        raise UnknownNameError("ion", name, list(IONS))
    return IONS[key]


Range = tuple[float, float]


@dataclass(frozen=True)
class Typical:
    """Typical inside and outside concentrations (mM) of one ion in one cell type."""

    inside: Range
    outside: Range


@dataclass(frozen=True)
class CellType:
    """A cell type: temperature, resting potential and typical ion concentrations."""

    name: str
    label: str
    temperature_C: Range
    """Usual experimental temperature range, in °C."""
    v_rest: Range
    """Resting membrane potential range, in V."""
    ions: dict[str, Typical] = field(default_factory=dict)
    source: str = ""

    def typical(self, ion_name: str) -> Typical:
        """Typical concentrations of an ion in this cell type (raises if not tabulated)."""
        key = ion(ion_name).symbol
        if key not in self.ions:
            raise UnknownNameError(f"ion tabulated for {self.name}", ion_name, list(self.ions))
        return self.ions[key]


def _t(inside: Range, outside: Range) -> Typical:
    return Typical(inside, outside)


CELL_TYPES: dict[str, CellType] = {
    cell.name: cell
    for cell in (
        CellType("neuron", "mammalian neuron", (35.0, 37.0), (-0.075, -0.060), {
            "K+": _t((120, 155), (3, 5)), "Na+": _t((5, 15), (135, 150)), "Cl-": _t((4, 30), (100, 125)),
            "Ca2+": _t((5e-5, 1e-4), (1, 2.5)), "Mg2+": _t((0.5, 1.0), (1.0, 2.0)),
            "H+": _t((5.0e-5, 7.9e-5), (3.5e-5, 4.5e-5)), "HCO3-": _t((10, 15), (22, 26))},
            "Bear, Connors & Paradiso; Kandel; Purves"),
        CellType("skeletal_muscle", "mammalian skeletal muscle", (37.0, 37.0), (-0.090, -0.090), {
            "K+": _t((155, 155), (4, 4)), "Na+": _t((12, 12), (145, 145)), "Cl-": _t((4.2, 4.2), (123, 123)),
            "Ca2+": _t((1e-4, 1e-4), (1.5, 1.5)), "HCO3-": _t((12, 12), (27, 27))},
            "Hille 2001, Table 1.1"),
        CellType("cardiac_myocyte", "cardiac ventricular myocyte", (37.0, 37.0), (-0.085, -0.085), {
            "K+": _t((140, 140), (4, 5.4)), "Na+": _t((8, 12), (140, 140)), "Cl-": _t((15, 30), (120, 140)),
            "Ca2+": _t((1e-4, 1e-4), (1.8, 2.0))}, "Bers 2001; textbook tables"),
        CellType("astrocyte", "astrocyte", (35.0, 37.0), (-0.090, -0.080), {
            "K+": _t((130, 140), (3, 5)), "Na+": _t((10, 20), (145, 145)), "Cl-": _t((30, 40), (110, 130)),
            "Ca2+": _t((1e-4, 1e-4), (1.2, 2.0)), "HCO3-": _t((10, 15), (22, 26))},
            "Kofuji & Newman 2004; Verkhratsky & Nedergaard 2018"),
        CellType("squid_axon", "squid giant axon", (6.3, 20.0), (-0.070, -0.060), {
            "K+": _t((400, 400), (10, 20)), "Na+": _t((50, 50), (440, 460)), "Cl-": _t((40, 150), (540, 560)),
            "Ca2+": _t((1e-4, 1e-4), (10, 10)), "Mg2+": _t((10, 10), (50, 55))},
            "Hodgkin 1964; Hille 2001"),
        CellType("frog_muscle", "frog skeletal muscle", (20.0, 20.0), (-0.090, -0.090), {
            "K+": _t((124, 140), (2.25, 2.5)), "Na+": _t((10.4, 10.4), (109, 120)), "Cl-": _t((1.5, 4), (77, 120)),
            "Ca2+": _t((1e-4, 1e-4), (1.8, 2.1))}, "Conway 1957; Hille 2001"),
        CellType("plant_cell", "plant root cell / Chara", (15.0, 25.0), (-0.200, -0.110), {
            "K+": _t((75, 100), (0.01, 1)), "Na+": _t((1, 10), (1, 1)), "Cl-": _t((5, 10), (1, 2)),
            "Ca2+": _t((1e-4, 2e-4), (0.1, 1)), "H+": _t((3.2e-5, 6.3e-5), (1e-3, 1e-2))},
            "Taiz & Zeiger; Beilby 1984 (Chara); pH 7.2-7.5 cytosol, 5-6 apoplast"),
    )
}


def cell_type(name: str) -> CellType:
    """Look up a cell type by name (``"neuron"``, ``"squid_axon"``, ...)."""
    try:
        return CELL_TYPES[name]
    except KeyError:
        raise UnknownNameError("cell type", name, list(CELL_TYPES)) from None
