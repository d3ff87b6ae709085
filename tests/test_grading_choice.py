"""Choice answers: light normalisation, exact match with options and aliases, never fuzzy (rules §8)."""

from __future__ import annotations

from typing import Any

import pytest

from problemgen.errors import GradingSpecError
from problemgen.grading import check_answer
from problemgen.grading import feedback as fb
from problemgen.grading.choice import fold

FLUX: dict[str, Any] = {
    "kind": "choice", "answer": "influx", "options": ["influx", "efflux"],
    "aliases": {"influx": ["inward flux", "in-flux"], "efflux": ["outward flux"]},
}
NOT_AN_OPTION = "'{text}' is not one of the options; answer with exactly one of: influx, efflux."

CHOICES = [
    ("influx", "correct"), ("Influx", "correct"), ("INFLUX", "correct"), ("  influx  ", "correct"),
    ("influx.", "correct"), ("ｉｎｆｌｕｘ", "correct"), ("inward flux", "correct"), ("Inward  Flux.", "correct"),
    ("in-flux", "correct"),
    ("efflux", "incorrect"), ("Outward flux", "incorrect"),
    ("influx or efflux", "invalid"), ("not influx", "invalid"), ("influx!", "invalid"), ("influx..", "invalid"),
    ("in flux", "invalid"), ("influxx", "invalid"), ("flux", "invalid"), ("inward", "invalid"),
    ("the influx", "invalid"), ("ınflux", "invalid"), ("іnflux", "invalid"), ("in\u200bflux", "invalid"),
    ("influx\n", "invalid"), ("", "invalid"), ("influx" * 40, "invalid"),
    # one pair of brackets or quotes around the whole answer (the form shows options in parentheses)
    ("(influx)", "correct"), ("(influx).", "correct"), ('"Influx"', "correct"), ("[efflux]", "incorrect"),
    ("((influx))", "invalid"), ("(influx", "invalid"), ("(influx | efflux)", "invalid"),
]


POLARIZE: dict[str, Any] = {
    "kind": "choice", "answer": "depolarizes it", "options": ["depolarizes it", "hyperpolarizes it", "no change"],
    "aliases": {},
}


@pytest.mark.parametrize(("text", "verdict"), [
    ("depolarises it", "correct"), ("Depolarises it.", "correct"), ("depolarizes it", "correct"),
    ("hyperpolarises it", "incorrect"), ("depolarise it", "invalid"), ("depolarisez it", "invalid"),
], ids=["british", "british-capital", "american", "british-other-option", "other-form", "not-a-spelling"])
def test_british_ise_spellings_choose_the_ize_option(text: str, verdict: str) -> None:
    assert check_answer(text, POLARIZE)["verdict"] == verdict


@pytest.mark.parametrize(("text", "verdict"), CHOICES, ids=[repr(row[0])[:30] for row in CHOICES])
def test_choice_table(text: str, verdict: str) -> None:
    result = check_answer(text, FLUX)
    assert result["verdict"] == verdict
    assert result["score"] == (1.0 if verdict == "correct" else 0.0)
    assert result["value"] is None


@pytest.mark.parametrize(
    ("text", "feedback"),
    [
        pytest.param("influx", fb.CORRECT, id="correct"),
        pytest.param("efflux", fb.INCORRECT_CHOICE, id="incorrect"),
        pytest.param("influx or efflux", NOT_AN_OPTION.format(text="influx or efflux"), id="hedge"),
        pytest.param("<i>influx</i>", NOT_AN_OPTION.format(text="&lt;i&gt;influx&lt;/i&gt;"), id="escaped"),
        pytest.param("", fb.INVALID_EMPTY, id="empty"),
        pytest.param("x" * 201, "Your answer is longer than 200 characters; enter a single option.", id="too-long"),
    ],
)
def test_choice_feedback(text: str, feedback: str) -> None:
    assert check_answer(text, FLUX)["feedback"] == feedback


def test_direction_words_and_misconception_options() -> None:
    expected = {"kind": "choice", "answer": "inward", "options": ["inward", "outward", "none"],
                "misconceptions": {"reversed_driving_force": "outward"}, "misconception_credit": 0.25,
                "misconception_feedback": {"reversed_driving_force": "you took E − Vm as the driving force"}}
    assert check_answer("Inward.", expected)["verdict"] == "correct"
    assert check_answer("outward", expected) == {
        "verdict": "incorrect", "score": 0.25, "misconception": "reversed_driving_force", "value": None,
        "feedback": "Your answer matches a known mistake: you took E − Vm as the driving force."}
    assert check_answer("none", expected)["misconception"] is None


def test_numeric_options() -> None:
    expected = {"kind": "choice", "answer": "-64 mV", "options": ["-64 mV", "+64 mV", "-28 mV"]}
    assert check_answer("-64 mV", expected)["verdict"] == "correct"
    assert check_answer("-64  MV", expected)["verdict"] == "correct"  # case-folded: choice boxes are words
    assert check_answer("+64 mV", expected)["verdict"] == "incorrect"
    assert check_answer("-64", expected)["verdict"] == "invalid"


NUMERIC_OPTIONS = {"kind": "choice", "answer": "−90.1 mV", "options": ["−90.1 mV", "90.1 mV", "−9.01 mV"],
                   "aliases": {}, "values": {"−90.1 mV": -90.1, "90.1 mV": 90.1, "−9.01 mV": -9.01}, "unit": "mV",
                   "rtol": 0.01, "atol": 0.0, "misconceptions": {"log10_without_factor": "−9.01 mV"},
                   "misconception_credit": 0.5, "misconception_feedback": {"log10_without_factor": "you used log10"}}


@pytest.mark.parametrize(
    ("submitted", "verdict", "misconception"),
    [("−90.1 mV", "correct", None), ("-90.10", "correct", None), ("-90 mV", "correct", None),
     ("-0.0901 V", "correct", None), ("-90100 uV", "correct", None), ("-9.01e0 mV", "incorrect", "log10_without_factor"),
     ("90.1", "incorrect", None), ("-85 mV", "invalid", None), ("-90.1 pA", "invalid", None),
     ("-90.1 mV + 1", "invalid", None), ("", "invalid", None)],
    ids=["as-shown", "more-figures-no-unit", "fewer-figures", "volts", "microvolts", "misconception-option",
         "other-option", "no-option-within-tolerance", "other-dimension", "arithmetic", "blank"],
)
def test_numeric_options_are_also_chosen_by_value(submitted: str, verdict: str, misconception: str | None) -> None:
    result = check_answer(submitted, NUMERIC_OPTIONS)
    assert (result["verdict"], result["misconception"]) == (verdict, misconception)


@pytest.mark.parametrize(("submitted", "verdict"), [("-90.3", "correct"), ("-90.8", "incorrect"),
                                                    ("-90.55", "invalid")],
                         ids=["nearer-the-answer", "nearer-the-other", "halfway"])
def test_a_value_within_two_options_chooses_the_nearer(submitted: str, verdict: str) -> None:
    close = {**NUMERIC_OPTIONS, "values": {"−90.1 mV": -90.1, "90.1 mV": 90.1, "−9.01 mV": -91.0}, "rtol": 0.02}
    assert check_answer(submitted, close)["verdict"] == verdict


@pytest.mark.parametrize(("submitted", "verdict"), [("-20", "correct"), ("-20. mV", "correct"), ("-0.020 V", "correct"),
                                                    ("-19.6", "correct"), ("-21", "invalid")])
def test_a_value_as_the_option_prints_it_chooses_it_whatever_the_tolerance(submitted: str, verdict: str) -> None:
    # the option −20. mV stands for −19.64 mV printed to 2 figures; the tolerance alone (0.1 %) would refuse −20
    rounded = {"kind": "choice", "answer": "−20. mV", "options": ["−20. mV", "20. mV"], "aliases": {},
               "values": {"−20. mV": -19.64, "20. mV": 19.64}, "unit": "mV", "rtol": 0.001, "atol": 0.0, "figures": 2}
    assert check_answer(submitted, rounded)["verdict"] == verdict


@pytest.mark.parametrize(("submitted", "verdict"), [("-90.1 mV", "correct"), ("-90.1 MV", "invalid"),
                                                    ("-90.1 mv", "invalid")],
                         ids=["as-shown", "megavolts", "lower-case-unit"])
def test_numeric_options_keep_the_case_of_units(submitted: str, verdict: str) -> None:
    assert check_answer(submitted, NUMERIC_OPTIONS)["verdict"] == verdict


def test_numeric_options_keep_their_aliases() -> None:
    named = {**NUMERIC_OPTIONS, "aliases": {"−90.1 mV": ["resting level"]}}
    assert check_answer("resting level", named)["verdict"] == "correct"
    assert check_answer("Resting level", named)["verdict"] == "invalid"  # case kept, as for units


def test_values_must_belong_to_the_options() -> None:
    with pytest.raises(GradingSpecError) as info:
        check_answer("-90.1", {**NUMERIC_OPTIONS, "values": {"−91 mV": -91.0}})
    assert str(info.value) == "expected['values']: must map options to their numbers in the expected unit"


def test_fold() -> None:
    assert fold("  Inward\u00a0 Flux. ") == "inward flux"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"answer": "diffusion"}, "expected['answer']: must be one of the options ['influx', 'efflux'], got 'diffusion'", id="answer"),
        pytest.param({"options": []}, "expected['options']: must be a non-empty list of strings, got []", id="options"),
        pytest.param({"aliases": {"influx": ["efflux"]}}, "expected['aliases.efflux']: 'efflux' also spells option 'influx'", id="clash"),
        pytest.param({"aliases": {"influx": "inward"}}, "expected['aliases.influx']: must be a list of strings", id="alias-string"),
        pytest.param({"aliases": {"diffusion": ["d"]}}, "expected['aliases']: 'diffusion' is not one of the options", id="alias-option"),
        pytest.param({"answer": "prise", "options": ["prise", "prize"], "aliases": {}},
                     "expected['aliases.prize']: 'prize' also spells option 'prise'", id="options-equal-but-for-ise"),
    ],
)
def test_bad_choice_spec(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(GradingSpecError) as info:
        check_answer("influx", {**FLUX, **changes})
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("submitted", "verdict"),
    [("Cl-", "correct"), ("Cl⁻", "correct"), ("Cl\u2212", "correct"), ("cl-", "correct"), ("K+", "incorrect"),
     ("Cl", "invalid")],
    ids=["ascii-hyphen", "superscript", "minus-sign", "case", "other-ion", "no-charge"],
)
def test_ion_options_match_however_the_charge_is_typed(submitted: str, verdict: str) -> None:
    expected = {"kind": "choice", "answer": "Cl⁻", "options": ["K⁺", "Na⁺", "Cl⁻"], "aliases": {}}
    assert check_answer(submitted, expected)["verdict"] == verdict
