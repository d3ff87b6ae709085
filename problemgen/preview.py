"""``problemgen preview``: one variant of one template with its key and worked solution."""

from __future__ import annotations

import hashlib
from pathlib import Path

from problemgen.bank import find_template
from problemgen.model import VariantKey

#: Previews are for authors: they use a fixed, public secret, never an exam's secret.
PREVIEW_SECRET = b"problemgen-preview"
FORMATS = ("text", "md", "html")


def preview(name: str, *, seed: int | None = None, student: str | None = None, fmt: str = "text",
            banks: tuple[str | Path, ...] = ()) -> str:
    """Render one variant of template ``name`` (an id or a .toml path) as text, Markdown or HTML.

    ``student`` derives the variant as for that student id in an exam called ``preview``;
    otherwise ``seed`` (default 0) picks it. ``banks``: bank folders to look ``name`` up in besides
    the built-in ones.
    """
    from problemgen.documents import render_document
    from problemgen.engine import generate_from_seeds
    from problemgen.errors import ProblemgenError
    from problemgen.problem import render_problem
    from problemgen.render import Quantity
    from problemgen.sampling import variant_seed

    if fmt not in FORMATS:
        raise ProblemgenError(f"unknown preview format {fmt!r}; use one of: {', '.join(FORMATS)}")
    template = find_template(name, banks)
    if student is not None:
        key: VariantKey | None = VariantKey("preview", student, template.id)
        seed_bytes = variant_seed(PREVIEW_SECRET, key)  # type: ignore[arg-type]
        label = f"student {student}"
    else:
        key = None
        seed_bytes = hashlib.sha256(f"preview/{seed or 0}".encode()).digest()
        label = str(seed or 0)
    variant = generate_from_seeds(template, [seed_bytes], [key], unique=False)[0]
    problem = render_problem(template, variant)
    mistakes = {part.name: {name: str(Quantity(value, part.unit, part.sigfigs or 3))
                            for name, value in answer.misconceptions.items()}
                for part, answer in zip(template.parts, variant.answers)}
    document = "preview.html.j2" if fmt == "html" else "preview.md.j2"
    return render_document(document, problem=problem, seed=label, mistakes=mistakes)
