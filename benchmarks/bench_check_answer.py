"""check_answer: throughput per answer kind, and the worst time on hostile input (rules §9: 250 ms).

Run: ``python benchmarks/bench_check_answer.py [--n 20000] [--repeat 5]``.
Prints microseconds per call (median of --repeat runs) for typical submissions of each kind and
the slowest single call over the hostile table of tests/test_grading_hostile.py (each input
graded against every kind). Reproducible: fixed inputs; only the machine varies. Exits with
status 1 if any hostile input takes 250 ms or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from problemgen.grading import check_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_grading_hostile import ALL, MALICIOUS

BUDGET_SECONDS = 0.250
TYPICAL: dict[str, list[str]] = {
    "numeric": ["-64.1 mV", "-0,0641 V", "+64.1 mV", "-64.1", "-27.8 mV", "-64.1 mv", "2 750 mV"],
    "figures": ["4.95 ms", "4.96 ms", "4950 µs", "5.0", "4.9526"],
    "ratio": ["0.25", "0,25", "25%"],
    "choice": ["influx", "Efflux.", "influx or efflux"],
    "symbolic": ["R*T/(z*F)*ln(co/ci)", "R T/(z F) log10(co/ci)", "RT/(zF) ln(co/ci)"],
}


def per_call(kind: str, texts: list[str], n: int, repeat: int) -> float:
    expected: dict[str, Any] = ALL[kind]
    check_answer(texts[0], expected)  # warm caches (units, symbolic reference points)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(n):
            check_answer(texts[i % len(texts)], expected)
        runs.append((time.perf_counter() - start) / n)
    return statistics.median(runs)


def worst_hostile() -> tuple[float, str, str]:
    worst = (0.0, "", "")
    for kind, expected in ALL.items():
        for text in MALICIOUS:
            start = time.perf_counter()
            check_answer(text, expected)
            elapsed = time.perf_counter() - start
            worst = max(worst, (elapsed, kind, repr(text)[:40]))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for kind, texts in TYPICAL.items():
        n = args.n // 10 if kind == "symbolic" else args.n
        print(f"{kind:>9}: {per_call(kind, texts, n, args.repeat) * 1e6:8.1f} µs per call")
    elapsed, kind, text = worst_hostile()
    print(f"worst hostile input: {elapsed * 1e3:.2f} ms ({kind}, {text}); budget {BUDGET_SECONDS * 1e3:.0f} ms")
    return 0 if elapsed < BUDGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
