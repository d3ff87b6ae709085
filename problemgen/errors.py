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
        if not self.key:
            where = f"In {self.path}"
        elif self.key.startswith("row "):  # rosters are located by spreadsheet row
            where = f"In {self.path}, {self.key}"
        else:
            where = f"In {self.path}, key {self.key}"
        return f"{where}: {self.problem}"


class SchemaVersionError(BankError):
    """A file written for another ``schema_version`` than this problemgen reads."""


class SamplingError(ProblemgenError):
    """A template cannot supply the variants asked for (constraints or uniqueness)."""


class UnitError(ProblemgenError, ValueError):
    """A unit string that does not parse, or a conversion between different dimensions.

    ``problem`` is a self-contained sentence (it never repeats the whole input), so the grader can
    show it to a student after escaping; ``str()`` adds the input and, when known, the column:
    ``unit 'mv', column 1: 'mv' is not a unit; did you mean 'mV'?``.
    """

    def __init__(self, text: str, problem: str, column: int | None = None) -> None:
        self.text = text
        self.problem = problem
        self.column = column
        super().__init__(text, problem, column)

    def __str__(self) -> str:
        where = f"unit {self.text!r}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


class DimensionError(UnitError):
    """A conversion between units of different dimensions, naming both.

    ``cannot convert mV (voltage) to mM (concentration)``.
    """

    def __init__(self, from_unit: str, to_unit: str, from_dimension: str, to_dimension: str) -> None:
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.from_dimension = from_dimension
        self.to_dimension = to_dimension
        problem = f"cannot convert {from_unit or '(dimensionless)'} ({from_dimension}) to {to_unit or '(dimensionless)'} ({to_dimension})"
        super().__init__(from_unit, problem)
        self.args = (from_unit, to_unit, from_dimension, to_dimension)

    def __str__(self) -> str:
        return self.problem


class GradingSpecError(ProblemgenError, ValueError):
    """An ``expected`` answer specification the grader cannot use (a bank or manifest bug).

    Student text never raises; this is about the *key*: ``expected['rtol']: must be >= 0.0,
    got -1``.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(key, problem)

    def __str__(self) -> str:
        return f"expected[{self.key!r}]: {self.problem}"


class ConfigError(BankError):
    """An exam config or roster that cannot be used, located by file and key or row."""


class BuildError(ProblemgenError):
    """An exam build that cannot proceed (output exists, a browser failed, ...)."""
