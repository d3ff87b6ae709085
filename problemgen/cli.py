"""The command line: the only module that imports click.

Each command parses its options, calls exactly one library function and prints a summary.
Heavy libraries (numpy, sympy, jinja2) are imported inside commands so ``--help`` starts fast.
Errors of the :class:`~problemgen.errors.ProblemgenError` family exit with status 1 and a
located message; usage errors exit with 2 (click's convention).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from functools import wraps
from typing import Any, TypeVar

import click

from problemgen import __version__

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(command: F) -> F:
    """Turn our errors into ``Error: <message>`` on stderr and exit status 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from problemgen.errors import ProblemgenError

        try:
            return command(*args, **kwargs)
        except ProblemgenError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)

    return run  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="problemgen")
def main() -> None:
    """Unique, auto-graded problem sets on the electrochemical driving force.

    Banks of randomized templates become one problem set per student, with keys, worked
    solutions and graders. Writing templates of your own: problemgen banks --guide.
    """


@main.command()
def constants() -> None:
    """Print the physical constants the physics core uses (CODATA 2018)."""
    from problemgen import physics

    for name, unit, meaning in CONSTANT_UNITS:
        click.echo(f"{name:5} = {getattr(physics, name)!r} {unit}  ({meaning})")


#: The constants ``problemgen constants`` prints: name, SI unit and what it is.
CONSTANT_UNITS = (("e", "C", "elementary charge"), ("k_B", "J/K", "Boltzmann constant"),
                  ("N_A", "1/mol", "Avogadro constant"), ("R", "J/(mol·K)", "gas constant"),
                  ("F", "C/mol", "Faraday constant"), ("eps0", "F/m", "vacuum permittivity"))


@main.command()
@click.option("--coverage", is_flag=True, help="Show how many templates teach each section of the domain text.")
@click.option("--guide", is_flag=True, help="Print the guide to writing templates and banks of your own.")
@click.option("--bank", "folders", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A bank folder of your own to list too, first (repeatable).")
@_reports_errors
def banks(coverage: bool, guide: bool, folders: tuple[str, ...]) -> None:
    """List the built-in banks and their templates (topic, section, difficulty)."""
    if guide and coverage:
        raise click.UsageError("give --guide (the authors' guide) or --coverage (what the banks teach), not both")
    if guide:
        from problemgen.bank import builtin_banks_dir

        click.echo((builtin_banks_dir() / "README.md").read_text(encoding="utf-8"))
        return
    from problemgen.catalog import bank_listing

    click.echo(bank_listing(coverage=coverage, folders=folders))


@main.command()
@click.argument("template")
@click.option("--student", help="Show the variant this id would get in a made-up exam called 'preview' (not the one "
                                "a student got in your exam: that is in BUILD/keys/<id>/).")
@click.option("--seed", type=int, help="Show the variant for this seed number (default 0).")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html"]), default="text", show_default=True,
              help="text and md print the Markdown (with LaTeX) as a key shows it; html prints a page with MathML.")
@click.option("--bank", "banks", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A bank folder of your own to find TEMPLATE's id in (repeatable).")
@_reports_errors
def preview(template: str, student: str | None, seed: int | None, fmt: str, banks: tuple[str, ...]) -> None:
    """Show one variant of TEMPLATE (an id or a .toml file): statement, key and worked solution.

    Errors that make the template's keys wrong are printed first, on stderr.
    """
    from problemgen.bank import find_template
    from problemgen.preview import preview as render
    from problemgen.validate import static_findings

    if student is not None and seed is not None:
        raise click.UsageError("give --student or --seed, not both")
    for finding in static_findings(find_template(template, banks)):
        click.echo(f"{finding} (generate refuses this template until it is fixed)", err=True)
    if student is not None:
        click.echo(f"Note: this is {student}'s variant in a made-up exam called 'preview', not in yours: each exam draws "
                   "its own; a student's own key is keys/<id>/key.md (or key.html) of your exam's build", err=True)
    click.echo(render(template, seed=seed, student=student, fmt=fmt, banks=banks))


@main.command()
@click.argument("exam", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Roster CSV (id,name[,email], or a Canvas/Moodle gradebook export). Default: the demo roster "
                   "of 30 made-up students (with a note when the exam is yours).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder. Default: ./problemgen-demo for the demo, else the config file's name without "
                   ".toml (exam.toml -> ./exam).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["html", "md", "pdf", "tex"]),
              help="Formats to write (repeatable). Default: the config's formats.")
@click.option("--no-key-pdfs", "no_key_pdfs", is_flag=True,
              help="With PDF, print the sheets only (keys stay in HTML and Markdown); printing keys takes most of "
                   "the time. Default: the config's key_pdfs.")
@click.option("--force", is_flag=True, help="Replace an existing build in the output folder.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_reports_errors
def generate(exam: Path | None, roster: Path | None, out: Path | None, formats: tuple[str, ...], no_key_pdfs: bool,
             force: bool, quiet: bool) -> None:
    """Build an exam: one sheet, answer form and key per student, a master key and a manifest.

    With no EXAM it builds the built-in demo (8 problems, 30 students) into ./problemgen-demo.
    """
    from problemgen.build import build_exam

    with _progress_bar("Building", quiet) as progress:
        summary = build_exam(exam, roster, out, tuple(formats) or None, force, progress,
                             key_pdfs=False if no_key_pdfs else None)
    click.echo(f"Built {_count(summary.students, 'student')} × {_count(summary.problems, 'problem')}: "
               f"{_count(summary.files, 'file')} in {summary.seconds:.1f} s")
    click.echo(f"  sheets and answer forms: {summary.out / 'students'}/<id>/  (hand out only these; the rest holds "
               "answers, see README.txt)")
    click.echo(f"  keys and master key:     {summary.out / 'keys'}/")
    click.echo(f"  manifest (for grading):  {summary.out / 'manifest.json'}")
    if (summary.out / "print" / "all-sheets.pdf").exists():
        click.echo(f"  all sheets to print:     {summary.out / 'print' / 'all-sheets.pdf'}")
    click.echo(f"  secret ({'created' if summary.secret_created else 'reused'}; keep it private): {summary.secret_file}")
    for line in summary.lms:
        click.echo(f"  LMS question pools:      {summary.out / line}")
    for line in summary.capacity:
        click.echo(f"  {line}")
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    if summary.pdf_note:
        click.echo(f"Note: {summary.pdf_note}", err=True)


def _count(n: int, noun: str) -> str:
    """``1 student``, ``30 students``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@contextlib.contextmanager
def _progress_bar(label: str, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr (none with --quiet or when
    stderr is not a terminal)."""
    show = not quiet and sys.stderr.isatty()
    with click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True) if show else _NoBar() as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield progress


class _NoBar:
    """Stands in for a progress bar when output is not a terminal or --quiet is given."""

    length = 0
    pos = 0

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int) -> None:
        self.pos += steps


def _build_folder(context: click.Context, parameter: click.Parameter, value: Path) -> Path:
    """EXAM_DIR, put back first if a build killed while moving it into place left it aside."""
    from problemgen.atomic import restore_interrupted

    if restore_interrupted(value):
        click.echo(f"note: {value} was put back from where an interrupted build had moved it", err=True)
    if not value.is_dir():
        raise click.BadParameter(f"Directory {str(value)!r} does not exist." if not value.exists()
                                 else f"{str(value)!r} is a file, not a build folder.")
    return value


@main.command()
@click.argument("exam_dir", type=click.Path(file_okay=False, path_type=Path), callback=_build_folder)
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Results folder. Default: EXAM_DIR/grades.")
@click.option("--force", is_flag=True, help="Replace earlier results in the results folder.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_reports_errors
def grade(exam_dir: Path, submissions: Path, out: Path | None, force: bool, quiet: bool) -> None:
    """Grade SUBMISSIONS (a CSV, a folder of answers.txt forms, or JSON) against the build in EXAM_DIR."""
    from problemgen.results import grade_exam

    with _progress_bar("Grading", quiet) as progress:
        summary = grade_exam(exam_dir, submissions, out, force, progress=progress)
    counts = ", ".join(f"{n} {verdict}" for verdict, n in summary.verdicts.items()) or "no answers"
    students = f"{summary.graded} student{'' if summary.graded == 1 else 's'}"
    click.echo(f"Graded {students} ({summary.missing} without a submission) in {summary.seconds:.1f} s: "
               f"mean {summary.mean_points:.2f} of {summary.max_points:g} points; answers: {counts}")
    click.echo(f"  grades:   {summary.out / 'grades.csv'}")
    click.echo(f"  feedback: {summary.out / 'feedback'}/<id>/feedback.html")
    click.echo(f"  LMS:      {summary.out / 'canvas-gradebook.csv'}, {summary.out / 'moodle-grades.csv'}")
    click.echo(f"  report:   {summary.out / 'report.html'}")
    if summary.notices:
        click.echo(f"{len(summary.notices)} notices (also in {summary.out / 'summary.txt'}):", err=True)
        _echo_first(summary.notices, 20)


@main.command()
@click.argument("exam_dir", type=click.Path(file_okay=False, path_type=Path), callback=_build_folder)
@click.option("--to", "target", type=click.Choice(["moodle", "canvas"]), required=True,
              help="moodle: Moodle XML question bank; canvas: Canvas QTI 1.2 zip.")
@click.option("--pool", type=click.IntRange(1), help="At most this many variants per slot (default: every distinct one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write. Default: EXAM_DIR/lms/moodle.xml or EXAM_DIR/lms/canvas-qti.zip.")
@click.option("--force", is_flag=True, help="Replace an existing file (--out, or the default one an earlier export or "
                                            "the build wrote).")
@_reports_errors
def export(exam_dir: Path, target: str, pool: int | None, out: Path | None, force: bool) -> None:
    """Export the build in EXAM_DIR as question pools for Moodle or Canvas (one pool per slot)."""
    from problemgen.export.lms import export_lms

    summary = export_lms(exam_dir, target, pool, out, force)
    click.echo(f"Wrote {summary.path}: {summary.variants} variants in {len(summary.items)} slots "
               f"({sum(summary.items.values())} questions)")
    if summary.limitations:
        click.echo(f"{len(summary.grouped)} things the format cannot express as problemgen grades them "
                   f"(all listed in {summary.notes}):", err=True)
        _echo_first(summary.grouped, 12)


@main.command("init-exam")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="exam.toml")
@_reports_errors
def init_exam(path: Path) -> None:
    """Write a commented example exam config to PATH (default exam.toml) to start from."""
    from problemgen.exam import write_example

    if write_example(path):
        click.echo(f"Created the folder {path.parent}")
    click.echo(f"Wrote {path}; edit it, then run: problemgen generate {path} --roster roster.csv")
    click.echo("  roster.csv: your class, as columns id,name[,email] (e.g. 's001,Ada Lovelace,ada@uni.edu'),")
    click.echo("  or the gradebook CSV exported from Canvas or Moodle; see the templates with: problemgen banks")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Variants drawn per template.")
@_reports_errors
def validate(paths: tuple[str, ...], samples: int) -> None:
    """Check banks or template files (default: the built-in banks) over many samples."""
    from problemgen.catalog import validation_summary

    text, ok = validation_summary(paths, samples)
    click.echo(text)
    if not ok:
        sys.exit(1)


def _echo_first(items: Sequence[object], limit: int) -> None:
    """The first ``limit`` items on stderr, one per line, then how many more there are."""
    for item in items[:limit]:
        click.echo(f"  {item}", err=True)
    if len(items) > limit:
        click.echo(f"  ... and {len(items) - limit} more", err=True)
