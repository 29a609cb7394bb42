"""Executors: the same results in the same order, in-process, in processes or on Dask."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

import matcher
from matcher.planning.executor import (
    DaskExecutor,
    ExecutorError,
    InProcess,
    LocalProcesses,
    chunk_ranges,
    open_executor,
)
from matcher.planning.simulate import Settings, simulate
from matcher.planning.whatif import Grid, run_whatif


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize(("n", "workers"), [(0, 1), (1, 4), (7, 2), (100, 2), (5, 8)])
def test_chunks_cover_every_item_once_in_order(n: int, workers: int) -> None:
    ranges = chunk_ranges(n, workers)
    assert [i for r in ranges for i in r] == list(range(n))
    assert all(len(r) > 0 for r in ranges)


def test_in_process_reports_progress() -> None:
    seen: list[int] = []
    assert InProcess().map(square, [1, 2, 3], seen.append) == [1, 4, 9]
    assert sum(seen) == 3


@pytest.fixture(scope="module")
def processes() -> Iterator[LocalProcesses]:
    with LocalProcesses(2) as pool:
        yield pool


def test_local_processes_keep_order(processes: LocalProcesses) -> None:
    seen: list[int] = []
    assert processes.map(square, list(range(30)), seen.append) == [x * x for x in range(30)]
    assert sum(seen) == 30


def test_open_executor_checks_options() -> None:
    assert isinstance(open_executor("local", 1), InProcess)
    assert isinstance(open_executor("local", 3), LocalProcesses)
    with pytest.raises(ExecutorError, match="--scheduler needs --executor dask"):
        open_executor("local", 1, "tcp://127.0.0.1:8786")
    with pytest.raises(ExecutorError, match="--workers 0"):
        open_executor("local", 0)
    with pytest.raises(ExecutorError, match="expected an address like tcp://HOST:PORT"):
        open_executor("dask", 1, "127.0.0.1:8786")


@pytest.fixture(scope="module")
def dask_pool() -> Iterator[DaskExecutor]:
    pytest.importorskip("distributed")
    with DaskExecutor(workers=1, processes=False) as pool:
        yield pool


def test_dask_keeps_order(dask_pool: DaskExecutor) -> None:
    seen: list[int] = []
    assert dask_pool.map(square, list(range(20)), seen.append) == [x * x for x in range(20)]
    assert sum(seen) == 20


def test_simulation_identical_under_dask(dask_pool: DaskExecutor) -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    settings = Settings(runs=6, months=4, seed=11)
    local = simulate(scenario, settings)
    assert (
        simulate(scenario, settings, executor=dask_pool).model_dump_json()
        == local.model_dump_json()
    )


def test_whatif_identical_under_dask_and_processes(
    dask_pool: DaskExecutor, processes: LocalProcesses
) -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    grid = Grid(add_mentors=(0, 1), capacity=(10, 15), fairness=("quotas", "maxmin"))
    local = run_whatif(scenario, grid).model_dump_json()
    assert run_whatif(scenario, grid, executor=dask_pool).model_dump_json() == local
    assert run_whatif(scenario, grid, executor=processes).model_dump_json() == local


def test_dask_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ExecutorError, match="cannot connect"):
        DaskExecutor("tcp://127.0.0.1:9", workers=1, timeout=0.5)


def test_run_order_does_not_change_simulation() -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    settings = Settings(runs=4, months=3, seed=3)
    from matcher.planning.simulate import run_one

    job = functools.partial(run_one, scenario, settings)
    forward = [job(i) for i in range(4)]
    backward = [job(i) for i in reversed(range(4))][::-1]
    assert all(
        (a.wait_days == b.wait_days).all() and (a.active == b.active).all()
        for a, b in zip(forward, backward, strict=True)
    )
