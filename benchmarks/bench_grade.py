"""Whole-process throughput of ``problemgen grade`` and of ``check_answer`` itself.

Run: ``python benchmarks/bench_grade.py [--students 1000 10000] [--parts 20]``.
Builds one exam of exactly ``--parts`` answer parts (templates in id order while they fit) per size (Markdown only; not timed), writes a submissions CSV with a mix of
right, wrong, misconception, invalid and blank answers, then times ``problemgen grade`` as its
own process (every output: grades.csv, feedback, LMS CSVs, report). It also times the checker
alone in process, per answer.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_generate import exam_config, roster, run, work_folder


def answer_for(expected: dict, rng: random.Random) -> str:
    roll = rng.random()
    if expected["kind"] == "choice":
        return rng.choice(expected["options"]) if roll < 0.9 else ""
    if expected["kind"] != "numeric":
        return "x"
    value, unit = expected["value"], expected["unit"]
    if roll < 0.55:
        return f"{value:.4g} {unit}".strip()
    if roll < 0.7 and expected["misconceptions"]:
        return f"{next(iter(expected['misconceptions'].values())):.4g} {unit}".strip()
    if roll < 0.85:
        return f"{-value * 1.3:.3g} {unit}".strip()
    if roll < 0.95:
        return f"{value:.3g} {unit.lower()}x"
    return ""


def submissions(build: Path, path: Path) -> int:
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    rng = random.Random(7)
    labels = [p["label"] for problem in manifest["students"][0]["problems"] for p in problem["parts"]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *labels])
        for student in manifest["students"]:
            expected = {p["label"]: p["expected"] for problem in student["problems"] for p in problem["parts"]}
            writer.writerow([student["id"], *(answer_for(expected[label], rng) for label in labels)])
    return len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--parts", type=int, default=20, help="answer parts per submission")
    parser.add_argument("--dir", help="build and grade in a temporary folder here (default: the system's; "
                                      "/dev/shm: no disk)")
    args = parser.parse_args()
    executable = shutil.which("problemgen") or sys.exit("problemgen is not installed")
    with work_folder(args.dir) as tmp:
        folder = Path(tmp)
        for students in args.students:
            config = exam_config(folder, 0, ["md"], figures=False, students=students, parts=args.parts)
            build = folder / f"build-{students}"
            subprocess.run([executable, "generate", str(config), "--roster", str(roster(folder, students)), "--out",
                            str(build), "--quiet"], check=True, stdout=subprocess.DEVNULL)
            source = folder / f"subs-{students}.csv"
            parts = submissions(build, source)
            seconds, peak = run([executable, "grade", str(build), str(source), "--out", str(folder / f"grades-{students}")])
            print(f"{students:>6} submissions × {parts} parts, whole process with every output: {seconds:6.2f} s "
                  f"({seconds / (students * parts) * 1e6:.0f} µs per answer), peak RSS {peak:.0f} MB")
            in_process(build, source)


def in_process(build: Path, source: Path) -> None:
    from problemgen.batch import grade_all, load_manifest, read_submissions

    manifest = load_manifest(build)
    subs = read_submissions(source, manifest)
    start = time.perf_counter()
    results, _ = grade_all(manifest, subs)
    seconds = time.perf_counter() - start
    answers = sum(len(r.parts) for r in results)
    print(f"        checking alone (read + grade_all, in process): {seconds:6.2f} s, "
          f"{seconds / answers * 1e6:.1f} µs per answer")


if __name__ == "__main__":
    main()
