"""How Moodle and Canvas read and grade our exports, re-implemented offline for the tests.

Nothing here imports problemgen: the files are read back as an LMS reads them.

- Moodle (moodle/moodle): the cloze gap grammar and its decoding
  (``question/type/multianswer/questiontype.php``: ``ANSWER_REGEX``, ``ANSWER_ALTERNATIVE_REGEX``,
  ``NUMERICAL_ALTERNATIVE_REGEX``, ``qtype_multianswer_extract_question``); numerical grading
  (``question/type/numerical``: ``apply_units``, ``get_matching_answer`` - first matching answer
  wins, scaled value then raw value -, ``apply_unit_penalty``, the nominal tolerance widened by
  ``10^-precision * max(1, |answer|)`` with PHP's precision 14).
- Canvas (instructure/canvas-lms): the quiz page turns a typed number into
  ``parseFloat(x).toFixed(4)``; the importer keeps ``exact`` as a float and
  ``margin = BigDecimal(upper) - BigDecimal(exact)`` (``numeric_interaction.rb``); grading
  compares BigDecimals with inclusive bounds (``numerical_question.rb``).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

# --- Moodle: cloze grammar ----------------------------------------------------------------------
_TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC|"
          "MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|"
          "MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
GAP = re.compile(r"\{([0-9]*):(" + _TYPES + "):(" + _ALTERNATIVE + "(~" + _ALTERNATIVE + r")*)\}", re.S)
_NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
NUMERICAL_ALTERNATIVE = re.compile(f"^(?P<value>{_NUMBER})(?::(?P<tolerance>{_NUMBER}))?$", re.S)
MOODLE_FRACTIONS = {"100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
                    "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0"}


@dataclass(frozen=True)
class Answer:
    """One answer as Moodle stores it: fraction 0..1, text, absolute tolerance, feedback."""

    fraction: float
    text: str
    tolerance: float
    feedback: str
    raw_fraction: str = ""
    """The fraction as written in the file (percent)."""


@dataclass(frozen=True)
class Gap:
    """One cloze gap after Moodle's extraction."""

    weight: int
    qtype: str
    answers: tuple[Answer, ...]


def parse_gaps(text: str) -> list[Gap]:
    """The gaps of a cloze question text, extracted the way qtype_multianswer does."""
    gaps = []
    while match := GAP.search(text):
        qtype = match.group(2)
        rest, answers = match.group(3), []
        while alt := re.search("~?" + _ALTERNATIVE, rest, re.S):
            fraction, percent, answer, feedback = alt.group(1), alt.group(2), alt.group(3), alt.group(5) or ""
            value = 1.0 if fraction == "=" else float(percent.replace(",", ".")) / 100 if percent else 0.0
            feedback = html.unescape(feedback).replace("\\}", "}").replace("\\#", "#")
            tolerance = 0.0
            if qtype in ("NUMERICAL", "NM"):
                number = NUMERICAL_ALTERNATIVE.match(answer)
                answer = number.group("value") if number else answer
                tolerance = float(number.group("tolerance") or 0) if number else 0.0
            else:
                answer = html.unescape(answer).replace("\\}", "}").replace("\\#", "#")
            answers.append(Answer(value, answer, tolerance, feedback, "100" if fraction == "=" else percent or "0"))
            rest = rest.split(alt.group(0), 1)[1]
        gaps.append(Gap(int(match.group(1) or 1), qtype, tuple(answers)))
        text = text.replace(match.group(0), f"{{#{len(gaps)}}}", 1)
    return gaps


def cloze_problems(gap: Gap) -> list[str]:
    """qtype_multianswer_validate_question's complaints about one gap (empty when importable)."""
    problems = []
    filled = [a for a in gap.answers if a.text.strip()]
    if gap.qtype.startswith("NUMERICAL") or gap.qtype == "NM":
        problems += [f"not a number: {a.text!r}" for a in filled if not NUMERICAL_ALTERNATIVE.match(a.text)]
    if gap.qtype.startswith(("MULTICHOICE", "MC")) and len(filled) < 2:
        problems.append("a MULTICHOICE gap needs 2 answers")
    if not filled:
        problems.append("no answer")
    if not any(a.fraction == 1 for a in filled):
        problems.append("no answer at 100 %")
    return problems


# --- Moodle: questions and grading --------------------------------------------------------------
@dataclass(frozen=True)
class MoodleQuestion:
    """The parts of a ``<question>`` the tests look at."""

    qtype: str
    name: str
    idnumber: str
    category: str
    text: str
    general_feedback: str
    answers: tuple[Answer, ...]
    units: dict[str, float]
    unit_grading: int
    unit_penalty: float
    show_units: int


def read_moodle(path: Path) -> list[MoodleQuestion]:
    """Every question of a Moodle XML file, each with the category it is imported into."""
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    questions, category = [], ""
    for q in root.findall("question"):
        if q.get("type") == "category":
            category = q.findtext("category/text") or ""
            continue
        answers = tuple(Answer(float(a.get("fraction", "0")) / 100, a.findtext("text") or "",
                               float(a.findtext("tolerance") or 0), a.findtext("feedback/text") or "",
                               a.get("fraction", "0"))
                        for a in q.findall("answer"))
        units = {u.findtext("unit_name"): float(u.findtext("multiplier")) for u in q.findall("units/unit")}
        questions.append(MoodleQuestion(
            q.get("type"), q.findtext("name/text") or "", q.findtext("idnumber") or "", category,
            q.findtext("questiontext/text") or "", q.findtext("generalfeedback/text") or "", answers, units,
            int(q.findtext("unitgradingtype") or 0), float(q.findtext("unitpenalty") or 0.1),
            int(q.findtext("showunits") or 3)))
    return questions


def moodle_apply_units(response: str, units: dict[str, float]) -> tuple[float | None, str, float | None]:
    """qtype_numerical_answer_processor::apply_units: (value, unit text, multiplier or None)."""
    text = response.replace(" ", "")
    text = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", text)
    text = text.replace(",", "") if "." in text or text.count(",") > 1 else text.replace(",", ".")
    match = re.match(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", text)
    if not match:
        return None, "", None
    unit = text[match.end():]
    return float(match.group()), unit, (1 / units[unit] if unit in units else None)


def _within(answer: Answer, value: float) -> bool:
    if answer.text == "*":
        return True
    target = float(answer.text)
    slack = answer.tolerance + 1e-14 * max(1.0, abs(target))
    return target - slack <= value <= target + slack


def moodle_numeric_score(answers: tuple[Answer, ...], response: str, units: dict[str, float] | None = None,
                         unit_grading: int = 0, unit_penalty: float = 0.1, show_units: int = 3) -> float | None:
    """The fraction Moodle gives ``response`` (None: not gradable, e.g. a unit where none is asked)."""
    value, unit, multiplier = moodle_apply_units(response, units or {})
    if value is None or (show_units != 0 and unit):
        return None
    scaled = value * multiplier if multiplier is not None else value
    for answer in answers:
        if _within(answer, scaled):
            right = multiplier is not None
        elif _within(answer, value):
            right = False
        else:
            continue
        fraction = answer.fraction
        if not right and unit_grading == 1:
            fraction -= unit_penalty * fraction
        elif not right and unit_grading == 2:
            fraction -= unit_penalty
        return max(fraction, 0.0)
    return 0.0


def moodle_cloze_numeric_score(gap: Gap, response: str) -> float | None:
    """A NUMERICAL gap: the value is compared as typed (multiplier 1, no units)."""
    value, _, _ = moodle_apply_units(response, {})
    if value is None:
        return None
    return next((a.fraction for a in gap.answers if _within(a, value)), 0.0)


def moodle_choice_score(answers: tuple[Answer, ...], chosen: str) -> float:
    """The fraction of the option whose (decoded HTML) text is ``chosen``."""
    return next(a.fraction for a in answers if html.unescape(a.text) == chosen)


# --- Canvas -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CanvasItem:
    """A QTI item as Canvas imports it."""

    ident: str
    title: str
    qtype: str
    points: float
    text: str
    exact: str = ""
    lower: str = ""
    upper: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    """(ident, text) of each option."""
    correct: str = ""
    """Ident of the option that scores 100."""


@dataclass(frozen=True)
class CanvasGroup:
    ident: str
    title: str
    pick: int
    items: tuple[CanvasItem, ...]


def strip_namespaces(root: ET.Element) -> ET.Element:
    """The tree with ``{namespace}`` removed from every tag (the QTI DTD predates namespaces)."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    return root


def read_canvas(path: Path) -> tuple[dict[str, bytes], list[CanvasGroup]]:
    """The zip's files and the question groups of its assessment."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = strip_namespaces(ET.fromstring(files["imsmanifest.xml"]))
    href = manifest.find("resources/resource[@type='imsqti_xmlv1p2']/file").get("href")
    root = strip_namespaces(ET.fromstring(files[href]))
    groups = []
    for section in root.iterfind("assessment/section/section"):
        pick = int(section.findtext("selection_ordering/selection/selection_number"))
        groups.append(CanvasGroup(section.get("ident"), section.get("title"), pick,
                                  tuple(_canvas_item(item) for item in section.findall("item"))))
    return files, groups


def _canvas_item(item: ET.Element) -> CanvasItem:
    fields = {f.findtext("fieldlabel"): f.findtext("fieldentry") for f in item.iterfind("itemmetadata/qtimetadata/*")}
    common = dict(ident=item.get("ident"), title=item.get("title"), qtype=fields["question_type"],
                  points=float(fields["points_possible"]), text=item.findtext("presentation/material/mattext"))
    scoring = [c for c in item.iterfind("resprocessing/respcondition") if c.get("continue") == "No"]
    assert len(scoring) == 1 and scoring[0].findtext("setvar") == "100"
    condition = scoring[0].find("conditionvar")
    if fields["question_type"] == "numerical_question":
        return CanvasItem(**common, exact=condition.findtext("or/varequal"), lower=condition.findtext("or/and/vargte"),
                          upper=condition.findtext("or/and/varlte"))
    choices = tuple((label.get("ident"), html.unescape(label.findtext("material/mattext")))
                    for label in item.iterfind("presentation/response_lid/render_choice/response_label"))
    return CanvasItem(**common, choices=choices, correct=condition.findtext("varequal"))


def js_to_fixed_4(typed: str) -> Decimal | None:
    """What the Canvas quiz page keeps of a typed number: ``parseFloat(x).toFixed(4)``."""
    match = re.match(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", typed)
    if not match:
        return None
    return Decimal(float(match.group())).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def canvas_numeric_correct(item: CanvasItem, typed: str) -> bool:
    """Canvas's verdict on ``typed`` for an exact ± margin item."""
    number = js_to_fixed_4(typed)
    if number is None:
        return False
    exact = float(item.exact)  # answer[:exact] = text.to_f
    margin = float(Decimal(item.upper) - Decimal(item.exact))  # BigDecimal difference, then to_f
    value, width = Decimal(repr(exact)), Decimal(repr(margin))  # BigDecimal(x.to_s)
    return value - width <= number <= value + width
