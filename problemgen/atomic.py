"""Folders written all at once: build in a temporary sibling, then move into place.

Shared by exam builds and grading runs: a failure removes the temporary folder and leaves any
previous output untouched; an existing output is replaced only when asked (``--force``) and
only if it carries the marker file of our own output.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from problemgen.errors import BuildError


def check_replaceable(out: Path, force: bool, marker: str, what: str) -> None:
    """Refuse to overwrite ``out`` unless ``force``, and never a folder without ``marker``."""
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
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
        _swap(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


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
