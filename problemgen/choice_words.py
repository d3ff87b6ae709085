"""Other ways students write the word options of the built-in vocabulary.

A choice answer is graded by exact match (grading rules §8); a student who writes ``out`` for
the option ``out of the cell``, ``sodium`` for ``Na⁺`` or ``depolarizes`` for ``depolarizes it``
means that option. :func:`aliases` gives each option of a part the spellings here that name it
unambiguously in that part (one that would also name another option is left out), plus the
aliases its template declares.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from problemgen.model import Part

#: Option text (as the banks write it, compared case-insensitively) -> what else names it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "into the cell": ("in", "into", "inward", "inwards", "into cell", "influx"),
    "out of the cell": ("out", "outward", "outwards", "out of cell", "efflux"),
    "no net movement": ("none", "no movement", "no net flux", "no flux"),
    "influx": ("inward flux", "into the cell"),
    "efflux": ("outward flux", "out of the cell"),
    "inward": ("inwards", "inward current"),
    "outward": ("outwards", "outward current"),
    "no current": ("none", "zero", "zero current"),
    "zero": ("none", "no current", "zero current"),
    "none": ("zero", "no current", "no net movement"),
    "depolarizes it": ("depolarizes", "it depolarizes", "depolarization", "depolarizing"),
    "hyperpolarizes it": ("hyperpolarizes", "it hyperpolarizes", "hyperpolarization", "hyperpolarizing"),
    "leaves it unchanged": ("unchanged", "no change", "nothing"),
    "depolarize it": ("depolarize", "depolarizes", "depolarization"),
    "hyperpolarize it": ("hyperpolarize", "hyperpolarizes", "hyperpolarization"),
    "nothing": ("no change", "none", "unchanged"),
    "they push in opposite directions": ("opposite", "opposite directions", "opposite direction",
                                         "in opposite directions"),
    "they push in the same direction": ("same", "same direction", "the same direction", "in the same direction"),
    "k⁺": ("K", "potassium", "K^+"),
    "na⁺": ("Na", "sodium", "Na^+"),
    "cl⁻": ("Cl", "chloride", "Cl^-"),
    "ca²⁺": ("Ca", "calcium", "Ca^2+", "Ca++"),
}


def aliases(options: Iterable[str], declared: Mapping[str, Iterable[str]] | None = None) -> dict[str, list[str]]:
    """Option -> its aliases: the template's own (``declared``) and the vocabulary's, leaving out a
    spelling that names two options or is another option's own text."""
    from problemgen.grading.choice import fold

    options = list(options)
    declared = declared or {}
    wanted = {option: [*declared.get(option, ()), *SYNONYMS.get(option.casefold(), ())] for option in options}
    owners: dict[str, set[str]] = {}
    for option, spellings in wanted.items():
        for spelling in spellings:
            owners.setdefault(fold(spelling), set()).add(option)
    taken = {fold(option) for option in options}
    found: dict[str, list[str]] = {}
    for option, spellings in wanted.items():
        kept: dict[str, str] = {}
        for spelling in spellings:
            folded = fold(spelling)
            if folded not in taken and owners[folded] == {option}:
                kept.setdefault(folded, spelling)
        if kept:
            found[option] = list(kept.values())
    return found


@functools.lru_cache(maxsize=1024)
def _cached(options: tuple[str, ...], declared: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, list[str]]:
    return aliases(options, dict(declared))


def part_aliases(options: tuple[str, ...], part: Part) -> dict[str, list[str]]:
    """:func:`aliases` of a part's options (cached: every student's copy of a part has the same)."""
    return {option: list(spellings) for option, spellings in
            _cached(options, tuple(sorted(part.aliases.items()))).items()}
