"""The whitelist of functions and constants bank expressions may use.

Everything here broadcasts over numpy arrays so an expression evaluates every variant at once.
The physics functions are those of :mod:`problemgen.physics` (SI in, SI out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from problemgen import physics

_ION_VALENCE = {symbol: ion.z for symbol, ion in physics.IONS.items()}


def valence(ion: Any) -> Any:
    """Signed valence of an ion given by symbol (``z("Ca2+")`` = 2); vectorized over symbols."""
    symbols = np.asarray(ion)
    if symbols.ndim == 0:
        return physics.ion(str(symbols)).z
    # Look up each distinct symbol once (a batch holds thousands of copies of a few ions).
    distinct, inverse = np.unique(symbols.ravel(), return_inverse=True)
    table = np.array([physics.ion(str(s)).z for s in distinct], dtype=float)
    return table[inverse].reshape(symbols.shape)


def _reduce(operation: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*values: Any) -> Any:
        result = values[0]
        for value in values[1:]:
            result = operation(result, value)
        return result
    return apply


def _sum(values: list[Any]) -> Any:
    return _reduce(np.add)(*values)


def select(key: Any, keys: list[Any], values: list[Any]) -> Any:
    """The value whose key matches, per variant: ``select(ion, ["K+", "Na+"], [E_K, E_Na])``.

    Keys may be words (an ion parameter) or numbers and booleans (``select(x > y, [1, 0], [...])``);
    a key with no match gives NaN (or an empty word), which validation reports.
    """
    if len(keys) != len(values):
        raise ValueError(f"select: {len(keys)} keys but {len(values)} values")
    key = np.asarray(key)
    conditions = [key == k for k in keys]
    words = any(isinstance(np.asarray(v).ravel()[0] if np.ndim(v) else v, str) for v in values)
    default: Any = "" if words else np.nan
    return np.select(conditions, [np.broadcast_to(v, key.shape) for v in values], default=default)


def _ratio_percent(part: Any, whole: Any) -> Any:
    return np.multiply(100.0, np.divide(part, whole))


#: Math functions; ``log`` is the natural log, as in the grading rules.
MATH: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "ln": np.log, "log": np.log, "log10": np.log10,
    "sinh": np.sinh, "asinh": np.arcsinh, "sign": np.sign, "min": _reduce(np.minimum),
    "max": _reduce(np.maximum), "sum": _sum, "percent": _ratio_percent, "select": select,
}

#: Physics functions (the contract names) and ion helpers.
PHYSICS: dict[str, Callable[..., Any]] = {
    name: getattr(physics, name)
    for name in (
        "kelvin", "water_permittivity", "nernst", "ghk_current", "ghk_voltage", "driving_force",
        "ionic_current", "flux_direction", "current_direction", "chord_potential", "coulomb_force",
        "capacitive_charge", "sphere_area", "sphere_volume", "fractional_concentration_change",
        "pump_current", "ghk_voltage_with_pump", "debye_length", "grahame_surface_potential",
        "grahame_surface_charge", "boltzmann_concentration", "effective_driving_force",
    )
}
PHYSICS["z"] = valence

FUNCTIONS: dict[str, Callable[..., Any]] = {**MATH, **PHYSICS}

#: Named constants, SI.
CONSTANTS: dict[str, float] = {
    "R": physics.R, "F": physics.F, "e": physics.e, "k_B": physics.k_B, "N_A": physics.N_A,
    "eps0": physics.eps0, "pi": float(np.pi),
}

#: SI unit each physics function returns (``None``: depends on the arguments or is a word).
RESULT_UNITS: dict[str, str | None] = {
    "kelvin": "K", "water_permittivity": "", "nernst": "V", "ghk_current": "A/m^2", "ghk_voltage": "V",
    "driving_force": "V", "ionic_current": None, "flux_direction": None, "current_direction": None,
    "chord_potential": "V", "coulomb_force": "N", "capacitive_charge": None, "sphere_area": "m^2",
    "sphere_volume": "m^3", "fractional_concentration_change": "", "pump_current": "A",
    "ghk_voltage_with_pump": "V", "debye_length": "m", "grahame_surface_potential": "V",
    "grahame_surface_charge": "C/m^2", "boltzmann_concentration": "mol/m^3",
    "effective_driving_force": "V", "z": "",
}
