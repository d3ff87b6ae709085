"""Seeded parameter sampling (DESIGN.md contract: seeds, uniqueness, secrets).

A variant's seed is ``HMAC-SHA256(secret, "problemgen/v1" | exam id | student id | slot)``;
its random words for rejection attempt ``a`` are ``BLAKE2b(seed, a, block)``. The same
inputs therefore give the same variant byte for byte, and without the secret nobody can
recompute a key. Every given is drawn from a finite grid of displayed values (a range with a
step, a list of choices, a cell-type preset), so answers are always computed from exactly the
numbers the student sees.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from problemgen.model import Param, Template, VariantKey

SEED_DOMAIN = b"problemgen/v1"
_SEPARATOR = b"\x1f"


def variant_seed(secret: bytes, key: VariantKey) -> bytes:
    """The 32-byte seed of one variant, from the instructor's secret and the ids."""
    message = _SEPARATOR.join(
        [SEED_DOMAIN, key.exam_id.encode(), key.student_id.encode(), key.slot.encode()])
    return hmac.new(secret, message, hashlib.sha256).digest()


def random_words(seeds: Sequence[bytes], attempt: int, count: int) -> np.ndarray:
    """``count`` uniform 64-bit words per seed for one rejection attempt, shape (n, count)."""
    blocks = (count + 3) // 4
    tag = attempt.to_bytes(4, "little")
    data = b"".join(
        hashlib.blake2b(tag + block.to_bytes(4, "little"), key=seed, digest_size=32).digest()
        for seed in seeds for block in range(blocks))
    words = np.frombuffer(data, dtype="<u8").reshape(len(seeds), blocks * 4)
    return words[:, :count]


def _decimals(*values: float) -> int:
    return max(max(0, -Decimal(repr(float(v))).normalize().as_tuple().exponent) for v in values)


@dataclass(frozen=True)
class Grid:
    """The displayed values a random parameter can take (per ion for ion-dependent presets)."""

    values: dict[str, np.ndarray]
    """Key ``""`` for a fixed grid, else the ion symbol the grid belongs to."""
    depends_on: str = ""
    """Name of the ion parameter a preset follows, or ``""``."""


def _range_grid(low: float, high: float, step: float) -> np.ndarray:
    count = int(np.floor((high - low) / step + 1e-9)) + 1
    decimals = _decimals(low, step)
    return np.round(low + step * np.arange(count), decimals)


def param_grid(template: Template, param: Param) -> Grid:
    """The grid of one random (non-derived) parameter of ``template``."""
    if param.kind in ("choice", "ion"):
        return Grid({"": np.array(param.choices)})
    assert param.step is not None
    if param.kind == "range":
        assert param.low is not None and param.high is not None
        return Grid({"": _range_grid(param.low, param.high, param.step)})
    from problemgen.physics import cell_type

    # A preset follows either a fixed ion or an ion parameter (one grid per ion it can take).
    follows = next((p for p in template.params if p.name == param.ion and p.kind == "ion"), None)
    symbols = follows.choices if follows else (param.ion,)
    from problemgen.bank import unit_factor

    cell = cell_type(param.cell)
    # Cell-type tables are in mM (= mol/m^3, SI); the grid is in the parameter's display unit.
    to_display = 1.0 / unit_factor(param.unit or "mM")
    grids = {}
    for symbol in symbols:
        typical = tuple(v * to_display for v in getattr(cell.typical(symbol), param.side))
        # Multiples of the step inside the typical range; a range narrower than one step
        # (a single tabulated value) gives that value rounded to the step's decimals.
        low = round(float(np.ceil(typical[0] / param.step - 1e-9) * param.step), _decimals(param.step))
        if low > typical[1]:
            low = round(typical[0], _decimals(param.step))
        grids[symbol if follows else ""] = _range_grid(low, max(low, typical[1]), param.step)
    return Grid(grids, follows.name if follows else "")


def random_params(template: Template) -> list[Param]:
    """The parameters drawn at random, in declaration order."""
    return [p for p in template.params if p.kind != "derived"]


@dataclass(frozen=True)
class Draw:
    """Indices and displayed values of the random parameters for a batch of variants."""

    indices: np.ndarray
    """Shape (n, k): index into each random parameter's grid (the variant's identity)."""
    values: dict[str, np.ndarray]
    """Parameter -> displayed values (numbers in the display unit, or strings), shape (n,)."""


def draw(template: Template, grids: dict[str, Grid], words: np.ndarray) -> Draw:
    """Map random words to grid indices and displayed values."""
    params = random_params(template)
    n = words.shape[0]
    indices = np.zeros((n, len(params)), dtype=np.int64)
    values: dict[str, np.ndarray] = {}
    for column, param in enumerate(params):
        grid = grids[param.name]
        if not grid.depends_on:
            table = grid.values[""]
            index = (words[:, column] % np.uint64(len(table))).astype(np.int64)
            values[param.name] = table[index]
        else:
            ions = values[grid.depends_on]
            index = np.zeros(n, dtype=np.int64)
            chosen = np.empty(n, dtype=float)
            for symbol, table in grid.values.items():
                mask = ions == symbol
                if np.any(mask):
                    index[mask] = (words[mask, column] % np.uint64(len(table))).astype(np.int64)
                    chosen[mask] = table[index[mask]]
            values[param.name] = chosen
        indices[:, column] = index
    return Draw(indices, values)


def enumerate_grid(template: Template, grids: dict[str, Grid], limit: int) -> Draw | None:
    """Every combination of the random parameters, or ``None`` if there are more than ``limit``.

    Built column by column with numpy: each new parameter repeats every row once per value of
    its grid (per ion for a preset that follows an ion parameter).
    """
    params = random_params(template)
    indices = np.zeros((1, 0), dtype=np.int64)
    values: dict[str, np.ndarray] = {}
    for param in params:
        grid = grids[param.name]
        tables = ({key: grid.values[key] for key in grid.values} if grid.depends_on else {"": grid.values[""]})
        follows = values[grid.depends_on] if grid.depends_on else None
        new_indices, new_values, new_column = [], {name: [] for name in values}, []
        for key, table in tables.items():
            rows = np.arange(indices.shape[0]) if follows is None else np.flatnonzero(follows == key)
            if rows.size == 0:
                continue
            repeated = np.repeat(rows, len(table))
            if indices.shape[0] and repeated.size + sum(len(i) for i in new_indices) > limit:
                return None
            choice = np.tile(np.arange(len(table)), rows.size)
            new_indices.append(np.column_stack([indices[repeated], choice]))
            for name in values:
                new_values[name].append(values[name][repeated])
            new_column.append(table[choice])
        if not new_indices:
            return Draw(np.zeros((0, len(params)), dtype=np.int64), {p.name: np.array([]) for p in params})
        indices = np.concatenate(new_indices)
        values = {name: np.concatenate(parts) for name, parts in new_values.items()}
        values[param.name] = np.concatenate(new_column)
        if indices.shape[0] > limit:
            return None
    return Draw(indices, values)
