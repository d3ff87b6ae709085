"""Deterministic matplotlib SVG: shared by problem figures and the grading report.

matplotlib is imported lazily (it is slow to import); figures use the object-oriented API so
pyplot's global state and GUI backends are never touched. The same inputs give byte-identical
SVG: no date, fixed ids per figure, text kept as text, and the DejaVu font that ships with
matplotlib so layout does not depend on the fonts installed.
"""

from __future__ import annotations

import io
import re
from typing import Any

PLOT_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def new_figure(width: float = 6.4, height: float = 3.2, margins: tuple[float, float, float, float] | None = None
               ) -> tuple[Any, Any]:
    """A figure with one set of axes.

    Without ``margins`` the layout is constrained (it fits any labels, at about twice the
    drawing time); ``margins`` = (left, bottom, right, top) as figure fractions fixes it, which
    per-variant problem figures use because they are drawn thousands of times.
    """
    from matplotlib.figure import Figure

    if margins is None:
        figure = Figure(figsize=(width, height), layout="constrained")
    else:
        figure = Figure(figsize=(width, height))
        left, bottom, right, top = margins
        figure.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    return figure, figure.add_subplot()


def to_svg(figure: Any, name: str) -> str:
    """The figure as an inline ``<svg>`` element, byte-identical on every run.

    ``name`` prefixes every element id (and the references to them), so two SVGs in one page
    never share an id: matplotlib names its groups ``figure_1``, ``axes_1``, ... in every figure.
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**PLOT_RC, "svg.hashsalt": f"problemgen-{name}", "svg.id": name}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg"):].strip()
    own = set(_ID.findall(svg)) - {name}
    return _ID_OR_REFERENCE.sub(lambda m: f'{m.group(1)}{name}-{m.group(2)}' if m.group(2) in own else m.group(), svg)


_ID = re.compile(r'\bid="([^"]+)"')
#: An id attribute, or a reference to one (url(#x), href="#x", xlink:href="#x").
_ID_OR_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
