"""The command line: the only module that imports click.

Each command parses its options, calls exactly one library function and prints a summary.
Heavy libraries (numpy, sympy, jinja2) are imported inside commands so ``--help`` starts fast.
Errors of the :class:`~problemgen.errors.ProblemgenError` family exit with status 1 and a
located message; usage errors exit with 2 (click's convention).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
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
    solutions and graders.
    """


@main.command()
def constants() -> None:
    """Print the physical constants the physics core uses (CODATA 2018)."""
    from problemgen import physics

    for name in ("e", "k_B", "N_A", "R", "F", "eps0"):
        click.echo(f"{name:5} = {getattr(physics, name)!r}")


@main.command()
@click.option("--coverage", is_flag=True, help="Show how many templates teach each section of the domain text.")
@_reports_errors
def banks(coverage: bool) -> None:
    """List the built-in banks and their templates (topic, section, difficulty)."""
    from problemgen.catalog import bank_listing

    click.echo(bank_listing(coverage=coverage))


@main.command()
@click.argument("template")
@click.option("--student", help="Show the variant this student id would get (in an exam called 'preview').")
@click.option("--seed", type=int, help="Show the variant for this seed number (default 0).")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html"]), default="text", show_default=True)
@_reports_errors
def preview(template: str, student: str | None, seed: int | None, fmt: str) -> None:
    """Show one variant of TEMPLATE (an id or a .toml file): statement, key and worked solution."""
    from problemgen.preview import preview as render

    if student is not None and seed is not None:
        raise click.UsageError("give --student or --seed, not both")
    click.echo(render(template, seed=seed, student=student, fmt=fmt))


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
