"""The built-in bank: every template validates, previews match goldens, figures render."""

from __future__ import annotations

import pytest

from problemgen.bank import builtin_banks
from problemgen.preview import preview
from problemgen.validate import validate_template

TEMPLATES = {t.id: t for bank in builtin_banks().values() for t in bank.templates.values()}
BANK = builtin_banks()["driving-force"]

# One template per section of the domain text: their previews are golden files.
GOLDEN = ["force-directions", "nernst-cation", "nernst-chloride", "nernst-calcium", "nernst-inverse",
          "driving-force-anion", "ohmic-current-ns", "mullins-noda", "fractional-change-soma",
          "surface-three-models", "ap-driving-forces-rest-peak", "synapse-ampa-chord", "glia-astrocyte-potassium",
          "plant-proton-motive-force", "handson-leak-charge", "iv-plot-reversal"]


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_every_template_validates(template_id: str) -> None:
    report = validate_template(TEMPLATES[template_id], samples=100)
    assert report.ok, "\n".join(str(f) for f in report.findings)


def test_the_bank_covers_every_section_at_three_difficulties() -> None:
    assert len(BANK.templates) >= 40
    for section in BANK.sections:
        members = [t for t in BANK.templates.values() if t.section == section]
        assert len(members) >= 2, section
    assert {t.difficulty for t in BANK.templates.values()} == {1, 2, 3}
    assert sum(t.figure is not None for t in BANK.templates.values()) >= 4


@pytest.mark.parametrize("template_id", GOLDEN)
def test_golden_previews(template_id: str, golden) -> None:
    golden(f"previews/{template_id}-seed1.md", preview(template_id, seed=1, fmt="md"))


def test_figures_are_deterministic_svg_in_html() -> None:
    first = preview("iv-plot-reversal", seed=5, fmt="html")
    assert first == preview("iv-plot-reversal", seed=5, fmt="html")
    assert first.count("<svg") == 1 and "current (pA)" in first


@pytest.mark.parametrize(("rest", "peak", "e_na", "e_k"), [(-0.070, 0.040, 0.055, -0.090), (-0.060, 0.020, 0.060, -0.100)])
def test_the_action_potential_trace_falls_smoothly_from_its_peak(rest: float, peak: float, e_na: float,
                                                                 e_k: float) -> None:
    # GIVEN a drawn spike (its givens in volts, as templates pass them)
    import numpy as np
    from matplotlib.figure import Figure

    from problemgen.figures import _trace

    axes = Figure().add_subplot()
    _trace(axes, {"v_rest": rest, "v_peak": peak, "E_Na": e_na, "E_K": e_k}, {})
    v = np.asarray(axes.get_lines()[0].get_ydata())
    top, bottom = int(np.argmax(v)), int(np.argmin(v))
    # THEN it peaks at the given peak and falls to its undershoot below rest with no notch: no step
    # bends the curve more than the spike itself does at its peak (a step drew 1.4-2.6 mV kinks)
    assert abs(v[top] - peak * 1e3) < 0.05
    assert top < bottom and np.all(np.diff(v[top:bottom + 1]) <= 0)
    assert e_k * 1e3 < v[bottom] < rest * 1e3
    assert np.abs(np.diff(v, 2)).max() <= 1.1 * abs(v[top - 1] - 2 * v[top] + v[top + 1]) + 0.05
