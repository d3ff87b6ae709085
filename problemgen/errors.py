"""One error family for problemgen.

Every error names *where* (a file, key path, line or argument) first and *how to fix* last, so a
bank author or an instructor can act on it without reading a traceback. The CLI maps
:class:`ProblemgenError` to exit status 1.
"""

from __future__ import annotations


class ProblemgenError(Exception):
    """Base class of every error problemgen raises on purpose."""

    exit_code = 1


class PhysicsInputError(ProblemgenError, ValueError):
    """A physics function received an argument it cannot work with.

    The message names the function, the argument and the offending value, e.g.
    ``nernst: c_in must be > 0 (mol/m^3), got -1.0``.
    """

    def __init__(self, function: str, argument: str, problem: str, value: object) -> None:
        self.function = function
        self.argument = argument
        self.problem = problem
        self.value = value
        super().__init__(function, argument, problem, value)

    def __str__(self) -> str:
        return f"{self.function}: {self.argument} {self.problem}, got {self.value!r}"


class UnknownNameError(ProblemgenError, KeyError):
    """A name (ion, cell type, model, misconception) is not in its registry."""

    def __init__(self, kind: str, name: object, known: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(kind, name, known)

    def __str__(self) -> str:
        return f"unknown {self.kind} {self.name!r}; use one of: {', '.join(self.known)}"


class BankError(ProblemgenError):
    """A bank or template file that cannot be used, located by file and key path.

    ``In banks/driving-force/nernst.toml, key parts.E.unit: 'mv' is not a unit; use e.g. mV``.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        super().__init__(path, key, problem)

    def __str__(self) -> str:
        where = f"In {self.path}" + (f", key {self.key}" if self.key else "")
        return f"{where}: {self.problem}"


class SchemaVersionError(BankError):
    """A file written for another ``schema_version`` than this problemgen reads."""


class SamplingError(ProblemgenError):
    """A template cannot supply the variants asked for (constraints or uniqueness)."""
