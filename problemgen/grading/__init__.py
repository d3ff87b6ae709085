"""Answer checking: strict parsing, fair comparison, feedback that names the mistake.

``check_answer(submitted, expected) -> dict`` is the **contract** (issue 5 §1) used by the
batch grader, the exported grader bundle and the Gradescope autograder. It never raises on
``submitted`` (any string, or even a non-string); a malformed ``expected`` raises
:class:`~problemgen.errors.GradingSpecError`. The result has exactly the keys ``verdict``
(``correct`` | ``incorrect`` | ``invalid``), ``score`` (0..1), ``feedback`` (HTML-safe text:
echoed student text is escaped, so insert it unescaped), ``misconception`` (name or None) and
``value`` (the number read, in the expected unit, or None).

A numeric ``expected`` may also carry ``allowance`` (default 0, in ``unit``): an extra absolute
window added to either accuracy rule, for an answer carried from earlier parts' rounded keys.
Builds set it on figure-graded parts, whose rule ignores ``rtol`` and ``atol``.

The numeric and choice paths never import sympy or numpy; the symbolic path imports numpy on
first use (it evaluates its own AST with it) and never sympy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from problemgen.errors import GradingSpecError
from problemgen.grading.choice import grade_choice
from problemgen.grading.numeric import grade_numeric

__all__ = ["check_answer", "KINDS", "VERDICTS"]

VERDICTS = ("correct", "incorrect", "invalid")


def grade_symbolic(submitted: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`problemgen.grading.symbolic.grade_symbolic`, imported when first needed (with numpy)."""
    from problemgen.grading.symbolic import grade_symbolic as grade

    return grade(submitted, expected)


KINDS: dict[str, Callable[[str, Mapping[str, Any]], dict[str, Any]]] = {
    "numeric": grade_numeric,
    "symbolic": grade_symbolic,
    "choice": grade_choice,
}


def check_answer(submitted: str, expected: Mapping[str, Any]) -> dict[str, Any]:
    """Grade one answer box: ``submitted`` as typed, ``expected`` from the exam manifest.

    ``expected["kind"]`` selects ``numeric``, ``symbolic`` or ``choice``; see those modules
    and ``reference/grading-rules.md`` for the rules.
    """
    if not isinstance(expected, Mapping):
        raise GradingSpecError("kind", f"expected must be a dict, got {type(expected).__name__}")
    kind = expected.get("kind")
    grader = KINDS.get(kind) if isinstance(kind, str) else None
    if grader is None:
        raise GradingSpecError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    return grader(submitted, expected)
