"""Argument checks shared by the physics functions.

Every check names the function, the argument and the offending value, and never lets a
non-finite number through: a silent NaN in a key is worse than an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from problemgen.errors import PhysicsInputError


def _array(function: str, argument: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise PhysicsInputError(function, argument, "must be a number or an array of numbers", value) from None
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].flat[0] if array.ndim else float(array)
        raise PhysicsInputError(function, argument, "must be finite", float(bad))
    return array


def _first_bad(array: np.ndarray, mask: np.ndarray) -> float:
    return float(array[mask].flat[0]) if array.ndim else float(array)


def check_finite(function: str, argument: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float array; raise if any element is NaN or infinite."""
    return _array(function, argument, value)


def check_positive(function: str, argument: str, value: Any, unit: str) -> np.ndarray:
    """Return ``value`` as a float array; raise unless every element is finite and > 0."""
    array = _array(function, argument, value)
    mask = array <= 0
    if np.any(mask):
        raise PhysicsInputError(function, argument, f"must be > 0 ({unit})", _first_bad(array, mask))
    return array


def check_nonnegative(function: str, argument: str, value: Any, unit: str) -> np.ndarray:
    """Return ``value`` as a float array; raise unless every element is finite and >= 0."""
    array = _array(function, argument, value)
    mask = array < 0
    if np.any(mask):
        raise PhysicsInputError(function, argument, f"must be >= 0 ({unit})", _first_bad(array, mask))
    return array


def check_temperature(function: str, value: Any) -> np.ndarray:
    """Absolute temperature in K: finite and > 0 (a Celsius value of 37 passes; -5 does not)."""
    return check_positive(function, "T", value, "K; convert Celsius with kelvin(t)")


def check_range(function: str, argument: str, value: Any, low: float, high: float, unit: str) -> np.ndarray:
    """Return ``value`` as a float array; raise unless every element lies in [low, high]."""
    array = _array(function, argument, value)
    mask = (array < low) | (array > high)
    if np.any(mask):
        raise PhysicsInputError(
            function, argument, f"must lie between {low:g} and {high:g} {unit}", _first_bad(array, mask)
        )
    return array


def check_valence(function: str, value: Any, argument: str = "z") -> np.ndarray:
    """Signed valence: a non-zero integer (e.g. +1 for K+, -1 for Cl-, +2 for Ca2+)."""
    array = _array(function, argument, value)
    zero = array == 0
    if np.any(zero):
        raise PhysicsInputError(function, argument, "must be a non-zero signed valence (e.g. 1, -1, 2)", 0)
    fractional = array != np.round(array)
    if np.any(fractional):
        raise PhysicsInputError(function, argument, "must be an integer valence", _first_bad(array, fractional))
    return array


def check_sequences(function: str, **sequences: Sequence[Any]) -> int:
    """Check that per-ion sequences are non-empty and of one length; return that length."""
    lengths: dict[str, int] = {}
    for name, sequence in sequences.items():
        if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__len__"):
            raise PhysicsInputError(function, name, "must be a sequence with one entry per ion", sequence)
        lengths[name] = len(sequence)
    if not lengths or min(lengths.values()) == 0:
        raise PhysicsInputError(function, next(iter(sequences)), "must list at least one ion", [])
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise PhysicsInputError(function, "sequences", "must all have one entry per ion", described)
    return next(iter(lengths.values()))


def stack(function: str, argument: str, sequence: Sequence[Any]) -> list[np.ndarray]:
    """Turn a per-ion sequence into a list of float arrays, each checked finite."""
    return [_array(function, f"{argument}[{i}]", item) for i, item in enumerate(sequence)]
