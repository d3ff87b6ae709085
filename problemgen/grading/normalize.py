"""Steps 1-5 of grading rules §2, shared by every answer box: caps, forbidden characters,
superscripts, NFKC, signs and operators.

The order matters and is fixed here once:

1. the length cap runs on the raw string, before any regex or normalisation (a valid answer
   padded with thousands of spaces is invalid);
2. control and format characters (C0/C1 controls, zero-width and bidi characters, line
   separators, surrogates, private use, unassigned) and runs of combining marks are *rejected*,
   never silently removed: a zero-width space inside a number is not the number;
3. superscripts become ``^n`` **before** NFKC, which would turn ``10⁻¹`` into ``10−1``;
4. NFKC folds fullwidth forms, U+00B5 micro and U+2126 ohm; other digit scripts stay non-ASCII
   and so invalid;
5. U+2212 minus and U+2013 en dash become ``-``; ``×``, ``·`` and ``⋅`` become ``*``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from problemgen.grading import feedback as fb

_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MAX_COMBINING_RUN = 2
_SUPERSCRIPT_RUN = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SIGNS_AND_OPERATORS = str.maketrans({"\u2212": "-", "\u2013": "-", "×": "*", "·": "*", "\u22c5": "*"})


@dataclass(frozen=True)
class Rejected:
    """A format problem found while normalising; ``feedback`` is ready to show (escaped)."""

    feedback: str


def _forbidden_character(text: str) -> Rejected | None:
    if text.isascii():  # the common case: one regex, no per-character loop
        match = _ASCII_CONTROL.search(text)
        return Rejected(fb.INVALID_CONTROL.format(code=ord(match.group()))) if match else None
    run = 0
    for char in text:
        category = unicodedata.category(char)
        if category in _FORBIDDEN_CATEGORIES:
            return Rejected(fb.INVALID_CONTROL.format(code=ord(char)))
        run = run + 1 if category[0] == "M" else 0
        if run > _MAX_COMBINING_RUN:
            return Rejected(fb.INVALID_COMBINING)
    return None


def normalize(raw: str, *, limit: int, what: str, operators: bool = True) -> str | Rejected:
    """``raw`` after steps 1-5 and trimming of surrounding spaces, or why it was rejected.

    ``limit`` is the length cap (200 for numeric, unit and choice boxes, 500 for symbolic);
    ``what`` names the expected thing in the too-long message. ``operators=False`` (choice
    boxes) skips the superscript and sign/operator mapping, which only make sense in formulas.
    """
    if not isinstance(raw, str):
        return Rejected(fb.INVALID_EMPTY)
    if len(raw) > limit:
        return Rejected(fb.INVALID_TOO_LONG.format(limit=limit, what=what))
    rejected = _forbidden_character(raw)
    if rejected is not None:
        return rejected
    text = raw
    if not text.isascii():
        if operators:
            text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT_DIGITS), text)
        text = unicodedata.normalize("NFKC", text)
        if len(text) > limit:  # NFKC can expand one character into many (U+FDFA: 18)
            return Rejected(fb.INVALID_TOO_LONG.format(limit=limit, what=what))
        if operators:
            text = text.translate(_SIGNS_AND_OPERATORS)
    text = text.strip(" ")
    if not text:
        return Rejected(fb.INVALID_EMPTY)
    return text
