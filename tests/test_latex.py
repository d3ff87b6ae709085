"""LaTeX sources: Markdown -> LaTeX, escaping, the ``tex`` build format, goldens, a real lualatex run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from problemgen.build import build_exam
from problemgen.cli import main
from problemgen.latex import LatexError, escape_text, markdown_to_latex, render_tex
from problemgen.sheets import SheetPart, SheetProblem

DATA = Path(__file__).parent / "data" / "small-exam"
HOSTILE_NAME = r"Zoë {O'Brien} #1 $5 50% ~x^2_y \ [a]"


@pytest.fixture
def exam_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    return folder


def _build(exam_dir: Path, formats: tuple[str, ...] | None = ("tex",), out: str = "out", figure: bool = False) -> Path:
    if figure:
        with (exam_dir / "exam.toml").open("a", encoding="utf-8") as handle:
            handle.write('\n[[problems]]\ntemplate = "test-iv"\npoints = 1\n')
    return build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / out, formats).out


@pytest.mark.parametrize(
    ("markdown", "latex"),
    [
        ("plain text", "plain text"),
        ("*em* and _em_", r"\emph{em} and \emph{em}"),
        ("**strong**", r"\textbf{strong}"),
        ("`uA/cm^2`", r"\texttt{uA/cm\textasciicircum{}2}"),
        ("$E = \\frac{RT}{zF}$ V", r"\(E = \frac{RT}{zF}\) V"),
        ("so $$x_1^2$$ here", r"so \[x_1^2\] here"),
        ("$$\nE_K = -90\\,\\mathrm{mV}\n$$", r"\[E_K = -90\,\mathrm{mV}\]"),
        ("line one\nline two", "line one\nline two"),
        ("hard  \nbreak", "hard\\newline\nbreak"),
        ("one\n\ntwo", "one\n\ntwo"),
        ("- a\n- b", "\\begin{itemize}\n\\item a\n\\item b\n\\end{itemize}"),
        ("1. a\n2. b", "\\begin{enumerate}\n\\item a\n\\item b\n\\end{enumerate}"),
        ("3. c\n4. d", "\\begin{enumerate}\n\\setcounter{enumi}{2}\n\\item c\n\\item d\n\\end{enumerate}"),
        ("1. a\n\n   2. b", ("\\begin{enumerate}\n\\item a\n\n\\begin{enumerate}\n\\setcounter{enumii}{1}\n"
                            "\\item b\n\\end{enumerate}\n\n\\end{enumerate}")),
        ("| ion | c |\n|:--|--:|\n| K⁺ | *5* mM |",
         ("\\begin{tabular}{lr}\n\\toprule\n\\textbf{ion} & \\textbf{c} \\\\\n\\midrule\n"
          "K⁺ & \\emph{5} mM \\\\\n\\bottomrule\n\\end{tabular}")),
        ("## Head", r"\subsubsection*{Head}"),
        ("> quoted", "\\begin{quote}\nquoted\n\n\\end{quote}"),
        ("---", r"\par\noindent\rule{\linewidth}{0.4pt}"),
        ("```\nx_1 {}\n```", "\\begin{verbatim}\nx_1 {}\n\\end{verbatim}"),
        ("[docs](https://x.org/a_b)", r"docs (\texttt{https://x.org/a\_b})"),
        ("![a plot](p.png)", "a plot"),
        ("<b>raw</b>", r"<b>raw</b>"),
    ],
    ids=["text", "emphasis", "strong", "code", "math-inline", "math-double-inline", "math-block", "softbreak",
         "hardbreak", "paragraphs", "bullet-list", "ordered-list", "list-start", "nested-list-start", "table",
         "heading", "blockquote", "rule", "code-block", "link", "image-alt", "raw-html-is-text"],
)
def test_markdown_constructs(markdown: str, latex: str) -> None:
    assert markdown_to_latex(markdown) == latex


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("a\\b", r"a\textbackslash{}b"),
        ("{x}", r"\{x\}"),
        ("$5", r"\$5"),
        ("R&D", r"R\&D"),
        ("#1", r"\#1"),
        ("x^2", r"x\textasciicircum{}2"),
        ("a_b", r"a\_b"),
        ("50%", r"50\%"),
        ("~", r"\textasciitilde{}"),
        ("[K⁺]ᵢ", "{[}K⁺{]}ᵢ"),
        ("1\u00a0mM", "1~mM"),
        ("K⁺ Cl⁻ Ca²⁺ µA −64.1 × 10⁻⁵ 37 °C [X]ₒ", "K⁺ Cl⁻ Ca²⁺ µA −64.1 × 10⁻⁵ 37 °C {[}X{]}ₒ"),
        ("a -- b 'q' \"r\" <x> |", "a -- b 'q' \"r\" <x> |"),
        ("one\n\n two", "one\n two"),
    ],
    ids=["backslash", "braces", "dollar", "ampersand", "hash", "caret", "underscore", "percent", "tilde",
         "brackets", "no-break-space", "unicode-kept", "plain-ascii-kept", "blank-line-closed"],
)
def test_escape_text(text: str, latex: str) -> None:
    assert escape_text(text) == latex


@pytest.mark.parametrize(
    ("markdown", "latex"),
    [
        (r"a \\ b \$ c", r"a \textbackslash{} b \$ c"),
        ("50% of #1 & {x} ~ x^2", r"50\% of \#1 \& \{x\} \textasciitilde{} x\textasciicircum{}2"),
        (r"snake\_case", r"snake\_case"),
    ],
    ids=["markdown-escapes", "specials-in-text", "escaped-underscore"],
)
def test_special_characters_in_markdown_text(markdown: str, latex: str) -> None:
    assert markdown_to_latex(markdown) == latex


def test_a_code_block_that_would_end_verbatim_is_a_located_error() -> None:
    with pytest.raises(LatexError, match=r"code block contains \\end\{verbatim\}, in: '    \\\\end\{verbatim\}"):
        markdown_to_latex("    \\end{verbatim}\n")


def test_config_and_roster_text_is_escaped_in_the_document() -> None:
    part = SheetPart("a", "1a", "Find $E$ for 50% [K⁺]", "mV", "mV", (), 1.0, "−1.0 mV", ())
    problem = SheetProblem("1", "Title & more", 1.0, "Text with `x_y`", (part,), "")
    tex = render_tex(False, exam={"title": "Exam #1 {A}", "course": "C_1", "date": "", "instructions": ""},
                     student={"id": "id_1", "name": HOSTILE_NAME}, problems=[problem])
    assert r"{\Large\bfseries Exam \#1 \{A\}\par}" in tex
    assert "C\\_1\\par\n" in tex
    assert (r"\textbf{Zoë \{O'Brien\} \#1 \$5 50\% \textasciitilde{}x\textasciicircum{}2\_y \textbackslash{} "
            r"{[}a{]} (id\_1)}\par") in tex
    assert r"\section*{Problem 1: Title \& more {\mdseries\normalsize (1 point)}}" in tex
    assert r"\item[\textbf{(a)}] Find \(E\) for 50\% {[}K⁺{]}" in tex
    assert "−1.0" not in tex  # the sheet never reads the answer


def test_a_tex_build_writes_sheet_key_and_figure_pdfs_identically(exam_dir: Path) -> None:
    first, second = _build(exam_dir, out="one", figure=True), _build(exam_dir, out="two")
    for folder, names in (("students/a1", {"answers.txt", "sheet.tex", "figure-3.pdf"}),
                          ("keys/a1", {"key.tex", "figure-3.pdf", "figure-3.svg"})):
        assert {p.name for p in (first / folder).iterdir()} == names
    sheet = (first / "students" / "a1" / "sheet.tex").read_text(encoding="utf-8")
    assert "\\includegraphics{figure-3.pdf}\\par\n{\\small Current (outward positive) against membrane potential.}" \
        in sheet
    assert (first / "students" / "a1" / "figure-3.pdf").read_bytes().startswith(b"%PDF")
    key = (first / "keys" / "a1" / "key.tex").read_text(encoding="utf-8")
    assert "\\subsection*{Worked solution}" in key and "Worked solution" not in sheet
    for path in sorted(p for p in first.rglob("*") if p.is_file()):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


def test_tex_is_a_config_format_and_a_cli_choice_and_counts_in_the_summary(exam_dir: Path) -> None:
    plain = build_exam(exam_dir / "exam.toml", exam_dir / "roster.csv", exam_dir / "plain", ("md",))
    config = exam_dir / "exam.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('formats = ["html", "md"]', 'formats = ["md", "tex"]'),
                      encoding="utf-8")
    with_tex = build_exam(config, exam_dir / "roster.csv", exam_dir / "tex")
    assert with_tex.files - plain.files == 2 * 3
    result = CliRunner().invoke(main, ["generate", str(config), "--roster", str(exam_dir / "roster.csv"),
                                       "--out", str(exam_dir / "cli"), "--format", "tex", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (exam_dir / "cli" / "keys" / "b2" / "key.tex").is_file()
    assert not (exam_dir / "cli" / "students" / "b2" / "sheet.md").exists()


@pytest.mark.parametrize("name", ["students/a1/sheet.tex", "keys/a1/key.tex"])
def test_small_exam_tex_goldens(exam_dir: Path, golden, name: str) -> None:
    out = _build(exam_dir)
    golden(f"small-exam/{name.replace('/', '__')}", (out / name).read_text(encoding="utf-8"))


def _pdf_text(tex: Path, tmp_path: Path) -> str:
    """Compile ``tex`` with lualatex in a temporary folder; its text as pdftotext reads it, spaces closed up."""
    work = tmp_path / f"compile-{tex.stem}"
    shutil.copytree(tex.parent, work)
    run = subprocess.run(["lualatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=work,
                         check=False, capture_output=True, text=True, timeout=240)
    log = (work / tex.with_suffix(".log").name).read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Missing character" not in log, [line for line in log.splitlines() if "Missing character" in line]
    text = subprocess.run(["pdftotext", str(work / tex.with_suffix(".pdf").name), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.replace("\u2212", "-").split())


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d[\d.]*\d|-?\d", text.replace("\u2212", "-")))


@pytest.mark.skipif(shutil.which("lualatex") is None or shutil.which("pdftotext") is None,
                    reason="needs lualatex (texlive-luatex) and pdftotext (poppler-utils)")
def test_sheet_and_key_compile_with_lualatex_and_show_the_students_numbers(exam_dir: Path, tmp_path: Path) -> None:
    # GIVEN the small exam with a figure and a student whose name is full of TeX specials,
    # WHEN their sheet and key are compiled, THEN both show the name literally, every number of
    # their own statements and the figure; the key shows each answer, and the sheet none of them.
    with (exam_dir / "roster.csv").open("a", encoding="utf-8") as handle:
        handle.write('d4,"' + HOSTILE_NAME.replace('"', '""') + '",\n')
    out = _build(exam_dir, figure=True)
    student = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["students"][3]
    sheet = _pdf_text(out / "students" / student["folder"] / "sheet.tex", tmp_path)
    key = _pdf_text(out / "keys" / student["folder"] / "key.tex", tmp_path)
    for text in (sheet, key):
        assert f"{HOSTILE_NAME} (d4)" in text
        assert "membrane potential" in text  # the figure's axis label, from figure-3.pdf
        for problem in student["problems"]:
            statement = re.sub(r"\$[^$]*\$", "", problem["statement"])
            assert _numbers(statement) <= _numbers(text), problem["statement"]
    for problem in student["problems"]:
        for part in problem["parts"]:
            answer = part["answer"].replace("\u2212", "-")
            assert answer in key
            if part["expected"]["kind"] == "numeric":
                assert answer not in sheet


# GIVEN math from a shared bank that a compiled sheet would run, WHEN it is checked (on loading a
# template, and again when the LaTeX is written), THEN it is refused, saying why and what to use.
REFUSED = ("is not allowed in bank text: a sheet compiled with lualatex must not define macros, open files, run code "
           "or make links")
UNKNOWN = ("is not among the LaTeX commands bank math may use (the sheets load amsmath and unicode-math only); see "
           "the list in banks/README.md (MATH_COMMANDS in problemgen/latex.py)")
UNSAFE_MATH = [
    ("directlua", r"\directlua{os.remove('x')}", "\\directlua " + REFUSED),
    ("input", r"x = \input{/etc/passwd}", "\\input " + REFUSED),
    ("write", r"\immediate\write18{ls}", "\\immediate " + REFUSED),
    ("catcode", r"\catcode`\@=11", "\\catcode " + REFUSED),
    ("def", r"\def\x{1}", "\\def " + REFUSED),
    ("csname", r"\csname input\endcsname", "\\csname " + REFUSED),
    ("href", r"\href{javascript:alert(1)}{x}", "\\href " + REFUSED),
    ("unicode-letters", r"\piñ", "\\piñ " + UNKNOWN),
    ("no-package", r"\ce{Na+}", "\\ce is not among the LaTeX commands bank math may use (the sheets load amsmath "
                                "and unicode-math only); write \\mathrm{Na^+} (or the ion filter in jinja) instead"),
    ("caret-notation", r"x^^5cinput{a}", "'^^' is not allowed: TeX reads ^^ and the characters after it as another "
                                         "character (^^5c is a backslash); put a space or braces between the carets"),
    ("environment", r"\begin{filecontents}{a.lua}", "\\begin{filecontents} is not an environment bank math may use; "
     "use one of: Bmatrix, Vmatrix, aligned, alignedat, array, bmatrix, cases, gathered, matrix, pmatrix, smallmatrix, "
     "split, subarray, vmatrix"),
]


@pytest.mark.parametrize(("math", "problem"), [case[1:] for case in UNSAFE_MATH], ids=[case[0] for case in UNSAFE_MATH])
def test_math_a_compiled_sheet_would_run_is_refused(math: str, problem: str) -> None:
    from problemgen.latex import unsafe_tex

    assert unsafe_tex(math) == problem
    with pytest.raises(LatexError) as caught:
        markdown_to_latex(f"So ${math}$.")
    assert str(caught.value) == f"the formula {math!r} cannot be written to LaTeX: {problem}"


@pytest.mark.parametrize("math", [
    r"E = \frac{RT}{zF}\ln\frac{[K^+]_o}{[K^+]_i} = -65\,\mathrm{mV}", r"a \\input b", r"\begin{cases} 1 \\ 2 \end{cases}",
    r"\left(\tfrac{1}{2}\right)^{2} \approx 0.25 \quad \text{so} \; x_{\mathrm{in}}", r"{}^\circ\mathrm{C} \times 10^{-5}",
], ids=["nernst", "line-break-then-a-word", "cases", "spacing-and-text", "units"])
def test_ordinary_math_passes(math: str) -> None:
    from problemgen.latex import unsafe_tex

    assert unsafe_tex(math) is None


def test_every_command_of_the_built_in_banks_is_allowed() -> None:
    from problemgen.bank import builtin_banks_dir
    from problemgen.latex import MATH_COMMANDS

    used = {command for path in builtin_banks_dir().rglob("*.toml")
            for command in re.findall(r"\\([A-Za-z]+)", path.read_text(encoding="utf-8"))}
    assert used - MATH_COMMANDS <= {"n"}  # \n only inside jinja strings


@pytest.mark.parametrize("math", [r"\begin{array}{ll} a & b \\ \hline c & d \end{array}", r"x = 1 \tag{1}",
                                  r"a \lesssim b \gtrsim c", r"A \xrightarrow{k} B", r"\mathop{\mathrm{sgn}} x",
                                  r"a \medspace b \thickspace c", r"\upmu", r"\Uparrow \nearrow \hookrightarrow",
                                  r"a \odot b \leqq c \geqq d \doteq e", r"\checkmark \dddot{x} \bigoplus_i \nleq"])
def test_ordinary_math_is_allowed(math: str) -> None:
    from problemgen.latex import unsafe_tex

    assert unsafe_tex(math) is None


@pytest.mark.parametrize(("math", "written"), [
    (r"E_\mathrm{Na} = 1", r"E_{\mathrm{Na}} = 1"),
    (r"g_\text{GABA}^\mathrm{A}", r"g_{\text{GABA}}^{\mathrm{A}}"),
    (r"a_\mathrm{b{c}d} + E_\mathrm{K}", r"a_{\mathrm{b{c}d}} + E_{\mathrm{K}}"),
    (r"E_{\mathrm{Na}}", r"E_{\mathrm{Na}}"),
    (r"x^\frac{1}{2}", r"x^\frac{1}{2}"),  # two arguments: as written
])
def test_a_command_as_a_bare_script_is_braced_for_lualatex(math: str, written: str) -> None:
    # E_\mathrm{Na} stops lualatex (unicode-math) with "Missing { inserted"; E_{\mathrm{Na}} does not.
    assert markdown_to_latex(f"So ${math}$.").strip() == rf"So \({written}\)."


@pytest.mark.parametrize(("math", "written"), [
    (r"E_{Na} - E_{Cl}", r"E_{\mathrm{Na}} - E_{\mathrm{Cl}}"),
    (r"V_{rest}", r"V_{\mathrm{rest}}"),
    (r"E_{K} + x_1", r"E_{K} + x_1"),                     # a single letter stays as written
    (r"I_{\mathrm{in}} + g_{Na^+}", r"I_{\mathrm{in}} + g_{Na^+}"),  # already upright; not letters only
])
def test_a_word_in_a_subscript_is_set_upright(math: str, written: str) -> None:
    from problemgen.latex import upright_subscripts

    assert upright_subscripts(math) == written
