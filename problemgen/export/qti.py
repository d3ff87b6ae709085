"""Canvas QTI 1.2 zip (Classic Quizzes; New Quizzes imports it too): question groups that pick 1.

Layout and rules from ``reference/formats.md`` §2 and Canvas's importer
(``gems/plugins/qti_exporter``): ``imsmanifest.xml``, ``<id>/assessment_meta.xml`` and
``<id>/<id>.xml``; every identifier is a BLAKE2b content hash, so re-exporting an unchanged
build gives the same ids and a re-import does not duplicate questions.

- Canvas has no multi-part item with numeric tolerance, so each part is its own item with the
  whole statement. Its group draws 1 of the slot's variants of that part (the parts of one
  variant cannot be kept together; this is reported per slot).
- A numeric part is ``numerical_question`` scored as exact ± margin
  (``or(varequal, and(vargte, varlte))``), the margin being our tolerance at that value. Canvas
  rounds typed numbers to 4 decimals (``toFixed(4)``), so a part whose margin would be under
  :data:`MIN_MARGIN` is asked in a smaller unit (nA -> pA); variants still too fine are left out
  and reported. Every Canvas numerical answer is fully correct, so misconception answers cannot
  be expressed (reported); the unit is stated in the question text.
- A choice part is ``multiple_choice_question``; the worked solution is the neutral feedback.

The files are built with :mod:`xml.etree.ElementTree` and validate against the QTI 1.2.1 DTD
once the namespace is removed.
"""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from problemgen.export.lms import (
    Notes,
    NumericKey,
    Pool,
    PoolPart,
    PoolVariant,
    choice_options,
    content_id,
    inline_html,
    numeric_key,
    plain_number,
    text_html,
    unit_alternatives,
)
from problemgen.render import unit_text

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
META_NS = "http://canvas.instructure.com/xsd/cccv1p0"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
MIN_MARGIN = Decimal("0.001")
"""Smallest margin: ten steps of Canvas's 4-decimal input, so its rounding moves an answer by at
most 5 % of the tolerance."""
MATH = "mathml"
SPLIT_NOTE = "Canvas cannot keep the parts of one variant together: each part is its own item (with the " \
             "whole statement), drawn from its own group"
TEMPLATES_NOTE = "the slot draws from templates whose parts differ, so each template's parts form their own " \
                 "groups and every student answers all of them; delete the groups you do not want after import"
MISCONCEPTION_NOTE = "every Canvas numerical answer is fully correct, so the misconception answers (partial " \
                     "credit and feedback) are left out"
CHOICE_CREDIT_NOTE = "Canvas gives no partial credit for a misconception option; it scores 0"
SIGFIGS_NOTE = "significant figures are not checked: every value within half a unit of the last figure is accepted"
SYMBOLIC_NOTE = "symbolic answers cannot be graded by Canvas; the part is left out"
_DATE = (1980, 1, 1, 0, 0, 0)
#: Marks a pure number asked multiplied by a power of ten (``×10^5``: the student types 2.4 for 2.4e-5).
SCALED = "×10^"
#: Folder of the zip holding the questions' figures, which Canvas imports into the course files.
FIGURES = "problemgen-figures"


def canvas_zip(exam: Mapping[str, Any], pools: tuple[Pool, ...], notes: Notes) -> tuple[bytes, dict[str, int]]:
    """The Canvas import zip for ``pools`` and the number of items per slot."""
    groups: list[tuple[str, float, list[ET.Element]]] = []
    items: dict[str, int] = {}
    for pool in pools:
        found = _groups(pool, notes)
        groups += found
        items[pool.slot] = sum(len(members) for _, _, members in found)
    title = str(exam.get("title") or exam["id"])
    quiz_id = content_id("assessment", str(exam["id"]), *(i.get("ident", "") for _, _, m in groups for i in m))
    points = sum(p for _, p, _ in groups)
    # The figures of the variants with items, as files beside the quiz ("webcontent" resources).
    figures = {f"{FIGURES}/{v.figure.name}": v.figure.svg for pool in pools for v in pool.variants
               if v.figure is not None}
    files = {
        "imsmanifest.xml": _manifest(quiz_id, sorted(figures)),
        f"{quiz_id}/assessment_meta.xml": _meta(quiz_id, title, points, bool(exam.get("show_solutions", True))),
        f"{quiz_id}/{quiz_id}.xml": _assessment(quiz_id, title, groups),
        **figures,
    }
    return _zip(files), items


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        folder = zipfile.ZipInfo("non_cc_assessments/", _DATE)
        folder.external_attr = 0o40755 << 16 | 0x10
        archive.writestr(folder, b"")
        for name, data in files.items():
            info = zipfile.ZipInfo(name, _DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _points(value: float) -> str:
    """Points as Canvas reads them: ten significant figures, so a problem's parts (3/7 each) add up
    to its points (2.999997 with six)."""
    return f"{value:.10g}"


# --- groups and items ---------------------------------------------------------------------------
def _groups(pool: Pool, notes: Notes) -> list[tuple[str, float, list[ET.Element]]]:
    """(title, points per item, items) per question group of one slot."""
    shapes = {tuple(round(p.points, 9) for p in v.parts) for v in pool.variants}
    by_position = len(shapes) == 1  # same parts and points in every template: group part a with part a
    first = {v.template: v for v in reversed(pool.variants)}
    for variant in first.values():
        if len(variant.parts) > 1:
            notes.add(variant, "", SPLIT_NOTE)
        if not by_position:
            notes.add(variant, "", TEMPLATES_NOTE)
    units = _units(pool, notes)
    groups: dict[tuple[str, ...], tuple[str, float, list[ET.Element]]] = {}
    for variant in pool.variants:
        for part in variant.parts:
            item = _item(variant, part, units.get((variant.template, part.name)), notes)
            if item is None:
                continue
            key = (part.letter,) if by_position else (variant.template, part.letter)
            letter = f" ({part.letter})" if len(variant.parts) > 1 else ""
            title = f"Problem {pool.slot}{letter}" + ("" if by_position else f" {variant.template}")
            groups.setdefault(key, (title, part.points, []))[2].append(item)
    return list(groups.values())


def _units(pool: Pool, notes: Notes) -> dict[tuple[str, str], dict[str, tuple[str, Decimal] | None]]:
    """Per (template, part): each variant's (unit, factor from the display unit), None when too fine."""
    keys: dict[tuple[str, str], dict[str, NumericKey]] = {}
    for variant in pool.variants:
        for part in variant.parts:
            if part.expected["kind"] == "numeric":
                keys.setdefault((variant.template, part.name), {})[variant.id] = numeric_key(part.expected)
    chosen: dict[tuple[str, str], dict[str, tuple[str, Decimal] | None]] = {}
    for (template, name), by_variant in keys.items():
        unit = next(iter(by_variant.values())).unit
        if unit:
            candidates = [(unit, Decimal(1))] + [(u, r) for u, r in unit_alternatives(unit) if r > 1]
        else:  # a pure number too fine for Canvas is asked multiplied by a power of ten
            candidates = [("", Decimal(1))] + [(f"{SCALED}{k}", Decimal(10) ** k) for k in range(1, 13)]
        for candidate, ratio in candidates:
            fits = {vid: k.correct.tolerance * ratio >= MIN_MARGIN for vid, k in by_variant.items()}
            if all(fits.values()):
                break
        chosen[(template, name)] = {vid: (candidate, ratio) if ok else None for vid, ok in fits.items()}
        left_out = sum(not ok for ok in fits.values())
        if left_out:
            variant = next(v for v in pool.variants if v.template == template)
            notes.add(variant, name, f"{left_out} of {len(fits)} variants left out: the tolerance is finer than "
                                     f"Canvas's 4-decimal input even in {candidate or 'plain numbers'}")
    return chosen


def _item(variant: PoolVariant, part: PoolPart, units: dict[str, tuple[str, Decimal] | None] | None,
          notes: Notes) -> ET.Element | None:
    kind = part.expected["kind"]
    if kind == "symbolic":
        notes.add(variant, part.name, SYMBOLIC_NOTE)
        return None
    if kind == "numeric":
        unit = units[variant.id] if units else None
        if unit is None:
            return None
        return _numerical(variant, part, *unit, notes)
    return _multiple_choice(variant, part, notes)


def _start(variant: PoolVariant, part: PoolPart, qtype: str, answer_ids: list[str], body: str) -> ET.Element:
    ident = content_id("item", variant.id, part.name)
    title = f"{variant.slot}{part.letter} {variant.template} {variant.id[2:10]}"
    item = ET.Element("item", ident=ident, title=title)
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", qtype), ("points_possible", _points(part.points)),
                         ("original_answer_ids", ",".join(answer_ids)),
                         ("assessment_question_identifierref", content_id("question", ident))):
        field = ET.SubElement(metadata, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry
    presentation = ET.SubElement(item, "presentation")
    statement = variant.statement_html(lambda text: text_html(text, MATH),
                                       lambda figure: f"$IMS-CC-FILEBASE$/{FIGURES}/{figure.name}")
    _material(presentation, f"{statement}\n<p><strong>({part.letter})</strong> {inline_html(part.prompt, MATH)}</p>"
                            + body)
    return item


def _material(parent: ET.Element, html_text: str) -> None:
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", texttype="text/html").text = html_text


def _scoring(item: ET.Element, variant: PoolVariant) -> ET.Element:
    """``resprocessing`` with the SCORE outcome and the neutral feedback (the worked solution, shown
    after any answer), unless the exam keeps solutions from students."""
    processing = ET.SubElement(item, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    if variant.solution:
        _feedback_condition(processing, "general_fb")
    return processing


def _solution(item: ET.Element, variant: PoolVariant) -> None:
    if variant.solution:
        _feedback(item, "general_fb", text_html(variant.solution, MATH))


def _feedback_condition(processing: ET.Element, feedback: str, choice: str | None = None) -> None:
    """Show itemfeedback ``feedback`` after any answer, or when option ``choice`` is picked."""
    condition = ET.SubElement(processing, "respcondition", attrib={"continue": "Yes"})
    variables = ET.SubElement(condition, "conditionvar")
    if choice is None:
        ET.SubElement(variables, "other")
    else:
        ET.SubElement(variables, "varequal", respident="response1").text = choice
    ET.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=feedback)


def _full_score(processing: ET.Element) -> ET.Element:
    """A final condition that sets SCORE to 100; returns its (still empty) ``conditionvar``."""
    condition = ET.SubElement(processing, "respcondition", attrib={"continue": "No"})
    variables = ET.SubElement(condition, "conditionvar")
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    return variables


def _feedback(item: ET.Element, ident: str, html_text: str) -> None:
    feedback = ET.SubElement(item, "itemfeedback", ident=ident)
    _material(ET.SubElement(feedback, "flow_mat"), html_text)


def _numerical(variant: PoolVariant, part: PoolPart, unit: str, ratio: Decimal, notes: Notes) -> ET.Element:
    key = numeric_key(part.expected)
    if part.expected.get("misconceptions"):
        notes.add(variant, part.name, MISCONCEPTION_NOTE)
    if key.sigfigs is not None:
        notes.add(variant, part.name, SIGFIGS_NOTE)
    value, margin = key.correct.value * ratio, key.correct.tolerance * ratio
    if unit.startswith(SCALED):
        power = int(unit[len(SCALED):])
        shown = (f"Enter your number multiplied by 10<sup>{power}</sup> (a value of 3 × 10<sup>−{power}</sup> "
                 "is typed as 3).")
    else:
        shown = f"Enter a number in {html.escape(unit_text(unit))}." if unit else "Enter a number."
    answer_id = content_id("answer", variant.id, part.name)
    item = _start(variant, part, "numerical_question", [answer_id], f"\n<p><em>{shown}</em></p>")
    response = ET.SubElement(item.find("presentation"), "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident=answer_id)
    either = ET.SubElement(_full_score(_scoring(item, variant)), "or")
    ET.SubElement(either, "varequal", respident="response1").text = plain_number(value)
    within = ET.SubElement(either, "and")
    ET.SubElement(within, "vargte", respident="response1").text = plain_number(value - margin)
    ET.SubElement(within, "varlte", respident="response1").text = plain_number(value + margin)
    _solution(item, variant)
    return item


def _multiple_choice(variant: PoolVariant, part: PoolPart, notes: Notes) -> ET.Element:
    options = choice_options(part.expected)
    ids = [content_id("choice", variant.id, part.name, option.text) for option in options]
    item = _start(variant, part, "multiple_choice_question", ids, "")
    response = ET.SubElement(item.find("presentation"), "response_lid", ident="response1", rcardinality="Single")
    choices = ET.SubElement(response, "render_choice")
    for ident, option in zip(ids, options):
        _material(ET.SubElement(choices, "response_label", ident=ident), html.escape(option.text))
    processing = _scoring(item, variant)
    specific = [(ident, option) for ident, option in zip(ids, options) if option.misconception]
    for ident, option in specific:
        if option.score > 0:
            notes.add(variant, part.name, CHOICE_CREDIT_NOTE)
        _feedback_condition(processing, f"{ident}_fb", ident)
    correct = next(ident for ident, option in zip(ids, options) if option.score == 1.0)
    ET.SubElement(_full_score(processing), "varequal", respident="response1").text = correct
    _solution(item, variant)
    for ident, option in specific:
        _feedback(item, f"{ident}_fb", option.feedback)
    return item


# --- package files ------------------------------------------------------------------------------
def _assessment(quiz_id: str, title: str, groups: list[tuple[str, float, list[ET.Element]]]) -> bytes:
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=quiz_id, title=title)
    field = ET.SubElement(ET.SubElement(assessment, "qtimetadata"), "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(field, "fieldentry").text = "1"
    sections = ET.SubElement(assessment, "section", ident="root_section")
    for group_title, _, members in groups:
        ident = content_id("group", quiz_id, *(m.get("ident", "") for m in members))
        section = ET.SubElement(sections, "section", ident=ident, title=group_title)
        # Canvas takes the group's points from its items when they all have the same points;
        # points_per_item (selection_extension) would break the DTD.
        selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
        ET.SubElement(selection, "selection_number").text = "1"
        section.extend(members)
    return _serialize(root)


def _meta(quiz_id: str, title: str, points: float, show_answers: bool = True) -> bytes:
    quiz = ET.Element("quiz", identifier=quiz_id, xmlns=META_NS)
    settings = (("title", title), ("description", ""), ("shuffle_answers", "false"),
                ("scoring_policy", "keep_highest"), ("hide_results", ""), ("quiz_type", "assignment"),
                ("points_possible", _points(points)),
                ("show_correct_answers", "true" if show_answers else "false"),
                ("anonymous_submissions", "false"), ("could_be_locked", "false"), ("allowed_attempts", "1"),
                ("one_question_at_a_time", "false"), ("cant_go_back", "false"), ("available", "false"))
    for tag, text in settings:
        ET.SubElement(quiz, tag).text = text
    assignment = ET.SubElement(quiz, "assignment", identifier=content_id("assignment", quiz_id))
    for tag, text in (("title", title), ("workflow_state", "unpublished"), ("quiz_identifierref", quiz_id),
                      ("points_possible", _points(points)), ("grading_type", "points"),
                      ("submission_types", "online_quiz")):
        ET.SubElement(assignment, tag).text = text
    ET.SubElement(quiz, "assignment_group_identifierref").text = content_id("assignment-group", quiz_id)
    return _serialize(quiz)


def _manifest(quiz_id: str, figures: list[str]) -> bytes:
    manifest = ET.Element("manifest", identifier=content_id("manifest", quiz_id), xmlns=CP_NS)
    metadata = ET.SubElement(manifest, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    meta_id = content_id("meta", quiz_id)
    quiz = ET.SubElement(resources, "resource", identifier=quiz_id, type="imsqti_xmlv1p2")
    ET.SubElement(quiz, "file", href=f"{quiz_id}/{quiz_id}.xml")
    ET.SubElement(quiz, "dependency", identifierref=meta_id)
    meta = ET.SubElement(resources, "resource", identifier=meta_id,
                         type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                         href=f"{quiz_id}/assessment_meta.xml")
    ET.SubElement(meta, "file", href=f"{quiz_id}/assessment_meta.xml")
    for path in figures:
        figure = ET.SubElement(resources, "resource", identifier=content_id("file", path), type="webcontent",
                               href=path)
        ET.SubElement(figure, "file", href=path)
    return _serialize(manifest)
