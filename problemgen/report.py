"""The grading report: item analysis per answer label and a self-contained ``report.html``.

Only students whose status is ``graded`` enter the statistics; students without a submission are
counted as missing and listed, but their zeros would only drag every item toward "hard".

Definitions (``n`` graded students who have the part; ``x_i`` student *i*'s share of the part's
points, 0..1, so partial credit for a named misconception counts; ``y_i`` the student's total
points minus the points earned on this part, the "rest score"):

- **difficulty** (difficulty index, *p*): ``mean(x_i)``; 1 = everyone earned full points.
- **discrimination** (corrected item-total point-biserial): the Pearson correlation of ``x`` and
  ``y``, ``Σ(x−x̄)(y−ȳ) / sqrt(Σ(x−x̄)² · Σ(y−ȳ)²)``. For an all-or-nothing part this is the
  classic point-biserial ``(M₁−M₀)/s_y · sqrt(p·q)`` (population ``s_y``). Leaving the part out
  of the total keeps it from correlating with itself. ``None`` when ``n < 2`` or when ``x`` or
  ``y`` has no variance (everyone right, or everyone with the same rest score).
- **counts**: *blank* (nothing but whitespace submitted) is counted apart from *invalid*, although
  the checker calls a blank answer invalid; the four counts add up to ``n``.
"""

from __future__ import annotations

import io
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from problemgen.batch import Notice, StudentResult
from problemgen.documents import render_document

#: Misconceptions listed per part in the report table.
TOP_MISCONCEPTIONS = 3
#: Rule-of-thumb thresholds for flagging a part for review in the report.
LOW_DISCRIMINATION = 0.2
HARD, EASY = 0.3, 0.9
#: Values closer than this are equal when testing for zero variance (sums of float points).
_DIGITS = 9
#: Matplotlib settings that make the SVG output identical on every run: no date, fixed ids,
#: text kept as text, and the font that ships with matplotlib so layout does not depend on the
#: fonts installed.
_PLOT_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class MisconceptionCount:
    """How often one named misconception was matched on a part."""

    name: str
    text: str
    """Readable text from the manifest's ``misconception_feedback`` (else the name, spaced)."""
    count: int


@dataclass(frozen=True)
class ItemStats:
    """Item analysis of one answer label across the graded students (see the module docstring)."""

    label: str
    slot: str
    templates: tuple[str, ...]
    """Template ids of the variants the graded students had, sorted."""
    points: float
    """The part's points (the largest, should variants differ)."""
    n: int
    difficulty: float | None
    """Mean share of points, 0..1; ``None`` when nobody was graded."""
    discrimination: float | None
    """Corrected item-total point-biserial, −1..1; ``None`` when undefined."""
    correct: int
    incorrect: int
    invalid: int
    blank: int
    misconceptions: tuple[MisconceptionCount, ...]
    """Every misconception matched, most common first (ties by name)."""

    @property
    def flags(self) -> tuple[str, ...]:
        """Reasons to look at this part again, by the module's rule-of-thumb thresholds."""
        flags = []
        if self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION:
            flags.append("low discrimination")
        if self.difficulty is not None and self.difficulty < HARD:
            flags.append("hard")
        if self.difficulty is not None and self.difficulty > EASY:
            flags.append("easy")
        return tuple(flags)


@dataclass(frozen=True)
class ScoreSummary:
    """Totals over the graded students (``None`` when there are none)."""

    graded: int
    missing: int
    max_points: float
    """Points available on the exam."""
    mean: float | None
    median: float | None
    highest: float | None


def point_biserial(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Pearson correlation of item shares and rest scores; ``None`` if undefined."""
    if len(item) != len(rest):
        raise ValueError("item and rest scores differ in length")
    if len(item) < 2 or _constant(item) or _constant(rest):
        return None
    mean_x, mean_y = math.fsum(item) / len(item), math.fsum(rest) / len(rest)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(item, rest))
    sxx = math.fsum((x - mean_x) ** 2 for x in item)
    syy = math.fsum((y - mean_y) ** 2 for y in rest)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _constant(values: Sequence[float]) -> bool:
    return len({round(v, _DIGITS) for v in values}) < 2


def score_summary(results: Sequence[StudentResult]) -> ScoreSummary:
    """Count graded and missing students and summarise the graded totals."""
    totals = [r.points for r in results if r.status == "graded"]
    return ScoreSummary(
        graded=len(totals), missing=sum(r.status == "missing" for r in results),
        max_points=max((r.max_points for r in results), default=0.0),
        mean=math.fsum(totals) / len(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        highest=max(totals, default=None),
    )


def item_analysis(results: Sequence[StudentResult], manifest: Mapping[str, Any]) -> tuple[ItemStats, ...]:
    """Statistics per answer label, in the exam's label order; only graded students count."""
    layout, variants = _layout(manifest)
    graded = [r for r in results if r.status == "graded"]
    shares: dict[str, list[float]] = {label: [] for label in layout}
    rests: dict[str, list[float]] = {label: [] for label in layout}
    verdicts: dict[str, Counter[str]] = {label: Counter() for label in layout}
    mistakes: dict[str, Counter[str]] = {label: Counter() for label in layout}
    templates: dict[str, set[str]] = {label: set() for label in layout}
    points: dict[str, float] = dict.fromkeys(layout, 0.0)
    for student in graded:
        total = math.fsum(p.points for p in student.parts)
        for part in student.parts:
            if part.label not in layout:
                continue
            shares[part.label].append(part.score)
            rests[part.label].append(round(total - part.points, _DIGITS))
            verdicts[part.label]["blank" if not part.submitted.strip() else part.verdict] += 1
            if part.misconception:
                mistakes[part.label][part.misconception] += 1
            if (student.student_id, part.label) in variants:
                templates[part.label].add(variants[student.student_id, part.label])
            points[part.label] = max(points[part.label], part.max_points)
    texts = _misconception_texts(manifest)
    return tuple(
        ItemStats(
            label=label, slot=slot, templates=tuple(sorted(templates[label])), points=points[label],
            n=len(shares[label]),
            difficulty=math.fsum(shares[label]) / len(shares[label]) if shares[label] else None,
            discrimination=point_biserial(shares[label], rests[label]),
            correct=verdicts[label]["correct"], incorrect=verdicts[label]["incorrect"],
            invalid=sum(c for v, c in verdicts[label].items() if v not in ("correct", "incorrect", "blank")),
            blank=verdicts[label]["blank"],
            misconceptions=tuple(
                MisconceptionCount(name, texts.get((label, name), name.replace("_", " ")), count)
                for name, count in sorted(mistakes[label].items(), key=lambda item: (-item[1], item[0]))
            ),
        )
        for label, slot in layout.items()
    )


def _parts(manifest: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(student id, problem, part) for every part in the manifest, in roster order."""
    for student in manifest.get("students", ()):
        for problem in student["problems"]:
            for part in problem["parts"]:
                yield student["id"], problem, part


def _layout(manifest: Mapping[str, Any]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Label -> slot (labels in order of first appearance) and (student id, label) -> template id."""
    layout: dict[str, str] = {}
    variants: dict[tuple[str, str], str] = {}
    for student_id, problem, part in _parts(manifest):
        layout.setdefault(part["label"], str(problem.get("slot", "")))
        variants[student_id, part["label"]] = str(problem.get("template", ""))
    return layout, variants


def _misconception_texts(manifest: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(label, misconception name) -> the first feedback text the manifest gives for it."""
    texts: dict[tuple[str, str], str] = {}
    for _, _, part in _parts(manifest):
        for name, text in (part.get("expected", {}).get("misconception_feedback") or {}).items():
            texts.setdefault((part["label"], name), str(text))
    return texts


def render_report(results: Sequence[StudentResult], manifest: Mapping[str, Any], notices: Iterable[Notice]) -> str:
    """The instructor's ``report.html``: one file, inline CSS and SVG plots, identical on re-runs."""
    from markupsafe import Markup

    summary = score_summary(results)
    items = item_analysis(results, manifest)
    totals = [r.points for r in results if r.status == "graded"]
    import matplotlib  # lazily: grading without a report never pays for it

    with matplotlib.rc_context(_PLOT_RC):
        histogram, scatter = _histogram_svg(totals, summary.max_points), _scatter_svg(items)
    return render_document(
        "report.html.j2", exam=manifest.get("exam", {}), summary=summary, items=items, students=results,
        notices=list(notices), top=TOP_MISCONCEPTIONS, low_discrimination=LOW_DISCRIMINATION,
        histogram=Markup(histogram), scatter=Markup(scatter),
    )


def _histogram_svg(totals: Sequence[float], max_points: float) -> str:
    """Histogram of the graded students' totals, one bin per point (5 to 25 bins)."""
    upper = max_points if max_points > 0 else 1.0
    bins = min(25, max(5, math.ceil(upper)))
    figure, axes = _figure(3.0)
    axes.hist(totals, bins=[upper * i / bins for i in range(bins + 1)], color="#4a7bb7", edgecolor="white")
    axes.set_xlim(0, upper)
    axes.set_xlabel(f"total points (of {upper:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure, "score-histogram")


def _scatter_svg(items: Sequence[ItemStats]) -> str:
    """Difficulty against discrimination, one labelled point per part with both defined."""
    shown = [i for i in items if i.difficulty is not None and i.discrimination is not None]
    figure, axes = _figure(4.0)
    axes.axhline(LOW_DISCRIMINATION, color="#b44", linewidth=0.8, linestyle="--")
    axes.axhline(0.0, color="#999", linewidth=0.6)
    axes.scatter([i.difficulty for i in shown], [i.discrimination for i in shown], color="#4a7bb7", s=18)
    for item in shown:
        axes.annotate(item.label, (item.difficulty, item.discrimination), xytext=(3, 3),
                      textcoords="offset points", fontsize=8)
    axes.set_xlim(0, 1.05)
    axes.set_ylim(-1.05, 1.05)
    axes.set_xlabel("difficulty (mean share of points; 1 = easy)")
    axes.set_ylabel("discrimination (point-biserial)")
    return _svg(figure, "item-scatter")


def _figure(height: float) -> tuple[Any, Any]:
    # The object-oriented API leaves pyplot's global state (and its GUI backends) alone.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, height), layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure: Any, name: str) -> str:
    """The figure as an ``<svg>`` element for inline HTML, byte-identical on every run."""
    import matplotlib

    buffer = io.StringIO()
    # NB: a salt and an id per plot, so two inline SVGs never share clip-path or marker ids.
    with matplotlib.rc_context({"svg.hashsalt": f"problemgen-{name}", "svg.id": name}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):].strip()
