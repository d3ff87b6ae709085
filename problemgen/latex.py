"""LaTeX sources of sheets and keys (the ``tex`` build format), for ``lualatex``.

Bank text arrives already rendered per student: Markdown with TeX math. :func:`markdown_to_latex`
parses it with the same markdown-it setup as the HTML (raw HTML off) and writes LaTeX: text is
escaped, math is passed through verbatim (it is TeX already). Unicode text (K⁺, [X]ᵢ, µ, −, ×,
°C) stays Unicode; the document template sets fonts that have those glyphs (DejaVu, with a
fallback chain), so no character needs a LaTeX spelling.

The document template (``templates/sheet.tex.j2``) renders in an environment whose every
``{{ ... }}`` is escaped for LaTeX unless it is :class:`Tex` (what the ``markdown`` filter
returns), so an exam title or a student's name can never inject TeX. Figures are drawn again by
matplotlib as PDF files beside the ``.tex`` (LaTeX cannot include SVG).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import jinja2

from problemgen.errors import ProblemgenError
from problemgen.model import Template, Variant

if TYPE_CHECKING:
    from problemgen.sheets import SheetProblem


class LatexError(ProblemgenError):
    """Markdown that has no LaTeX form (the message quotes the text at fault)."""


class Tex(str):
    """LaTeX source: printed as is by the document environment (every other value is escaped)."""


_SPECIAL = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "\u00a0": "~",
    # Brackets in braces, so text after \item or \\ is never read as an optional argument.
    "[": "{[}", "]": "{]}",
})
_BLANK_LINE = re.compile(r"\n\s*\n")


def escape_text(text: str) -> str:
    """``text`` as LaTeX that prints it literally (blank lines closed up: they would end a paragraph)."""
    return _BLANK_LINE.sub("\n", text.translate(_SPECIAL))


# --- What bank math may use -------------------------------------------------------------------------
# Bank templates may come from a shared folder, and their math reaches sheet.tex as it is: a
# \directlua, \input or \write there would run, read or write files when the sheet is compiled.
# So bank text may use only these commands (those of the built-in banks and of ordinary formulas);
# nothing that defines macros, changes catcodes, opens files, runs code or links (\href) is here.
MATH_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho
    varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi
    Omega
    sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg exp max min sup inf lim det arg deg
    dim gcd ker Pr bmod pmod operatorname
    frac dfrac tfrac cfrac sqrt binom dbinom tbinom left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl
    biggr overline underline overbrace underbrace hat widehat bar vec dot ddot tilde widetilde check breve acute
    grave mathring overset underset stackrel substack boxed phantom hphantom vphantom mathstrut displaystyle
    textstyle scriptstyle scriptscriptstyle limits nolimits
    mathrm mathit mathbf mathsf mathtt mathcal mathscr mathbb mathfrak boldsymbol text textrm textit textbf textsf
    texttt textup emph mbox
    quad qquad enspace thinspace negthinspace
    cdot cdots ldots dots vdots ddots times div pm mp ast star circ bullet oplus ominus otimes cap cup wedge vee
    setminus approx sim simeq cong equiv propto neq ne leq le geq ge ll gg leqslant geqslant prec succ subset supset
    subseteq supseteq in notin ni mid parallel perp to gets rightarrow leftarrow Rightarrow Leftarrow leftrightarrow
    Leftrightarrow longrightarrow longleftarrow Longrightarrow Longleftarrow iff implies mapsto uparrow downarrow
    updownarrow rightleftharpoons
    infty partial nabla sum prod int iint oint forall exists neg lnot land lor angle triangle hbar ell Re Im prime
    langle rangle lbrace rbrace lbrack rbrack lvert rvert lVert rVert vert Vert lfloor rfloor lceil rceil backslash
    not emptyset varnothing dagger colon therefore because
    lesssim gtrsim xrightarrow xleftarrow overrightarrow overleftarrow Uparrow Downarrow Updownarrow nearrow
    searrow nwarrow swarrow hookrightarrow hookleftarrow longleftrightarrow Longleftrightarrow leftharpoonup
    rightharpoonup leftharpoondown rightharpoondown leftrightharpoons
    mathop mathrel mathbin mathord mathpunct mathopen mathclose medspace thickspace negmedspace negthickspace
    upmu hline tag
    odot oslash checkmark leqq geqq doteq nleq ngeq nless ngtr lll ggg subsetneq supsetneq sqsubset sqsupset
    sqsubseteq sqsupseteq vdash dashv models top bot aleph wp circledast triangleleft triangleright cdotp
    smallsetminus asymp bowtie frown smile wr amalg coprod bigcup bigcap bigoplus bigotimes bigodot biguplus bigvee
    bigwedge iiint beth gimel daleth mho Finv Game hslash nexists complement approxeq backsim eqsim lessapprox
    gtrapprox lesseqgtr gtreqless ncong nsim nmid nparallel upharpoonleft downharpoonleft curvearrowleft
    curvearrowright rightsquigarrow twoheadrightarrow leftrightarrows rightleftarrows dotplus ltimes rtimes
    divideontimes intercal barwedge veebar doublebarwedge boxplus boxminus boxtimes boxdot dddot ddddot
    begin end
""".split())
#: Commands that make a compiled sheet define macros, change catcodes, open or write files, run
#: code or link: refused with that reason (anything else unknown is merely not available).
DANGEROUS_COMMANDS = frozenset("""
    def edef gdef xdef let futurelet newcommand renewcommand providecommand DeclareRobustCommand newenvironment
    renewenvironment csname endcsname expandafter catcode uccode lccode input include InputIfFileExists
    openin openout read readline write immediate closein closeout special directlua luaexec luadirect
    latelua luacode href url hyperref includegraphics usepackage RequirePackage documentclass makeatletter
    makeatother scantokens detokenize everypar everymath output shipout jobname endinput
""".split())
#: What to write instead of a command that the sheets' LaTeX does not load a package for.
_INSTEAD = {"ce": r"\mathrm{Na^+} (or the ion filter in jinja)", "cancel": "words (\\text{...})",
            "color": "emphasis in the text", "textcolor": "emphasis in the text", "bm": r"\boldsymbol",
            "degree": r"^\circ", "SI": "{{ x.tex }} (a quantity's LaTeX)", "si": "{{ x.tex }}", "unit": "{{ x.tex }}",
            "qty": "{{ x.tex }}", "lt": "<", "gt": ">", "sgn": r"\operatorname{sgn}", "dd": r"\mathrm{d}",
            "diff": r"\frac{d}{dx}", "abs": r"\lvert x \rvert", "norm": r"\lVert x \rVert"}
#: Environments bank math may open with \begin{...}.
MATH_ENVIRONMENTS = frozenset({"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases",
                               "aligned", "alignedat", "gathered", "split", "array", "subarray"})
#: A control word (letters, Unicode ones too, as LuaTeX reads them), a control symbol (\\, \,) or
#: ^^, which TeX reads as a character code (^^5c is a backslash).
_CONTROL = re.compile(r"\\(?:([^\W\d_]+)|.)|\^\^", re.S)
_ENVIRONMENT = re.compile(r"\s*\{([^{}]*)\}")


#: Markdown code spans and fences: their text is printed as typed (escaped), never read as LaTeX.
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)


#: A subscript of two or more letters (``E_{Na}``, ``V_{rest}``): a label, which typesetting keeps upright.
_WORD_SUBSCRIPT = re.compile(r"_\{([A-Za-z]{2,})\}")


def upright_subscripts(math: str) -> str:
    """``E_{Na}`` as ``E_{\\mathrm{Na}}``: a word or ion in a subscript is a label, not a product of
    italic variables (a single letter, ``E_{K}``, is left as written)."""
    return _WORD_SUBSCRIPT.sub(r"_{\\mathrm{\1}}", math) if "_{" in math else math


def without_code(text: str) -> str:
    """``text`` with its Markdown code blanked out (same length, so offsets and lines hold)."""
    return _CODE_SPAN.sub(lambda code: re.sub(r"[^\n]", " ", code.group()), text) if "`" in text else text


def unsafe_tex(text: str) -> str | None:
    """Why ``text`` may not reach a LaTeX file (a command bank math may not use), or None.

    ``\\input`` is refused, ``\\\\input`` (a line break, then the word "input") is not.
    """
    found = unsafe_tex_at(text)
    return None if found is None else found[0]


def unsafe_tex_at(text: str) -> tuple[str, int] | None:
    """:func:`unsafe_tex` with the offset in ``text`` where the command starts."""
    if "\\" not in text and "^^" not in text:
        return None
    for match in _CONTROL.finditer(text):
        if match.group() == "^^":
            return ("'^^' is not allowed: TeX reads ^^ and the characters after it as another character (^^5c is a "
                    "backslash); put a space or braces between the carets", match.start())
        command = match.group(1)
        if command is None or command in MATH_COMMANDS and command not in ("begin", "end"):
            continue
        if command in ("begin", "end"):
            environment = _ENVIRONMENT.match(text, match.end())
            name = environment.group(1).strip() if environment else ""
            if name in MATH_ENVIRONMENTS:
                continue
            return (f"\\{command}{{{name}}} is not an environment bank math may use; use one of: "
                    f"{', '.join(sorted(MATH_ENVIRONMENTS))}", match.start())
        if command in DANGEROUS_COMMANDS:
            return (f"\\{command} is not allowed in bank text: a sheet compiled with lualatex must not define macros, "
                    "open files, run code or make links", match.start())
        instead = f"; write {_INSTEAD[command]} instead" if command in _INSTEAD else (
            "; see the list in banks/README.md (MATH_COMMANDS in problemgen/latex.py)")
        return (f"\\{command} is not among the LaTeX commands bank math may use (the sheets load amsmath and "
                f"unicode-math only){instead}",
                match.start())
    return None


# --- Markdown -> LaTeX ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=2048)
def markdown_to_latex(text: str) -> str:
    """LaTeX for bank Markdown with TeX math (cached: a sheet and its key share their texts)."""
    from markdown_it.tree import SyntaxTreeNode

    from problemgen.render import markdown_parser

    # NB: the HTML's own parser, so both documents read the same Markdown dialect.

    return _children(SyntaxTreeNode(markdown_parser().parse(text)), text).strip()


Node = Any  # markdown_it.tree.SyntaxTreeNode


def _children(node: Node, source: str) -> str:
    return "".join(_node(child, source) for child in node.children)


def _node(node: Node, source: str) -> str:
    if node.type in _WRAP:
        before, after = _WRAP[node.type]
        return f"{before}{_children(node, source)}{after}"
    render = _RENDER.get(node.type)
    if render is None:
        raise LatexError(f"Markdown {node.type!r} has no LaTeX form, in: {source[:80]!r}; write it another way")
    return render(node, source)


def _paragraph(node: Node, source: str) -> str:
    # Paragraphs of a tight list item are hidden: the item's text alone, no blank line.
    return _children(node, source) + ("\n" if node.hidden else "\n\n")


_COUNTERS = ("enumi", "enumii", "enumiii", "enumiv")


def _ordered_list(node: Node, source: str) -> str:
    depth, parent = 0, node.parent
    while parent is not None:
        depth += parent.type == "ordered_list"
        parent = parent.parent
    start = int(node.attrs.get("start", 1))
    # The list keeps its start number (3. ... 4. ...): the counter is set one below it.
    counter = f"\\setcounter{{{_COUNTERS[min(depth, 3)]}}}{{{start - 1}}}\n" if start != 1 else ""
    return "\\begin{enumerate}\n" + counter + _children(node, source) + "\\end{enumerate}\n\n"


def _heading(node: Node, source: str) -> str:
    command = "subsubsection" if node.tag in ("h1", "h2", "h3") else "paragraph"
    return rf"\{command}*{{{_children(node, source)}}}" + "\n\n"


#: A sub- or superscript that is a command with a braced argument, unbraced: ``E_\mathrm{Na}``.
_UNBRACED_SCRIPT = re.compile(r"([_^])\s*(\\(?:mathrm|mathit|mathbf|mathsf|mathtt|mathcal|mathbb|boldsymbol|"
                              r"operatorname|text|textrm|textit|textbf|textsf|texttt|textup))\s*\{")


def _braced_scripts(math: str) -> str:
    """``E_\\mathrm{Na}`` as ``E_{\\mathrm{Na}}``: MathJax and pdfLaTeX take the first, but under
    lualatex's unicode-math a robust command as a bare script stops with "Missing { inserted"."""
    out, position = [], 0
    for match in _UNBRACED_SCRIPT.finditer(math):
        if match.start() < position:
            continue  # inside a script already braced
        depth, end = 1, match.end()
        while end < len(math) and depth:
            depth += {"{": 1, "}": -1}.get(math[end], 0) if math[end - 1] != "\\" else 0
            end += 1
        if depth:
            break  # unbalanced: leave the rest as written
        out.append(math[position:match.start()] + match.group(1) + "{" + match.group(2) + math[match.end() - 1:end] + "}")
        position = end
    return "".join(out) + math[position:]


def _math(display: bool) -> Callable[[Node, str], str]:
    def render(node: Node, source: str) -> str:
        # NB: templates are checked when they load, but text can build a command as it renders
        # ({{ "\\\\" ~ "input" }}): this is the last check before TeX reads it.
        problem = unsafe_tex(node.content)
        if problem is not None:
            raise LatexError(f"the formula {node.content.strip()[:80]!r} cannot be written to LaTeX: {problem}")
        content = upright_subscripts(_BLANK_LINE.sub("\n", node.content.strip()))  # a blank line is an error in math
        if "_\\" in content or "^\\" in content:
            content = _braced_scripts(content)
        if not display:
            return rf"\({content}\)"
        return rf"\[{content}\]" + ("\n\n" if node.type == "math_block" else "")
    return render


def _verbatim(node: Node, source: str) -> str:
    if r"\end{verbatim}" in node.content:
        raise LatexError(f"a code block contains \\end{{verbatim}}, in: {source[:80]!r}; indent it or remove it")
    return "\\begin{verbatim}\n" + node.content.rstrip("\n") + "\n\\end{verbatim}\n\n"


_ALIGN = {"text-align:left": "l", "text-align:center": "c", "text-align:right": "r"}


def _table(node: Node, source: str) -> str:
    header = node.children[0].children[0]
    columns = "".join(_ALIGN.get(str(cell.attrs.get("style", "")), "l") for cell in header.children)
    return (rf"\begin{{tabular}}{{{columns}}}" + "\n\\toprule\n" + _children(node, source)
            + "\\bottomrule\n\\end{tabular}\n\n")


def _row(node: Node, source: str) -> str:
    row = " & ".join(_node(cell, source) for cell in node.children)
    # A row that opens with * would be read as the star of the previous row's \\.
    return ("{}" if row.startswith("*") else "") + row + " \\\\\n"


def _link(node: Node, source: str) -> str:
    text, target = _children(node, source), str(node.attrs.get("href", ""))
    return text if text == escape_text(target) else rf"{text} (\texttt{{{escape_text(target)}}})"


_WRAP: dict[str, tuple[str, str]] = {
    "root": ("", ""), "inline": ("", ""), "em": (r"\emph{", "}"), "strong": (r"\textbf{", "}"),
    "bullet_list": ("\\begin{itemize}\n", "\\end{itemize}\n\n"), "list_item": (r"\item ", ""),
    "blockquote": ("\\begin{quote}\n", "\\end{quote}\n\n"), "thead": ("", "\\midrule\n"), "tbody": ("", ""),
    "th": (r"\textbf{", "}"), "td": ("", ""), "image": ("", ""),  # an image shows its alt text
}
_RENDER: dict[str, Callable[[Node, str], str]] = {
    "paragraph": _paragraph,
    "text": lambda node, source: escape_text(node.content),
    "softbreak": lambda node, source: "\n",
    "hardbreak": lambda node, source: "\\newline\n",
    "code_inline": lambda node, source: rf"\texttt{{{escape_text(node.content)}}}",
    "code_block": _verbatim,
    "fence": _verbatim,
    "math_inline": _math(False),
    "math_inline_double": _math(True),
    "math_block": _math(True),
    "ordered_list": _ordered_list,
    "heading": _heading,
    "hr": lambda node, source: "\\par\\noindent\\rule{\\linewidth}{0.4pt}\n\n",
    "table": _table,
    "tr": _row,
    "link": _link,
}


# --- Documents -------------------------------------------------------------------------------------
def _finalize(value: Any) -> str:
    return value if isinstance(value, Tex) else escape_text(str(value))


def figure_pdf_name(problem: SheetProblem) -> str:
    """File name of a problem's figure beside a LaTeX sheet (``figure-3.pdf``)."""
    return str(PurePath(problem.figure_file).with_suffix(".pdf"))


@functools.cache
def tex_environment() -> jinja2.Environment:
    """The packaged-template environment with LaTeX escaping of every printed value instead of HTML."""
    from problemgen.documents import document_environment

    env = document_environment().overlay(autoescape=False, finalize=_finalize)
    # NB: an overlay shares its parent's filter dict; a copy keeps the HTML filters unchanged.
    env.filters = {**env.filters, "markdown": lambda text: Tex(markdown_to_latex(text)),
                   "figure_pdf": figure_pdf_name}
    return env


def render_tex(key: bool, **context: Any) -> str:
    """A student's LaTeX sheet, or with ``key`` their key (answers, mistakes, worked solutions)."""
    return tex_environment().get_template("sheet.tex.j2").render(key=key, **context)


def tex_files(context: dict[str, Any], sources: list[tuple[Template, Variant]]
              ) -> tuple[dict[str, str | bytes], dict[str, str | bytes]]:
    """A student's LaTeX files by name: the sheet folder's and the key folder's.

    ``sources`` are the template and variant of each of ``context["problems"]``, for redrawing
    the figures as PDF.
    """
    from problemgen.figures import draw_pdf

    figures: dict[str, str | bytes] = {
        figure_pdf_name(problem): draw_pdf(template.figure.kind, variant.figure, template.figure.options)
        for problem, (template, variant) in zip(context["problems"], sources)
        if problem.figure_svg and template.figure is not None}
    return ({"sheet.tex": render_tex(False, **context), **figures},
            {"key.tex": render_tex(True, **context), **figures})
