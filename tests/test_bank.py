"""Loading and validating templates: a table of broken files, each with its exact located message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from problemgen.bank import load_template
from problemgen.errors import BankError, ProblemgenError
from problemgen.validate import validate_paths

VALID = '''schema_version = 1
id = "tiny"
title = "Tiny"
topic = "nernst"
section = "equilibrium-potential"
difficulty = 1
statement = "K+ is {{ c_out }} outside and {{ c_in }} inside at 37 °C."
solution = "{{ work.E }}"
constraints = []

[params]
c_out = { range = [3, 5], step = 1, unit = "mM" }
c_in = { range = [120, 150], step = 10, unit = "mM" }

[[parts]]
name = "E"
value = "nernst(c_out, c_in, 1, kelvin(37))"
unit = "mV"
sigfigs = 3
misconceptions = ["inverted_ratio"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_base_template_is_valid(tmp_path: Path) -> None:
    (report,) = validate_paths([write(tmp_path, VALID)], samples=50)
    assert report.ok, [str(f) for f in report.findings]
    assert report.capacity == 3 * 4


TEX_REFUSED = ("is not allowed in bank text: a sheet compiled with lualatex must not define macros, open files, run "
               "code or make links")

# GIVEN a valid template with one edit, WHEN it is loaded, THEN the error names file, key and fix.
LOAD_ERRORS = [
    ("toml-syntax", ('unit = "mM" }', 'unit = "mM"'),
     "In {path}: not valid TOML: Unclosed inline table (at line 12, column 48)"),
    ("unknown-param-key", ('c_out = { range', 'c_out = { rnage'),
     "In {path}, key params.c_out.rnage: unknown key; allowed keys here: cell, choice, decimals, derived, hidden, "
     "ion, preset, range, side, sigfigs, step, unit"),
    ("unknown-function", ('value = "nernst(', 'value = "nernstt('),
     "In {path}, key parts.E.value, column 1: unknown function 'nernstt'; see the function list in banks/README.md\n"
     "    nernstt(c_out, c_in, 1, kelvin(37))\n    ^"),
    ("unknown-name", ('nernst(c_out, c_in', 'nernst(c_outside, c_in'),
     "In {path}, key parts.E.value, column 8: unknown name 'c_outside'; defined here: c_in, c_out\n"
     "    nernst(c_outside, c_in, 1, kelvin(37))\n           ^"),
    ("bad-unit", ('unit = "mV"', 'unit = "mv"'),
     "In {path}, key parts.E.unit: 'mv' is not a unit; did you mean 'mV'? (units are case-sensitive SI symbols such as "
     "mV, mM, nS, pA, um)"),
    ("schema-too-new", ("schema_version = 1", "schema_version = 2"),
     "In {path}, key schema_version: is 2 but this problemgen reads 1; upgrade problemgen (pip install -U problemgen)"),
    ("schema-missing", ("schema_version = 1\n", ""), "In {path}, key schema_version: missing; add schema_version = 1"),
    ("bad-difficulty", ("difficulty = 1", "difficulty = 5"), "In {path}, key difficulty: must be 1, 2 or 3, got 5"),
    ("bad-range", ("range = [3, 5]", "range = [5, 3]"),
     "In {path}, key params.c_out.range: must be [low, high] of finite numbers with low <= high, got [5, 3]"),
    ("negative-tolerance", ('sigfigs = 3\n', 'sigfigs = 3\ntolerance = { rtol = -0.01 }\n'),
     "In {path}, key parts.E.tolerance.rtol: must be a finite number >= 0, got -0.01"),
    ("math-in-title", ('title = "Tiny"', "title = 'The $E_\\mathrm{K}$ problem'"),
     "In {path}, key title: 'The $E_\\mathrm{{K}}$ problem' is plain text (answer forms, spreadsheets and LMS exports "
     "show it as typed), so $...$ would print raw; write it in words or Unicode (E_K, Δψ, µA/cm²), and keep math for "
     "the statement and prompts"),
    ("latex-in-label", ('name = "E"\n', "name = 'E'\nlabel = '\\Delta\\psi'\n"),
     "In {path}, key parts.E.label: '\\Delta\\psi' is plain text (answer forms, spreadsheets and LMS exports "
     "show it as typed), so LaTeX would print raw; write it in words or Unicode (E_K, Δψ, µA/cm²), and keep math for "
     "the statement and prompts"),
    ("percent-as-rtol", ('sigfigs = 3\n', 'sigfigs = 3\ntolerance = { rtol = 1 }\n'),
     "In {path}, key parts.E.tolerance.rtol: must be below 1 (a fraction: 0.02 for 2 %), got 1; rtol = 1 would "
     "accept anything from 0 to twice the key"),
    ("huge-rtol", ('sigfigs = 3\n', 'sigfigs = 3\ntolerance = { rtol = 1e308 }\n'),
     "In {path}, key parts.E.tolerance.rtol: must be below 1 (a fraction: 0.02 for 2 %), got 1e+308; rtol = 1 would "
     "accept anything from 0 to twice the key"),
    ("no-significant-figures", ("sigfigs = 3", "sigfigs = 0"),
     "In {path}, key parts.E.sigfigs: must be a whole number from 1 to 15, got 0"),
    ("id-with-spaces", ('id = "tiny"', 'id = "tiny one"'),
     "In {path}, key id: 'tiny one' is not a usable id; use lower-case letters, digits and hyphens, such as "
     "\"nernst-cation\" (it names the template in exam configs, seeds and file names)"),
    ("two-kinds", ('c_in = { range', 'c_in = { choice = [1], range'),
     "In {path}, key params.c_in.range: give exactly one of choice, ion, range, preset, derived, not both choice and range"),
    # Numbers a shared template could use to exhaust memory or break the engine: finite and bounded.
    ("range-of-petabytes", ("range = [3, 5], step = 1", "range = [1, 1e15], step = 1"),
     "In {path}, key params.c_out.step: gives more than 1,000,000 values from 1 to 1e+15 in steps of 1; raise the "
     "step to at least 1e+09, or narrow the range"),
    ("range-of-tiny-steps", ("range = [3, 5], step = 1", "range = [1, 1e308], step = 1e-300"),
     "In {path}, key params.c_out.step: gives more than 1,000,000 values from 1 to 1e+308 in steps of 1e-300; raise "
     "the step to at least 1e+302, or narrow the range"),
    ("range-of-a-huge-integer", ("range = [3, 5]", "range = [1, 100000000000000000000000000000]"),
     "In {path}, key params.c_out.step: gives more than 1,000,000 values from 1 to 1e+29 in steps of 1; raise the "
     "step to at least 1e+23, or narrow the range"),
    ("preset-of-tiny-steps", ('c_in = { range = [120, 150], step = 10, unit = "mM" }',
                              'c_in = { preset = "neuron", ion = "K+", side = "inside", step = 1e-6, unit = "mM" }'),
     "In {path}, key params.c_in.step: gives more than 1,000,000 values from 120 to 155 in steps of 1e-06; raise the "
     "step to at least 3.5e-05, or narrow the range"),
    ("range-to-nan", ("range = [3, 5]", "range = [3, nan]"),
     "In {path}, key params.c_out.range: must be [low, high] of finite numbers with low <= high, got [3, nan]"),
    ("range-to-infinity", ("range = [3, 5]", "range = [-inf, 5]"),
     "In {path}, key params.c_out.range: must be [low, high] of finite numbers with low <= high, got [-inf, 5]"),
    ("step-nan", ("range = [3, 5], step = 1", "range = [3, 5], step = nan"),
     "In {path}, key params.c_out.step: must be a finite number > 0, got nan"),
    ("choice-of-infinity", ("c_out = { range = [3, 5], step = 1,", "c_out = { choice = [3, inf],"),
     "In {path}, key params.c_out.choice: must list finite numbers, got [3, inf]"),
    ("sigfigs-of-a-billion", ("sigfigs = 3", "sigfigs = 1000000000"),
     "In {path}, key parts.E.sigfigs: must be a whole number from 1 to 15, got 1000000000"),
    ("given-sigfigs-too-many", ('step = 1, unit = "mM" }', 'step = 1, unit = "mM", sigfigs = 99 }'),
     "In {path}, key params.c_out.sigfigs: must be a whole number from 1 to 15, got 99"),
    ("decimals-too-many", ('step = 1, unit = "mM" }', 'step = 1, unit = "mM", decimals = 1000000 }'),
     "In {path}, key params.c_out.decimals: must be a whole number from 0 to 15, got 1000000"),
    ("tolerance-nan", ('sigfigs = 3\n', 'sigfigs = 3\ntolerance = { atol = nan }\n'),
     "In {path}, key parts.E.tolerance.atol: must be a finite number >= 0, got nan"),
    ("points-infinite", ('sigfigs = 3\n', 'sigfigs = 3\npoints = inf\n'),
     "In {path}, key parts.E.points: must be a number from 0 to 1000 (the part's share of the problem), got inf"),
    # LaTeX that a sheet compiled with lualatex would run: refused in the text and in its jinja strings.
    ("tex-directlua", ('solution = "{{ work.E }}"', r'solution = "So $\\directlua{io.open(\"x\", \"w\")}$"'),
     "In {path}, key solution: line 1: \\directlua " + TEX_REFUSED),
    ("tex-in-a-jinja-string", ('solution = "{{ work.E }}"', r"""solution = "{{ work.E }}\n\n$x = {{ '\\\\input' }}{a}$" """),
     "In {path}, key solution: line 3: \\input " + TEX_REFUSED),
    ("tex-line-of-the-command", ('solution = "{{ work.E }}"', r'solution = "{{ work.E }}\n\nSo\n$\\ce{K+}$"'),
     "In {path}, key solution: line 4: \\ce is not among the LaTeX commands bank math may use (the sheets load "
     "amsmath and unicode-math only); write \\mathrm{{Na^+}} (or the ion filter in jinja) instead"),
    ("tex-href-in-a-prompt", ('name = "E"\n', 'name = "E"\nprompt = "See $\\\\href{javascript:alert(1)}{this}$"\n'),
     "In {path}, key parts.E.prompt: line 1: \\href " + TEX_REFUSED),
    ("tex-caret-notation", ("inside at 37", "inside ($x^^5cinput$) at 37"),
     "In {path}, key statement: line 1: '^^' is not allowed: TeX reads ^^ and the characters after it as another "
     "character (^^5c is a backslash); put a space or braces between the carets"),
    ("no-part-weighs", ('misconceptions = ["inverted_ratio"]', 'misconceptions = ["inverted_ratio"]\npoints = 0'),
     "In {path}, key parts: every part has points = 0, so a problem's points would go to none of them; give at least "
     "one part a weight above 0 (1 if left out)"),
    ("tolerance-a-fraction", ('misconceptions = ["inverted_ratio"]', 'misconceptions = ["inverted_ratio"]\ntolerance = 0.02'),
     "In {path}, key parts.E.tolerance: must be a table, such as tolerance = {{ rtol = 0.02 }} (±2 %); got 0.02"),
    ("tolerance-a-number", ('misconceptions = ["inverted_ratio"]', 'misconceptions = ["inverted_ratio"]\ntolerance = 2'),
     "In {path}, key parts.E.tolerance: must be a table, such as tolerance = {{ atol = 2 }} (±2 in the part's unit); "
     "got 2"),
]


@pytest.mark.parametrize(("edit", "message"), [case[1:] for case in LOAD_ERRORS], ids=[case[0] for case in LOAD_ERRORS])
def test_broken_templates_fail_to_load_with_a_located_message(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ProblemgenError) as caught:
        load_template(path)
    assert str(caught.value) == message.format(path=path)


def test_a_statement_written_after_a_table_is_explained(tmp_path: Path) -> None:
    text = VALID.replace('statement = "K+ is {{ c_out }} outside and {{ c_in }} inside at 37 °C."\n', "") + \
        'statement = "late"\n'
    with pytest.raises(BankError) as caught:
        load_template(write(tmp_path, text))
    assert str(caught.value).endswith("key parts.E.statement: 'statement' belongs to the template, not to parts.E; "
                                      "move it above the first [table] or [[table]] header")


# GIVEN a template that loads, WHEN it is validated, THEN the finding is located and says how to fix.
VALIDATION_ERRORS = [
    ("undefined-jinja-variable", ("{{ c_in }} inside", "{{ c_inside }} inside"),
     "error: In {path}, key statement: 'c_inside' is undefined (did you mean 'c_in'?); define it under [params] or "
     "fix the name"),
    ("undefined-name-far-off", ("{{ c_in }} inside", "{{ potassium }} inside"),
     "error: In {path}, key statement: 'potassium' is undefined; define it under [params] or fix the name"),
    ("quantity-attribute-typo", ('solution = "{{ work.E }}"', 'solution = "$E = {{ E.texx }}$"'),
     "error: In {path}, key solution: a quantity has no 'texx' (did you mean 'tex'?); use one of: decimals, number, "
     "sigfigs, tex, to, unit, value"),
    ("worked-steps-of-no-part", ('solution = "{{ work.E }}"', 'solution = "{{ work.Ee }} so it goes"'),
     "error: In {path}, key solution: work has no part 'Ee' (did you mean 'E'?); the parts are: E"),
    ("jinja-syntax", ("{{ c_in }} inside", "{{ c_in } inside"),
     "error: In {path}, key statement, line 1: unexpected '}}'"),
    ("unsatisfiable-constraint", ("constraints = []", 'constraints = ["c_out > 10 mM"]'),
     "error: In {path}, key constraints: only 0.0% of draws are accepted; 'c_out > 10 mM' fails most often; "
     "widen the ranges or relax the constraint"),
    ("unit-mismatch", ('unit = "mV"', 'unit = "mM"'),
     "error: In {path}, key parts.E.unit: the answer is a voltage but the unit 'mM' is a concentration; use a unit of voltage"),
    ("answer-in-statement", ("{{ c_in }} inside at", "{{ c_in }} inside, E = {{ E }}, at"),
     "error: In {path}, key statement: 'E' is an answer, which the statement cannot show (answers are in the solution "
     "and the key only)"),
    ("hidden-in-statement", ('step = 10, unit = "mM" }', 'step = 10, unit = "mM", hidden = true }'),
     "error: In {path}, key statement: 'c_in' is a hidden parameter, which the statement cannot show; remove "
     "hidden = true to show it to students, or leave it out of the text"),
    ("unit-missing", ('unit = "mV"\n', ''),
     "error: In {path}, key parts.E.unit: missing: the answer is a voltage; add its display unit (unit = \"mV\", say)"),
    ("misconception-does-not-apply", ('["inverted_ratio"]', '["circle_area"]'),
     "error: In {path}, key parts.E.misconceptions: 'circle_area' does not apply to this answer; misconceptions of the "
     "functions it uses: anion_sign, celsius_as_kelvin, decade_slope_with_ln, inverted_ratio, log10_without_factor, "
     "room_temperature_slope, thermal_voltage_25mV, valence_dropped, wrong_absolute_zero; it is a mistake in "
     "sphere_area(), which this value does not call: compute the value with it, or remove 'circle_area'"),
    ("misconception-misspelt", ('["inverted_ratio"]', '["log_without_factor"]'),
     "error: In {path}, key parts.E.misconceptions: unknown misconception 'log_without_factor' (did you mean "
     "'log10_without_factor'?); the functions this answer uses know: anion_sign, celsius_as_kelvin, "
     "decade_slope_with_ln, inverted_ratio, log10_without_factor, room_temperature_slope, thermal_voltage_25mV, "
     "valence_dropped, wrong_absolute_zero"),
    ("negative-magnitude", ('name = "E"\n', 'name = "E"\nprompt = "What is the magnitude of E?"\n'),
     "error: In {path}, key parts.E.value: the prompt asks for a magnitude, but the answer is negative in 50 of 50 "
     "samples (e.g. -105 mV); take abs() of the value, or ask for the signed quantity"),
    ("misconception-within-tolerance", ('["inverted_ratio"]', '["wrong_absolute_zero"]'),
     "error: In {path}, key parts.E.misconceptions: 'wrong_absolute_zero' never gives a value of its own (it is always "
     "within two tolerances of the right answer or of a misconception listed before it); if it is the right answer, "
     "the key itself makes this mistake: check the part's value; otherwise remove it"),
    ("given-not-shown", ("and {{ c_in }} inside", "and plenty inside"),
     "error: In {path}, key params.c_in: is never shown in the statement or a prompt; use it, or mark it hidden = true "
     "if it is a helper"),
    ("latex-outside-math", ('solution = "{{ work.E }}"', 'solution = "so \\\\frac{1}{2}"'),
     "error: In {path}, key solution: LaTeX '\\\\frac' survives in the HTML; put math between $...$"),
    ("unphysical-range", ("range = [120, 150]", "range = [-20, 150]"),
     "error: In {path}, key params: some draws are outside what the physics allows (nernst: c_in must be > 0 "
     "(mol/m^3), got -10.0); narrow the ranges of the parameters it is given"),
    ("formula-not-drawable", ("inside at 37 °C.", "inside at 37 °C: $\\\\begin{pmatrix}[K]_o & 1\\\\end{pmatrix}$."),
     "error: In {path}, key statement: the formula '\\\\begin{{pmatrix}}[K]_o & 1\\\\end{{pmatrix}}' cannot be drawn as "
     "MathML (the HTML sheet would show it as code); simplify it, and brace a cell or row that starts with a bracket "
     "({{[X]_o}}: a leading [ reads as an optional argument)"),
    ("method-replace", ('solution = "{{ work.E }}"', """solution = '{{ "ab".replace("a", "b") }}'"""),
     "error: In {path}, key solution: str.replace() is not available in bank text; use the replace filter: "
     "{{{{ text | replace('a', 'b') }}}}"),
    ("method-append", ('solution = "{{ work.E }}"', "solution = '{% set l = [] %}{{ l.append(1) }}'"),
     "error: In {path}, key solution: list.append() is not available in bank text; build the list whole ([a, b] + "
     "[c]), or keep a value across a loop with namespace()"),
    ("key-shown-too-coarsely", ("sigfigs = 3\n", "sigfigs = 2\n"),
     "error: In {path}, key parts.E.sigfigs: the key as shown is graded wrong in 7 of 50 samples (e.g. "
     "'−1.0 × 10² mV' for -104.555, 2 figures); show more figures or widen the tolerance"),
    ("tex-built-while-rendering", ('solution = "{{ work.E }}"', r"""solution = "$x = {{ '\\\\' ~ 'input' }}{a}$" """),
     "error: In {path}, key solution: as rendered: \\input " + TEX_REFUSED),
    ("derived-overflows", ('step = 10, unit = "mM" }\n', 'step = 10, unit = "mM" }\n'
                           'big = { derived = "10^10^10^10", hidden = true }\n'),
     "error: In {path}, key params.big: is inf (not a finite number) for 50 of 50 draws of '10^10^10^10'; change the "
     "formula or narrow the ranges it reads"),
    ("derived-overflows-into-physics",
     ('step = 10, unit = "mM" }\n\n[[parts]]\nname = "E"\nvalue = "nernst(c_out, c_in,',
      'step = 10, unit = "mM" }\nbig = { derived = "c_in * 10^10^10^10", unit = "mM", hidden = true }\n\n'
      '[[parts]]\nname = "E"\nvalue = "nernst(c_out, big,'),
     "error: In {path}, key params.big: is inf (not a finite number) for 50 of 50 draws of 'c_in * 10^10^10^10', so "
     "that nernst: c_in must be finite, got inf; change the formula or narrow the ranges it reads"),
    ("unit-mismatch-article", ('unit = "mV"', 'unit = "V/m"'),
     "error: In {path}, key parts.E.unit: the answer is a voltage but the unit 'V/m' is an electric field; use a unit "
     "of voltage"),
    ("latex-math-delimiters", ("inside at 37 °C.", "inside at 37 °C, so \\\\(E_K\\\\) is negative."),
     "error: In {path}, key statement: '\\(E_K\\)' is not math here: Markdown prints \\( \\) as plain brackets; "
     "write $...$ instead"),
    ("latex-display-delimiters", ('solution = "{{ work.E }}"', 'solution = "{{ work.E }} \\\\[x = 1\\\\]"'),
     "error: In {path}, key solution: '\\[x = 1\\]' is not math here: Markdown prints \\[ \\] as plain brackets; "
     "write $$...$$ instead"),
    ("value-opens-a-line", ("K+ is {{ c_out }} outside", "K+ is\\n{{ c_out }} outside"),
     "error: In {path}, key statement: line 2 of this text starts with {{{{ c_out }}}}; where a value prints with a "
     "trailing point (120 to three significant figures is '120. mV'), Markdown reads the line as a numbered list, so "
     "start the line with a word"),
]


@pytest.mark.parametrize(("edit", "message"), [case[1:] for case in VALIDATION_ERRORS],
                         ids=[case[0] for case in VALIDATION_ERRORS])
def test_validation_findings_are_located(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    (report,) = validate_paths([path], samples=50)
    assert not report.ok
    assert message.format(path=path) in [str(f) for f in report.findings]


def test_a_template_without_parameters_validates(tmp_path: Path) -> None:
    # A fixed problem (every number in the text) has one variant; drawing many samples of it works.
    text = VALID.replace('c_out = { range = [3, 5], step = 1, unit = "mM" }\nc_in = { range = [120, 150], step = 10, unit = "mM" }\n',
                         "").replace("{{ c_out }} outside and {{ c_in }} inside", "4 mM outside and 140 mM inside")
    text = text.replace("nernst(c_out, c_in, 1, kelvin(37))", "nernst(4 mM, 140 mM, 1, kelvin(37))")
    (report,) = validate_paths([write(tmp_path, text)], samples=50)
    assert report.ok and report.samples == 50 and report.capacity == 1, [str(f) for f in report.findings]


@pytest.mark.parametrize("line", ['{{ "inward" if c_in.value > 1 else "outward" }} it goes', "{{ ion | ion }} moves",
                                  "{{ work.E }}", "  {{ c_out }}"],
                         ids=["words", "ion", "worked-step", "value-alone"])
def test_values_that_cannot_read_as_a_list_may_open_a_line(line: str) -> None:
    from problemgen.validate import _VALUE_OPENS_LINE

    assert _VALUE_OPENS_LINE.search(f"Some text\n{line}\nmore") is None


def test_a_number_in_pythons_e_notation_is_a_finding(tmp_path: Path) -> None:
    old, new = 'solution = "{{ work.E }}"', 'solution = "{{ work.E }} so {{ c_in.value * 1e-9 }} mol/L"'
    path = write(tmp_path, VALID.replace(old, new, 1))
    (report,) = validate_paths([path], samples=50)
    (finding,) = [str(f) for f in report.findings if "e-notation" in str(f)]
    assert re.fullmatch(re.escape(f"error: In {path}, key solution: prints '") + r"\d+(\.\d+)?e-\d+"
                        + re.escape("', a number in Python's e-notation; write it with the tex or q filter "
                                    "({{ x | tex('', 2) }} gives 8.5 \\times 10^{-5})"), finding), finding


@pytest.mark.parametrize(("step", "finding"), [
    ("$1.5 \\\\times 4 = 6.04$", "a worked step does not check by hand in 25 of 25 samples: `1.5 \\times 4 = 6.04`, but the "
     "printed numbers give 6 (off by 4.0 in the last printed figure; up to 1.5 is taken as rounding); print the "
     "intermediate values to the result's precision"),
    ("$1.5 \\\\times 4 = 6.01$", None),
    ("$1.5 \\\\times 4 = -6$", "a worked step does not check by hand in 25 of 25 samples: `1.5 \\times 4 = -6`, but the "
     "printed numbers give 6: the printed result has the other sign; check the order of the subtraction and the signs"),
    ("$1.5 \\\\times 4 = 9$", "a worked step does not check by hand in 25 of 25 samples: `1.5 \\times 4 = 9`, but the "
     "printed numbers give 6: not the printed result, even up to a power of ten; check the step's operations and signs"),
], ids=["off-by-four", "rounding", "wrong-sign", "wrong-formula"])
def test_a_worked_step_that_does_not_check_is_a_warning(tmp_path: Path, step: str, finding: str | None) -> None:
    old, new = 'solution = "{{ work.E }}"', f'solution = "{{{{ work.E }}}} Check: {step}."'
    path = write(tmp_path, VALID.replace(old, new, 1))
    (report,) = validate_paths([path], samples=50)
    assert report.ok  # a warning: the reading of printed arithmetic is a heuristic
    found = [str(f) for f in report.findings if "worked step" in str(f)]
    assert found == ([f"warning: In {path}, key solution: {finding}"] if finding else [])


BANK_TOML = """schema_version = 1
id = "mine"
title = "Mine"
sections = [{ id = "equilibrium-potential", title = "Nernst" }]
"""


def test_a_bank_folder_reports_each_template_with_its_own_bank_problem(tmp_path: Path) -> None:
    """A repeated id and an undeclared section both fail their template; neither hides the other."""
    from problemgen.catalog import validation_summary

    (tmp_path / "bank.toml").write_text(BANK_TOML, encoding="utf-8")
    (tmp_path / "a.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "c.toml").write_text(VALID.replace('id = "tiny"', 'id = "other"')
                                     .replace('"equilibrium-potential"', '"driving-forces"'), encoding="utf-8")
    reports = validate_paths([tmp_path], samples=20)
    assert [(r.template, r.ok) for r in reports] == [("tiny", True), ("tiny", False), ("other", False)]
    assert str(reports[1].findings[0]) == f"error: In {tmp_path / 'b.toml'}, key id: 'tiny' is already used by {tmp_path / 'a.toml'}"
    assert str(reports[2].findings[0]) == (f"error: In {tmp_path / 'c.toml'}, key section: 'driving-forces' is not a "
                                           "section of this bank; use one of: equilibrium-potential")
    # A template with both problems gets both findings.
    (tmp_path / "d.toml").write_text(VALID.replace('"equilibrium-potential"', '"driving-forces"'), encoding="utf-8")
    (both,) = [r for r in validate_paths([tmp_path], samples=20) if r.path.endswith("d.toml")]
    assert [f.key for f in both.findings][:2] == ["id", "section"]
    (tmp_path / "d.toml").unlink()
    # One file alone is checked against the bank.toml beside it; bank.toml stands for its folder.
    (alone,) = validate_paths([tmp_path / "c.toml"], samples=20)
    assert [f.key for f in alone.findings] == ["section"]
    assert [r.template for r in validate_paths([tmp_path / "bank.toml"], samples=20)] == ["tiny", "tiny", "other"]
    text, ok = validation_summary([str(tmp_path)], 20)
    assert not ok and "3 templates checked with 20 samples each: 2 failed" in text


# GIVEN a template file whose id is or is not a built-in template's, WHEN it is validated, THEN a
# template that would replace a built-in one in an exam passes with a warning naming the built-in.
REPLACED_BUILTINS = [
    ("own-id", "tiny", None),
    ("built-in-id", "nernst-cation",
     "warning: In {path}, key id: 'nernst-cation' is also the id of the built-in template "
     "banks/driving-force/nernst-cation.toml ('Equilibrium potential of a cation'); an exam that lists this bank uses "
     "this template in its place (template = \"nernst-cation\", and pools, topics and sections that hold it); give "
     "this one an id of its own unless you mean to replace the built-in"),
]


@pytest.mark.parametrize(("template_id", "message"), [case[1:] for case in REPLACED_BUILTINS],
                         ids=[case[0] for case in REPLACED_BUILTINS])
def test_a_template_taking_a_built_in_id_is_a_warning(tmp_path: Path, template_id: str, message: str | None) -> None:
    (tmp_path / "bank.toml").write_text(BANK_TOML, encoding="utf-8")
    path = tmp_path / "k-current.toml"
    path.write_text(VALID.replace('id = "tiny"', f'id = "{template_id}"'), encoding="utf-8")
    (report,) = validate_paths([tmp_path], samples=20)
    assert report.ok
    assert [str(f) for f in report.findings if f.key == "id"] == ([message.format(path=path)] if message else [])


def test_the_built_in_template_itself_is_no_replacement() -> None:
    from problemgen.bank import builtin_banks_dir

    (report,) = validate_paths([builtin_banks_dir() / "driving-force" / "nernst-cation.toml"], samples=20)
    assert [f for f in report.findings if f.key == "id"] == []


@pytest.mark.parametrize(("files", "line", "summary"), [
    ({"a.toml": VALID}, "FAIL bank {folder}", "1 template checked with 20 samples each: all passed; 1 bank folder failed"),
    ({"bank.toml": BANK_TOML, "a.toml": VALID.replace('unit = "mM" }', 'unit = "mM"')},
     "FAIL a                                does not load, so nothing was drawn",
     "1 template checked with 20 samples each: 1 failed"),
], ids=["no-bank-toml", "template-does-not-load"])
def test_what_could_not_be_checked_is_not_shown_as_sampled(tmp_path: Path, files: dict[str, str], line: str,
                                                            summary: str) -> None:
    from problemgen.catalog import validation_summary

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    text, ok = validation_summary([str(tmp_path)], 20)
    assert not ok
    assert line.format(folder=tmp_path) in text.splitlines()
    assert summary in text


@pytest.mark.parametrize(("v_max", "ok"), [(100, True), (60, False)])
def test_an_iv_figure_must_show_where_its_line_crosses_zero(tmp_path: Path, v_max: int, ok: bool) -> None:
    from problemgen.bank import builtin_banks_dir

    text = (builtin_banks_dir() / "driving-force" / "iv-plot-reversal.toml").read_text(encoding="utf-8")
    assert "v_max = 100\n" in text
    path = tmp_path / "iv.toml"
    path.write_text(text.replace("v_max = 100\n", f"v_max = {v_max}\n"), encoding="utf-8")
    (report,) = validate_paths([path], samples=100)
    figure = [str(f) for f in report.findings if f.key == "figure"]
    assert report.ok is ok and bool(figure) is not ok
    if figure:
        assert figure[0].startswith(f"error: In {path}, key figure: the line crosses I = 0 outside the plotted range "
                                    "(v_min -120 to v_max 60 mV, less 5 mV at each end) in ")
        assert figure[0].endswith("mV); widen the range or constrain E")


@pytest.mark.parametrize(("bank_toml", "message"), [
    (BANK_TOML.replace('id = "mine"\n', ""), "In {folder}/bank.toml, key id: missing; add id"),
    (BANK_TOML.replace('title = "Mine"\n', ""), "In {folder}/bank.toml, key title: missing; add title"),
    (BANK_TOML.replace('[{ id = "equilibrium-potential", title = "Nernst" }]', '["equilibrium-potential"]'),
     "In {folder}/bank.toml, key sections[0]: must be a table with an id, e.g. "
     '{{ id = "equilibrium-potential", title = "..." }}'),
], ids=["no-id", "no-title", "section-not-a-table"])
def test_a_broken_bank_toml_fails_validation_as_loading_would(tmp_path: Path, bank_toml: str, message: str) -> None:
    from problemgen.bank import load_bank
    from problemgen.catalog import validation_summary

    (tmp_path / "bank.toml").write_text(bank_toml, encoding="utf-8")
    (tmp_path / "a.toml").write_text(VALID, encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert str(caught.value) == message.format(folder=tmp_path)
    text, ok = validation_summary([str(tmp_path)], 20)
    assert not ok and f"error: {message.format(folder=tmp_path)}" in text


def test_a_template_that_does_not_render_says_so_and_still_gets_its_static_checks(tmp_path: Path) -> None:
    from problemgen.catalog import validation_summary

    path = write(tmp_path, VALID.replace("{{ c_in }} inside", "{{ c_in } inside").replace('unit = "mV"', 'unit = "mM"'))
    text, ok = validation_summary([str(path)], 20)
    assert not ok
    assert "FAIL tiny                             does not render, so nothing was drawn" in text.splitlines()
    assert [f.key for f in validate_paths([path], samples=20)[0].findings] == ["statement, line 1", "parts.E.unit"]


def test_an_attribute_of_something_else_is_named_without_internals(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('solution = "{{ work.E }}"', 'solution = "{{ work.E.x }} {{ c_in.value.real.y }}"'))
    (report,) = validate_paths([path], samples=20)
    assert "error: In {path}, key solution: nothing called 'x' here; check the name after the dot".format(path=path) in \
        [str(f) for f in report.findings]


def test_an_exam_config_kept_in_a_bank_folder_is_not_read_as_a_template(tmp_path: Path) -> None:
    bank = tmp_path / "mine"
    bank.mkdir()
    (bank / "bank.toml").write_text(BANK_TOML, encoding="utf-8")
    (bank / "tiny.toml").write_text(VALID, encoding="utf-8")
    (bank / "midterm.toml").write_text('schema_version = 1\nid = "midterm"\nbanks = ["."]\n\n[[problems]]\n'
                                       'template = "tiny"\npoints = 1\n', encoding="utf-8")
    reports = validate_paths([bank], samples=20)
    assert [report.template for report in reports] == ["tiny"]


def test_a_template_that_does_not_load_is_located_once(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('value = "nernst(', 'value = "nernstt(', 1))
    (report,) = validate_paths([path], samples=20)
    assert [str(f) for f in report.findings] == [
        f"error: In {path}, key parts.E.value, column 1: unknown function 'nernstt'; see the function list in "
        "banks/README.md\n    nernstt(c_out, c_in, 1, kelvin(37))\n    ^"]


def test_option_labels_must_name_an_option(tmp_path: Path) -> None:
    choice = ('\n[[parts]]\nname = "flux"\nkind = "choice"\nvalue = "flux_direction(1, -0.07, E)"\n'
              'options = ["influx", "efflux", "no net movement"]\noption_labels = { none = "no current" }\n')
    path = write(tmp_path, VALID + choice)
    with pytest.raises(BankError) as caught:
        load_template(path)
    assert str(caught.value) == (f"In {path}, key parts.flux.option_labels: maps to 'no current', which is not among "
                                 "the options ('influx', 'efflux', 'no net movement'); use the options' own words")


@pytest.mark.parametrize(("given", "finding"), [
    ('V = { range = [-90, -40], step = 5, unit = "V", hidden = true }',
     "its range reaches 90 V, far beyond physiology: membrane and reversal potentials lie within ±0.2 V; is the unit mV?"),
    ('K = { range = [100, 150], step = 10, unit = "M", hidden = true }',
     "its range reaches 150000 mol/m^3, far beyond physiology: ion concentrations lie below 1 M; is the unit mM?"),
    ('V = { range = [-90, -40], step = 5, unit = "mV", hidden = true }', None),
], ids=["volts", "molar", "plausible"])
def test_a_range_far_beyond_physiology_is_a_warning(tmp_path: Path, given: str, finding: str | None) -> None:
    old = 'c_in = { range = [120, 150], step = 10, unit = "mM" }\n'
    path = write(tmp_path, VALID.replace(old, old + given + "\n", 1))
    (report,) = validate_paths([path], samples=20)
    assert report.ok
    name = given.split(" ")[0]
    found = [str(f) for f in report.findings if f.key == f"params.{name}"]
    assert found == ([f"warning: In {path}, key params.{name}: {finding}"] if finding else [])


def test_a_printed_given_that_equals_an_answer_is_an_error(tmp_path: Path) -> None:
    text = VALID.replace('c_in = { range = [120, 150], step = 10, unit = "mM" }\n',
                         'c_in = { range = [120, 150], step = 10, unit = "mM" }\n'
                         'E_K = { derived = "nernst(c_out, c_in, 1, kelvin(37))", unit = "mV" }\n')
    text = text.replace("inside at 37 °C.", "inside at 37 °C, so that E_K = {{ E_K }}.")
    path = write(tmp_path, text)
    (report,) = validate_paths([path], samples=50)
    assert f"error: In {path}, key params.E_K: equals the answer E in 50 of 50 samples, and the statement shows it: " \
           "mark it hidden = true, or ask for something else" in [str(f) for f in report.findings]


@pytest.mark.parametrize(("constraint", "finding"), [
    ("abs(E) > 3", "'abs(E) > 3' compares a voltage with the bare number 3, which is read in volts; write the number "
                   "with its unit (3 mV, say)"),
    ("abs(E) > 3 mV", None),
    ("c_out > 3", None),  # mol/m^3 is mM: a bare number is what it seems
], ids=["bare-voltage", "with-unit", "concentration"])
def test_a_constraint_on_a_quantity_with_a_bare_number_is_a_warning(tmp_path: Path, constraint: str,
                                                                      finding: str | None) -> None:
    path = write(tmp_path, VALID.replace("constraints = []", f'constraints = ["{constraint}"]'))
    (report,) = validate_paths([path], samples=20)
    found = [str(f) for f in report.findings if f.key == "constraints" and f.severity == "warning"]
    assert found == ([f"warning: In {path}, key constraints: {finding}"] if finding else [])


SYMBOLIC = VALID.replace('''value = "nernst(c_out, c_in, 1, kelvin(37))"
unit = "mV"
sigfigs = 3
misconceptions = ["inverted_ratio"]
''', '''kind = "symbolic"
value = "R*T/F*ln(K_o/K_i)"
variables = { R = "positive", T = [273, 320], F = "positive", K_o = "positive", K_i = "positive" }
''').replace('solution = "{{ work.E }}"', 'solution = "$E = RT/F \\\\ln(K_o/K_i)$"')


@pytest.mark.parametrize(("edit", "message"), [
    (("ln(K_o/K_i)\"", "ln(K_o/K_i\""),
     "In {path}, key parts.E.value: ln(...) takes exactly one argument; close it with ')' (in 'R*T/F*ln(K_o/K_i')"),
    (('F = "positive"', 'F = "positve"'),
     "In {path}, key parts.E.variables.F: must be 'real', 'positive', 'nonnegative', 'nonzero', [lo, hi] with lo < hi, "
     "or {{'values': [...]}}, got 'positve'"),
    (('kind = "symbolic"', 'kind = "symbolic"\nunit = "mV"'),
     "In {path}, key parts.E.unit: a symbolic part is graded as an expression, which has no unit; remove it"),
], ids=["unclosed", "unknown-domain", "unit"])
def test_a_symbolic_part_is_checked_when_it_loads(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert load_template(write(tmp_path, SYMBOLIC)).parts[0].kind == "symbolic"
    assert edit[0] in SYMBOLIC
    path = write(tmp_path, SYMBOLIC.replace(*edit, 1))
    with pytest.raises(BankError) as caught:
        load_template(path)
    assert str(caught.value) == message.format(path=path)


def test_a_small_difference_of_large_parts_is_flagged(tmp_path: Path) -> None:
    # GIVEN a part that subtracts two nearly equal earlier answers (E_37 − E_36, about 0.3 mV of
    # two −100 mV answers shown to 3 figures)
    text = VALID.replace("inside at 37 °C.", "inside at 37 °C and at 36 °C.") + '''
[[parts]]
name = "E36"
value = "nernst(c_out, c_in, 1, kelvin(36))"
unit = "mV"
sigfigs = 3

[[parts]]
name = "shift"
value = "E - E36"
unit = "mV"
sigfigs = 3
'''
    path = write(tmp_path, text)
    # WHEN it is validated
    (report,) = validate_paths([path], samples=50)
    # THEN a warning says how far the answer from the shown parts lies, and how to fix it
    warnings = [str(f) for f in report.findings if f.severity == "warning"]
    assert warnings == [
        f"warning: In {path}, key parts.shift: in 47 of 50 samples the answer computed from the earlier parts as shown "
        "(rounded to their figures) lies far outside the tolerance (up to 207.9 tolerances, e.g. around a key of -0.325 mV); "
        "grading widens those variants' tolerance to accept it; add a constraint that keeps this result away from a "
        "small difference of large numbers"]


INVERTED_PART = '''
[[parts]]
name = "E_inverted"
value = "nernst(c_in, c_out, 1, kelvin(37))"
unit = "mV"
sigfigs = 3
'''


@pytest.mark.parametrize("where", ["later", "earlier", "later-in-volts"])
def test_an_option_showing_another_parts_answer_is_a_leak(tmp_path: Path, where: str) -> None:
    # GIVEN a numeric choice whose inverted-ratio distractor is the answer of another part, asked
    # after it or before it (the sheet shows both at once), in the same unit or another
    text = VALID.replace('name = "E"\n', 'name = "E"\nkind = "choice"\ndistractors = 2\n')
    other = INVERTED_PART.replace('unit = "mV"', 'unit = "V"') if where == "later-in-volts" else INVERTED_PART
    text = text + other if where != "earlier" else text.replace("\n[[parts]]\n", other + "\n[[parts]]\n", 1)
    path = write(tmp_path, text)
    # WHEN it is validated, THEN the leak is an error that says how to fix it
    (report,) = validate_paths([path], samples=50)
    assert (f"error: In {path}, key parts.E.misconceptions: in 50 of 50 samples an option shows the answer of part "
            "E_inverted, which the sheet asks for too; drop the misconception 'inverted_ratio' that gives it"
            ) in map(str, report.findings)


def test_a_value_opening_a_line_inside_display_math_is_not_a_list(tmp_path: Path) -> None:
    text = VALID.replace("K+ is {{ c_out }} outside", "K+ is\\n$$\\n{{ c_out.tex }} + 1\\n$$\\noutside", 1)
    (report,) = validate_paths([write(tmp_path, text)], samples=20)
    assert report.findings == ()


@pytest.mark.parametrize(("value", "finding"), [
    ("nernst(c_out, c_in, 1, kelvin(37)) - 5 mV",
     "computes part E's answer again ('nernst(c_out, c_in, 1, kelvin(37))'); write E instead, so a student who uses E "
     "as the key shows it is graded with the allowance for its rounding"),
    ("nernst( c_out,c_in, 1, kelvin( 37 ) ) * 2", "computes part E's answer again ('nernst(c_out, c_in, 1, kelvin(37))'); "
     "write E instead, so a student who uses E as the key shows it is graded with the allowance for its rounding"),
    ("E - 5 mV", None),
    ("nernst(c_out, c_in, 1, kelvin(36)) - 5 mV", None),  # another temperature: not part E
], ids=["recomputed", "recomputed-spaced", "named", "different-call"])
def test_a_part_that_recomputes_an_earlier_part_is_a_warning(tmp_path: Path, value: str, finding: str | None) -> None:
    text = VALID + f'\n[[parts]]\nname = "shifted"\nvalue = "{value}"\nunit = "mV"\nsigfigs = 3\n'
    path = write(tmp_path, text)
    (report,) = validate_paths([path], samples=20)
    found = [str(f) for f in report.findings if f.key == "parts.shifted.value"]
    assert found == ([f"warning: In {path}, key parts.shifted.value: {finding}"] if finding else [])


@pytest.mark.parametrize(("params", "message"), [
    ('big = { derived = "c_in * 10^10^10^10", unit = "mM", hidden = true }\n',
     "key params.big: is inf (not a finite number) for 1 of 1 draws of 'c_in * 10^10^10^10', so that nernst: c_in "
     "must be finite, got inf; change the formula or narrow the ranges it reads"),
    ('big = { derived = "0 * c_in - 1 mM", unit = "mM", hidden = true }\n',
     "key params: some draws are outside what the physics allows (nernst: c_in must be > 0 (mol/m^3), got -1.0); "
     "narrow the ranges of the parameters it is given"),
], ids=["derived-overflow", "negative-concentration"])
def test_generating_from_unphysical_draws_names_the_template_and_key(tmp_path: Path, params: str, message: str) -> None:
    # GIVEN a template whose answer gets a derived value the physics refuses
    from problemgen.engine import generate_from_seeds

    text = VALID.replace('step = 10, unit = "mM" }\n\n[[parts]]\nname = "E"\nvalue = "nernst(c_out, c_in,',
                         'step = 10, unit = "mM" }\n' + params + '\n[[parts]]\nname = "E"\nvalue = "nernst(c_out, big,')
    path = write(tmp_path, text)
    # WHEN a variant is generated (as preview and generate do), THEN the error is located
    with pytest.raises(BankError) as caught:
        generate_from_seeds(load_template(path), [bytes(32)], [None])
    assert str(caught.value) == f"In {path}, {message}"


@pytest.mark.parametrize("code", ["`print(f'E = {E:.1f} mV\\\\n')`", "`\\\\input{x}`", "``a `\\\\n` b``"])
def test_latex_commands_inside_markdown_code_are_text(tmp_path: Path, code: str) -> None:
    # GIVEN a statement with a code span that holds backslashes (printed as typed, escaped in LaTeX)
    text = VALID.replace("inside at 37 °C.", f"inside at 37 °C. In Python: {code}.", 1)
    # WHEN it loads and is validated, THEN nothing is refused
    (report,) = validate_paths([write(tmp_path, text)], samples=20)
    assert report.findings == ()
