"""Documents from packaged jinja2 templates (``templates/``): previews now, sheets and keys later.

Packaged templates are trusted, so they use a normal environment, with autoescape on for HTML
and XML and ``StrictUndefined`` everywhere; bank text never reaches this environment unrendered.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any

import jinja2


@functools.cache
def document_environment() -> jinja2.Environment:
    """The environment for files in the ``problemgen.templates`` package."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_templates_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml", "html.j2", "xml.j2"]),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,  # packaged files: not worth a stat of the file per document rendered
    )
    from markupsafe import Markup

    from problemgen.render import markdown_to_html

    env.filters["markdown"] = lambda text: Markup(markdown_to_html(text))
    env.filters["markdown_inline"] = lambda text: Markup(_inline_html(text))
    env.filters["points"] = _points
    env.filters["short_points"] = _short_points
    env.filters["hundredths"] = _hundredths
    # check_answer's feedback is already HTML-safe (echoed student text is escaped).
    env.filters["safe_feedback"] = Markup
    env.filters["feedback_text"] = _feedback_markdown
    env.filters["shows_trailing_point"] = shows_trailing_point
    env.filters["css_string"] = lambda text: Markup(css_string(str(text)))
    env.globals["trailing_point_note"] = TRAILING_POINT_NOTE
    env.filters["code_span"] = _code_span
    env.globals["printed_lines"] = printed_lines
    env.globals["css"] = Markup((Path(_templates_dir()) / "sheet.css").read_text(encoding="utf-8"))
    return env


def printed_lines(problem: Any, statement: str, solution: str) -> float:
    """Roughly how many lines of body text a problem takes in print (46 fill an A4 page), given its
    statement and (in a key) solution as HTML: 85 characters a line, and paragraphs, table rows,
    equations, figures, options and answer lines at their usual heights (within about 10 % for the
    built-in bank). Only to tell a short problem, kept whole on a page, from a long one."""
    lines = 3 + len(problem.title) / 65
    for source, html in ((problem.statement, statement), (problem.solution, solution)):
        if html:
            # the text outside display equations ($$...$$), whose markdown is about as long as it prints
            lines = (lines + len("".join(source.split("$$")[::2])) / 85 + 0.7 * html.count("<p")
                     + 1.3 * html.count("<tr") + 0.4 * html.count("<li") + 2.2 * html.count("<mtr")
                     + 2.5 * html.count('display="block"'))
    if solution:
        lines = lines + 2.5
    if problem.figure_svg:
        lines = lines + 16
    for part in problem.parts:
        lines = lines + 0.4 + (len(part.prompt) + 5) / 85
        if part.options:
            lines = lines + 1.4 + (len("".join(part.options)) + 8 * len(part.options)) / 85
        if solution:
            lines = lines + (12 + len(str(part.answer)) + 20 * len(part.mistakes)
                             + len("".join(m.feedback for m in part.mistakes))) / 85
        elif not part.options:
            lines = lines + 1.2
    return round(lines, 1)


_TRAILING_POINT = re.compile(r"\.(?![\d\w])(?<=\d\.)")  # a point first: the regex engine skips to points
TRAILING_POINT_NOTE = ("A point after a whole number, as in 150. mV, shows that its last zero is significant: "
                       "150. has three significant figures.")


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: every character but letters, digits and spaces as a
    CSS escape, so no name can end the string or the style element."""
    text = " ".join(text.split())[:120]
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)


def has_trailing_point(*texts: str) -> bool:
    """Whether any of ``texts`` prints a whole number with a trailing point."""
    return any(text and _TRAILING_POINT.search(text) for text in texts)


def shows_trailing_point(problems: Any, answers: bool = False, solutions: bool = False) -> bool:
    """Whether the problems' statements, prompts and options (with ``answers`` and ``solutions``:
    those too) print a whole number with a trailing point, which a note then explains."""
    def get(thing: Any, name: str) -> Any:
        return thing.get(name) if isinstance(thing, dict) else getattr(thing, name, None)

    for problem in problems:
        flags = getattr(problem, "trailing_points", None)
        if flags is not None:  # a sheet's problem: found once when it was made
            if flags[0] or (answers and flags[1]) or (solutions and flags[2]):
                return True
            continue
        texts = [get(problem, "statement")] + ([get(problem, "solution")] if solutions else [])
        for part in get(problem, "parts") or ():
            texts += [get(part, "prompt"), *(get(part, "options") or ())] + ([get(part, "answer")] if answers else [])
        if any(text and _TRAILING_POINT.search(str(text)) for text in texts):
            return True
    return False


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]])")


def _feedback_markdown(text: str) -> str:
    """check_answer's HTML-safe feedback as Markdown text: <, > and & stay escaped (quotes read as
    quotes) and the characters of emphasis, code and links are backslash-escaped, so echoed student
    text (``[x](http://…) mV``, ``*-18.6 mV*``) shows as typed where the Markdown is rendered."""
    return html.escape(_MARKDOWN_INLINE.sub(r"\\\1", html.unescape(text)), quote=False)


def _code_span(text: str) -> str:
    """Student text shown verbatim in Markdown: a code span long enough to hold any backticks."""
    if not text:
        return "(blank)"
    longest = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


@functools.lru_cache(maxsize=2048)
def _inline_html(text: str) -> str:
    """HTML of a one-paragraph Markdown text without its <p> (cached: a sheet and its key show each
    prompt, and most prompts are the same for every student)."""
    from problemgen.render import markdown_to_html

    return _strip_paragraph(markdown_to_html(text))


def _strip_paragraph(html: str) -> str:
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _short_points(value: float) -> str:
    """Points as a reader wants them: at most two decimals, no trailing zeros (0.142857 -> 0.14, 2.0 -> 2)."""
    return "%g" % round(value, 2)


@functools.lru_cache(maxsize=4096)
def _hundredths(value: float) -> str:
    """Points to two decimals, half-up as the gradebooks round them (0.125 -> 0.13); cached, as
    an exam's points take few values."""
    from problemgen.numbers import format_decimals

    return format_decimals(value, 2)


def _points(value: float) -> str:
    number = f"{value:g}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")
    return f"{number} point" + ("" if float(value) == 1 else "s")


def _templates_dir() -> str:
    import importlib.resources

    return str(importlib.resources.files("problemgen.templates"))


def render_document(name: str, **context: Any) -> str:
    """Render a packaged template (``preview.md.j2``) with a context."""
    return document_environment().get_template(name).render(**context)
