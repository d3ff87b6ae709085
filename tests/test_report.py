"""Grading report: item statistics worked by hand, misconception counts, and report.html itself."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from problemgen.batch import Notice, PartResult, StudentResult, Submissions, grade_all
from problemgen.report import MisconceptionCount, item_analysis, point_biserial, render_report, score_summary

#: The hand-made exam: problem 1 (template t-one) has parts 1a and 1b worth 1 point each,
#: problem 2 (t-two) has 2a worth 2 points; a named misconception on 2a earns a quarter.
POINTS = {"1a": 1.0, "1b": 1.0, "2a": 2.0}
FEEDBACK = {"inverted_ratio": "you inverted the concentration ratio"}
#: One letter per part, in label order: Correct, Incorrect, Invalid (junk), Blank, and the
#: misconceptions M (inverted_ratio, which has feedback text) and L (log10_without_factor, which has none).
CODES: dict[str, tuple[str, float, str | None, str]] = {
    "C": ("correct", 1.0, None, "right"),
    "I": ("incorrect", 0.0, None, "wrong"),
    "V": ("invalid", 0.0, None, "???"),
    "B": ("invalid", 0.0, None, " "),
    "M": ("incorrect", 0.25, "inverted_ratio", "inverted"),
    "L": ("incorrect", 0.25, "log10_without_factor", "log10"),
}


def manifest(n: int, templates: dict[int, str] | None = None) -> dict[str, Any]:
    """A manifest for students s1..sn; ``templates`` swaps problem 2's template for some of them."""
    def problem(slot: str, template: str, labels: tuple[str, ...]) -> dict[str, Any]:
        return {"slot": slot, "template": template, "title": template, "parts": [
            {"label": label, "points": POINTS[label], "answer": "A", "prompt": "?",
             "expected": {"kind": "choice", "answer": "A", "options": ["A", "B"],
                          "misconception_feedback": FEEDBACK if label == "2a" else {}}}
            for label in labels]}

    return {"schema_version": 1, "exam": {"title": "Test exam", "course": "C", "date": "d"}, "students": [
        {"id": f"s{i}", "name": f"Student {i}", "email": "", "sis_id": "", "folder": f"s{i}",
         "problems": [problem("1", "t-one", ("1a", "1b")),
                      problem("2", (templates or {}).get(i, "t-two"), ("2a",))]}
        for i in range(1, n + 1)]}


def results(rows: list[str], missing: int = 0, templates: dict[int, str] | None = None) -> list[StudentResult]:
    """Students s1.. graded by ``rows`` (one code per part), then ``missing`` students with nothing.

    Their parts name the slot and template of :func:`manifest` with the same ``templates``.
    """
    students = []
    for i, row in enumerate(rows + ["BBB"] * missing, start=1):
        parts = []
        for label, code in zip(POINTS, row):
            verdict, share, misconception, submitted = CODES[code]
            template = "t-one" if label[0] == "1" else (templates or {}).get(i, "t-two")
            parts.append(PartResult(label, submitted, verdict, share, share * POINTS[label], POINTS[label], None,
                                    misconception, "", label[0], template, f"answer_{label}"))
        students.append(StudentResult(f"s{i}", f"Student {i}", "graded" if i <= len(rows) else "missing",
                                      tuple(parts)))
    return students


#: Totals 4, 3, 1, 1, 0.5 (s5 earns a quarter of 2a's 2 points).
FIVE = ["CCC", "CIC", "ICI", "CII", "IIM"]


@pytest.mark.parametrize(
    ("rows", "label", "difficulty", "discrimination"),
    [
        # 1a: x = 1,1,0,1,0, so p = 3/5. Rest scores (total − 1a) y = 3,2,1,0,0.5, mean 1.3,
        # Σ(y−ȳ)² = 1.7² + 0.7² + 0.3² + 1.3² + 0.8² = 5.8, population s_y = √1.16.
        # Mean rest of the right M₁ = 5/3, of the wrong M₀ = 0.75:
        # r = (M₁−M₀)/s_y · √(pq) = (11/12)/√1.16 · √0.24 = 11/12 · √(6/29) ≈ 0.41695.
        (FIVE, "1a", 3 / 5, 11 / 12 * math.sqrt(6 / 29)),
        # 1b: x = 1,0,1,0,0, y = 3,3,0,1,0.5; M₁ = (3+0)/2 = 1.5 = M₀ = (3+1+0.5)/3, so r = 0.
        (FIVE, "1b", 2 / 5, 0.0),
        # 2a, partial credit: x = 1,1,0,0,0.25 (mean 0.45), y = 2,1,1,1,0 (mean 1);
        # Σdx·dy = 0.55·1 + (−0.2)(−1) = 0.75, Σdx² = 2·0.3025 + 2·0.2025 + 0.04 = 1.05, Σdy² = 2:
        # r = 0.75/√2.1 ≈ 0.51755.
        (FIVE, "2a", 0.45, 0.75 / math.sqrt(2.1)),
        # Blank and invalid answers score 0 like wrong ones: x = 1,0,0,0, y = 3,3,2,1;
        # p = 1/4, M₁ = 3, M₀ = 2, s_y² = 2.75/4: r = 1/√0.6875 · √0.1875 = √(3/11) ≈ 0.52223.
        (["CCC", "BCC", "VIC", "ICI"], "1a", 1 / 4, math.sqrt(3 / 11)),
        # Everyone right: no variance in x, so no correlation.
        (["CCI", "CIC", "CCC"], "1a", 1.0, None),
        # Everyone has the same rest score (1 point): no variance in y.
        (["CCI", "ICI", "CCI"], "1a", 2 / 3, None),
        # One student: nothing to correlate.
        (["CIC"], "1a", 1.0, None),
        # Nobody graded: no difficulty either.
        ([], "1a", None, None),
    ],
    ids=["all-or-nothing", "zero", "partial-credit", "blank-and-invalid", "everyone-right", "same-rest-score",
         "one-student", "nobody"],
)
def test_difficulty_and_point_biserial_by_hand(rows: list[str], label: str, difficulty: float | None,
                                                discrimination: float | None) -> None:
    # (nobody graded: the one roster student handed nothing in)
    graded = results(rows, missing=0 if rows else 1)
    stats = {item.label: item for item in item_analysis(graded, manifest(max(len(rows), 1)))}[label]
    assert stats.n == len(rows)
    assert stats.difficulty == (None if difficulty is None else pytest.approx(difficulty, abs=1e-12))
    assert stats.discrimination == (None if discrimination is None else pytest.approx(discrimination, abs=1e-12))


def test_point_biserial_equals_the_textbook_formula_for_right_and_wrong() -> None:
    item, rest = [1.0, 1.0, 0.0, 1.0, 0.0], [3.0, 2.0, 1.0, 0.0, 0.5]
    assert point_biserial(item, rest) == pytest.approx(11 / 12 * math.sqrt(6 / 29))
    assert point_biserial(item, [1.0, 1.0, 1.0 + 1e-12, 1.0, 1.0]) is None  # float noise is no variance
    with pytest.raises(ValueError, match="differ in length"):
        point_biserial(item, rest[:2])


def test_missing_students_count_in_the_summary_but_not_in_the_statistics() -> None:
    with_missing = item_analysis(results(FIVE, missing=2), manifest(7))
    assert with_missing == item_analysis(results(FIVE), manifest(5))
    summary = score_summary(results(FIVE, missing=2))
    assert (summary.graded, summary.missing, summary.max_points) == (5, 2, 4.0)
    assert (summary.mean, summary.median, summary.highest) == (pytest.approx(9.5 / 5), 1.0, 4.0)
    empty = score_summary(results([], missing=1))
    assert (empty.graded, empty.mean, empty.median, empty.highest) == (0, None, None, None)


def shared_texts(exam: dict[str, Any]) -> dict[str, Any]:
    """``exam`` as schema 2 stores it: misconception texts in one table by template and part name."""
    for student in exam["students"]:
        for problem in student["problems"]:
            for part in problem["parts"]:
                del part["expected"]["misconception_feedback"]
    return {**exam, "schema_version": 2, "misconception_feedback": {"t-two": {"answer_2a": FEEDBACK}}}


@pytest.mark.parametrize("layout", [lambda exam: exam, shared_texts], ids=["texts in each part", "shared table"])
def test_verdicts_and_misconceptions_are_counted_per_part(layout: Any) -> None:
    # GIVEN five answers to 2a: two inverted ratios, one log10 slip, a blank and junk
    rows = ["CCM", "CCM", "CCL", "CCB", "ICV"]
    # WHEN the parts are analysed
    stats = {item.label: item for item in item_analysis(results(rows), layout(manifest(5)))}
    # THEN blanks are apart from invalid answers, and misconceptions come most common first,
    # with the manifest's feedback text where it has one and the spaced-out name where not
    two_a = stats["2a"]
    assert (two_a.correct, two_a.incorrect, two_a.invalid, two_a.blank) == (0, 3, 1, 1)
    assert two_a.misconceptions == (
        MisconceptionCount("inverted_ratio", "you inverted the concentration ratio", 2),
        MisconceptionCount("log10_without_factor", "log10 without factor", 1),
    )
    assert (stats["1a"].correct, stats["1a"].incorrect, stats["1a"].misconceptions) == (4, 1, ())
    assert sum((two_a.correct, two_a.incorrect, two_a.invalid, two_a.blank)) == two_a.n


def test_a_pooled_label_has_a_row_per_template_graded_students_had() -> None:
    # s2 had another variant of problem 2 and s3's as well, but s3 handed nothing in.
    swapped = {2: "t-two-b", 3: "t-two-c"}
    items = item_analysis(results(["CCC", "CCC"], missing=1, templates=swapped), manifest(3, swapped))
    # THEN a pooled label has one row per template a graded student had (t-two-c was only s3's)
    assert [(i.label, i.slot, i.points, i.templates, i.n) for i in items] == [
        ("1a", "1", 1.0, ("t-one",), 2), ("1b", "1", 1.0, ("t-one",), 2), ("2a", "2", 2.0, ("t-two",), 1),
        ("2a", "2", 2.0, ("t-two-b",), 1)]
    # AND the plot tells the two 2a points apart by their templates
    alternate = {2: "t-two-b", 4: "t-two-b", 6: "t-two-b"}  # both variants with a defined discrimination
    html = render_report(results(["CCC", "CIC", "ICI", "CCI", "IIC", "CCC"], templates=alternate),
                         manifest(6, alternate), [])
    assert "2a (t-two)" in html and "2a (t-two-b)" in html


def test_a_label_only_missing_students_had_keeps_its_points() -> None:
    # GIVEN a pooled problem whose template t-two-c only s3 (no submission) had, as its only template
    swapped = {1: "t-two-c", 2: "t-two-c"}
    items = item_analysis(results([], missing=2, templates=swapped), manifest(2, swapped))
    # THEN its row still shows the part's points, not 0
    assert [(i.label, i.points, i.n) for i in items] == [("1a", 1.0, 0), ("1b", 1.0, 0), ("2a", 2.0, 0)]


def test_an_undefined_discrimination_of_a_pooled_label_names_its_template() -> None:
    # GIVEN two templates in slot 2, each with no spread in 2a (everyone right)
    alternate = {2: "t-two-b", 4: "t-two-b"}
    html = render_report(results(["CCC", "CIC", "ICC", "IIC"], templates=alternate), manifest(4, alternate), [])
    # THEN the caption tells the two 2a apart
    assert "Not shown (discrimination undefined): 2a (t-two), 2a (t-two-b)." in html


def test_flags_follow_the_thresholds() -> None:
    stats = {item.label: item for item in item_analysis(results(FIVE), manifest(5))}
    assert stats["1b"].flags == ("low discrimination",)
    assert stats["1a"].flags == ()
    assert {i.label: i.flags for i in item_analysis(results(["CCI", "CIC", "CCC"]), manifest(3))}["1a"] == ("easy",)


NASTY = "<script>alert('x')</script>"


def report(rows: list[str] = FIVE, missing: int = 1) -> str:
    students = results(rows, missing)
    students[0] = StudentResult(students[0].student_id, NASTY, "graded", students[0].parts)
    notices = [Notice("answers.csv, row 7", f"student {NASTY!r} is not on the exam's roster; skipped"),
               Notice(f"s{len(rows) + 1}", "no submission found; 0 in grades.csv, no score in the LMS gradebooks")]
    return render_report(students, manifest(len(rows) + missing), notices)


def test_the_report_has_every_section_and_two_inline_plots() -> None:
    html = report()
    for section in ("summary", "histogram", "items", "difficulty-discrimination", "notices", "students"):
        assert f'<section id="{section}">' in html
    assert html.count("<svg") == 2 and html.count("</svg>") == 2
    assert 'id="score-histogram"' in html and 'id="item-scatter"' in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    # Offline: nothing is fetched and nothing runs.
    assert not any(s in html for s in ("<link", "<script", "src=", "@import", "url(http"))
    assert "<dt>Students graded</dt><dd>5</dd>" in html
    assert "1 × you inverted the concentration ratio" in html
    assert "no submission found; 0 in grades.csv, no score in the LMS gradebooks" in html


def test_student_text_is_escaped() -> None:
    html = report()
    assert NASTY not in html and "<script" not in html
    assert "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>" in html


@pytest.mark.parametrize("rows", [FIVE, ["CCC"], []], ids=["five", "one", "nobody"])
def test_rendering_twice_gives_identical_bytes(rows: list[str]) -> None:
    assert report(rows).encode() == report(rows).encode()


def test_a_fresh_process_renders_the_same_report(tmp_path: Path) -> None:
    # GIVEN a manifest and answers graded by the real batch code
    exam = manifest(4)
    answers = {"s1": {"1a": "A", "1b": "A", "2a": "A"}, "s2": {"1a": "A", "1b": "B", "2a": "A"},
               "s3": {"1a": "B", "1b": "A", "2a": ""}}
    (tmp_path / "manifest.json").write_text(json.dumps(exam), encoding="utf-8")
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    graded, notices = grade_all(exam, Submissions(answers, dict.fromkeys(answers, "answers.json")))
    # WHEN another interpreter renders the same grades
    script = ("import json, sys; from pathlib import Path; from problemgen.batch import *; "
              "from problemgen.report import render_report; d = Path(sys.argv[1]); "
              "m = json.loads((d / 'manifest.json').read_text()); a = json.loads((d / 'answers.json').read_text()); "
              "r, n = grade_all(m, Submissions(a, dict.fromkeys(a, 'answers.json'))); "
              "sys.stdout.buffer.write(render_report(r, m, n).encode())")
    fresh = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, check=True).stdout
    # THEN the bytes are the same (no dates, no random ids)
    assert fresh == render_report(graded, exam, notices).encode()


def test_parts_without_a_discrimination_are_named_under_the_plot() -> None:
    html = report(["CCI", "CIC", "CCC"])
    assert "Not shown (discrimination undefined): 1a." in html
    assert "<td class=\"n\">—</td>" in html


@pytest.mark.parametrize(("points", "shown"), [(1 / 7, "0.14"), (2.0, "2"), (0.5, "0.5"), (2 / 3, "0.67")])
def test_points_read_with_at_most_two_decimals(points: float, shown: str) -> None:
    # GIVEN one part worth an awkward share of a problem's points, answered right by one student
    part = PartResult("1a", "right", "correct", 1.0, points, points, None, None, "", "1", "t-one", "answer_1a")
    html = render_report([StudentResult("s1", "Student 1", "graded", (part,))], manifest(1), [])
    # THEN the items table, the summary and the student list show it rounded, never 0.142857
    assert f'<td class="n">{shown}</td>' in html
    assert f"of {shown} points</dd>" in html
    assert f'<td class="n">{shown} / {shown}</td>' in html
    assert "142857" not in html


def test_items_come_in_exam_label_order() -> None:
    def part(label: str) -> PartResult:
        return PartResult(label, "right", "correct", 1.0, 1.0, 1.0, None, None, "", label[:-1], "t", "answer")

    graded = [StudentResult("s1", "Student 1", "graded", tuple(part(label) for label in ("10a", "2b", "2a", "3.1a")))]
    assert [item.label for item in item_analysis(graded, {"students": []})] == ["2a", "2b", "3.1a", "10a"]


def test_the_histogram_bins_totals_as_the_gradebooks_show_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN students whose parts add up, in plain floats, to just below a whole point (0.9999999999999999)
    import matplotlib.axes

    parts = tuple(PartResult(f"1{chr(97 + i)}", "x", "correct", 1.0, 0.1, 0.1, None, None, "", "1", "t-one", "p")
                  for i in range(10))
    graded = [StudentResult(f"s{i}", f"Student {i}", "graded", parts) for i in range(3)]
    assert graded[0].points == 1  # summed without float noise
    drawn: list[list[float]] = []
    original = matplotlib.axes.Axes.hist
    monkeypatch.setattr(matplotlib.axes.Axes, "hist", lambda self, x, **kw: drawn.append(list(x)) or original(self, x, **kw))
    # WHEN the report draws its histogram
    render_report(graded, {"exam": {"title": "T"}, "students": []}, [])
    # THEN they are counted at 1 point, as the gradebooks round them, not in the bar below
    assert drawn == [[1.0, 1.0, 1.0]]
