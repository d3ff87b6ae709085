"""Word options: the other spellings that choose them (the vocabulary's and a template's own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from problemgen.choice_words import aliases
from problemgen.errors import BankError
from problemgen.grading import check_answer

FLUX = ["into the cell", "out of the cell", "no net movement"]
IONS = ["K⁺", "Na⁺", "Cl⁻", "Ca²⁺"]
EFFECT = ["depolarizes it", "hyperpolarizes it", "leaves it unchanged"]
CURRENT = ["inward", "outward", "no current", "zero"]  # two options that "none" could both name


def grade(options: list[str], answer: str, typed: str) -> str:
    expected = {"kind": "choice", "answer": answer, "options": options, "aliases": aliases(options)}
    return check_answer(typed, expected)["verdict"]


@pytest.mark.parametrize(("options", "answer", "typed", "verdict"), [
    (FLUX, "out of the cell", "out", "correct"),
    (FLUX, "out of the cell", "Efflux", "correct"),
    (FLUX, "out of the cell", "outwards.", "correct"),
    (FLUX, "out of the cell", "in", "incorrect"),
    (FLUX, "no net movement", "none", "correct"),
    (FLUX, "out of the cell", "outside", "invalid"),          # not in the vocabulary: no fuzzy matching
    (IONS, "Na⁺", "sodium", "correct"),
    (IONS, "Na⁺", "Na", "correct"),
    (IONS, "Na⁺", "Na^+", "correct"),
    (IONS, "Ca²⁺", "Ca++", "correct"),
    (IONS, "Na⁺", "chloride", "incorrect"),
    (EFFECT, "depolarizes it", "depolarises", "correct"),    # British spelling of an alias
    (EFFECT, "leaves it unchanged", "no change", "correct"),
    (EFFECT, "depolarizes it", "it hyperpolarizes", "incorrect"),
    (CURRENT, "no current", "none", "invalid"),              # names two options: no alias at all
    (CURRENT, "inward", "inwards", "correct"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_the_vocabulary_names_an_option_only_where_it_is_unambiguous(options: list[str], answer: str, typed: str,
                                                                       verdict: str) -> None:
    assert grade(options, answer, typed) == verdict


TEMPLATE = '''schema_version = 1
id = "tiny"
title = "Tiny"
topic = "nernst"
section = "equilibrium-potential"
difficulty = 1
statement = "K+ is {{ c_out }} outside and {{ c_in }} inside at 37 °C."
solution = "So."

[params]
c_out = { range = [3, 5], step = 1, unit = "mM" }
c_in = { range = [120, 150], step = 10, unit = "mM" }

[[parts]]
name = "d"
kind = "choice"
prompt = "Which way does K+ go?"
value = "flux_direction(1, -70 mV, nernst(c_out, c_in, 1, kelvin(37)))"
options = ["leaks in", "leaks out", "stays"]
option_labels = { influx = "leaks in", efflux = "leaks out", none = "stays" }
'''


@pytest.mark.parametrize(("table", "message"), [
    ('aliases = { "leaks  out" = ["out"] }',
     "key parts.d.aliases.leaks  out: is not among the options ('leaks in', 'leaks out', 'stays'); name an option as "
     "written"),
    ('aliases = { "leaks out" = ["Leaks In"] }',
     "key parts.d.aliases.leaks out: 'Leaks In' also names the option 'leaks in'; an alias must name one option only"),
    ('aliases = { "leaks out" = "out" }', "key parts.d.aliases.leaks out: must be a list of words, got 'out'"),
    ('aliases = { "leaks out" = ["$out$"] }',
     "key parts.d.aliases.leaks out: '$out$' is plain text (answer forms, spreadsheets and LMS exports show it as "
     "typed), so $...$ would print raw; write it in words or Unicode (E_K, Δψ, µA/cm²), and keep math for the "
     "statement and prompts"),
], ids=["not-an-option", "names-another", "not-a-list", "math"])
def test_a_templates_aliases_are_checked_when_it_loads(tmp_path: Path, table: str, message: str) -> None:
    from problemgen.bank import load_template

    path = tmp_path / "tiny.toml"
    path.write_text(TEMPLATE + table + "\n", encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_template(path)
    assert str(caught.value) == f"In {path}, {message}"


def test_a_templates_aliases_choose_its_option(tmp_path: Path) -> None:
    from problemgen.bank import load_template
    from problemgen.engine import generate_from_seeds
    from problemgen.sheets import expected

    path = tmp_path / "tiny.toml"
    path.write_text(TEMPLATE + 'aliases = { "leaks out" = ["out", "efflux"], "stays" = ["no net movement"] }\n',
                    encoding="utf-8")
    template = load_template(path)
    (variant,) = generate_from_seeds(template, [bytes(32)], [None])
    spec = expected(template, template.parts[0], variant.answers[0])
    assert spec["aliases"] == {"leaks out": ["out", "efflux"], "stays": ["no net movement"]}
    assert check_answer("efflux", spec)["verdict"] == "correct"  # K+ leaks out at -70 mV
