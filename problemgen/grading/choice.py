"""Choice answers (grading rules §8): exact match after a light normalisation, never fuzzy.

Student text and every option and alias go through the same :func:`fold`: NFKC, case-fold,
minus signs and en dashes read as a hyphen (so ``Cl-`` matches ``Cl⁻``), inner whitespace runs
collapsed, surrounding spaces trimmed, one trailing period dropped.
The right option (or one of its aliases) is correct, another option (or its alias) incorrect,
anything else invalid: hedges ("influx or efflux"), negations, substrings, extra words,
homoglyphs (dotless ı, Cyrillic і) and the empty answer. No substring or fuzzy matching, which
would grade "X or Y" as right.

``expected``: ``{"kind": "choice", "answer": str, "options": [str], "aliases": {option:
[str]}}``, optionally ``"misconceptions": {name: option}`` so that a distractor built from a
misconception is named in the feedback (with ``misconception_credit`` and
``misconception_feedback`` as for numeric answers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from problemgen.errors import GradingSpecError
from problemgen.grading import feedback as fb
from problemgen.grading.normalize import Rejected, normalize
from problemgen.grading.spec import misconception_options

MAX_LENGTH = 200
_SPACES = re.compile(r"\s+")


# Minus-like signs read as a hyphen, so "Cl-" matches the option "Cl⁻" (NFKC turns ⁻ into U+2212).
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def fold(text: str) -> str:
    """The comparison form of an option or an answer (see the module docstring)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold().translate(_MINUS)).strip()
    return text[:-1].rstrip() if text.endswith(".") else text


def _option_table(expected: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The right option and a map folded spelling -> option, checked for clashes."""
    options, answer = expected.get("options"), expected.get("answer")
    if not isinstance(options, (list, tuple)) or not options or not all(isinstance(o, str) for o in options):
        raise GradingSpecError("options", f"must be a non-empty list of strings, got {options!r}")
    if answer not in options:
        raise GradingSpecError("answer", f"must be one of the options {list(options)!r}, got {answer!r}")
    aliases = expected.get("aliases") or {}
    if not isinstance(aliases, Mapping):
        raise GradingSpecError("aliases", "must map an option to a list of aliases")
    table: dict[str, str] = {}
    for option in options:
        spellings = aliases.get(option, [])
        if isinstance(spellings, str) or not all(isinstance(s, str) for s in spellings):
            raise GradingSpecError(f"aliases.{option}", "must be a list of strings")
        for spelling in (option, *spellings):
            key = fold(spelling)
            if table.setdefault(key, option) != option:
                raise GradingSpecError(f"aliases.{option}", f"{spelling!r} also spells option {table[key]!r}")
    unknown = sorted(set(aliases) - set(options))
    if unknown:
        raise GradingSpecError("aliases", f"{unknown[0]!r} is not one of the options")
    return answer, table


def grade_choice(submitted: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """Grade one choice answer (issue 5 §1); never raises on ``submitted``."""
    answer, table = _option_table(expected)
    named = misconception_options(expected)
    text = normalize(submitted, limit=MAX_LENGTH, what="option", operators=False)
    if isinstance(text, Rejected):
        return fb.invalid(text.feedback)
    chosen = table.get(fold(text))
    if chosen is None:
        options = ", ".join(fb.echo(o, 60) for o in expected["options"])
        return fb.invalid(fb.INVALID_CHOICE.format(text=fb.echo(text), options=options))
    if chosen == answer:
        return fb.correct()
    wrong = expected.get("misconceptions") or {}
    for name, option in wrong.items():
        if option == chosen:
            return fb.incorrect(fb.INCORRECT_MISCONCEPTION.format(text=named.text(name)),
                                misconception=name, score=named.credit(name))
    return fb.incorrect(fb.INCORRECT_CHOICE)
