"""The command line: exit codes and messages (the library is tested elsewhere)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from problemgen.cli import main


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--help"], 0, "Unique, auto-graded problem sets"),
        (["banks"], 0, "nernst-cation"),
        (["banks", "--coverage"], 0, "equilibrium-potential"),
        (["banks", "--guide"], 0, "[[parts]]"),
        (["preview", "nernst-cation", "--seed", "2"], 0, "## Worked solution"),
        (["preview", "nernst-cation", "--student", "alice", "--format", "html"], 0, "<math"),
        (["preview", "no-such-template"], 1,
         "Error: In banks: no template 'no-such-template'; see `problemgen banks` for the ids (a template of your own "
         "bank: give its .toml file, or --bank FOLDER)"),
        (["preview", "nernst-kation"], 1,
         "Error: In banks: no template 'nernst-kation'; did you mean 'nernst-cation' or 'nernst-inverse' or "
         "'nernst-calcium'?"),
        (["preview", "nernst-cation", "--seed", "1", "--student", "a"], 2, "give --student or --seed, not both"),
        (["preview", "nernst-cation", "--student", "alice"], 0,
         "Note: this is alice's variant in a made-up exam called 'preview', not in yours: each exam draws its own; a "
         "student's own key is keys/<id>/key.md (or key.html) of your exam's build"),
        (["validate", "--samples", "0"], 2, "0 is not in the range 1<=x<=100000"),
        (["constants"], 0, "\nF     = 96485.33212331001 C/mol  (Faraday constant)\n"),
        (["banks", "--bank", str(Path(__file__).parent / "data" / "small-exam" / "bank")], 0,
         "test-bank — A frozen bank for the build tests (3 templates)\n"),
    ],
    ids=["help", "banks", "coverage", "guide", "preview", "preview-html", "unknown-template", "near-miss-template",
         "seed-and-student", "student-is-not-an-exams", "bad-samples", "constants-with-units",
         "own-bank-listed"],
)
def test_commands(args: list[str], code: int, text: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    assert text in result.output


def test_validate_fails_on_a_broken_template(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("schema_version = 1\nid = 'x'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "FAIL broken " in result.output
    assert f"error: In {path}, key params: missing; add a [params] table" in result.output


def test_preview_finds_ids_of_own_banks_and_warns_about_wrong_keys(tmp_path: Path) -> None:
    bank = tmp_path / "mine"
    shutil.copytree(Path(__file__).parent / "data" / "small-exam" / "bank", bank)
    template = bank / "test-nernst.toml"
    result = CliRunner().invoke(main, ["preview", "test-nernst", "--bank", str(bank)])
    assert result.exit_code == 0 and "## Worked solution" in result.output, result.output
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace('unit = "mV"\n', 'unit = "mM"\n', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["preview", "test-nernst", "--bank", str(bank)])
    assert result.exit_code == 0 and "## Worked solution" in result.stdout
    assert result.stdout.startswith("# ")  # the warning goes to stderr
    assert result.stderr == (f"error: In {template}, key parts.E.unit: the answer is a voltage but the unit 'mM' is a "
                             "concentration; use a unit of voltage (generate refuses this template until it is fixed)\n")


def test_preview_prefers_an_own_banks_template_to_the_built_in_one_of_that_id(tmp_path: Path) -> None:
    from problemgen.bank import builtin_banks_dir

    bank = tmp_path / "mine"
    bank.mkdir()
    (bank / "bank.toml").write_text('schema_version = 1\nid = "mine"\ntitle = "Mine"\n', encoding="utf-8")
    text = (builtin_banks_dir() / "driving-force" / "nernst-cation.toml").read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title = "))
    (bank / "nernst-cation.toml").write_text(text.replace(title, 'title = "My own Nernst"'), encoding="utf-8")
    assert "# My own Nernst" in CliRunner().invoke(main, ["preview", "nernst-cation", "--bank", str(bank)]).output
    assert "# My own Nernst" not in CliRunner().invoke(main, ["preview", "nernst-cation"]).output


def test_help_does_not_import_the_heavy_libraries() -> None:
    # `problemgen --help` must start fast: numpy, sympy and jinja2 load only inside commands.
    code = "import sys; from problemgen.cli import main; sys.argv=['problemgen','--help']\n" \
           "try:\n    main()\nexcept SystemExit:\n    pass\n" \
           "print(sorted(m for m in ('numpy', 'sympy', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_generate_grade_and_export_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an empty working folder, WHEN the demo is built, graded and exported, THEN each
    # command exits 0 and says where its files are; a second build without --force exits 1.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    built = runner.invoke(main, ["generate", "--format", "md", "--quiet"])
    assert built.exit_code == 0, built.output
    assert "Built 30 students × 8 problems" in built.output
    again = runner.invoke(main, ["generate", "--format", "md"])
    assert again.exit_code == 1 and "already exists; use --force" in again.output
    forms = tmp_path / "problemgen-demo" / "students"
    blank = runner.invoke(main, ["grade", "problemgen-demo", str(forms), "--quiet"])
    assert blank.exit_code == 1 and "hold no answer at all (is it the right file?" in blank.output
    form = sorted(forms.glob("*/answers.txt"))[0]
    lines = form.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    lines[first] += " -64.1 mV"
    form.write_text("\n".join(lines) + "\n", encoding="utf-8")
    graded = runner.invoke(main, ["grade", "problemgen-demo", str(forms), "--quiet"])
    assert graded.exit_code == 0, graded.output
    assert "Graded 30 students (0 without a submission)" in graded.output
    exported = runner.invoke(main, ["export", "problemgen-demo", "--to", "moodle", "--pool", "3"])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "problemgen-demo" / "lms" / "moodle.xml").is_file()


def test_banks_refuses_guide_and_coverage_together() -> None:
    result = CliRunner().invoke(main, ["banks", "--guide", "--coverage"])
    assert result.exit_code == 2
    assert "give --guide (the authors' guide) or --coverage (what the banks teach), not both" in result.output


WROTE = ("Wrote {path}; edit it, then run: problemgen generate {path} --roster roster.csv\n"
         "  roster.csv: your class, as columns id,name[,email] (e.g. 's001,Ada Lovelace,ada@uni.edu'),\n"
         "  or the gradebook CSV exported from Canvas or Moodle; see the templates with: problemgen banks\n")


# GIVEN a working folder with a file `exam.toml` and a file `notes`, WHEN init-exam writes to a
# path, THEN missing folders are created (and named), and what cannot be written is one line.
@pytest.mark.parametrize(("path", "code", "output"), [
    ("new.toml", 0, WROTE),
    ("sub/dir/new.toml", 0, "Created the folder sub/dir\n" + WROTE),
    ("exam.toml", 1, "Error: exam.toml already exists; choose another file name\n"),
    ("notes/new.toml", 1, "Error: cannot write notes/new.toml: notes is a file, not a folder; choose another place\n"),
], ids=["here", "missing-folders", "existing-file", "file-in-the-way"])
def test_init_exam_creates_missing_folders_and_never_shows_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, code: int, output: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exam.toml").write_text("mine", encoding="utf-8")
    (tmp_path / "notes").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init-exam", path])
    assert (result.exit_code, result.output) == (code, output.format(path=path))
    if code == 0:  # the example it wrote is a config that builds
        from problemgen.build import all_templates
        from problemgen.exam import load_exam

        assert load_exam(tmp_path / path, all_templates()).id == "neuro101-midterm-2026"
    assert (tmp_path / "exam.toml").read_text(encoding="utf-8") == "mine"


# GIVEN the config init-exam writes, WHEN it is built as its header says (no --out), THEN the
# build is in the folder the header names: the file's name without .toml, where the command ran.
@pytest.mark.parametrize(("path", "folder"), [("exam.toml", "exam"), ("sub/midterm.toml", "midterm")],
                         ids=["default-name", "elsewhere"])
def test_init_exams_header_says_where_the_build_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str,
                                                      folder: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init-exam", path]).exit_code == 0
    header = (tmp_path / path).read_text(encoding="utf-8").split("\nschema_version")[0]
    assert header == ("# A problemgen exam. Build it with:  problemgen generate <this file> --roster roster.csv\n"
                      "# The build goes to a folder named like this file without .toml, in the folder you run that\n"
                      "# command from (exam.toml -> ./exam/), unless you give --out FOLDER.")
    result = CliRunner().invoke(main, ["generate", path, "--format", "md", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / folder / "manifest.json").is_file()
