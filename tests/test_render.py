"""Rendering: the sandbox, strict undefined names, quantity filters, Markdown to HTML with MathML."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problemgen.render import Quantity, RenderError, markdown_to_html, render_text, render_texts


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ c }}", {"c": Quantity(150.0, "mM", decimals=0)}, "150 mM"),
        ("{{ c | q('M') }}", {"c": Quantity(150.0, "mM", decimals=0)}, "0.150 M"),
        ("{{ v }}", {"v": Quantity(-65.0, "mV", decimals=0)}, "\u221265 mV"),
        ("{{ v.tex }}", {"v": Quantity(-65.0, "mV", decimals=0)}, r"-65\,\mathrm{mV}"),
        ("{{ x }}", {"x": Quantity(6.9e-5, "", sigfigs=3)}, "6.90 × 10⁻⁵"),
        ("{{ x.tex }}", {"x": Quantity(6.9e-5, "", sigfigs=3)}, r"6.90 \times 10^{-5}"),
        ("{{ g }}", {"g": Quantity(1.0, "uF/cm^2", decimals=1)}, "1.0 µF/cm²"),
        ("{{ t }}", {"t": Quantity(37.0, "degC", decimals=0)}, "37 °C"),
        ("{{ 'Ca2+' | ion }} / {{ 'Cl-' | ion('latex') }}", {}, r"Ca²⁺ / \mathrm{Cl^-}"),
        ("{{ 0.0123 | q('mV', 2) }}", {}, "0.012 mV"),
    ],
    ids=["given", "converted", "unicode-minus", "tex", "scientific", "tex-scientific", "unit-display", "celsius", "ions",
         "plain-number"],
)
def test_filters_and_quantities(source: str, context: dict, expected: str) -> None:
    assert render_text(source, context, "test") == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ c_outside }}", "test: 'c_outside' is undefined; define it under [params] or fix the name"),
        ("{{ ''.__class__.__mro__ }}", "test: access to attribute '__class__' of 'str' object is unsafe."),
        ("{% for %}", "test, line 1: Expected an expression, got 'end of statement block'"),
        ("{{ V.__class__ }}", "test: access to attribute '__class__' of 'Quantity' object is unsafe."),
        ("{{ V.to.__func__ }}", "test: access to attribute '__func__' of 'method' object is unsafe."),
        ("{{ V.__dict__ }}", "test: access to attribute '__dict__' of 'Quantity' object is unsafe."),
    ],
    ids=["undefined", "sandbox", "syntax", "quantity-class", "quantity-method-internals", "quantity-dict"],
)
def test_bank_text_is_strict_and_sandboxed(source: str, message: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_text(source, {"V": Quantity(-65.0, "mV", decimals=0)}, "test")
    assert str(caught.value) == message


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ V.value }} {{ V.unit }} {{ V.decimals }} {{ V.sigfigs }}", "-65.0 mV 0 None"),
    ("{{ V.tex }}; {{ V.number() }}; {{ V.to('V') }}", "-65\\,\\mathrm{mV}; \u221265; \u22120.0650 V"),
], ids=["fields", "methods"])
def test_bank_text_reads_what_a_quantity_offers(source: str, expected: str) -> None:
    assert render_text(source, {"V": Quantity(-65.0, "mV", decimals=0)}, "test") == expected


def test_math_becomes_mathml_and_no_latex_survives() -> None:
    html = markdown_to_html(r"So $E = \frac{RT}{zF}\ln\frac{c_o}{c_i}$ and $$V_m = -65\,\mathrm{mV}$$")
    assert html.count("<math") == 2
    assert 'display="block"' in html
    assert not re.search(r"\\[A-Za-z]+", html)


def test_raw_html_in_bank_text_is_escaped() -> None:
    assert markdown_to_html("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


@pytest.mark.parametrize(
    "latex",
    [r"V_m = -65\,\mathrm{mV}", r"\frac12 + x_2 + 147.0 + 10^3 + 2.5^{2}", r"6.90 \times 10^{-5}",
     r"E = \frac{8.314 \cdot 310.15}{96\,485} \ln\frac{150}{15}", r"\sqrt{2}\cdot 1.602\times10^{-19}\,\mathrm{C}",
     r"a = 7. \text{ and } b = 2.51."],
)
def test_shape_cached_mathml_equals_a_direct_conversion(latex: str) -> None:
    from latex2mathml.converter import convert

    from problemgen.render import latex_to_mathml

    # A single letter in \mathrm{} becomes \text{} so browsers draw it upright (latex2mathml
    # would emit an italic <mi>).
    assert latex_to_mathml(latex) == convert(latex.replace(r"\mathrm{C}", r"\text{C}"))


@pytest.mark.parametrize(
    "text",
    [
        "1. first at 37 °C\n2. second with $V_m = -65\\,\\mathrm{mV}$\n",
        "K⁺ is **3.5 mM** outside and *148.0 mM* inside; x_2 and 10^3 stay as written.",
        "$$E = \\frac{8.314 \\cdot 310.15}{96\\,485} \\ln\\frac{150}{15} = 61.5\\,\\mathrm{mV}$$",
        "3) a list that starts at 3\n4) and goes on",
        "Take 2 steps (of 3) first:\n\n  7. indented marker after 5 numbers 6.\n  8) and 9)",
        "3.5 mM opens the line, not a list\n12.25 too (x = 3)",
        "10. ten\n11. eleven at 1.5)",
        "$$\\frac{0.5\\cdot445 + 2\\times3.5}{\\frac12\\pm1.5} \\approx0.8$$",
        "Code `\\cdot5` and prose \\times3 stay; $a\\cdot5$ and $$b\\times2$$ do not.",
        "Numbers only mid-line: 120 mV,\nthen 4.5 mM and (3) and 7.",
        "\u00a0120. after a no-break space\n\t3) after a tab",
    ],
    ids=["ordered-list", "emphasis", "display-math", "list-start", "indented-markers", "decimals-at-line-start",
         "two-digit-markers", "digits-after-operators",
         "operators-outside-math", "no-marker-candidates", "other-blanks-before-markers"],
)
def test_shape_cached_markdown_equals_a_direct_rendering(text: str) -> None:
    from problemgen.render import markdown_parser

    assert markdown_to_html(text) == markdown_parser().render(text)


#: Pieces of Markdown where numbers meet block and emphasis rules: list and quote markers, emphasis
#: runs, math, tables, code spans, numbers with a trailing point.
MARKDOWN_PIECES = ["> ", "- ", "* ", "+ ", "1. ", "3) ", "12. ", " ", "  ", "\t", "\n", "\n\n", "x", "mV ", "2.5", "7",
                   "10", ".", ")", "(", "$a=3$", "$$b_2 = 4.5$$", "-", "**", "*", "_", "__", "`", "[", "]", "<", "&",
                   "#", "|", "\\", "1500.", "−65", "  - ", ">> ", "\u00a0", "!", "x_3", "---\n",
                   "| a | 3 |\n|---|---|\n| 4 | b |\n"]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), min_size=1, max_size=16).map("".join))
def test_shape_cached_markdown_equals_a_direct_rendering_for_any_mix(text: str) -> None:
    from problemgen.render import markdown_parser

    markdown_to_html.cache_clear()  # the shape path, not the whole-text cache
    assert markdown_to_html(text) == markdown_parser().render(text)


@pytest.mark.parametrize(
    "texts",
    [
        ("K⁺ is {{ c }} outside.", "What is E?", "At {{ t }}:"),
        ("{%- if c > 1 -%}\n  high\n{%- else -%} low {%- endif -%}", "  {{ c }}  \n", "{% for i in [1, 2] %}{{ i }}\n{% endfor %}"),
        ("", "only {{ t }}", ""),
        ("a private-use \ue000 character", "{{ c }}"),
        ("{% set t = 99 %}statement {{ t }}", "prompt {{ t }}"),
        ("{% macro m() %}x{% endmacro %}{{ m() }}", "{{ c }}"),
        ("{% block b %}one{% endblock %}", "{% block b %}two{% endblock %}"),
    ],
    ids=["plain", "whitespace-control-at-the-edges", "empty-texts", "separator-in-text", "set-stays-in-its-text",
         "macro", "blocks-of-one-name"],
)
def test_texts_rendered_together_equal_texts_rendered_one_by_one(texts: tuple[str, ...]) -> None:
    context = {"c": 5, "t": "37 °C"}
    wheres = tuple(f"t.toml, text {i}" for i in range(len(texts)))
    assert render_texts(texts, context, wheres) == [render_text(t, context, w) for t, w in zip(texts, wheres)]


def test_an_error_in_texts_rendered_together_names_its_own_text() -> None:
    with pytest.raises(RenderError) as caught:
        render_texts(("fine {{ c }}", "broken {{ missing }}"), {"c": 1}, ("t.toml, statement", "t.toml, parts.E.prompt"))
    assert str(caught.value) == "t.toml, parts.E.prompt: 'missing' is undefined; define it under [params] or fix the name"


def test_worked_steps_that_fail_name_the_part_not_an_undefined_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import problemgen.problem as problem
    from problemgen.bank import builtin_banks
    from problemgen.engine import generate_from_seeds

    template = next(b.templates["nernst-cation"] for b in builtin_banks().values() if "nernst-cation" in b.templates)
    (variant,) = generate_from_seeds(template, [bytes(32)], [None], unique=False)

    def broken(*args: object) -> str:
        raise KeyError("R")

    monkeypatch.setattr(problem, "worked_steps", broken)
    with pytest.raises(RenderError) as caught:
        problem.render_problem(template, variant)
    assert str(caught.value) == f"{template.path}, solution: the worked steps of part 'E' cannot be written " \
                                "(KeyError: 'R')"
