"""Validation of how templates declare and print their givens: a table of author mistakes that
load and render, each with its exact located finding, and the look-alikes that are no mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from problemgen.validate import validate_paths

#: A valid template: every given with its unit. Its texts are fixed for each test's edit.
BASE = '''schema_version = 1
id = "leak"
title = "K+ leak"
topic = "ionic-current"
section = "driving-force"
difficulty = 1
statement = "K+ is {{ c_out }} outside and {{ c_in }} inside at {{ temp_C }}; the cell rests at {{ Vm }}."
solution = "{{ work.E }} The driving force is {{ DF }}."
constraints = []

[params]
temp_C = { choice = [37], unit = "degC" }
c_out = { choice = [4], unit = "mM" }
c_in = { range = [120, 150], step = 10, unit = "mM" }
Vm = { choice = [-65], unit = "mV" }
T = { derived = "kelvin(temp_C)", unit = "K", decimals = 2, hidden = true }

[[parts]]
name = "E"
value = "nernst(c_out, c_in, 1, T)"
unit = "mV"
sigfigs = 3
misconceptions = ["inverted_ratio"]

[[parts]]
name = "DF"
value = "driving_force(Vm, E)"
unit = "mV"
sigfigs = 3
misconceptions = ["reversed_driving_force"]
'''


def validate(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    """Write ``text`` as a template and validate it: its path and its findings as printed."""
    path = tmp_path / "leak.toml"
    path.write_text(text, encoding="utf-8")
    (report,) = validate_paths([path], samples=20)
    return path, [str(finding) for finding in report.findings]


def with_given(declaration: str) -> str:
    """The base template with one more given, shown at the end of the statement."""
    name = declaration.split(" ")[0]
    return BASE.replace('unit = "mV" }\n', f'unit = "mV" }}\n{declaration}\n', 1).replace(
        'rests at {{ Vm }}."', f'rests at {{{{ Vm }}}}; also {{{{ {name} }}}}."', 1)


def test_the_base_template_is_valid(tmp_path: Path) -> None:
    _, findings = validate(tmp_path, BASE)
    assert findings == []


# GIVEN a given that is clearly a physical quantity but has no unit, WHEN the template is
# validated, THEN the finding names the given, why it is physical and the unit to add.
MISSING_UNITS = [
    ("concentration-argument", BASE.replace('c_out = { choice = [4], unit = "mM" }', "c_out = { choice = [4] }"),
     "c_out", "missing: c_out is the c_out argument of nernst() in parts.E.value, a concentration; without a unit the "
              "sheet prints a bare number and expressions read it in mol/m^3; add its display unit (unit = \"mM\", say)"),
    ("voltage-argument", BASE.replace('Vm = { choice = [-65], unit = "mV" }', "Vm = { choice = [-0.065] }"),
     "Vm", "missing: Vm is the Vm argument of driving_force() in parts.DF.value, a voltage; without a unit the sheet "
           "prints a bare number and expressions read it in V; add its display unit (unit = \"mV\", say)"),
    ("celsius-argument", BASE.replace('temp_C = { choice = [37], unit = "degC" }', "temp_C = { choice = [37] }"),
     "temp_C", "missing: temp_C is the t_celsius argument of kelvin() in params.T.derived, a Celsius temperature; "
               "without a unit the sheet prints a bare number and expressions read it in degC; add its display unit "
               "(unit = \"degC\", say)"),
    ("preset", with_given('Na_in = { preset = "neuron", ion = "Na+", side = "inside", step = 1 }'),
     "Na_in", "missing: a preset is a concentration (the cell-type tables are in mM); without a unit the sheet prints "
              "a bare number; add its display unit (unit = \"mM\", say)"),
    ("named-like-a-concentration", with_given("K_o_active = { range = [8, 12], step = 1 }"),
     "K_o_active", "missing: K_o_active is named like a concentration; without a unit the sheet prints a bare number; "
                   "add its display unit (unit = \"mM\", say), or rename it if it is a pure number"),
    ("derived-with-a-dimension", with_given('V_half = { derived = "Vm / 2" }'),
     "V_half", "missing: the expression gives a voltage; without a unit the sheet prints a bare number in SI; add its "
               "display unit (unit = \"mV\", say)"),
]


@pytest.mark.parametrize(("text", "name", "message"), [case[1:] for case in MISSING_UNITS],
                         ids=[case[0] for case in MISSING_UNITS])
def test_a_physical_given_without_a_unit_is_an_error(tmp_path: Path, text: str, name: str, message: str) -> None:
    path, findings = validate(tmp_path, text)
    assert [f for f in findings if f"key params.{name}.unit" in f] == [f"error: In {path}, key params.{name}.unit: {message}"]


# GIVEN a given without a unit that is a pure number, or a helper students never see, WHEN the
# template is validated, THEN nothing is said about its unit.
PURE_NUMBERS = [
    ("ratio", with_given("ratio = { range = [0.01, 0.05], step = 0.01 }"), "ratio"),
    ("count", with_given("N = { range = [100, 200], step = 10 }"), "N"),
    ("permeability-ratio", with_given("pNa = { choice = [0.04] }").replace(
        'name = "E"\nvalue = "nernst(c_out, c_in, 1, T)"',
        'name = "E"\nvalue = "ghk_voltage([1, pNa], [c_out, 145 mM], [c_in, 12 mM], [1, 1], T)"').replace(
        'misconceptions = ["inverted_ratio"]', "misconceptions = []", 1), "pNa"),
    ("hidden-helper", BASE.replace('T = { derived = "kelvin(temp_C)", unit = "K", decimals = 2, hidden = true }',
                                   'T = { derived = "kelvin(temp_C)", hidden = true }'), "T"),
    ("dimensionless-derived", with_given('x = { derived = "c_out / c_in", decimals = 3 }'), "x"),
]


@pytest.mark.parametrize(("text", "name"), [case[1:] for case in PURE_NUMBERS], ids=[case[0] for case in PURE_NUMBERS])
def test_a_pure_number_or_a_hidden_helper_needs_no_unit(tmp_path: Path, text: str, name: str) -> None:
    _, findings = validate(tmp_path, text)
    assert [f for f in findings if f"key params.{name}" in f] == []


# GIVEN a quantity written into math without .tex, WHEN the template is validated, THEN the
# finding names the text, the line, what math makes of the text form and what to write.
MATH_QUANTITIES = [
    ("negative-with-unit", [("rests at {{ Vm }}.", "rests at $V_m = {{ Vm }}$.")], "statement",
     "line 1: {{ Vm }} inside $...$ prints '−65 mV', which math sets with the minus sign as a variable and the unit in "
     "italics; write {{ Vm.tex }} (-65\\,\\mathrm{mV})"),
    ("positive-with-unit", [("K+ is {{ c_out }} outside", "K+ is $[K^+]_o = {{ c_out }}$ outside")], "statement",
     "line 1: {{ c_out }} inside $...$ prints '4 mM', which math sets with the unit in italics; write "
     "{{ c_out.tex }} (4\\,\\mathrm{mM})"),
    # DF = -65 mV - E with E = (RT/F) ln(4/140) = -95.0 mV at 37 °C
    ("answer-in-display-math", [("range = [120, 150], step = 10", "choice = [140]"),
                                ("The driving force is {{ DF }}.", "The driving force is\\n$$DF = {{ DF }}$$")],
     "solution", "line 2: {{ DF }} inside $...$ prints '30.0 mV', which math sets with the unit in italics; write "
                 "{{ DF.tex }} (30.0\\,\\mathrm{mV})"),
]


@pytest.mark.parametrize(("edits", "key", "message"), [case[1:] for case in MATH_QUANTITIES],
                         ids=[case[0] for case in MATH_QUANTITIES])
def test_a_quantity_in_math_without_tex_is_an_error(tmp_path: Path, edits: list[tuple[str, str]], key: str,
                                                    message: str) -> None:
    text = BASE
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path, findings = validate(tmp_path, text)
    assert [f for f in findings if "inside $...$" in f] == [f"error: In {path}, key {key}: {message}"]


# GIVEN a value in math written the right way, or one that prints the same in text and math, or
# a value outside math, WHEN the template is validated, THEN nothing is said.
MATH_FINE = [
    ("with-tex", BASE.replace("rests at {{ Vm }}.", "rests at $V_m = {{ Vm.tex }}$.")),
    ("outside-math", BASE.replace("rests at {{ Vm }}.", "rests at {{ Vm }} ($V_m$).")),
    ("filtered", BASE.replace("rests at {{ Vm }}.", "rests at $V_m = {{ Vm.value | tex('mV', 2) }}$.")),
    ("plain-ratio", with_given("ratio = { choice = [0.04] }").replace("also {{ ratio }}", "also $r = {{ ratio }}$")),
]


@pytest.mark.parametrize("text", [case[1] for case in MATH_FINE], ids=[case[0] for case in MATH_FINE])
def test_a_value_that_math_prints_right_is_not_flagged(tmp_path: Path, text: str) -> None:
    assert text != BASE
    _, findings = validate(tmp_path, text)
    assert findings == []


# GIVEN a part whose value writes out what a physics function computes, with that function's
# misconception, WHEN the template is validated, THEN the error says which call to write.
WRITTEN_OUT = [
    ("difference", "Vm - E", "mV", "reversed_driving_force",
     "'reversed_driving_force' does not apply to this answer; misconceptions of the functions it uses: anion_sign, "
     "celsius_as_kelvin, decade_slope_with_ln, inverted_ratio, log10_without_factor, room_temperature_slope, "
     "thermal_voltage_25mV, valence_dropped, wrong_absolute_zero; it is a mistake in driving_force(), "
     "flux_direction() or ionic_current(), which this value does not call: write it as driving_force(Vm, E)"),
    ("ohms-law", "2 nS * (Vm - E)", "pA", "millivolt_slip",
     "'millivolt_slip' does not apply to this answer; misconceptions of the functions it uses: anion_sign, "
     "celsius_as_kelvin, decade_slope_with_ln, inverted_ratio, log10_without_factor, room_temperature_slope, "
     "thermal_voltage_25mV, valence_dropped, wrong_absolute_zero; it is a mistake in ionic_current(), which this "
     "value does not call: write it as ionic_current(2 nS, Vm, E)"),
    ("no-call-to-suggest", "Vm + E", "mV", "reversed_driving_force",
     "'reversed_driving_force' does not apply to this answer; misconceptions of the functions it uses: anion_sign, "
     "celsius_as_kelvin, decade_slope_with_ln, inverted_ratio, log10_without_factor, room_temperature_slope, "
     "thermal_voltage_25mV, valence_dropped, wrong_absolute_zero; it is a mistake in driving_force(), "
     "flux_direction() or ionic_current(), which this value does not call: compute the value with it, or remove "
     "'reversed_driving_force'"),
]
DF_PART = 'name = "DF"\nvalue = "driving_force(Vm, E)"\nunit = "mV"\nsigfigs = 3\nmisconceptions = ["reversed_driving_force"]\n'


@pytest.mark.parametrize(("value", "unit", "misconception", "message"), [case[1:] for case in WRITTEN_OUT],
                         ids=[case[0] for case in WRITTEN_OUT])
def test_a_misconception_of_a_function_written_out_names_the_call(tmp_path: Path, value: str, unit: str,
                                                                  misconception: str, message: str) -> None:
    assert DF_PART in BASE
    part = f'name = "DF"\nvalue = "{value}"\nunit = "{unit}"\nsigfigs = 3\nmisconceptions = ["{misconception}"]\n'
    path, findings = validate(tmp_path, BASE.replace(DF_PART, part))
    assert [f for f in findings if "key parts.DF.misconceptions" in f] == [
        f"error: In {path}, key parts.DF.misconceptions: {message}"]
