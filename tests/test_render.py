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
    # would emit an italic <mi>), a minus after "=" is marked as a sign, and a trailing point
    # stays in its number.
    direct = convert(latex.replace(r"\mathrm{C}", r"\text{C}"))
    direct = re.sub(r"<mn>([^<]*)</mn><mo>&#x0002E;</mo>", r"<mn>\1.</mn>", direct)
    assert latex_to_mathml(latex) == direct.replace("</mo><mo>&#x02212;</mo>", '</mo><mo form="prefix">&#x02212;</mo>')


@pytest.mark.parametrize(("latex", "number"), [(r"-150.\,\mathrm{mV}", "<mn>150.</mn>"), (r"x = 7.", "<mn>7.</mn>"),
                                               (r"2.51\,\mathrm{mV}", "<mn>2.51</mn>")])
def test_a_trailing_point_stays_in_its_number(latex: str, number: str) -> None:
    from problemgen.render import latex_to_mathml

    mathml = latex_to_mathml(latex)
    assert number in mathml and "<mo>&#x0002E;</mo>" not in mathml


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


# GIVEN bank text from a shared bank that would hang or exhaust memory, WHEN it renders,
# THEN it fails quickly with a located message saying what to change (never a hang or a traceback).
HOSTILE_TEXTS = [
    ("huge-power", "{{ (9**9)**(9**9) }}",
     "387420489 ** 387420489 is too large to compute; bank text may compute integers of up to about 3,010 digits"),
    ("huge-power-of-a-literal", "{{ 10 ** 100000000 }}",
     "10 ** 100000000 is too large to compute; bank text may compute integers of up to about 3,010 digits"),
    ("huge-product", "{% set n = 2 ** 9000 %}{{ n * n }}",
     "an integer of about 2,709 digits * an integer of about 2,709 digits is too large to compute; bank text may "
     "compute integers of up to about 3,010 digits"),
    ("text-repeated", "{{ ('a' * 10**10) | length }}",
     "repeating 'a' 10000000000 times makes 10,000,000,000 characters or items, more than the 100,000 bank text may "
     "build; build smaller texts and lists"),
    ("list-repeated", "{{ [0] * 1000000 }}",
     "repeating [0] 1000000 times makes 1,000,000 characters or items, more than the 100,000 bank text may build; "
     "build smaller texts and lists"),
    ("doubled-with-plus", "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
     "{% endfor %}",
     "joining two texts or lists makes 131,072 characters or items, more than the 100,000 bank text may build; build "
     "smaller texts and lists"),
    ("doubled-with-tilde", "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}",
     "joining texts with ~ makes 131,072 characters or items, more than the 100,000 bank text may build; build "
     "smaller texts and lists"),
    ("doubled-in-a-set-block", "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s %}{{ ns.s }}"
     "{{ ns.s }}{% endset %}{% endfor %}",
     "a {% set %} block makes 131,072 characters or items, more than the 100,000 bank text may build; build smaller "
     "texts and lists"),
    ("wide-percent", "{{ '%0999999999d' % 1 }}",
     "the conversion in '%0999999999d' asks for a width or precision of 999999999; use at most 100"),
    ("wide-format-filter", "{{ '%.*f' | format(10**9, 1.5) }}",
     "the conversion in '%.*f' asks for a width or precision of *; use at most 100"),
    ("wide-str-format", "{{ '{:>999999999}'.format(1) }}",
     "the field {:>999999999} of '{:>999999999}' is too wide; use a width and precision of at most 100"),
    ("str-format-sized-by-argument", "{{ '{:>{}}'.format(1, 10**9) }}",
     "the field {:>{}} of '{:>{}}' is too wide; use a width and precision of at most 100"),
    ("growing-method", "{{ 'a'.zfill(10**9) }}",
     "str.zfill() is not available in bank text; use the format filter: {{ '%03d' | format(n) }}"),
    ("mutating-method", "{{ [1].append(2) }}",
     "list.append() is not available in bank text; build the list whole ([a, b] + [c]), or keep a value across a "
     "loop with namespace()"),
    ("replace-filter", "{{ 'ab' | replace('a', 'b' * 99999) | replace('b', 'c' * 1000) }}",
     "the replace filter makes 100,000,000 characters or items, more than the 100,000 bank text may build; build "
     "smaller texts and lists"),
    ("join-filter", "{{ (('x' * 1000) | list) | join('ab' * 500) }}",
     "the join filter makes 1,000,000 characters or items, more than the 100,000 bank text may build; build smaller "
     "texts and lists"),
    ("endless-recursion", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
     "macros or loops call themselves too deeply to render; remove the recursion"),
    ("branching-recursion", "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
     "{{ f(0) }}",
     "rendering takes more than 100,000 loop iterations and calls; make the loops shorter (a macro that calls itself "
     "without end?)"),
    ("nested-loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "rendering takes more than 100,000 loop iterations and calls; make the loops shorter (a macro that calls itself "
     "without end?)"),
    ("huge-range", "{{ range(10**9) | list | length }}",
     "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000) (OverflowError); check the expressions "
     "of this text"),
    ("float-overflow", "{{ 10.0 ** 1000 }}",
     "a number is too large to compute (OverflowError); check the expressions of this text"),
    ("division-by-zero", "{{ 1 / 0 }}", "division by zero (ZeroDivisionError); check the expressions of this text"),
    ("sigfigs-of-a-filter", "{{ V | tex('mV', 10**9) }}",
     "significant figures must be a whole number from 1 to 15, got 1000000000"),
    ("sigfigs-of-to", "{{ V.to('V', 10**9) }}", "significant figures must be a whole number from 1 to 15, got 1000000000"),
    ("lipsum-is-gone", "{{ lipsum(10**6) }}", "'lipsum' is undefined; define it under [params] or fix the name"),
]


@pytest.mark.parametrize(("source", "message"), [case[1:] for case in HOSTILE_TEXTS], ids=[case[0] for case in HOSTILE_TEXTS])
def test_bank_text_cannot_hang_or_exhaust_memory(source: str, message: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_text(source, {"V": Quantity(-65.0, "mV", decimals=0)}, "t.toml, statement")
    assert str(caught.value) == f"t.toml, statement: {message}"


def test_a_filter_that_builds_text_from_a_number_is_not_offered() -> None:
    with pytest.raises(RenderError) as caught:
        render_text("{{ 'a' | center(1000000000) }}", {}, "t.toml, statement")
    assert str(caught.value) == (
        "t.toml, statement, line 1: No filter named 'center'. Bank text may use: abs, capitalize, count, d, default, "
        "dictsort, e, escape, first, float, format, groupby, int, ion, items, join, last, length, list, lower, map, max, "
        "min, q, reject, rejectattr, replace, reverse, round, select, selectattr, sort, string, sum, tex, title, trim, "
        "truncate, unique, upper, wordcount.")


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 3 * 1.5 }} {{ 'a' + 'b' }} {{ 7 % 4 }} {{ 'x' ~ 1 }}", "1024 ababab 4.5 ab 3 x1"),
    ("{{ '%+.1f' | format(-2.345) }} {{ '{:,.0f}'.format(12345.6) }} {{ 'a,b' | replace(',', '\\\\,') }}",
     "-2.3 12,346 a\\,b"),
    ("{% set s %}{% for i in range(3) if i %}{{ i }}{% endfor %}{% endset %}{{ s }} {{ [1, 2] | join('-') }}", "12 1-2"),
    ("{{ 1000 * 8.314462618 * (V.value + 338.15) / 96485.33212 }}", "23.53824580592323"),
], ids=["operators", "formatting", "loops-and-blocks", "folded-constants"])
def test_what_the_bank_computes_still_renders(source: str, expected: str) -> None:
    assert render_text(source, {"V": Quantity(-65.0, "mV", decimals=0)}, "t.toml, statement") == expected


@pytest.mark.parametrize(("markdown", "html"), [
    ("[a](https://example.org/x)", '<p><a href="https://example.org/x">a</a></p>\n'),
    ("[a](page.html)", '<p><a href="page.html">a</a></p>\n'),
    ("[a](javascript:alert(1))", "<p>[a](javascript:alert(1))</p>\n"),
    ("[a](JavaScript:alert(1))", "<p>[a](JavaScript:alert(1))</p>\n"),
    ("[a](data:text/html,x)", "<p>[a](data:text/html,x)</p>\n"),
    ("<vbscript:msgbox(1)>", "<p>&lt;vbscript:msgbox(1)&gt;</p>\n"),
    ("[a](mailto:x@example.org)", "<p>[a](mailto:x@example.org)</p>\n"),
    ("$\\href{javascript:alert(1)}{x}$", '<p><code class="math-error">\\href{javascript:alert(1)}{x}</code></p>\n'),
], ids=["web", "relative", "javascript", "javascript-capitals", "data", "autolink", "mailto", "math-href"])
def test_only_web_and_relative_links_become_links(markdown: str, html: str) -> None:
    assert markdown_to_html(markdown) == html


def test_math_for_mathjax_never_carries_a_refused_command() -> None:
    assert markdown_to_html("$\\href{javascript:alert(1)}{x}$ and $x^2$", math="tex") == \
        '<p><code class="math-error">\\href{javascript:alert(1)}{x}</code> and \\(x^2\\)</p>\n'


@pytest.mark.parametrize(("latex", "prefix", "binary"), [
    (r"V_m = -62\,\mathrm{mV}", 1, 0),      # after "=": a sign, not a subtraction
    (r"(-5) \times -2", 2, 0),              # after "(" and "×"
    (r"-62 + 3", 0, 1),                     # first in its row: MathML makes it a prefix already
    (r"(a) - 1", 0, 1),                     # after a closing fence: a subtraction
    (r"a - -1", 1, 1),
])
def test_a_minus_after_an_operator_is_a_sign(latex: str, prefix: int, binary: int) -> None:
    from problemgen.render import latex_to_mathml

    mathml = latex_to_mathml(latex)
    assert mathml.count('<mo form="prefix">&#x02212;</mo>') == prefix
    assert mathml.count("<mo>&#x02212;</mo>") == binary


@pytest.mark.parametrize(("latex", "rows"), [
    (r"\begin{aligned} E &= 61.5 \log 10 \\ &= 61.5\,\mathrm{mV} \end{aligned}", 2),
    (r"\begin{alignedat}{2} a &= 1 & b &= 2 \end{alignedat}", 1),
    (r"\begin{gathered} a = 1 \\ b = 2 \end{gathered}", 2),
])
def test_alignments_are_drawn_as_tables_not_raw_ampersands(latex: str, rows: int) -> None:
    from problemgen.render import latex_to_mathml

    mathml = latex_to_mathml(latex)
    assert "&<" not in mathml and "<mi>&" not in mathml  # latex2mathml alone writes <mi>&</mi>
    assert mathml.count("<mtr>") == rows


@pytest.mark.parametrize(("instructions", "shown"), [
    ("Show your work.", "> Show your work.\n\n"),
    ("\nDue **Friday**.\n\n- Give units.\n- Round at the end.\n",
     "> Due **Friday**.\n>\n> - Give units.\n> - Round at the end.\n\n"),
], ids=["one-line", "paragraphs-and-a-list"])
def test_markdown_sheets_quote_the_instructions_keeping_their_markdown(instructions: str, shown: str) -> None:
    from types import SimpleNamespace

    from problemgen.documents import render_document

    text = render_document("sheet.md.j2", key=False, problems=[],
                           exam=SimpleNamespace(title="T", course="", date="", instructions=instructions),
                           student=SimpleNamespace(id="s1", name="Ada"))
    assert f"**Ada (s1)**\n\n{shown}" in text
