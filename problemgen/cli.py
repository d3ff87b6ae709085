"""The command line: the only module that imports click.

Each command parses its options, calls exactly one library function and prints a summary.
Heavy libraries (numpy, sympy, jinja2) are imported inside commands so ``--help`` starts fast.
"""

from __future__ import annotations

import click

from problemgen import __version__


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
