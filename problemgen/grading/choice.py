"""Choice answers (grading rules §8): exact match after a light normalisation, never fuzzy.

Student text and every option and alias go through the same :func:`fold`: NFKC, case-fold,
minus signs and en dashes read as a hyphen (so ``Cl-`` matches ``Cl⁻``), inner whitespace runs
collapsed, surrounding spaces trimmed, one pair of brackets or quotes around the whole answer and
one trailing period dropped, and British ``-ise`` endings
read as ``-ize`` (``depolarises`` matches ``depolarizes``, ``hyperpolarisation`` matches
``hyperpolarization``): a spelling variant is not a different answer, so authors need not list
it as an alias. Two options that differ only so (``prise``, ``prize``) fold to one text and the
spec is refused.
The right option (or one of its aliases) is correct, another option (or its alias) incorrect,
anything else invalid: hedges ("influx or efflux"), negations, substrings, extra words,
homoglyphs (dotless ı, Cyrillic і) and the empty answer. No substring or fuzzy matching, which
would grade "X or Y" as right.

``expected``: ``{"kind": "choice", "answer": str, "options": [str], "aliases": {option:
[str]}}``, optionally ``"misconceptions": {name: option}`` so that a distractor built from a
misconception is named in the feedback (with ``misconception_credit`` and
``misconception_feedback`` as for numeric answers).

Numeric options (``−5.02 mV``) may also give ``"values": {option: number in unit}`` with
``"unit"``, ``"rtol"``, ``"atol"`` and ``"figures"`` (how many the options print): such options
are compared with their case kept (``MV`` is megavolts), and an answer that spells none of them
is read by the numeric grammar and chooses the option whose value it gives (``-5.020``,
``-0.00502 V`` and ``-5.02`` with the unit left out all choose ``−5.02 mV``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from problemgen.errors import GradingSpecError
from problemgen.grading import feedback as fb
from problemgen.grading.normalize import Rejected, normalize
from problemgen.grading.spec import misconception_options
from problemgen.units import UnitFormatError, try_parse_unit

MAX_LENGTH = 200
_SPACES = re.compile(r"\s+")


# Minus-like signs read as a hyphen, so "Cl-" matches the option "Cl⁻" (NFKC turns ⁻ into U+2212).
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


#: British "-ise" endings (depolarise, depolarises, depolarised, depolarising, depolarisation).
_BRITISH_ISE = re.compile(r"(?<=[a-z])is(?=(?:e|es|ed|ing|ation|ations)\b)")


@functools.lru_cache(maxsize=8192)
def fold(text: str, case: bool = True) -> str:
    """The comparison form of an option or an answer (see the module docstring; cached: every
    student's options are folded again).

    ``case=False`` keeps the case: numeric options carry units, and ``MV`` is not ``mV``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", (text.casefold() if case else text).translate(_MINUS)).strip()
    text = text[:-1].rstrip() if text.endswith(".") else text
    if case:  # word options; numeric ones keep every character
        text = _BRITISH_ISE.sub("iz", text)
        if len(text) > 2 and (text[0], text[-1]) in _WRAPPERS:  # "(out of the cell)", copied from the form
            text = text[1:-1].strip()
            text = text[:-1].rstrip() if text.endswith(".") else text
    return text


#: Brackets and quotes around a whole word answer, as the form's "(influx | efflux)" suggests.
_WRAPPERS = {("(", ")"), ("[", "]"), ('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"), ("«", "»")}


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
    if expected.get("values"):  # numeric options: the case of a unit matters, and any spelling of a value does
        aliases = expected.get("aliases") or {}
        exact = {fold(spelling, case=False): option for option in expected["options"]
                 for spelling in (option, *aliases.get(option, ()))}
        chosen = exact.get(fold(text, case=False)) or _option_by_value(submitted, expected)
    else:
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


def _option_by_value(submitted: str, expected: Mapping[str, Any]) -> str | None:
    """The numeric option whose value ``submitted`` gives (in its unit or none), if one does.

    A value matches an option within the part's tolerance of its exact value, or within half a
    unit of the last figure the option prints (``figures``, so ``-20`` chooses ``−20. mV`` for
    −19.64 whatever the tolerance). Of several matches the nearest wins; a tie chooses none.
    """
    from problemgen.grading.numeric import parse_number
    from problemgen.grading.spec import require_number, require_unit
    from problemgen.numbers import round_sig, sigfig_window

    values = expected["values"]
    if not isinstance(values, Mapping) or set(values) - set(expected["options"]):
        raise GradingSpecError("values", "must map options to their numbers in the expected unit")
    numbers = {option: require_number(values, option) for option in values}
    unit = require_unit(expected, "unit")
    rtol = require_number(expected, "rtol", 0.01, minimum=0.0)
    atol = require_number(expected, "atol", 0.0, minimum=0.0)
    figures = expected.get("figures")
    if figures is not None and (isinstance(figures, bool) or not isinstance(figures, int) or figures < 1):
        raise GradingSpecError("figures", f"must be a whole number >= 1, got {figures!r}")
    text = normalize(submitted, limit=MAX_LENGTH, what="number and unit")
    parsed = None if isinstance(text, Rejected) else parse_number(text)
    if parsed is None or isinstance(parsed, Rejected):
        return None
    value = float(parsed.value)
    if parsed.unit:
        typed = try_parse_unit(parsed.unit)
        if isinstance(typed, UnitFormatError) or typed.dims != unit.dims:
            return None
        value = float(parsed.value * typed.factor / unit.factor)

    def matches(number: float) -> bool:
        if abs(value - number) <= atol + rtol * abs(number):
            return True
        shown = round_sig(number, figures) if figures else None
        return shown is not None and abs(value - shown) <= float(sigfig_window(shown, figures))

    distances = sorted((abs(value - number), option) for option, number in numbers.items() if matches(number))
    if not distances or (len(distances) > 1 and distances[0][0] == distances[1][0]):
        return None
    return distances[0][1]
