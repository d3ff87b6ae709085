"""Problem figures drawn per variant with matplotlib: I–V plots, concentration bars, Vm traces.

A template asks for a figure with a ``[figure]`` table: a ``kind``, a ``caption`` (jinja text)
and the kind's inputs as expressions of the givens and answers (SI units), e.g.::

    [figure]
    kind = "iv_curve"
    caption = "Current through the channel as the membrane potential is stepped."
    g = "g"
    E = "E"

The figure appears after the statement: inline SVG in HTML (and so in PDF), an SVG file beside
Markdown. It shows what the student reads off; it never prints an answer as text.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Inputs of each kind: name -> what it is (SI); ``lists`` take one expression per item.
KINDS: dict[str, dict[str, str]] = {
    "iv_curve": {"g": "conductance (S)", "E": "reversal potential (V)"},
    "concentration_bars": {"ions": "ion symbols (a list of strings)", "inside": "inside concentrations (mol/m^3)",
                           "outside": "outside concentrations (mol/m^3)"},
    "vm_trace": {"v_rest": "resting potential (V)", "v_peak": "peak of the spike (V)", "E_Na": "E_Na (V)",
                 "E_K": "E_K (V)"},
}
#: Literal (not evaluated) options of each kind, with defaults.
OPTIONS: dict[str, dict[str, Any]] = {
    "iv_curve": {"v_min": -120.0, "v_max": 60.0, "current_unit": "pA"},
    "concentration_bars": {},
    "vm_trace": {},
}


FigureJob = tuple[str, tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...], str]
#: Figures drawn ahead of time by :func:`predraw` (cleared by the caller after use).
_PREDRAWN: dict[FigureJob, str] = {}


def job(kind: str, values: dict[str, Any], options: dict[str, Any], name: str) -> FigureJob:
    """The hashable description of one figure."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))
    return kind, frozen, tuple(sorted(options.items())), name


def draw(kind: str, values: dict[str, Any], options: dict[str, Any], name: str) -> str:
    """The SVG of one figure; ``values`` are the evaluated inputs of one variant (SI)."""
    key = job(kind, values, options, name)
    found = _PREDRAWN.get(key)
    return found if found is not None else _draw(*key)


def predraw(jobs: list[FigureJob], processes: int | None = None) -> None:
    """Draw many figures at once on every core (matplotlib is single-threaded and slow).

    For a handful of figures it leaves the drawing to :func:`draw`. Results wait in memory
    until :func:`forget`.
    """
    import os

    from problemgen.parallel import ordered_map

    todo = [key for key in dict.fromkeys(jobs) if key not in _PREDRAWN]
    workers = processes or os.cpu_count() or 1
    if workers < 2 or len(todo) < 8:
        return
    for key, svg in zip(todo, ordered_map(lambda index: _draw(*todo[index]), len(todo), workers, chunksize=4)):
        _PREDRAWN[key] = svg


def forget() -> None:
    """Drop the figures drawn ahead of time."""
    _PREDRAWN.clear()


@functools.lru_cache(maxsize=4096)
def _draw(kind: str, values: tuple[tuple[str, Any], ...], options: tuple[tuple[str, Any], ...], name: str) -> str:
    from problemgen.plotting import to_svg

    return _drawn(kind, values, options, lambda figure: to_svg(figure, name))


def draw_pdf(kind: str, values: dict[str, Any], options: dict[str, Any]) -> bytes:
    """The figure as PDF (beside a LaTeX sheet), drawn like :func:`draw`; undated, so always the same bytes."""
    import io

    def save(figure: Any) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="pdf", metadata={"CreationDate": None})
        return buffer.getvalue()

    kind, frozen, settings, _ = job(kind, values, options, "")
    return _drawn(kind, frozen, settings, save)


def _drawn(kind: str, values: tuple[tuple[str, Any], ...], options: tuple[tuple[str, Any], ...],
           save: Callable[[Any], T]) -> T:
    import matplotlib

    from problemgen.plotting import PLOT_RC, new_figure

    given = dict(values)
    settings = {**OPTIONS[kind], **dict(options)}
    # NB: style settings apply while the figure is built, so the whole drawing runs inside them.
    with matplotlib.rc_context(PLOT_RC):
        figure, axes = new_figure(5.2, 3.0, margins=(0.14, 0.16, 0.9, 0.96))
        {"iv_curve": _iv_curve, "concentration_bars": _bars, "vm_trace": _trace}[kind](axes, given, settings)
        return save(figure)


def _iv_curve(axes: Any, given: dict[str, Any], settings: dict[str, Any]) -> None:
    import numpy as np

    from problemgen.bank import unit_factor

    unit = settings["current_unit"]
    volts = np.linspace(settings["v_min"], settings["v_max"], 2) * 1e-3
    current = given["g"] * (volts - given["E"]) / unit_factor(unit)
    axes.plot(volts * 1e3, current, color="#1f5f8b", linewidth=1.8)
    axes.axhline(0, color="#444", linewidth=0.8)
    axes.axvline(0, color="#444", linewidth=0.8)
    axes.set_xlim(settings["v_min"], settings["v_max"])
    ticks = np.arange(math.ceil(settings["v_min"] / 20) * 20, settings["v_max"] + 1, 20)
    # A grid line every 20 mV, a label every 40 mV: "−120−100" ran together at a sheet's width.
    axes.set_xticks(ticks, [f"{tick:g}".replace("-", "\u2212") if tick % 40 == 0 else "" for tick in ticks])
    _fine_grid(axes, x_step=5.0)
    axes.set_xlabel("membrane potential $V_m$ (mV)")
    axes.set_ylabel(f"current ({unit.replace('u', 'µ')})")


def _fine_grid(axes: Any, x_step: float, y_step: float | None = None) -> None:
    """Major grid plus a light fine grid at fixed steps, so values can be read off.

    The fine grid is two line collections rather than minor ticks: one artist each instead of
    dozens of tick objects, which halves the drawing time of a figure.
    """
    import numpy as np

    x_low, x_high = axes.get_xlim()
    y_low, y_high = axes.get_ylim()
    if y_step is None:
        ticks = axes.get_yticks()
        y_step = float(ticks[1] - ticks[0]) / 4 if len(ticks) > 1 else (y_high - y_low) / 20
    xs = np.arange(np.ceil(x_low / x_step) * x_step, x_high, x_step)
    ys = np.arange(np.ceil(y_low / y_step) * y_step, y_high, y_step)
    axes.vlines(xs, y_low, y_high, colors="#e4e4e4", linewidths=0.4, zorder=0)
    axes.hlines(ys, x_low, x_high, colors="#e4e4e4", linewidths=0.4, zorder=0)
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    axes.grid(True, which="major", color="#bbb", linewidth=0.6)
    axes.set_axisbelow(True)


def _bars(axes: Any, given: dict[str, Any], settings: dict[str, Any]) -> None:
    import numpy as np

    from problemgen.physics import ion

    labels = [ion(symbol).unicode for symbol in given["ions"]]
    inside, outside = np.asarray(given["inside"], float), np.asarray(given["outside"], float)
    positions = np.arange(len(labels))
    for offset, values, label, color in ((-0.2, inside, "inside", "#c98b2b"), (0.2, outside, "outside", "#1f5f8b")):
        bars = axes.bar(positions + offset, values, width=0.38, label=label, color=color)
        axes.bar_label(bars, labels=[_concentration_label(v) for v in values], fontsize=8, padding=2)
    axes.set_yscale("log")
    axes.set_xticks(positions, labels)
    axes.set_ylabel("concentration (mM, log scale)")
    axes.set_ylim(min(inside.min(), outside.min()) / 3, max(inside.max(), outside.max()) * 4)
    axes.legend(frameon=False, loc="upper left", ncols=2)


def _concentration_label(value: float) -> str:
    if value >= 1:
        return f"{value:g} mM"
    if value >= 1e-3:
        return f"{value * 1e3:g} µM"
    return f"{value * 1e6:g} nM"


def _trace(axes: Any, given: dict[str, Any], settings: dict[str, Any]) -> None:
    import numpy as np

    rest, peak, e_na, e_k = (given[k] * 1e3 for k in ("v_rest", "v_peak", "E_Na", "E_K"))
    time = np.linspace(0, 6, 600)
    # A smooth spike: rise to the peak at 1.2 ms, fall with an undershoot toward E_K, recovery.
    rise = (peak - rest) * np.exp(-((time - 1.2) / 0.35) ** 2)
    # Switched on smoothly after the peak (a step there drew a notch of 1-3 mV below it).
    onset = np.where(time > 1.2, 1 - np.exp(-((time - 1.2) / 0.4) ** 2), 0.0)
    undershoot = (0.7 * (e_k - rest)) * np.exp(-((time - 2.6) / 0.9) ** 2) * onset
    axes.plot(time, rest + rise + undershoot, color="#1f5f8b", linewidth=1.8)
    for level, label, color in ((e_na, "$E_{Na}$", "#b8322a"), (e_k, "$E_{K}$", "#2a7a3b")):
        axes.axhline(level, linestyle="--", color=color, linewidth=1)
        axes.text(6.05, level, label, color=color, va="center", fontsize=9)
    axes.set_xlim(0, 6)
    axes.set_yticks(np.arange(math.floor(min(e_k, rest) / 20) * 20, math.ceil(max(e_na, peak) / 20) * 20 + 1, 20))
    _fine_grid(axes, x_step=0.5, y_step=5.0)
    axes.set_xlabel("time (ms)")
    axes.set_ylabel("$V_m$ (mV)")
