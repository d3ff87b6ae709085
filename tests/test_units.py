"""Tests of problemgen.units: the closed table, the strict grammar, conversion and display."""

from __future__ import annotations

import pickle
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from problemgen.errors import DimensionError, ProblemgenError, UnitError
from problemgen.units import (
    DIMENSIONLESS,
    Unit,
    UnitFormatError,
    convert,
    dimension_name,
    from_si,
    parse_unit,
    to_si,
    try_parse_unit,
    unit_display,
)

VOLT = (2, 1, -3, -1, 0, 0)

# (text, canonical, factor to SI, dimension name): every unit the bank uses, plus spellings.
PARSE_TABLE = [
    ("mV", "mV", "0.001", "voltage"),
    ("V", "V", "1", "voltage"),
    ("mM", "mM", "1", "concentration"),
    ("uM", "uM", "0.001", "concentration"),
    ("nM", "nM", "1e-6", "concentration"),
    ("M", "M", "1000", "concentration"),
    ("pA", "pA", "1e-12", "current"),
    ("nA", "nA", "1e-9", "current"),
    ("uA/cm^2", "uA/cm^2", "0.01", "current density"),
    ("pA/pF", "pA/pF", "1", "voltage per time"),
    ("nS", "nS", "1e-9", "conductance"),
    ("mS/cm^2", "mS/cm^2", "10", "conductance density"),
    ("S/m^2", "S/m^2", "1", "conductance density"),
    ("cm/s", "cm/s", "0.01", "velocity (permeability)"),
    ("m/s", "m/s", "1", "velocity (permeability)"),
    ("uF/cm^2", "uF/cm^2", "0.01", "specific capacitance"),
    ("F/m^2", "F/m^2", "1", "specific capacitance"),
    ("pF", "pF", "1e-12", "capacitance"),
    ("pC", "pC", "1e-12", "charge"),
    ("C", "C", "1", "charge"),
    ("C/m^2", "C/m^2", "1", "surface charge density"),
    ("um", "um", "1e-6", "length"),
    ("nm", "nm", "1e-9", "length"),
    ("m", "m", "1", "length"),
    ("um^2", "um^2", "1e-12", "area"),
    ("um^3", "um^3", "1e-18", "volume"),
    ("pL", "pL", "1e-15", "volume"),
    ("fL", "fL", "1e-18", "volume"),
    ("s^-1", "s^-1", "1", "frequency (rate)"),
    ("1/s", "1/s", "1", "frequency (rate)"),
    ("um^-2", "um^-2", "1e12", "number per area"),
    ("MOhm", "MOhm", "1e6", "resistance"),
    ("GOhm", "GOhm", "1e9", "resistance"),
    ("N", "N", "1", "force"),
    ("V/m", "V/m", "1", "electric field"),
    ("mV/nm", "mV/nm", "1e6", "electric field"),
    ("kV/cm", "kV/cm", "1e5", "electric field"),
    ("mol", "mol", "1", "amount of substance"),
    ("amol", "amol", "1e-18", "amount of substance"),
    ("fmol", "fmol", "1e-15", "amount of substance"),
    ("K", "K", "1", "temperature"),
    ("J/(mol*K)", "J/(mol*K)", "1", "energy per amount and temperature"),
    ("C/mol", "C/mol", "1", "charge per amount"),
    ("", "", "1", "dimensionless"),
    # spellings of micro and ohm
    ("µF/cm²", "uF/cm^2", "0.01", "specific capacitance"),
    ("μV", "uV", "1e-6", "voltage"),
    ("kΩ", "kOhm", "1e3", "resistance"),
    ("MΩ", "MOhm", "1e6", "resistance"),
    ("kohm", "kOhm", "1e3", "resistance"),
    ("Ohm", "Ohm", "1", "resistance"),
    # case matters and real units are graded as themselves
    ("MV", "MV", "1e6", "voltage"),
    ("mS", "mS", "0.001", "conductance"),
    ("Ms", "Ms", "1e6", "time"),
    ("mm", "mm", "0.001", "length"),
    ("MM", "MM", "1e9", "concentration"),
    ("Pa", "Pa", "1", "pressure"),
    # molar spellings
    ("mol/L", "mol/L", "1000", "concentration"),
    ("mol/l", "mol/L", "1000", "concentration"),
    ("mmol/L", "mmol/L", "1", "concentration"),
    ("mmol L-1", "mmol*L^-1", "1", "concentration"),
    ("mol/m^3", "mol/m^3", "1", "concentration"),
    # operators
    ("F/cm/cm", "F/cm/cm", "1e4", "specific capacitance"),
    ("J / (mol K)", "J/(mol*K)", "1", "energy per amount and temperature"),
    ("J/(mol·K)", "J/(mol*K)", "1", "energy per amount and temperature"),
    ("cm**-2", "cm^-2", "1e4", "number per area"),
    ("cm2", "cm^2", "1e-4", "area"),
    ("C/m2", "C/m^2", "1", "surface charge density"),
    ("s⁻¹", "s^-1", "1", "frequency (rate)"),
    ("cm ^ 2", "cm^2", "1e-4", "area"),
    ("((mV))", "((mV))", "0.001", "voltage"),
    ("1/(ms)", "1/(ms)", "1000", "frequency (rate)"),
    # long names and aliases
    ("millivolts", "mV", "0.001", "voltage"),
    ("volts", "V", "1", "voltage"),
    ("msec", "ms", "0.001", "time"),
    ("microamps", "uA", "1e-6", "current"),
    ("megaohms", "MOhm", "1e6", "resistance"),
    # ohm in the plural, after a symbol prefix too, and the elided kilohm/megohm/gigohm
    ("ohms", "Ohm", "1", "resistance"),
    ("Ohms", "Ohm", "1", "resistance"),
    ("kOhms", "kOhm", "1e3", "resistance"),
    ("kohms", "kOhm", "1e3", "resistance"),
    ("MOhms", "MOhm", "1e6", "resistance"),
    ("GOhms", "GOhm", "1e9", "resistance"),
    ("kilohm", "kOhm", "1e3", "resistance"),
    ("kilohms", "kOhm", "1e3", "resistance"),
    ("megohm", "MOhm", "1e6", "resistance"),
    ("megohms", "MOhm", "1e6", "resistance"),
    ("gigohms", "GOhm", "1e9", "resistance"),
    ("kOhms/cm", "kOhm/cm", "1e5", "m*kg*s^-3*A^-2"),
    # a space multiplies: these are valid units of the wrong dimension
    ("m V", "m*V", "1", "m^3*kg*s^-3*A^-1"),
    ("mV mV", "mV*mV", "1e-6", "m^4*kg^2*s^-6*A^-2"),
]


@pytest.mark.parametrize(("text", "canonical", "factor", "dimension"), PARSE_TABLE,
                         ids=[f"{row[0]!r}" for row in PARSE_TABLE])
def test_parse_table(text: str, canonical: str, factor: str, dimension: str) -> None:
    unit = parse_unit(text)
    assert unit.canonical == canonical
    assert unit.factor == Decimal(factor)
    assert unit.dimension == dimension
    assert parse_unit(unit.canonical) == unit  # the canonical spelling parses to the same unit


# (text, exact problem text, column)
ERROR_TABLE = [
    ("mv", "'mv' is not a unit; did you mean 'mV'?", 1),
    ("Mol/L", "'Mol' is not a unit; did you mean 'mol'?", 1),
    ("Kg", "'Kg' is not a unit; did you mean 'kg'?", 1),
    ("mEq/L", "'mEq' is not a unit", 1),
    ("mVolt", "'mVolt' is not a unit; did you mean 'mV'?", 1),
    ("pAmps", "'pAmps' is not a unit; did you mean 'pA'?", 1),
    ("kminute", "'kminute' is not a unit", 1),
    ("µ", "'µ' is a prefix, not a unit; attach it to a unit symbol, e.g. 'µV'", 1),
    ("µ V", "'µ' is a prefix, not a unit; attach it to a unit symbol, e.g. 'µV'", 1),
    ("u A", "'u' is a prefix, not a unit; attach it to a unit symbol, e.g. 'uV'", 1),
    ("°C", "offset temperatures such as °C are not supported; give the temperature in K", 1),
    ("degC", "offset temperatures such as °C are not supported; give the temperature in K", 1),
    ("mV!", "'!' is not allowed in a unit", 3),
    ("mV;", "';' is not allowed in a unit", 3),
    ("mV\n", "'\\n' is not allowed in a unit", 3),
    ("mV $", "'$' is not allowed in a unit", 4),
    ("(((mV)))", "parentheses are nested more than 2 deep", 3),
    ("(mV", "unbalanced parentheses", 4),
    ("mV)", "unbalanced parentheses", 3),
    ("cm^5", "power 5 is out of range; use a power from -4 to 4", 3),
    ("cm-5", "power -5 is out of range; use a power from -4 to 4", 3),
    ("m^123456789", "power 123456789 is out of range; use a power from -4 to 4", 2),
    ("cm^0", "a power of 0 is not allowed", 3),
    ("mV^2^2", "only one power per factor; use parentheses", 5),
    ("2 mV", "the number '2' cannot be part of a unit", 1),
    ("mV 3", "the number '3' cannot be part of a unit", 4),
    ("1", "a number cannot be part of a unit (only the 1 of '1/s')", 1),
    ("/mV", "a unit symbol is expected before '/'", 1),
    ("mV/", "a unit symbol is missing at the end", 4),
    ("^2", "the power '^2' has nothing to raise", 1),
    ("mV**", "a unit symbol is expected before '*'", 4),
    ("x" * 201, "a unit is at most 200 characters long", None),
]


@pytest.mark.parametrize(("text", "problem", "column"), ERROR_TABLE, ids=[f"{row[0][:12]!r}" for row in ERROR_TABLE])
def test_error_table(text: str, problem: str, column: int | None) -> None:
    # GIVEN a malformed unit WHEN parsed without raising THEN the format error says why and where
    result = try_parse_unit(text)
    assert isinstance(result, UnitFormatError)
    assert (result.problem, result.column) == (problem, column)
    # AND the raising variant raises the same problem as a UnitError (a ValueError and ours)
    with pytest.raises(UnitError) as info:
        parse_unit(text)
    assert info.value.problem == problem
    assert isinstance(info.value, ValueError) and isinstance(info.value, ProblemgenError)


CURRENT = (0, 0, 0, 1, 0, 0)
PRESSURE = (-1, 1, -2, 0, 0, 0)


@pytest.mark.parametrize(
    ("text", "prefer", "problem"),
    [
        pytest.param("pa", None, "'pa' is not a unit; did you mean 'Pa'?", id="no-preference"),
        pytest.param("pa", CURRENT, "'pa' is not a unit; did you mean 'pA'?", id="current-box"),
        pytest.param("PA", CURRENT, "'PA' is not a unit; did you mean 'pA'?", id="current-box-caps"),
        pytest.param("pa", PRESSURE, "'pa' is not a unit; did you mean 'Pa'?", id="pressure-box"),
        pytest.param("pa", VOLT, "'pa' is not a unit; did you mean 'Pa'?", id="no-candidate-of-that-dimension"),
        pytest.param("mv", VOLT, "'mv' is not a unit; did you mean 'mV'?", id="voltage-box"),
        pytest.param("pAa", CURRENT, "'pAa' is not a unit; did you mean 'pA'?", id="close-match-of-that-dimension"),
        pytest.param("mEq", CURRENT, "'mEq' is not a unit", id="nothing-close"),
    ],
)
def test_suggestion_prefers_the_expected_dimension(text: str, prefer: tuple[int, ...] | None, problem: str) -> None:
    result = try_parse_unit(text, prefer)
    assert isinstance(result, UnitFormatError)
    assert result.problem == problem


def test_preference_never_changes_a_valid_unit() -> None:
    assert try_parse_unit("Pa", CURRENT) == try_parse_unit("Pa")
    assert try_parse_unit("Pa", CURRENT).dimension == "pressure"  # type: ignore[union-attr]


def test_unit_error_message_names_input_and_column() -> None:
    with pytest.raises(UnitError) as info:
        parse_unit("mv")
    assert str(info.value) == "unit 'mv', column 1: 'mv' is not a unit; did you mean 'mV'?"


def test_errors_pickle() -> None:
    error = DimensionError("mV", "mM", "voltage", "concentration")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
    unit_error = UnitError("mv", "bad", 1)
    assert str(pickle.loads(pickle.dumps(unit_error))) == str(unit_error)


def test_dimensionless_and_blank() -> None:
    assert parse_unit("") is DIMENSIONLESS
    assert parse_unit("   ") is DIMENSIONLESS
    assert parse_unit("mV/V").dimensionless
    assert DIMENSIONLESS.display("latex") == ""


def test_parse_is_cached() -> None:
    assert try_parse_unit("uF/cm^2") is try_parse_unit("uF/cm^2")


def test_unit_is_frozen() -> None:
    unit = parse_unit("mV")
    with pytest.raises(AttributeError):
        unit.factor = Decimal(1)  # type: ignore[misc]
    assert isinstance(unit, Unit) and unit.dims == VOLT


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        pytest.param(-64.1, "mV", "V", -0.0641, id="mV-to-V-shortest-repr"),
        pytest.param(1.1, "nA", "pA", 1100.0, id="nA-to-pA"),
        pytest.param(2750, "pA", "nA", 2.75, id="int-input"),
        pytest.param(1.0, "M", "mM", 1000.0, id="molar"),
        pytest.param(1.0, "uF/cm^2", "F/m^2", 0.01, id="specific-capacitance"),
        pytest.param(1.0, "mS/cm^2", "S/m^2", 10.0, id="conductance-density"),
        pytest.param(1.0, "pA/pF", "mV/ms", 1.0, id="pA-per-pF-is-mV-per-ms"),
        pytest.param(1.0, "1/s", "Hz", 1.0, id="rate"),
        pytest.param(1.0, "F/cm/cm", "uF/cm^2", 1e6, id="left-to-right-division"),
    ],
)
def test_convert(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-15)


def test_convert_decimal_is_exact() -> None:
    assert convert(Decimal("2750"), "pA", "nA") == Decimal("2.750")


def test_convert_arrays() -> None:
    np.testing.assert_allclose(convert(np.array([1.0, -2.0]), "V", "mV"), [1000.0, -2000.0])
    np.testing.assert_allclose(to_si(np.array([5.0]), "uM"), [0.005])


def test_to_and_from_si() -> None:
    assert to_si(5.0, "mM") == 5.0
    assert to_si(1.0, parse_unit("nS")) == 1e-9
    assert from_si(-0.0641, "mV") == -64.1


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        pytest.param("mV", "mM", "cannot convert mV (voltage) to mM (concentration)", id="voltage-concentration"),
        pytest.param("pA", "", "cannot convert pA (current) to (dimensionless) (dimensionless)", id="to-dimensionless"),
        pytest.param("m V", "mV", "cannot convert m*V (m^3*kg*s^-3*A^-1) to mV (voltage)", id="unnamed-dimension"),
    ],
)
def test_convert_dimension_mismatch_names_both(source: str, target: str, message: str) -> None:
    with pytest.raises(DimensionError) as info:
        convert(1.0, source, target)
    assert str(info.value) == message


def test_dimension_name_falls_back_to_base_units() -> None:
    assert dimension_name(VOLT) == "voltage"
    assert dimension_name((0, 0, 2, 0, 0, 0)) == "s^2"


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        pytest.param("uF/cm^2", "plain", "uF/cm^2", id="plain"),
        pytest.param("uF/cm^2", "unicode", "µF/cm²", id="unicode"),
        pytest.param("uF/cm^2", "latex", r"\mu\mathrm{F}/\mathrm{cm}^{2}", id="latex"),
        pytest.param("uF/cm^2", "html", "µF/cm<sup>2</sup>", id="html"),
        pytest.param("MOhm", "unicode", "MΩ", id="ohm-unicode"),
        pytest.param("MOhm", "latex", r"\mathrm{M}\Omega", id="ohm-latex"),
        pytest.param("s^-1", "unicode", "s⁻¹", id="negative-power-unicode"),
        pytest.param("s^-1", "html", "s<sup>−1</sup>", id="negative-power-html"),
        pytest.param("J/(mol*K)", "unicode", "J/(mol·K)", id="product-unicode"),
        pytest.param("J/(mol*K)", "latex", r"\mathrm{J}/\left(\mathrm{mol}\cdot \mathrm{K}\right)", id="product-latex"),
        pytest.param("mV", "latex", r"\mathrm{mV}", id="one-mathrm-group"),
        pytest.param("", "unicode", "", id="dimensionless"),
    ],
)
def test_unit_display(text: str, style: str, expected: str) -> None:
    assert unit_display(text, style) == expected


def test_unit_display_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match=r"^unknown unit style 'rtf'; use one of: plain, unicode, latex, html$"):
        unit_display("mV", "rtf")


@given(st.text(max_size=300))
def test_try_parse_unit_never_raises(text: str) -> None:
    assert isinstance(try_parse_unit(text), (Unit, UnitFormatError))
