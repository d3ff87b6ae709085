"""The closed unit table: symbols, prefixes, long names and dimension names (data only).

Dimensions are exponent tuples over the SI base units (m, kg, s, A, K, mol); factors are exact
decimals to SI. Everything a student or a bank author may write is listed here and nothing else
is accepted (grading rules §4), so the table doubles as the allowlist.
"""

from __future__ import annotations

from decimal import Decimal

Dims = tuple[int, int, int, int, int, int]
"""Exponents of (m, kg, s, A, K, mol)."""

BASE_NAMES = ("m", "kg", "s", "A", "K", "mol")

_VOLT: Dims = (2, 1, -3, -1, 0, 0)
_OHM: Dims = (2, 1, -3, -2, 0, 0)
_SIEMENS: Dims = (-2, -1, 3, 2, 0, 0)
_FARAD: Dims = (-2, -1, 4, 2, 0, 0)

SYMBOLS: dict[str, tuple[str, Decimal, Dims, bool]] = {
    # spelling: (canonical symbol, factor to SI, dims, takes a prefix)
    "V": ("V", Decimal(1), _VOLT, True),
    "A": ("A", Decimal(1), (0, 0, 0, 1, 0, 0), True),
    "S": ("S", Decimal(1), _SIEMENS, True),
    "F": ("F", Decimal(1), _FARAD, True),
    "C": ("C", Decimal(1), (0, 0, 1, 1, 0, 0), True),
    "mol": ("mol", Decimal(1), (0, 0, 0, 0, 0, 1), True),
    "M": ("M", Decimal(1000), (-3, 0, 0, 0, 0, 1), True),  # molar = mol/L = 1000 mol/m^3
    "L": ("L", Decimal("0.001"), (3, 0, 0, 0, 0, 0), True),
    "l": ("L", Decimal("0.001"), (3, 0, 0, 0, 0, 0), True),
    "m": ("m", Decimal(1), (1, 0, 0, 0, 0, 0), True),
    "s": ("s", Decimal(1), (0, 0, 1, 0, 0, 0), True),
    "sec": ("s", Decimal(1), (0, 0, 1, 0, 0, 0), True),  # "msec" is common in physiology papers
    "g": ("g", Decimal("0.001"), (0, 1, 0, 0, 0, 0), True),
    "K": ("K", Decimal(1), (0, 0, 0, 0, 1, 0), True),
    "Ω": ("Ohm", Decimal(1), _OHM, True),  # U+03A9 GREEK CAPITAL OMEGA
    "\u2126": ("Ohm", Decimal(1), _OHM, True),  # U+2126 OHM SIGN (NFKC folds it to U+03A9)
    "ohm": ("Ohm", Decimal(1), _OHM, True),
    "Ohm": ("Ohm", Decimal(1), _OHM, True),
    # ohm is a word as well as a symbol, and students write its plural as for volts and ohms:
    # "kOhms", "MOhms", "kohms" (and so "mohms" is milliohms, as "mohm" is).
    "ohms": ("Ohm", Decimal(1), _OHM, True),
    "Ohms": ("Ohm", Decimal(1), _OHM, True),
    "N": ("N", Decimal(1), (1, 1, -2, 0, 0, 0), True),
    "J": ("J", Decimal(1), (2, 1, -2, 0, 0, 0), True),
    "W": ("W", Decimal(1), (2, 1, -3, 0, 0, 0), True),
    "Hz": ("Hz", Decimal(1), (0, 0, -1, 0, 0, 0), True),
    "Pa": ("Pa", Decimal(1), (-1, 1, -2, 0, 0, 0), True),
}

PREFIXES: dict[str, str] = {
    # spelling: canonical prefix ("u" for micro, in every spelling)
    "": "", "a": "a", "f": "f", "p": "p", "n": "n", "u": "u", "µ": "u", "μ": "u",
    "m": "m", "c": "c", "d": "d", "k": "k", "M": "M", "G": "G", "T": "T",
}

LONG_PREFIXES: dict[str, str] = {
    "": "", "atto": "a", "femto": "f", "pico": "p", "nano": "n", "micro": "u", "milli": "m",
    "centi": "c", "deci": "d", "kilo": "k", "mega": "M", "giga": "G", "tera": "T",
}

LONG_NAMES: dict[str, str] = {
    # long name (singular and plural): canonical symbol; combined with LONG_PREFIXES only
    **{name: "V" for name in ("volt", "volts")},
    **{name: "A" for name in ("ampere", "amperes", "amp", "amps")},
    "siemens": "S",
    **{name: "F" for name in ("farad", "farads")},
    **{name: "C" for name in ("coulomb", "coulombs")},
    **{name: "mol" for name in ("mole", "moles")},
    "molar": "M",
    **{name: "L" for name in ("liter", "liters", "litre", "litres")},
    **{name: "m" for name in ("meter", "meters", "metre", "metres")},
    **{name: "s" for name in ("second", "seconds", "secs")},
    "kelvin": "K",
    **{name: "Ohm" for name in ("ohm", "ohms")},
    **{name: "N" for name in ("newton", "newtons")},
    **{name: "J" for name in ("joule", "joules")},
    **{name: "W" for name in ("watt", "watts")},
    "hertz": "Hz",
    **{name: "g" for name in ("gram", "grams")},
    **{name: "Pa" for name in ("pascal", "pascals")},
}

ELIDED_NAMES: dict[str, tuple[str, str]] = {
    # prefixed long names written with the vowel elided, as dictionaries and the SI brochure
    # allow: spelling -> (canonical prefix, canonical symbol); "kiloohm" etc. come from LONG_NAMES
    **{name: ("k", "Ohm") for name in ("kilohm", "kilohms")},
    **{name: ("M", "Ohm") for name in ("megohm", "megohms")},
    **{name: ("G", "Ohm") for name in ("gigohm", "gigohms")},
}

COMMON_UNITS: tuple[str, ...] = (
    # the units banks use, in order of preference for "did you mean" suggestions
    "mV", "V", "mM", "uM", "nM", "M", "mol", "mmol", "pA", "nA", "uA", "A", "pS", "nS", "mS", "S",
    "uF", "pF", "F", "pC", "C", "um", "nm", "cm", "mm", "m", "ms", "s", "us", "K", "MOhm", "GOhm",
    "kOhm", "Ohm", "N", "J", "W", "Hz", "L", "mL", "uL", "pL", "fL", "g", "mg", "Pa", "kPa",
)

_DIMENSION_NAMES: dict[Dims, str] = {
    (0, 0, 0, 0, 0, 0): "dimensionless",
    (1, 0, 0, 0, 0, 0): "length",
    (2, 0, 0, 0, 0, 0): "area",
    (3, 0, 0, 0, 0, 0): "volume",
    (-1, 0, 0, 0, 0, 0): "inverse length",
    (-2, 0, 0, 0, 0, 0): "number per area",
    (-3, 0, 0, 0, 0, 0): "number per volume",
    (0, 1, 0, 0, 0, 0): "mass",
    (0, 0, 1, 0, 0, 0): "time",
    (0, 0, -1, 0, 0, 0): "frequency (rate)",
    (0, 0, 0, 1, 0, 0): "current",
    (0, 0, 0, 0, 1, 0): "temperature",
    (0, 0, 0, 0, 0, 1): "amount of substance",
    (-3, 0, 0, 0, 0, 1): "concentration",
    (-2, 0, 0, 0, 0, 1): "amount per area",
    (0, 0, -1, 0, 0, 1): "amount per time",
    (-2, 0, -1, 0, 0, 1): "flux (amount per area and time)",
    (_VOLT): "voltage",
    (1, 1, -3, -1, 0, 0): "electric field",
    (2, 1, -4, -1, 0, 0): "voltage per time",
    (_OHM): "resistance",
    (_SIEMENS): "conductance",
    (-4, -1, 3, 2, 0, 0): "conductance density",
    (_FARAD): "capacitance",
    (-4, -1, 4, 2, 0, 0): "specific capacitance",
    (0, 0, 1, 1, 0, 0): "charge",
    (-2, 0, 1, 1, 0, 0): "surface charge density",
    (-2, 0, 0, 1, 0, 0): "current density",
    (0, 0, 1, 1, 0, -1): "charge per amount",
    (1, 0, -1, 0, 0, 0): "velocity (permeability)",
    (1, 1, -2, 0, 0, 0): "force",
    (2, 1, -2, 0, 0, 0): "energy",
    (2, 1, -2, 0, -1, 0): "energy per temperature",
    (2, 1, -2, 0, 0, -1): "energy per amount",
    (2, 1, -2, 0, -1, -1): "energy per amount and temperature",
    (2, 1, -3, 0, 0, 0): "power",
    (-1, 1, -2, 0, 0, 0): "pressure",
    (-3, -1, 4, 2, 0, 0): "permittivity",
}


def dimension_has_name(dims: Dims) -> bool:
    """Whether :func:`dimension_name` gives a reader's name for ``dims``."""
    return tuple(dims) in _DIMENSION_NAMES


def dimension_name(dims: Dims) -> str:
    """A reader's name for ``dims`` (``voltage``, ``concentration``...), else its SI base form.

    Note that A/F (pA/pF) is ``voltage per time``: current per capacitance is a rate of voltage
    change. Unnamed dimensions come back as e.g. ``m^2*kg*s^-3`` so a message can still say them.
    """
    name = _DIMENSION_NAMES.get(tuple(dims))  # type: ignore[call-overload]
    if name is not None:
        return name
    parts = [base if power == 1 else f"{base}^{power}" for base, power in zip(BASE_NAMES, dims) if power]
    return "*".join(parts)
