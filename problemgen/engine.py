"""Generation engine: from a template and variant keys to solved variants.

Stage order (NB: constraints may read answers, so they are checked after solving, and
uniqueness only among variants that satisfy every constraint):

1. draw every random given from its grid with the variant's seeded words;
2. solve derived parameters and answers for the whole batch at once;
3. reject variants that break a constraint or repeat another student's givens, and redraw
   only those with the next attempt's words;
4. compute misconception values and choice options for the accepted batch.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from problemgen.errors import SamplingError
from problemgen.model import Answer, Part, Template, Variant, VariantKey
from problemgen.sampling import Grid, draw, enumerate_grid, param_grid, random_params, random_words, variant_seed
from problemgen import expr
from problemgen.functions import FUNCTIONS
from problemgen.solve import TemplateSolver, distinct_from, worked_call

MAX_TRIES = 200
ENUMERATION_LIMIT = 200_000
FALLBACK_DISTRACTORS = (("sign_error", -1.0), ("factor_of_10", 10.0), ("factor_of_0.1", 0.1))


@functools.lru_cache(maxsize=256)
def prepared(template: Template) -> tuple[TemplateSolver, dict[str, Grid]]:
    """The template's solver and grids, built once per template."""
    return TemplateSolver(template), {p.name: param_grid(template, p) for p in random_params(template)}


@dataclass(frozen=True)
class Capacity:
    """How many distinct variants a template can supply."""

    combinations: int | None
    """Size of the parameter grid (``None``: larger than the enumeration limit)."""
    accepted: int | None
    """Combinations that satisfy every constraint and give finite answers (``None``: unknown)."""
    worst: str = ""
    """The constraint (or ``answer <part>``) that rejects the most combinations."""


@functools.lru_cache(maxsize=256)
def capacity(template: Template) -> Capacity:
    """Count the distinct variants exactly when the grid is small enough to enumerate (cached)."""
    solver, grids = prepared(template)
    everything = enumerate_grid(template, grids, ENUMERATION_LIMIT)
    if everything is None:
        return Capacity(None, None)
    if everything.indices.shape[0] == 0:
        return Capacity(0, 0)
    solved = solver.solve(everything.values, everything.indices.shape[0])
    counts = {source: int(np.count_nonzero(failed)) for source, failed in solved.failures.items()}
    worst = max(counts, key=counts.get) if any(counts.values()) else ""
    return Capacity(everything.indices.shape[0], int(np.count_nonzero(solved.accepted)), worst)


def generate(template: Template, keys: Sequence[VariantKey], secret: bytes, *, unique: bool = True,
             max_tries: int = MAX_TRIES) -> list[Variant]:
    """Solved variants of ``template``, one per key, reproducible from the secret and the keys."""
    seeds = [variant_seed(secret, key) for key in keys]
    return generate_from_seeds(template, seeds, keys, unique=unique, max_tries=max_tries)


def generate_from_seeds(template: Template, seeds: Sequence[bytes], keys: Sequence[VariantKey | None],
                        *, unique: bool = True, max_tries: int = MAX_TRIES) -> list[Variant]:
    """Like :func:`generate`, from explicit 32-byte seeds (previews use a seed number)."""
    batch = generate_batch(template, seeds, keys, unique=unique, max_tries=max_tries)
    return [batch.variant(i) for i in range(len(batch))]


def generate_batch(template: Template, seeds: Sequence[bytes], keys: Sequence[VariantKey | None],
                   *, unique: bool = True, max_tries: int = MAX_TRIES, figures_graded: bool = False) -> VariantBatch:
    """Solved variants as a :class:`VariantBatch` (arrays; variants built on demand).

    ``figures_graded``: the exam grades this problem's significant figures (the rounding allowance
    is then given beyond the figure window, not the tolerance)."""
    solver, grids = prepared(template)
    n = len(seeds)
    if unique and n > 1:
        supply = capacity(template)
        if supply.accepted is not None and supply.accepted < n:
            raise SamplingError(_too_small(template, supply, n))
    params = random_params(template)
    chosen: dict[str, np.ndarray] = {}
    taken: set[bytes] = set()
    # Where two students draw the same givens, the one whose seed sorts first keeps them: a
    # student's variant never depends on the roster's order, and a roster change moves only the
    # few students who collided with someone added or removed.
    pending = np.array(sorted(range(n), key=seeds.__getitem__), dtype=np.int64)
    failures: dict[str, int] = {}
    examples: dict[str, str] = {}
    # Students should not share a key either (other givens, same answers as shown: a Nernst
    # potential depends on the ratio alone), or copying a classmate's answers pays. The first
    # half of the tries also avoid keys already taken; where a template has fewer shown keys
    # than students, the rest share a key but never their givens.
    keys_taken: set[bytes] = set()
    words_seen: dict[str, int] = {}
    for attempt in range(max_tries):
        if pending.size == 0:
            break
        words = random_words([seeds[i] for i in pending], attempt, len(params))
        batch = draw(template, grids, words)
        solved = solver.solve(batch.values, len(pending))
        shown = shown_keys(template, solver, solved.env, len(pending), words_seen) if unique and attempt < max_tries // 2 else None
        for source, failed in solved.failures.items():
            failures[source] = failures.get(source, 0) + int(np.count_nonzero(failed))
            if np.any(failed) and source not in examples:
                row = int(np.flatnonzero(failed)[0])
                examples[source] = ", ".join(f"{name} = {values[row]}" for name, values in batch.values.items())
        still = []
        for row, index in enumerate(pending):
            identity = batch.indices[row].tobytes()
            key = shown[row].tobytes() if shown is not None else b""
            if not solved.accepted[row] or (unique and identity in taken) or key in keys_taken:
                still.append(index)
                continue
            taken.add(identity)
            if key:
                keys_taken.add(key)
            _store(chosen, n, batch.values, row, index)
        pending = np.array(still, dtype=np.int64)
    if pending.size and unique:
        pending = _fill_from_grid(template, solver, grids, seeds, pending, taken, chosen)
    if pending.size:
        worst = max(failures, key=failures.get) if any(failures.values()) else "uniqueness"
        example = f" (for example with {examples[worst]})" if worst in examples else ""
        fix = ("add a constraint that excludes these givens" if worst.startswith("answer ")
               else "change the derived formula or narrow the ranges it reads" if worst.startswith("derived ")
               else "widen the parameter ranges or relax the constraint")
        raise SamplingError(
            f"template {template.id!r} ({template.path}): {pending.size} of {n} variants found no acceptable "
            f"givens in {max_tries} tries; the condition that fails most is {worst!r}{example}; {fix}")
    values = {name: (array.astype(str) if array.dtype == object else array) for name, array in chosen.items()}
    return _assemble(template, solver, values, seeds, keys, figures_graded)


def shown_keys(template: Template, solver: TemplateSolver, env: dict[str, Any], rows: int,
               words: dict[str, int] | None = None) -> np.ndarray:
    """Each variant's answers as its key shows them (numbers rounded to their figures, words as
    codes from ``words``, which grows), one row per variant: rows that are equal are one key."""
    from problemgen.solve import round_figures

    words = {} if words is None else words
    columns = []
    for part in template.parts:
        if part.kind == "symbolic":
            continue
        value = np.broadcast_to(np.asarray(env[part.name]), (rows,))
        if value.dtype.kind in "fiu":
            columns.append(round_figures(value.astype(float) / solver.part_factors[part.name], part.sigfigs or 3))
        else:
            columns.append(np.array([words.setdefault(str(word), len(words)) for word in value], dtype=float))
    if not columns:
        return np.zeros((rows, 0))
    return np.ascontiguousarray(np.column_stack(columns) + 0.0)  # + 0.0: −0 and 0 are one key


def _too_small(template: Template, supply: Capacity, n: int) -> str:
    why = f"; the condition that rejects most is {supply.worst!r}" if supply.worst else ""
    variants = "distinct variant" + ("" if supply.accepted == 1 else "s")
    return (f"template {template.id!r} ({template.path}) can supply only {supply.accepted} {variants} "
            f"({supply.combinations} combination{'' if supply.combinations == 1 else 's'} of its givens, "
            f"{supply.accepted} {'satisfies' if supply.accepted == 1 else 'satisfy'} its constraints{why}), "
            f"but {n} are needed; widen a range, refine a step or add choices")


@dataclass(frozen=True)
class VariantBatch:
    """Solved variants of one template, kept as arrays; :meth:`variant` builds one on demand.

    A build for 100,000 students holds batches, not millions of small objects.
    """

    template: Template
    solver: TemplateSolver
    values: dict[str, np.ndarray]
    env: dict[str, Any]
    wrong: dict[str, dict[str, np.ndarray]]
    arguments: dict[str, list[np.ndarray]]
    seeds: Sequence[bytes]
    keys: Sequence[VariantKey | None]
    figure: dict[str, Any] = field(default_factory=dict)
    allowance: dict[str, np.ndarray] = field(default_factory=dict)
    """Part name -> extra absolute tolerance (SI) per variant (:meth:`TemplateSolver.rounding_allowance`)."""

    def __len__(self) -> int:
        return len(self.seeds)

    def variant(self, i: int) -> Variant:
        """The ``i``-th variant of the batch."""
        template, solver, env = self.template, self.solver, self.env
        givens: dict[str, Any] = {}
        hidden: dict[str, Any] = {}
        for param in template.params:
            shown = hidden if param.hidden else givens
            if param.kind == "derived":
                shown[param.name] = float(_pick(env[param.name], i)) / solver.factors[param.name]
            else:
                shown[param.name] = self.values[param.name].item(i)  # a Python float, int or str
        seed = self.seeds[i]
        answers = tuple(_answer(part, env, self.wrong.get(part.name, {}), solver, i, seed,
                                tuple(a.item(i) for a in self.arguments.get(part.name, ())),
                                self.allowance[part.name].item(i) if part.name in self.allowance else 0.0)
                        for part in template.parts)
        figure: dict[str, Any] = {}
        if template.figure is not None:
            figure = {name: [float(v[i]) for v in value] if isinstance(value, list) else float(value[i])
                      for name, value in self.figure.items()}
            figure.update({k: v for k, v in template.figure.inputs.items() if k == "ions"})
        return Variant(template.id, self.keys[i], seed.hex(), givens, answers, hidden, figure)


def _store(chosen: dict[str, np.ndarray], n: int, values: dict[str, np.ndarray], row: int, index: int) -> None:
    """Put row ``row`` of drawn ``values`` in place ``index`` of the batch's chosen givens."""
    for name, column in values.items():
        if name not in chosen:
            chosen[name] = np.empty(n, dtype=column.dtype if column.dtype.kind != "U" else object)
        chosen[name][index] = column[row]


def _fill_from_grid(template: Template, solver: TemplateSolver, grids: dict[str, Grid], seeds: Sequence[bytes],
                    pending: np.ndarray, taken: set[bytes], chosen: dict[str, np.ndarray]) -> np.ndarray:
    """Give the variants random draws left without unused givens one of the grid's unused ones.

    Near a template's capacity random draws keep hitting taken givens (the last of 1,080 needs
    about 1,080 tries), so for a grid small enough to enumerate the accepted, unused combinations
    are listed and each variant, in order, takes the one its own seed points at. Returns the
    variants still without givens (none, unless the grid is too large or truly used up).
    """
    everything = enumerate_grid(template, grids, ENUMERATION_LIMIT)
    if everything is None:
        return pending
    accepted = np.flatnonzero(solver.solve(everything.values, everything.indices.shape[0]).accepted)
    free = [row for row in accepted.tolist() if everything.indices[row].tobytes() not in taken]
    still = []
    for index in pending.tolist():
        if not free:
            still.append(index)
            continue
        pointer = hashlib.blake2b(seeds[index], digest_size=8, person=b"problemgen-free").digest()
        row = free.pop(int.from_bytes(pointer, "little") % len(free))
        taken.add(everything.indices[row].tobytes())
        _store(chosen, len(seeds), everything.values, row, index)
    return np.array(still, dtype=np.int64)


def _assemble(template: Template, solver: TemplateSolver, values: dict[str, np.ndarray], seeds: Sequence[bytes],
              keys: Sequence[VariantKey | None], figures_graded: bool = False) -> VariantBatch:
    n = len(seeds)
    solved = solver.solve(values, n)
    env = solved.env
    allowance = solver.rounding_allowance(env, n, figures_graded)
    wrong: dict[str, dict[str, np.ndarray]] = {}
    for part in template.parts:
        if part.misconceptions and part.kind != "symbolic" and not part.options:
            correct = np.broadcast_to(np.asarray(env[part.name], dtype=float), (n,))
            wrong[part.name] = {}
            for name in part.misconceptions:
                values_wrong = solver.misconception_values(part, values, name, n)
                keep = distinct_from(correct, values_wrong, part, allowance.get(part.name, 0.0))
                # Two mistakes that give the same number cannot be told apart: the one the part
                # lists first names it (physics.md §8: mal-rules of one problem must not coincide).
                for earlier in wrong[part.name].values():
                    keep &= ~(np.isfinite(earlier) & ~distinct_from(earlier, values_wrong, part))
                wrong[part.name][name] = np.where(keep, values_wrong, np.nan)
    arguments: dict[str, list[np.ndarray]] = {}
    for part in template.parts:
        call = worked_call(part)
        if call is not None:
            with np.errstate(all="ignore"):
                arguments[part.name] = [np.broadcast_to(np.asarray(expr.compile_expression(a, FUNCTIONS)(env), dtype=float), (n,))
                                        for a in call.args]
    figure: dict[str, Any] = {}
    if template.figure is not None:
        with np.errstate(all="ignore"):
            for name, node in template.figure.nodes.items():
                if isinstance(node, list):
                    figure[name] = [_evaluate_all(item, env, n) for item in node]
                else:
                    figure[name] = _evaluate_all(node, env, n)
    # Only what variant() reads is kept (derived givens and answers): the rest of the solution
    # (SI copies of the givens, intermediate results) would double a large batch's memory.
    kept = {p.name for p in template.params if p.kind == "derived"} | {p.name for p in template.parts}
    return VariantBatch(template, solver, values, {k: v for k, v in env.items() if k in kept}, wrong, arguments,
                        seeds, keys, figure, allowance)


def _evaluate_all(node: expr.Node, env: dict[str, Any], n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(expr.compile_expression(node, FUNCTIONS)(env), dtype=float), (n,))


def _pick(value: object, i: int) -> object:
    """Student ``i``'s value of a batch column (a scalar is everyone's), as a Python object."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.item(i)  # the usual column: no array view made per student
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else array.ravel()[i].item()


def _answer(part: Part, env: dict, wrong: dict[str, np.ndarray], solver: TemplateSolver, i: int, seed: bytes,
            arguments: tuple[float, ...], allowance: float = 0.0) -> Answer:
    if part.kind == "symbolic":
        return Answer(part.name, "symbolic", part.expression, part.expression, "", {})
    if part.kind == "choice" and part.options:
        word = str(_pick(env[part.name], i))
        option = part.option_labels.get(word, word)
        return Answer(part.name, "choice", option, option, "", {}, part.options)
    factor = solver.part_factors[part.name]
    value = float(_pick(env[part.name], i))
    display = value / factor
    mistakes = {name: wrong_value / factor for name, array in wrong.items()
                if math.isfinite(wrong_value := float(_pick(array, i)))}
    if part.kind == "choice":
        options, answer, named, values = numeric_options(part, display, mistakes, seed)
        return Answer(part.name, "choice", answer, answer, part.unit, mistakes, options, option_mistakes=named,
                      number=display, option_values=values)
    return Answer(part.name, "numeric", value, display, part.unit, mistakes, arguments=arguments,
                  allowance=allowance / factor)


def numeric_options(part: Part, display: float, mistakes: dict[str, float], seed: bytes
                    ) -> tuple[tuple[str, ...], str, tuple[tuple[str, str], ...], tuple[float, ...]]:
    """The correct value and up to ``part.distractors`` misconception values, as shown options.

    Options read as the sheet prints numbers (``−5.02 mV``, ``1.79 × 10⁻⁸``: significant figures,
    U+2212 minus, the display unit). Distractors are taken in the order the part lists
    misconceptions, skipping any whose shown text repeats another option or that lies within
    tolerance of an option already taken; sign and factor-of-ten slips fill the remaining places.
    The order is shuffled by the variant's seed.

    Returns the options, the right one, (name, option) for each distractor a misconception gave
    (so grading can name the mistake), and each option's value, so an answer that gives a value
    in another spelling (``-5.020``, ``-0.00502 V``) can be read as that option.
    """
    from problemgen.render import Quantity

    figures = part.sigfigs or 3
    texts = [str(Quantity(display, part.unit, figures))]
    kept = [display]
    named: list[tuple[str, str]] = []
    candidates = [*mistakes.items(), *((None, display * factor) for _, factor in FALLBACK_DISTRACTORS)]
    for name, value in candidates:
        if len(texts) > part.distractors:
            break
        text = str(Quantity(value, part.unit, figures))
        # Apart by both tolerances, so no typed value can be within tolerance of two options.
        if text in texts or any(abs(value - k) <= part.rtol * (abs(k) + abs(value)) + 2 * part.atol for k in kept):
            continue
        texts.append(text)
        kept.append(value)
        if name is not None:
            named.append((name, text))
    if any(_SCIENTIFIC in text for text in texts) and not all(_SCIENTIFIC in text for text in texts):
        # One notation for all options of a question (not "0.000120" beside "3.59 × 10⁻⁸").
        scientific = [_scientific_option(value, part.unit, figures) for value in kept]
        renamed = dict(zip(texts, scientific))
        texts, named = scientific, [(name, renamed[text]) for name, text in named]
    order = np.argsort(np.frombuffer(hashlib.blake2b(b"options", key=seed, digest_size=8 * len(texts)).digest(), dtype="<u8"))
    return tuple(texts[j] for j in order), texts[0], tuple(named), tuple(kept[j] for j in order)


_SCIENTIFIC = " × 10"


def _scientific_option(value: float, unit: str, figures: int) -> str:
    """A numeric option in scientific notation, as :class:`~problemgen.render.Quantity` prints one."""
    from problemgen.numbers import format_sci
    from problemgen.render import MINUS, unit_text

    number = format_sci(value, figures, style="unicode", minus=MINUS)
    shown = unit_text(unit)
    return f"{number} {shown}" if shown else number
