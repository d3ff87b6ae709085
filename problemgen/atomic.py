"""Folders written all at once: build in a temporary sibling, then move into place.

Shared by exam builds and grading runs: a failure removes the temporary folder and leaves any
previous output untouched; an existing output is replaced only when asked (``--force``) and
only if it carries the marker file of our own output.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from problemgen.errors import BuildError


def check_replaceable(out: Path, force: bool, marker: str, what: str) -> None:
    """Refuse to overwrite ``out`` unless ``force``, and never a folder without ``marker`` (after
    putting back an output a killed run had moved aside)."""
    _tidy_after_killed_runs(out)
    if not out.exists():
        return
    if not force:
        raise BuildError(f"{out} already exists; use --force to replace it (the previous {what} stays until the "
                         "new one is complete), or choose another --out")
    if not (out / marker).is_file():
        raise BuildError(f"{out} exists and is not a problemgen {what} (no {marker}); it is never replaced, "
                         "choose another --out")


@contextmanager
def writing_folder(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out``, on failure it vanishes."""
    _tidy_after_killed_runs(out)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
        _swap(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _tidy_after_killed_runs(out: Path) -> None:
    """Remove what runs killed mid-way left beside ``out`` (their temporary folders), and put back
    a previous output one of them had moved aside when ``out`` itself is missing."""
    for leftover in sorted(out.parent.glob(f".{glob.escape(out.name)}.*-*")):
        kind, _, pid = leftover.name[len(out.name) + 2:].rpartition("-")
        if kind not in ("partial", "previous") or not pid.isdigit() or _running(int(pid)):
            continue
        if kind == "previous" and not out.exists():
            leftover.rename(out)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def restore_interrupted(out: Path) -> bool:
    """Put back an output a killed run had moved aside, when ``out`` is missing; whether it did."""
    if out.exists():
        return False
    _tidy_after_killed_runs(out)
    return out.exists()


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows, signal 0 would be a Ctrl-C, not a probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its folder alone
    return True


def _swap(partial: Path, out: Path) -> None:
    backup = out.parent / f".{out.name}.previous-{os.getpid()}"
    if out.exists():
        out.rename(backup)
    try:
        partial.rename(out)
    except OSError:
        if backup.exists():
            backup.rename(out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
