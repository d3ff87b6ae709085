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

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from problemgen.batch import Notice, PartResult, StudentResult
from problemgen.documents import render_document
from problemgen.numbers import format_decimals
from problemgen.plotting import PLOT_RC, new_figure, to_svg

#: Misconceptions listed per part in the report table.
TOP_MISCONCEPTIONS = 3
#: Rule-of-thumb thresholds for flagging a part for review in the report.
LOW_DISCRIMINATION = 0.2
HARD, EASY = 0.3, 0.9
#: Spread (relative to the largest magnitude, at least 1) below which values count as constant:
#: sums of float points such as 0.75 + 0.1875 differ in the last bits without any real spread.
_EPSILON = 1e-9


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
    low, high = min(values), max(values)
    return high - low <= _EPSILON * max(1.0, abs(low), abs(high))


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
    """Statistics per answer label and template, in exam label order; only graded students count.

    A slot drawn from a pool has one row per template for each label: "3a" of a Nernst problem
    and "3a" of a leak-current problem are different questions, with their own difficulty.
    """
    layout, texts = _layout(results, manifest)
    tallies = {key: _Tally() for key in layout}
    for student in results:
        if student.status != "graded":
            for part in student.parts:  # a part's points are known without a submission
                tally = tallies[part.label, part.template]
                tally.points = max(tally.points, part.max_points)
            continue
        total = math.fsum(p.points for p in student.parts)
        for part in student.parts:
            tallies[part.label, part.template].add(part, total)
    items = [tallies[key].stats(key, slot, texts) for key, slot in layout.items()]
    # A template only students without a submission had adds nothing but an empty row.
    graded_labels = {item.label for item in items if item.n}
    return tuple(item for item in items if item.n or item.label not in graded_labels)


@dataclass
class _Tally:
    """What one label of one template collects while the graded students go by."""

    shares: list[float] = field(default_factory=list)
    rests: list[float] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)
    mistakes: Counter[str] = field(default_factory=Counter)
    points: float = 0.0

    def add(self, part: PartResult, total: float) -> None:
        self.shares.append(part.score)
        self.rests.append(total - part.points)
        self.verdicts["blank" if not part.submitted.strip() else part.verdict] += 1
        if part.misconception:
            self.mistakes[part.misconception] += 1
        self.points = max(self.points, part.max_points)

    def stats(self, key: tuple[str, str], slot: str, texts: Mapping[tuple[str, str, str], str]) -> ItemStats:
        label, template = key
        n = len(self.shares)
        return ItemStats(
            label=label, slot=slot, templates=(template,) if template else (), points=self.points, n=n,
            difficulty=math.fsum(self.shares) / n if n else None,
            discrimination=point_biserial(self.shares, self.rests),
            correct=self.verdicts["correct"], incorrect=self.verdicts["incorrect"], blank=self.verdicts["blank"],
            invalid=n - self.verdicts["correct"] - self.verdicts["incorrect"] - self.verdicts["blank"],
            misconceptions=tuple(
                MisconceptionCount(name, texts.get((label, template, name), name.replace("_", " ")), count)
                for name, count in sorted(self.mistakes.items(), key=lambda item: (-item[1], item[0]))
            ),
        )


def _layout(results: Sequence[StudentResult], manifest: Mapping[str, Any]
            ) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str, str], str]]:
    """Two lookups from the results (every roster student has one):

    - (label, template) -> slot, in exam label order (2a before 10a), templates by id;
    - (label, template, misconception name) -> its feedback text in the first variant that has
      one. Texts can differ between variants (a slope quoted at another temperature); the first
      is as good as any and keeps the report deterministic. They come from the manifest's shared
      table (schema 2), or else from each part's ``expected`` (schema 1, read once more).
    """
    from problemgen.batch import label_order

    slots: dict[tuple[str, str], str] = {}
    for student in results:
        for part in student.parts:
            slots.setdefault((part.label, part.template), part.slot)
    slots = {key: slots[key] for key in sorted(slots, key=lambda key: (label_order(key[0]), key[1]))}
    texts: dict[tuple[str, str, str], str] = {}
    table = manifest.get("misconception_feedback")
    if table:
        # The texts depend only on template and answer name: one lookup per distinct part.
        parts = {(part.label, part.template, part.name) for student in results for part in student.parts}
        for label, template, answer in parts:
            for name, text in table.get(template, {}).get(answer, {}).items():
                texts[label, template, name] = str(text)
        return slots, texts
    for entry in manifest.get("students", ()):
        for problem in entry["problems"]:
            for part in problem["parts"]:
                for name, text in (part.get("expected", {}).get("misconception_feedback") or {}).items():
                    texts.setdefault((part["label"], str(problem.get("template", "")), name), str(text))
    return slots, texts


def prepare_report() -> None:
    """Import what drawing the report needs (slow; worth doing while the students are graded)."""
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def render_report(results: Sequence[StudentResult], manifest: Mapping[str, Any], notices: Iterable[Notice]) -> str:
    """The instructor's ``report.html``: one file, inline CSS and SVG plots, identical on re-runs.

    ``results`` in roster order as :func:`problemgen.batch.grade_all` returns them; every text in
    them (names, ids, notices) is escaped by the template.
    """
    import matplotlib  # lazily: grading without a report never imports it
    from markupsafe import Markup

    summary = score_summary(results)
    items = item_analysis(results, manifest)
    # Totals as the gradebooks show them (to the cent): a float sum such as 23.999999999999996
    # belongs in the bar of 24, not of 23.
    totals = [float(format_decimals(r.points, 2)) for r in results if r.status == "graded"]
    # NB: the settings must be in force while the figures are built (fonts, spines), not only
    # while to_svg saves them.
    with matplotlib.rc_context(PLOT_RC):
        histogram, scatter = _histogram_svg(totals, summary.max_points), _scatter_svg(items)
    return render_document(
        "report.html.j2", exam={"title": "", "course": "", "date": "", **manifest.get("exam", {})},
        summary=summary, items=items, students=results, notices=list(notices), top=TOP_MISCONCEPTIONS,
        low_discrimination=LOW_DISCRIMINATION, histogram=Markup(histogram), scatter=Markup(scatter),
    )


def _histogram_svg(totals: Sequence[float], max_points: float) -> str:
    """Histogram of the graded students' totals, one bin per point (5 to 25 bins)."""
    upper = max_points if max_points > 0 else 1.0
    bins = min(25, max(5, math.ceil(upper)))
    figure, axes = new_figure(height=3.0, margins=(0.09, 0.16, 0.98, 0.96))
    axes.hist(totals, bins=[upper * i / bins for i in range(bins + 1)], color="#4a7bb7", edgecolor="white")
    axes.set_xlim(0, upper)
    axes.set_xlabel(f"total points (of {round(upper, 2):g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return to_svg(figure, "score-histogram")


def _scatter_svg(items: Sequence[ItemStats]) -> str:
    """Difficulty against discrimination, one labelled point per part with both defined."""
    shown = [i for i in items if i.difficulty is not None and i.discrimination is not None]
    figure, axes = new_figure(height=4.0, margins=(0.115, 0.12, 0.98, 0.97))
    axes.axhline(LOW_DISCRIMINATION, color="#b44", linewidth=0.8, linestyle="--")
    axes.axhline(0.0, color="#999", linewidth=0.6)
    axes.scatter([i.difficulty for i in shown], [i.discrimination for i in shown], color="#4a7bb7", s=18)
    pooled = {label for label, n in Counter(item.label for item in items).items() if n > 1}
    for item in shown:
        name = f"{item.label} ({', '.join(item.templates)})" if item.label in pooled else item.label
        axes.annotate(name, (item.difficulty, item.discrimination), xytext=(3, 3),
                      textcoords="offset points", fontsize=8)
    axes.set_xlim(0, 1.05)
    axes.set_ylim(-1.05, 1.05)
    axes.set_xlabel("difficulty (mean share of points; 1 = easy)")
    axes.set_ylabel("discrimination (point-biserial)")
    return to_svg(figure, "item-scatter")
