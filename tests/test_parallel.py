"""problemgen.parallel: ordered results from forked workers, and work done meanwhile in the parent."""

from __future__ import annotations

import os

import pytest

from problemgen.parallel import ordered_map

_seen: list[str] = []


def _pid_and_seen(index: int) -> tuple[int, int, tuple[str, ...]]:
    return index, os.getpid(), tuple(_seen)


@pytest.mark.parametrize("processes", [1, 2])
def test_results_come_back_in_order_and_meanwhile_runs_once_in_the_parent(processes: int) -> None:
    _seen.clear()
    calls: list[int] = []

    def meanwhile() -> None:
        calls.append(os.getpid())
        _seen.append("meanwhile")

    results = list(ordered_map(_pid_and_seen, 50, processes, chunksize=4, meanwhile=meanwhile))
    assert [index for index, _, _ in results] == list(range(50))
    assert calls == [os.getpid()]
    workers = {pid for _, pid, _ in results}
    if processes == 1:
        assert workers == {os.getpid()}
    else:
        # Forked before ``meanwhile`` ran: the workers never see its effects.
        assert os.getpid() not in workers
        assert all(seen == () for _, _, seen in results)
