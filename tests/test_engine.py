"""The generation engine: seeds, determinism, uniqueness, capacity, displayed values."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import numpy as np
import pytest

import problemgen.physics as p
from problemgen.bank import find_template, load_template
from problemgen.engine import capacity, generate
from problemgen.errors import SamplingError
from problemgen.model import VariantKey
from problemgen.problem import render_problem
from problemgen.sampling import variant_seed

SECRET = b"instructor secret"


def keys(n: int, exam: str = "midterm", slot: str = "1") -> list[VariantKey]:
    return [VariantKey(exam, f"s{i:04d}", slot) for i in range(n)]


def test_variant_seed_is_hmac_sha256_of_the_ids() -> None:
    # GIVEN the DESIGN.md contract, WHEN a seed is derived, THEN it is HMAC-SHA256 over the joined ids.
    key = VariantKey("midterm", "alice", "3")
    expected = hmac.new(SECRET, b"problemgen/v1\x1fmidterm\x1falice\x1f3", hashlib.sha256).digest()
    assert variant_seed(SECRET, key) == expected


def test_same_inputs_give_identical_variants_and_renderings() -> None:
    template = find_template("nernst-cation")
    first = generate(template, keys(20), SECRET)
    second = generate(template, keys(20), SECRET)
    assert first == second
    assert [render_problem(template, v) for v in first] == [render_problem(template, v) for v in second]


def test_another_secret_gives_other_variants() -> None:
    template = find_template("nernst-cation")
    ours = [v.givens for v in generate(template, keys(20), SECRET)]
    theirs = [v.givens for v in generate(template, keys(20), b"a guess")]
    assert sum(a == b for a, b in zip(ours, theirs)) < 5


def test_a_student_keeps_their_variant_when_the_roster_grows_unless_a_newcomer_drew_it() -> None:
    template = find_template("nernst-cation")
    small = generate(template, keys(10), SECRET)
    large = generate(template, keys(200), SECRET)
    from problemgen.solve import round_figures

    figures = {p.name: p.sigfigs or 3 for p in template.parts}

    def key(variant) -> tuple:  # the answers as the key shows them
        return tuple(float(round_figures(a.display, figures[a.part])) if a.kind == "numeric" else a.display
                     for a in variant.answers)

    newcomers = [v.givens for v in large[10:]] + [key(v) for v in large[10:]]
    moved = [before for before, after in zip(small, large[:10]) if before.givens != after.givens]
    # Each of the first ten keeps the draw of their own seed, unless a newcomer whose seed sorts
    # first drew the same givens, or givens with the same key: then the newcomer has them.
    assert all(v.givens in newcomers or key(v) in newcomers for v in moved)
    assert len(moved) <= 3


def test_no_two_of_a_thousand_students_share_givens() -> None:
    template = find_template("nernst-cation")
    variants = generate(template, keys(1000), SECRET)
    assert len({tuple(sorted(v.givens.items())) for v in variants}) == 1000


def test_answers_are_computed_from_the_displayed_values() -> None:
    template = find_template("nernst-cation")
    for variant in generate(template, keys(50), SECRET):
        g = variant.givens
        expected = p.nernst(g["c_out"], g["c_in"], p.ion(g["ion"]).z, p.kelvin(g["temp_C"]))
        (answer,) = [a for a in variant.answers if a.part == "E"]
        assert answer.value == pytest.approx(expected, rel=1e-14, abs=0)
        assert answer.display == pytest.approx(expected * 1000, rel=1e-14, abs=0)
        # The sheet shows exactly these numbers (one decimal: the preset's step is 0.5 mM).
        statement = render_problem(template, variant).statement
        assert f"{g['c_out']:.1f} mM outside and {g['c_in']:.1f} mM inside" in statement


def test_misconception_values_are_kept_only_outside_the_tolerance() -> None:
    template = find_template("nernst-cation")
    for variant in generate(template, keys(100), SECRET):
        answer = next(a for a in variant.answers if a.part == "E")
        assert "inverted_ratio" in answer.misconceptions
        assert answer.misconceptions["inverted_ratio"] == pytest.approx(-answer.display, rel=1e-12)
        for wrong in answer.misconceptions.values():
            assert abs(wrong - answer.display) > 0.01 * abs(answer.display)


SMALL = '''schema_version = 1
id = "small"
title = "Small"
topic = "t"
section = "s"
difficulty = 1
statement = "{{ a }} and {{ b }}"
solution = "."
constraints = ["a != b"]

[params]
a = { range = [1, 4], step = 1, unit = "mM" }
b = { choice = [1, 2, 3], unit = "mM" }

[[parts]]
name = "x"
value = "a + b"
unit = "mM"
'''


def test_capacity_counts_the_combinations_that_satisfy_the_constraints(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    supply = capacity(load_template(path))
    assert (supply.combinations, supply.accepted) == (12, 9)


def test_a_template_too_small_for_the_roster_says_how_many_it_can_supply(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    template = load_template(path)
    assert len({tuple(v.givens.items()) for v in generate(template, keys(9), SECRET)}) == 9
    with pytest.raises(SamplingError) as caught:
        generate(template, keys(10), SECRET)
    assert str(caught.value) == (
        f"template 'small' ({path}) can supply only 9 distinct variants (12 combinations of its givens, 9 satisfy "
        "its constraints; the condition that rejects most is 'a != b'), but 10 are needed; widen a range, refine a "
        "step or add choices")


@pytest.mark.parametrize("template_id", ["nernst-temperature", "decade-rule", "nernst-chloride"])
def test_a_class_as_large_as_a_templates_capacity_gets_every_variant_once(template_id: str) -> None:
    # Random draws alone cannot find the last unused variants (about 1 in 1,000 per try); the
    # enumerated grid hands them out, each by the student's own seed.
    from problemgen.bank import builtin_banks

    template = next(b.templates[template_id] for b in builtin_banks().values() if template_id in b.templates)
    supply = capacity(template).accepted
    assert supply is not None and supply > 1000
    variants = generate(template, keys(supply), SECRET)
    assert len({tuple(sorted(v.givens.items())) for v in variants}) == supply
    assert [v.givens for v in generate(template, keys(supply), SECRET)] == [v.givens for v in variants]
    assert [v.givens for v in variants[:50]] != [v.givens for v in generate(template, keys(supply), b"other" * 8)[:50]]


def test_range_grids_hold_exactly_the_displayed_values(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("range = [1, 4], step = 1", "range = [0.1, 0.3], step = 0.1"), encoding="utf-8")
    values = {v.givens["a"] for v in generate(load_template(path), keys(9), SECRET)}
    assert values == {0.1, 0.2, 0.3}
    assert all(np.float64(v).item() == v for v in values)


def test_answers_that_are_never_finite_name_the_template_and_the_givens(tmp_path: Path) -> None:
    # GIVEN an answer that divides by zero for every draw, WHEN variants are generated,
    # THEN the error names the template, the failing answer and an example of the givens.
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace('value = "a + b"', 'value = "a / (b - b)"').replace('constraints = ["a != b"]',
                                                                                      "constraints = []"),
                    encoding="utf-8")
    with pytest.raises(SamplingError) as caught:
        generate(load_template(path), keys(2), SECRET, max_tries=3, unique=False)
    message = str(caught.value)
    assert message.startswith(f"template 'small' ({path}): 2 of 2 variants found no acceptable givens in 3 tries; "
                              "the condition that fails most is 'answer x' (for example with a = ")
    assert message.endswith("; add a constraint that excludes these givens")


def _numeric_choice_parts() -> list[tuple[str, str]]:
    from problemgen.bank import builtin_banks

    return sorted((t.id, part.name) for bank in builtin_banks().values() for t in bank.templates.values()
                  for part in t.parts if part.kind == "choice" and part.distractors)


@pytest.mark.parametrize(("template_id", "part_name"), _numeric_choice_parts())
def test_numeric_options_read_like_the_sheet_and_grade_however_they_are_typed(template_id: str, part_name: str) -> None:
    from problemgen.batch import _attach_feedback_texts
    from problemgen.grading import check_answer
    from problemgen.numbers import format_sig
    from problemgen.render import unit_text
    from problemgen.sheets import GradingPolicy, expected, misconception_texts

    template = find_template(template_id)
    part = next(p for p in template.parts if p.name == part_name)
    for variant in generate(template, keys(20), SECRET):
        answer = next(a for a in variant.answers if a.part == part_name)
        full = expected(template, part, answer, GradingPolicy(misconception_credit=0.25))
        # GIVEN options as the sheet prints numbers: U+2212 minus, the display unit, one notation
        assert all("-" not in option and option.endswith(unit_text(part.unit)) for option in full["options"])
        assert len({"× 10" in option for option in full["options"]}) == 1, full["options"]
        # THEN every option, and its value typed plainly (more figures, with or without the unit
        # as typed), grades as that option
        for option, value in full["values"].items():
            plain = format_sig(value, (part.sigfigs or 3) + 1)
            for typed in (option, plain, f"{plain} {part.unit}".strip(), option.replace("\u2212", "-")):
                result = check_answer(typed, full)
                assert result["verdict"] == ("correct" if option == full["answer"] else "incorrect"), typed
        # AND a distractor a misconception gave is named, with the exam's partial credit
        for name, option in full.get("misconceptions", {}).items():
            assert option != full["answer"]
            assert (check_answer(option, full)["misconception"], check_answer(option, full)["score"]) == (name, 0.25)
        # AND the manifest's copy (texts in the shared table) is the full dict again once loaded
        stored = {"problems": [{"template": template.id, "parts": [
            {"name": part.name, "expected": expected(template, part, answer, GradingPolicy(misconception_credit=0.25),
                                                     texts=False)}]}]}
        _attach_feedback_texts(stored, misconception_texts([template]))
        loaded = stored["problems"][0]["parts"][0]["expected"]
        texts, loaded_texts = full.pop("misconception_feedback", {}), loaded.pop("misconception_feedback", {})
        assert loaded == full
        assert texts.items() <= loaded_texts.items()  # the shared table holds every text of the part


@pytest.mark.parametrize(("sigfigs", "rtol"), [(2, 0.01), (1, 0.01), (3, 0.001)],
                         ids=["two-figures", "one-figure", "tight-tolerance"])
@pytest.mark.parametrize(("template_id", "part_name"), _numeric_choice_parts())
def test_an_option_typed_as_printed_without_its_unit_chooses_it_under_any_exam_override(
        template_id: str, part_name: str, sigfigs: int, rtol: float) -> None:
    import dataclasses

    from problemgen.grading import check_answer
    from problemgen.render import unit_text
    from problemgen.sheets import expected

    # GIVEN an exam that prints the options coarser, or grades tighter, than the template does
    base = find_template(template_id)
    template = dataclasses.replace(base, parts=tuple(
        dataclasses.replace(p, sigfigs=sigfigs, rtol=rtol) if p.name == part_name else p for p in base.parts))
    part = next(p for p in template.parts if p.name == part_name)
    shown = unit_text(part.unit)
    for variant in generate(template, keys(40), SECRET):
        answer = next(a for a in variant.answers if a.part == part_name)
        full = expected(template, part, answer)
        # THEN each option's printed number alone chooses that option
        for option in full["options"]:
            typed = option.removesuffix(f" {shown}") if shown else option
            result = check_answer(typed.replace("\u2212", "-"), full)
            assert result["verdict"] == ("correct" if option == full["answer"] else "incorrect"), (typed, full)


def test_a_template_of_one_variant_says_so_in_the_singular() -> None:
    from problemgen.engine import Capacity, _too_small

    from problemgen.bank import builtin_banks

    template = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == "nernst-cation")
    message = _too_small(template, Capacity(1, 1, ""), 4)
    assert "can supply only 1 distinct variant (1 combination of its givens, 1 satisfies" in message and "but 4 are needed" in message


OWN_CALL = """schema_version = 1
id = "own-call"
title = "Own call"
topic = "nernst"
section = "equilibrium-potential"
difficulty = 1
statement = "K+ is {{ c_out }} outside and {{ c_in }} inside; Na+ is {{ n_out }} outside and {{ n_in }} inside."
solution = "."

[params]
c_out = { range = [3, 5], step = 1, unit = "mM" }
c_in = { range = [120, 150], step = 10, unit = "mM" }
n_out = { range = [130, 150], step = 10, unit = "mM" }
n_in = { range = [10, 15], step = 5, unit = "mM" }

[[parts]]
name = "E"
value = "nernst(c_out, c_in, 1, kelvin(37))"
unit = "mV"
misconceptions = ["inverted_ratio"]

[[parts]]
name = "DF"
value = "driving_force(E, nernst(n_out, n_in, 1, kelvin(37)))"
unit = "mV"
misconceptions = ["inverted_ratio"]

[[parts]]
name = "twice"
value = "2 * E"
unit = "mV"
misconceptions = ["inverted_ratio"]
"""


def test_a_mistake_is_made_in_the_parts_own_call_else_carried_from_an_earlier_part(tmp_path: Path) -> None:
    # GIVEN a part that uses an earlier part (E) and calls nernst itself, and one that only uses E
    import hashlib

    import problemgen.physics as p
    from problemgen.bank import load_template
    from problemgen.engine import generate_from_seeds

    path = tmp_path / "own.toml"
    path.write_text(OWN_CALL, encoding="utf-8")
    template = load_template(path)
    seeds = [hashlib.sha256(f"own/{i}".encode()).digest() for i in range(10)]
    for variant in generate_from_seeds(template, seeds, [None] * 10, unique=False):
        g = variant.givens
        T = p.kelvin(37)
        E = p.nernst(g["c_out"], g["c_in"], 1, T) * 1e3
        E_Na = p.nernst(g["n_out"], g["n_in"], 1, T) * 1e3
        answers = {a.part: a for a in variant.answers}
        # THEN DF's inverted ratio inverts only its own nernst (E stays right) ...
        assert answers["DF"].misconceptions["inverted_ratio"] == pytest.approx(E + E_Na, rel=1e-9)
        # ... and a part calling nothing carries the mistake from the part before
        assert answers["twice"].misconceptions["inverted_ratio"] == pytest.approx(-2 * E, rel=1e-9)


def test_a_mistake_carried_from_two_earlier_parts_is_made_in_both() -> None:
    # GIVEN the pump-contribution part V_MN − V_GHK, which calls nothing itself and uses a GHK part
    # and a Mullins–Noda part that both have an inverted-ratio model
    import hashlib

    from problemgen.bank import builtin_banks
    from problemgen.engine import generate_from_seeds

    template = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == "handson-ghk-pump")
    seeds = [hashlib.sha256(f"pump/{i}".encode()).digest() for i in range(20)]
    for variant in generate_from_seeds(template, seeds, [None] * 20, unique=False):
        answers = {a.part: a for a in variant.answers}
        # THEN a student inverting the ratio inverts it in both equations: −(V_MN − V_GHK)
        assert answers["dV_MN"].misconceptions["inverted_ratio"] == pytest.approx(-answers["dV_MN"].display, rel=1e-9)


# Parts computed from earlier parts, and how a student computes them from the numbers the key shows.
FROM_SHOWN_PARTS = [
    ("current-density-squid", "J_net", lambda a, g: a["J_Na"] + a["J_K"]),
    ("ap-upstroke-currents", "dVdt", lambda a, g: -(a["I_Na"] + a["I_K"]) / 1.0),  # C_m = 1 µF/cm²
    ("synapse-shunting-inhibition", "reduction", lambda a, g: 100 * (a["V_E"] - a["V_EI"]) / (a["V_E"] - g["V_rest"])),
    ("handson-ghk-pump", "dV_MN", lambda a, g: a["V_MN"] - a["V_GHK"]),
    ("failing-pump", "loss", lambda a, g: 100 * (a["DF_before"] - a["DF_after"]) / a["DF_before"]),
]


@pytest.mark.parametrize(("template_id", "part_name", "from_shown"), FROM_SHOWN_PARTS,
                         ids=[row[0] for row in FROM_SHOWN_PARTS])
def test_an_answer_from_the_earlier_parts_as_shown_is_accepted(template_id: str, part_name: str, from_shown) -> None:
    # GIVEN 400 variants of a template whose part is a small difference of earlier parts in some
    import hashlib

    from problemgen.bank import builtin_banks
    from problemgen.engine import generate_from_seeds
    from problemgen.grading import check_answer
    from problemgen.numbers import format_sig
    from problemgen.sheets import expected

    template = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == template_id)
    parts = {p.name: p for p in template.parts}
    seeds = [hashlib.sha256(f"shown/{i}".encode()).digest() for i in range(400)]
    widened = 0
    for variant in generate_from_seeds(template, seeds, [None] * 400, unique=False):
        answers = {a.part: a for a in variant.answers}
        numbers = {name: a.display if a.kind == "numeric" else a.number for name, a in answers.items()}
        shown = {name: float(format_sig(value, parts[name].sigfigs or 3)) for name, value in numbers.items()
                 if isinstance(value, float)}
        # WHEN a student computes the part from the earlier parts as the key shows them
        typed = f"{from_shown(shown, variant.givens):.4g} {parts[part_name].unit}".strip()
        result = check_answer(typed, expected(template, parts[part_name], answers[part_name]))
        # THEN it is graded correct (where it lies outside the plain tolerance, by the allowance)
        assert result["verdict"] == "correct", (variant.givens, typed, answers[part_name].display)
        widened += answers[part_name].allowance > 0
    assert widened < 40  # the allowance is the exception, not the rule


@pytest.mark.parametrize(("figures_graded", "refused"), [(True, 0), (False, None)], ids=["allowance", "without"])
def test_figures_graded_accept_an_answer_from_the_earlier_part_as_shown(figures_graded: bool,
                                                                         refused: int | None) -> None:
    # GIVEN an exam that grades 2 significant figures of driving-force-anion: (a) E_Cl, (b) Vm − E_Cl
    import hashlib

    from problemgen.bank import builtin_banks
    from problemgen.engine import generate_batch
    from problemgen.exam import Problem, apply_overrides
    from problemgen.grading import check_answer
    from problemgen.numbers import format_sig
    from problemgen.sheets import GradingPolicy, expected

    builtin = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == "driving-force-anion")
    template = apply_overrides(builtin, Problem(1, (builtin.id,), 1, 1.0, sigfigs=2))
    parts = {p.name: p for p in template.parts}
    seeds = [hashlib.sha256(f"figures/{i}".encode()).digest() for i in range(300)]
    batch = generate_batch(template, seeds, [None] * 300, unique=False, figures_graded=figures_graded)
    wrong = 0
    for variant in (batch.variant(i) for i in range(300)):
        answers = {a.part: a for a in variant.answers}
        # WHEN a student writes E_Cl to 2 figures, as asked, and subtracts it from Vm
        e_shown = float(format_sig(answers["E"].display, 2))
        typed = f"{format_sig(variant.givens['Vm'] - e_shown, 2)} mV"
        result = check_answer(typed, expected(template, parts["DF"], answers["DF"], GradingPolicy(sigfigs=2)))
        wrong += result["verdict"] != "correct"
    # THEN it is graded correct; without the allowance beyond the figure window, many are refused
    assert wrong == refused if refused is not None else wrong > 30, wrong


@pytest.mark.parametrize("students", [30, 60, 72])
def test_a_students_variant_does_not_depend_on_the_roster_order(tmp_path: Path, students: int) -> None:
    # GIVEN a template of 72 combinations and a class drawing many of them (collisions certain)
    import hashlib

    from problemgen.bank import load_template
    from problemgen.engine import generate_from_seeds

    path = tmp_path / "own.toml"
    path.write_text(OWN_CALL, encoding="utf-8")
    template = load_template(path)
    seeds = [hashlib.sha256(f"order/{i}".encode()).digest() for i in range(students)]

    def givens(order: list[bytes]) -> dict[bytes, dict]:
        return {seed: v.givens for seed, v in zip(order, generate_from_seeds(template, order, [None] * len(order)))}

    # WHEN the roster is built in order, reversed, and with its first student left out
    forward = givens(seeds)
    # THEN every student keeps their givens in any order ...
    assert givens(seeds[::-1]) == forward
    # ... and removing one student moves at most the few who lost a collision to them
    fewer = givens(seeds[1:])
    moved = [seed for seed in seeds[1:] if fewer[seed] != forward[seed]]
    assert len(moved) <= 1 + students // 10, len(moved)


@pytest.mark.parametrize("template_id", ["nernst-cation", "nernst-chloride", "driving-force-cation"])
def test_students_get_distinct_keys_while_the_template_has_them(template_id: str) -> None:
    # GIVEN a template whose answers depend on a ratio of givens (many givens, fewer keys)
    from problemgen.engine import generate_batch, shown_keys

    template = find_template(template_id)
    seeds = [hashlib.sha256(f"keys/{i}".encode()).digest() for i in range(300)]
    # WHEN 300 students draw it
    batch = generate_batch(template, seeds, [None] * 300)
    # THEN no two share the key as shown (copying a classmate's answers does not pay)
    shown = shown_keys(template, batch.solver, batch.env, 300)
    assert len({row.tobytes() for row in shown}) == 300


def test_no_inverted_nernst_potential_lands_on_the_plotted_reversal_potential() -> None:
    # GIVEN 300 variants of iv-plot-reversal (read E_rev off a plot, then name the ion)
    import hashlib

    from problemgen.bank import builtin_banks
    from problemgen.engine import generate_from_seeds

    template = next(t for b in builtin_banks().values() for t in b.templates.values() if t.id == "iv-plot-reversal")
    seeds = [hashlib.sha256(f"iv/{i}".encode()).digest() for i in range(300)]
    for variant in generate_from_seeds(template, seeds, [None] * 300, unique=False):
        answers = {a.part: float(a.display) for a in variant.answers if a.kind == "numeric"}
        # THEN a student who flips the sign of a Nernst potential (inverted ratio, anion sign) never
        # finds it within 8 mV of the reversal potential, which would point them to the wrong ion
        assert all(abs(answers["E_rev"] + answers[name]) > 8 for name in ("E_K", "E_Na", "E_Cl")), variant.givens
