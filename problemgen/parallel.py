"""Ordered work on every core, by forking: the workers share the parent's data without pickling.

Used where a build or a grading run renders one student at a time: the per-student function is a
closure over everything already computed (variants, results), which forked workers inherit.
Results come back in input order, so streamed files are the same as from one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
#: Students at or above which work is spread over processes (below it, forking costs more).
PARALLEL_MIN_ITEMS = 200
#: Allocations between a worker's young-generation collections (Python's default is 700). A
#: student's objects die by reference counting; collected every 700 allocations, the few alive
#: were promoted and later scanned in full collections: ~3 % of a worker's time at 700, 0.6 % at this.
WORKER_GC_THRESHOLD = 10_000

_TASK: Callable[[int], Any] | None = None


def _run(index: int) -> Any:
    assert _TASK is not None
    return _TASK(index)


def default_processes(items: int) -> int:
    """Every core for large batches, one process otherwise."""
    return (os.cpu_count() or 1) if items >= PARALLEL_MIN_ITEMS else 1


def ordered_map(task: Callable[[int], T], count: int, processes: int | None = None, chunksize: int = 8,
                meanwhile: Callable[[], object] | None = None) -> Iterator[T]:
    """``task(0) … task(count - 1)`` in order, on ``processes`` forked workers where possible.

    ``meanwhile`` runs once in this process while the workers start on the tasks (e.g. importing
    what the next stage needs); it runs after the fork, so the workers never inherit its work.
    """
    global _TASK
    processes = default_processes(count) if processes is None else processes
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        yield from map(task, range(count))
        return
    # NB: the task is set before the pool forks, so every worker inherits it (and its data).
    _TASK = task
    # Objects that exist now (the manifest, the variants) are left out of garbage collection, in
    # the workers too: collections would touch every one of them and copy the shared pages.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(processes, gc.set_threshold, (WORKER_GC_THRESHOLD,)) as pool:
            results = pool.imap(_run, range(count), chunksize=chunksize)
            if meanwhile is not None:
                meanwhile()
            yield from results
    finally:
        _TASK = None
        gc.unfreeze()
