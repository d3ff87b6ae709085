"""Whole-process throughput of ``problemgen generate`` (issue targets in the comments).

Run: ``python benchmarks/bench_generate.py [--students 1000 10000] [--problems 20] [--pdf 0]``
(``--pdf N`` also times N students with PDFs, keys printed and not).
Each build runs as its own process (``problemgen generate ... --quiet``) with HTML + Markdown
sheets, keys, manifest and master key; wall time and peak memory (max RSS) are reported, with
``problemgen --help`` start-up time. The exam uses the first N templates of the built-in bank
(repeating them if the bank has fewer) and a generated roster.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from problemgen.bank import builtin_banks


def exam_config(folder: Path, problems: int, formats: list[str], figures: bool = True, students: int = 0,
                parts: int | None = None) -> Path:
    """An exam of the first templates (by id) that can give every student a distinct variant.

    With ``parts``, templates are taken in id order while they fit, until the exam has exactly that
    many answer parts (``problems`` is then ignored).
    """
    from problemgen.engine import capacity

    def enough(template: object) -> bool:
        supply = capacity(template).accepted  # type: ignore[arg-type]
        return supply is None or supply >= students

    templates = sorted(t.id for bank in builtin_banks().values() for t in bank.templates.values()
                       if (figures or t.figure is None) and enough(t))
    chosen = [templates[i % len(templates)] for i in range(problems)]
    if parts is not None:
        by_id = {t.id: t for bank in builtin_banks().values() for t in bank.templates.values()}
        chosen, left = [], parts
        for template in templates:
            if 0 < len(by_id[template].parts) <= left:
                chosen.append(template)
                left -= len(by_id[template].parts)
        if left:
            sys.exit(f"no choice of templates gives exactly {parts} parts")
    lines = ["schema_version = 1", 'id = "bench"', 'title = "Benchmark"', f"formats = {formats!r}".replace("'", '"'),
             'secret_file = "bench.secret"']
    for template in chosen:
        lines += ["[[problems]]", f'template = "{template}"', "points = 1"]
    path = folder / "exam.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def roster(folder: Path, students: int) -> Path:
    path = folder / f"roster-{students}.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name,email\n")
        for i in range(students):
            handle.write(f"s{i:06d},Student {i},s{i}@example.edu\n")
    return path


#: Runs a command as a grandchild and prints its wall time and the peak RSS of its process tree,
#: so each measured process has a peak of its own (RUSAGE_CHILDREN of this process would mix them).
_MEASURE = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, its largest process) of one command run as its own process."""
    seconds, peak = subprocess.run([sys.executable, "-c", _MEASURE, *args], check=True, capture_output=True,
                                   text=True).stdout.split()
    return float(seconds), int(peak) / 1024


def work_folder(parent: str | None) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for the builds, in ``parent`` (``--dir``; e.g. /dev/shm to leave the disk out)."""
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--problems", type=int, default=20)
    parser.add_argument("--pdf", type=int, default=0, help="also time a build with PDFs for this many students")
    parser.add_argument("--no-figures", action="store_true", help="leave out templates with matplotlib figures")
    parser.add_argument("--dir", help="build in a temporary folder here (default: the system's; /dev/shm: no disk)")
    args = parser.parse_args()
    executable = shutil.which("problemgen") or sys.exit("problemgen is not installed")
    helps = [run([executable, "--help"])[0] for _ in range(5)]
    print(f"problemgen --help: {statistics.median(helps) * 1000:.0f} ms (median of 5; target <= 80 ms)")
    with work_folder(args.dir) as tmp:
        folder = Path(tmp)
        for students in args.students:
            config = exam_config(folder, args.problems, ["html", "md"], not args.no_figures, students)
            out = folder / f"out-{students}"
            seconds, peak = run([executable, "generate", str(config), "--roster", str(roster(folder, students)),
                                 "--out", str(out), "--quiet"])
            files = sum(1 for _ in out.rglob("*") if _.is_file())
            print(f"{students:>7} students × {args.problems} problems (HTML+MD, no PDF): {seconds:6.1f} s, "
                  f"{seconds / students * 1000:.2f} ms/student, peak RSS {peak:.0f} MB, {files} files")
            shutil.rmtree(out)
        if args.pdf:
            # Issue 4: 1,000 students with PDFs in <= 60 s on 2 cores. Timed with keys printed
            # (the default) and with sheets only (--no-key-pdfs).
            config = exam_config(folder, args.problems, ["html", "md", "pdf"], not args.no_figures, args.pdf)
            for flags, what in (([], "sheet and key PDFs"), (["--no-key-pdfs"], "sheet PDFs only")):
                out = folder / "out-pdf"
                seconds, peak = run([executable, "generate", str(config), "--roster", str(roster(folder, args.pdf)),
                                     "--out", str(out), "--quiet", *flags])
                pdfs = sum(1 for _ in out.rglob("*.pdf"))
                print(f"{args.pdf:>7} students × {args.problems} problems with {what}: {seconds:6.1f} s, "
                      f"{seconds / args.pdf * 1000:.0f} ms/student, peak RSS {peak:.0f} MB, {pdfs} PDFs")
                shutil.rmtree(out)


if __name__ == "__main__":
    main()
