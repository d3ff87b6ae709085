"""Throughput of the generation engine, per template: seeding, solving, assembling, rendering.

Run: ``python benchmarks/bench_engine.py [--n 1000 10000] [--template ID ...]``.
Prints microseconds per variant for each stage (median of --repeat runs): seeding (HMAC seed and
random words), solving (derived parameters, answers and constraints, once derived), generating
(the whole engine: draws, rejection, misconception values, choice options), the statement as a
student sheet needs it, and the full rendering with key and worked solution. Reproducible: fixed
secret, fixed ids; the numbers vary only with the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from problemgen.bank import builtin_banks
from problemgen.engine import generate_from_seeds, prepared
from problemgen.model import VariantKey
from problemgen.problem import givens_context, render_problem, statement_texts
from problemgen.sampling import draw, random_params, random_words, variant_seed

SECRET = b"benchmark secret"


def timed(function, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench(template, n: int, repeat: int, render_count: int) -> dict[str, float]:
    keys = [VariantKey("bench", f"s{i:06d}", template.id) for i in range(n)]
    solver, grids = prepared(template)
    seeds = [variant_seed(SECRET, k) for k in keys]
    count = len(random_params(template))
    seeding = timed(lambda: random_words([variant_seed(SECRET, k) for k in keys], 0, count), repeat)
    values = draw(template, grids, random_words(seeds, 0, count)).values
    solver.solve(values)  # derive once (sympy for solve parts), compile closures
    solving = timed(lambda: solver.solve(values), repeat)
    generating = timed(lambda: generate_from_seeds(template, seeds, keys, unique=False), max(1, repeat // 2))
    variants = generate_from_seeds(template, seeds[:render_count], keys[:render_count], unique=False)
    render_problem(template, variants[0])
    rendering = timed(lambda: [render_problem(template, v) for v in variants], repeat)
    statements = timed(lambda: [render_statement(template, v) for v in variants], repeat)
    return {"seed": seeding / n * 1e6, "solve": solving / n * 1e6, "generate": generating / n * 1e6,
            "statement": statements / len(variants) * 1e6, "render": rendering / len(variants) * 1e6}


def render_statement(template, variant) -> tuple[str, list[str]]:
    """What a student sheet needs: the statement and the part prompts (no key, no solution)."""
    return statement_texts(template, givens_context(template, variant))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--template", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--render", type=int, default=500, help="variants rendered per template")
    args = parser.parse_args()
    templates = [t for bank in builtin_banks().values() for t in bank.templates.values()
                 if not args.template or t.id in args.template]
    print(f"{'template':34} {'n':>6} {'seed µs':>8} {'solve µs':>9} {'generate µs':>12} {'statement µs':>13} {'with key µs':>12}")
    totals: dict[int, list[dict[str, float]]] = {n: [] for n in args.n}
    for template in templates:
        for n in args.n:
            row = bench(template, n, args.repeat, min(args.render, n))
            totals[n].append(row)
            print(f"{template.id:34} {n:>6} {row['seed']:8.2f} {row['solve']:9.3f} {row['generate']:12.2f} "
                  f"{row['statement']:13.1f} {row['render']:12.1f}")
    for n, rows in totals.items():
        if rows:
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(f"{'median over templates':34} {n:>6} {med['seed']:8.2f} {med['solve']:9.3f} {med['generate']:12.2f} "
                  f"{med['statement']:13.1f} {med['render']:12.1f}")


if __name__ == "__main__":
    main()
