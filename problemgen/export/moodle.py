"""Moodle XML: a question category per slot and one question per distinct variant.

Rules from ``reference/formats.md`` §1 and Moodle's importer (``question/format/xml``,
``qtype_numerical``, ``qtype_multianswer``):

- a problem with one numeric part is a ``numerical`` question: the answer in the display unit,
  the tolerance our rtol/atol means at that value (Moodle's tolerance is absolute), units with
  multipliers relative to the display unit, a missing or unknown unit costing the whole mark when
  the exam requires units;
- one choice part is a ``multichoice`` question; several parts make a ``cloze`` question whose
  NUMERICAL gaps carry plain numbers (the unit is printed after the box), padded to one width
  for the whole file so the box does not give away the answer's length;
- answers are tried in order and the first interval that contains the response wins, as in
  check_answer: correct first, then each misconception (partial credit snapped to Moodle's list
  of fractions, with its feedback), then the sign error;
- math stays TeX between ``\\(...\\)`` for Moodle's MathJax filter; the worked solution is the
  general feedback.

The document is built with :mod:`xml.etree.ElementTree`; gap text is escaped with character
references, which the cloze importer decodes (``html_entity_decode``) after splitting the gap.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from math import gcd, lcm
from typing import Any
from xml.etree import ElementTree as ET

from problemgen.export.lms import (
    Notes,
    NumericKey,
    Pool,
    PoolPart,
    PoolVariant,
    choice_options,
    inline_html,
    numeric_key,
    plain_number,
    snap_percent,
    text_html,
    unit_alternatives,
)
from problemgen.grading import feedback as fb
from problemgen.render import unit_text

FRACTIONS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25", "20",
             "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
"""Moodle's fixed answer fractions (percent), plus 0 for feedback-only answers."""
CLOZE_FRACTIONS = tuple(f for f in FRACTIONS if "." not in f)
"""Older cloze importers read ``%N%`` as an integer only."""
MIN_WIDTH = 20
"""Smallest padded width (characters) of a NUMERICAL gap."""
PENALTY = "0.3333333"
MATH = "tex"
DRAWN_NOTE = ("the problem draws several templates per student, one category each; random questions from "
              "these categories may give a student the same template twice, which the build never does")
SIGFIGS_NOTE = "significant figures are not checked: every value within half a unit of the last figure is accepted"
SYMBOLIC_NOTE = "symbolic answers cannot be graded by Moodle; the part is shown without an answer box"
_GAP_ESCAPES = {char: f"&#{ord(char)};" for char in "&<>\"'{}#~\\/"}


def moodle_xml(exam: Mapping[str, Any], pools: tuple[Pool, ...], notes: Notes) -> tuple[bytes, dict[str, int]]:
    """The Moodle XML file for ``pools`` and the number of questions per slot."""
    quiz = ET.Element("quiz")
    width = _gap_width(pools)
    items: dict[str, int] = {}
    for pool in pools:
        if "." in pool.slot:  # one of the k slots of a problem drawing k templates (4.1, 4.2)
            for variant in {v.template: v for v in pool.variants}.values():
                notes.add(variant, "", DRAWN_NOTE)
        quiz.append(_category(str(exam.get("title") or exam["id"]), pool.slot))
        questions = [q for q in (_question(variant, width, notes) for variant in pool.variants) if q is not None]
        quiz.extend(questions)
        items[pool.slot] = len(questions)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="UTF-8", xml_declaration=True) + b"\n", items


def category_path(title: str, slot: str) -> str:
    """``$course$/top/<exam title>/Problem <slot>`` (a ``/`` inside a name is written ``//``)."""
    return f"$course$/top/{title.replace('/', '//')}/Problem {slot}"


def _category(title: str, slot: str) -> ET.Element:
    question = ET.Element("question", type="category")
    _text(ET.SubElement(question, "category"), category_path(title, slot))
    return question


def _text(parent: ET.Element, text: str) -> ET.Element:
    ET.SubElement(parent, "text").text = text
    return parent


def _html(parent: ET.Element, tag: str, text: str) -> ET.Element:
    return _text(ET.SubElement(parent, tag, format="html"), text)


def _question(variant: PoolVariant, width: int, notes: Notes) -> ET.Element | None:
    for part in variant.parts:
        if part.expected["kind"] == "symbolic":
            notes.add(variant, part.name, SYMBOLIC_NOTE)
        elif part.expected["kind"] == "numeric" and part.expected.get("sigfigs") is not None:
            notes.add(variant, part.name, SIGFIGS_NOTE)
    kinds = [part.expected["kind"] for part in variant.parts]
    if "numeric" not in kinds and "choice" not in kinds:
        notes.add(variant, "", "no part Moodle can grade; the problem is left out")
        return None
    if len(variant.parts) > 1:
        return _cloze(variant, width, notes)
    part = variant.parts[0]
    body = _statement(variant) + "\n" + _prompt(part, "")
    if part.expected["kind"] == "numeric":
        return _numerical(variant, part, body, notes)
    return _multichoice(variant, part, body, notes)


def _statement(variant: PoolVariant) -> str:
    """The statement, with the variant's figure as a file of the question text."""
    return variant.statement_html(lambda text: text_html(text, MATH), lambda figure: f"@@PLUGINFILE@@/{figure.name}")


def _head(qtype: str, variant: PoolVariant, body: str) -> ET.Element:
    question = ET.Element("question", type=qtype)
    _text(ET.SubElement(question, "name"), f"{variant.slot} {variant.template} {variant.id[2:10]}")
    text = _html(question, "questiontext", body)
    if variant.figure is not None:  # formats.md §1.1: a file of the question text, base64
        ET.SubElement(text, "file", name=variant.figure.name, path="/",
                      encoding="base64").text = base64.b64encode(variant.figure.svg).decode("ascii")
    if variant.solution:  # none when the exam keeps solutions from students
        _html(question, "generalfeedback", text_html(variant.solution, MATH))
    if qtype != "cloze":  # a cloze question's grade is the sum of its gap weights
        ET.SubElement(question, "defaultgrade").text = f"{variant.points:g}"
    ET.SubElement(question, "penalty").text = PENALTY
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = variant.id
    return question


def _prompt(part: PoolPart, answer_html: str) -> str:
    prompt = f"<p><strong>({part.letter})</strong> {inline_html(part.prompt, MATH)}</p>"
    return prompt + (f"\n<p>{answer_html}</p>" if answer_html else "")


def _fraction(score: float, allowed: tuple[str, ...], variant: PoolVariant, part: PoolPart, notes: Notes) -> str:
    percent = snap_percent(score, allowed)
    if abs(float(percent) - 100 * score) > 1e-6:
        notes.add(variant, part.name, f"partial credit {score:g} is given as {percent} % (Moodle's fixed fractions)")
    return percent


def _alternatives(key: NumericKey, variant: PoolVariant, part: PoolPart, notes: Notes,
                  allowed: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """(percent, value, tolerance, feedback HTML) per interval, in grading order."""
    rows = [("100", plain_number(key.correct.value), plain_number(key.correct.tolerance), key.correct.feedback)]
    for alt in key.wrong:
        rows.append((_fraction(alt.score, allowed, variant, part, notes), plain_number(alt.value),
                     plain_number(alt.tolerance), alt.feedback))
    return rows


def _numerical(variant: PoolVariant, part: PoolPart, body: str, notes: Notes) -> ET.Element:
    key = numeric_key(part.expected)
    question = _head("numerical", variant, body)
    for percent, value, tolerance, feedback in _alternatives(key, variant, part, notes, FRACTIONS):
        answer = _text(ET.SubElement(question, "answer", fraction=percent, format="moodle_auto_format"), value)
        _html(answer, "feedback", feedback)
        ET.SubElement(answer, "tolerance").text = tolerance
    graded = "1" if key.unit and key.unit_required else "0"
    if key.unit and not key.unit_required:
        notes.add(variant, part.name, f"units are not graded (unit_required = false): Moodle reads a number with "
                                      f"a unit it does not list (63 kg) as {key.unit}, where problemgen grades it wrong")
    for tag, value in (("unitgradingtype", graded), ("unitpenalty", "1.0000000"),
                       ("showunits", "0" if key.unit else "3"), ("unitsleft", "0")):
        ET.SubElement(question, tag).text = value
    if key.unit:
        units = ET.SubElement(question, "units")
        for name, multiplier in moodle_units(key.unit):
            unit = ET.SubElement(units, "unit")
            ET.SubElement(unit, "multiplier").text = plain_number(multiplier)
            ET.SubElement(unit, "unit_name").text = name
    return question


def moodle_units(unit: str) -> list[tuple[str, Decimal]]:
    """(name, multiplier) for the display unit (multiplier 1) and its alternatives.

    Moodle strips spaces from a response and matches the unit text exactly, so every prefixed
    spelling is listed, and the Unicode one (``µA/cm²``) too when it differs.
    """
    rows: list[tuple[str, Decimal]] = []
    # Every prefix a student may use (pA, nA ... A for a current in pA), as check_answer reads them.
    for name, multiplier in unit_alternatives(unit, Decimal("1e12")):
        shown = unit_text(name)
        for spelling in dict.fromkeys((name, shown, shown.replace("µ", "μ"))):  # micro sign, then Greek mu
            if " " not in spelling and spelling not in (n for n, _ in rows):
                rows.append((spelling, multiplier))
    return rows


def _multichoice(variant: PoolVariant, part: PoolPart, body: str, notes: Notes) -> ET.Element:
    question = _head("multichoice", variant, body)
    for tag, value in (("single", "true"), ("shuffleanswers", "false"), ("answernumbering", "abc")):
        ET.SubElement(question, tag).text = value
    for option in choice_options(part.expected):
        percent = _fraction(option.score, FRACTIONS, variant, part, notes)
        answer = _text(ET.SubElement(question, "answer", fraction=percent, format="html"), html.escape(option.text))
        _html(answer, "feedback", option.feedback)
    return question


# --- cloze --------------------------------------------------------------------------------------
def gap_escape(html_text: str) -> str:
    """HTML made safe inside a cloze gap: the gap syntax characters become character references."""
    return "".join(_GAP_ESCAPES.get(char, char) for char in html_text)


def _cloze(variant: PoolVariant, width: int, notes: Notes) -> ET.Element:
    gradable = [p for p in variant.parts if p.expected["kind"] in ("numeric", "choice")]
    weights = dict(zip((p.name for p in gradable), _weights(variant, gradable, notes)))
    blocks = [_statement(variant)]
    for part in variant.parts:
        kind = part.expected["kind"]
        if kind == "numeric":
            key = numeric_key(part.expected)
            rows = _alternatives(key, variant, part, notes, CLOZE_FRACTIONS)
            rows.append(("0", "0." + "0" * (width - 2), "0", fb.INCORRECT))  # pads the box to `width`
            alternatives = "~".join(f"{'=' if pct == '100' else f'%{pct}%'}{value}:{tol}#{gap_escape(text)}"
                                    for pct, value, tol, text in rows)
            unit = f" {html.escape(unit_text(key.unit))}" if key.unit else ""
            blocks.append(_prompt(part, f"{{{weights[part.name]}:NUMERICAL:{alternatives}}}{unit}"))
        elif kind == "choice":
            options = []
            for option in choice_options(part.expected):
                pct = _fraction(option.score, CLOZE_FRACTIONS, variant, part, notes)
                mark = "=" if pct == "100" else f"%{pct}%"
                options.append(f"{mark}{gap_escape(html.escape(option.text))}#{gap_escape(option.feedback)}")
            # MULTICHOICE_V (radio buttons): MathJax does not render inside a drop-down.
            blocks.append(_prompt(part, f"{{{weights[part.name]}:MULTICHOICE_V:{'~'.join(options)}}}"))
        else:
            blocks.append(_prompt(part, "<em>(not graded in Moodle)</em>"))
    return _head("cloze", variant, "\n".join(blocks))


def _weights(variant: PoolVariant, parts: list[PoolPart], notes: Notes) -> list[int]:
    """Integer gap weights in the proportion of the parts' points (cloze weights are integers)."""
    ratios = [Fraction(part.points / parts[0].points).limit_denominator(12) for part in parts]
    scale = lcm(*(r.denominator for r in ratios))
    weights = [int(r * scale) for r in ratios]
    weights = [w // gcd(*weights) for w in weights]
    if any(abs(w / weights[0] - p.points / parts[0].points) > 1e-9 for w, p in zip(weights, parts)):
        notes.add(variant, "", f"part weights are rounded to the integers {':'.join(map(str, weights))}")
    return weights


def _gap_width(pools: tuple[Pool, ...]) -> int:
    """One NUMERICAL box width for the file: the longest answer text (at least MIN_WIDTH)."""
    longest = MIN_WIDTH
    for pool in pools:
        for variant in pool.variants:
            if len(variant.parts) < 2:
                continue
            for part in variant.parts:
                if part.expected["kind"] == "numeric":
                    key = numeric_key(part.expected)
                    longest = max(longest, *(len(plain_number(a.value)) for a in (key.correct, *key.wrong)))
    return longest
