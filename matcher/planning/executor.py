"""One way to run many independent jobs (what-if variants, simulation runs): in this
process, in local worker processes, or on a Dask distributed cluster.

Every executor returns results in input order and jobs carry their own seeds, so the
output never depends on where or in which order a job ran. Dask is imported only when
asked for, so the local executors work without it installed.
"""

from __future__ import annotations

import importlib
import itertools
import multiprocessing as mp
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Called with the number of jobs that have just finished.
Progress = Callable[[int], None]
Kind = Literal["local", "dask"]

CHUNKS_PER_WORKER = 4  # enough for an even spread, few enough to keep overhead low
PRELOAD = [
    "matcher.planning.whatif",
    "matcher.planning.recruit",
    "matcher.planning.runs",
    "matcher.planning.simulate",
    "solvers.flow",
]


class ExecutorError(RuntimeError):
    """The executor cannot be set up as asked (the message names the option)."""


class Executor(Protocol):
    """What the planners need from a place to run jobs; the three executors all fit
    it, so a planner never knows, and its output never depends on, which one ran."""

    name: str
    workers: int

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None
    ) -> list[R]:
        """`[fn(x) for x in items]`, possibly in parallel, always in input order."""
        ...

    def close(self) -> None:
        """Release the workers, and any cluster started for this executor."""
        ...


def chunk_ranges(n_items: int, workers: int) -> list[range]:
    """Contiguous slices of the items: a few per worker, so pickling the job's shared
    inputs happens per chunk, not per item."""
    if n_items == 0:
        return []
    n_chunks = max(1, min(n_items, workers * CHUNKS_PER_WORKER))
    bounds = [n_items * i // n_chunks for i in range(n_chunks + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def run_chunk(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """One chunk of jobs in a worker; at module level so that a process pool or Dask
    can pickle it by reference."""
    return [fn(x) for x in items]


class _Closing:
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release by default."""


class InProcess(_Closing):
    """Runs jobs one after another here: no start-up cost, the fastest for small sweeps."""

    name = "local"
    workers = 1

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None
    ) -> list[R]:
        """The jobs in turn; `progress` ticks after each one."""
        out = []
        for x in items:
            out.append(fn(x))
            if progress is not None:
                progress(1)
        return out


def process_context() -> BaseContext:
    """A fork server where there is one: workers are forked from a clean process that
    has the engine imported already, so they start fast, and never from this process,
    whose solver or progress-bar threads could deadlock a fork. Elsewhere: spawn."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class LocalProcesses(_Closing):
    """Worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=process_context())
        return self._pool

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None
    ) -> list[R]:
        """Chunks of jobs on the pool, started on first use; `fn` and the items must
        pickle, `progress` moves a chunk at a time, and a failed job raises here."""
        pool = self._get_pool()
        ranges = chunk_ranges(len(items), self.workers)
        pending: dict[Future[list[R]], int] = {
            pool.submit(run_chunk, fn, [items[i] for i in r]): k for k, r in enumerate(ranges)
        }
        done: dict[int, list[R]] = {}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                k = pending.pop(future)
                done[k] = future.result()
                if progress is not None:
                    progress(len(done[k]))
        return [x for k in range(len(ranges)) for x in done[k]]

    def close(self) -> None:
        """Wait for running chunks, cancel the rest; a later `map` starts a new pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _distributed() -> Any:
    """dask.distributed, imported only when asked for (it is an optional dependency)."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ExecutorError(
            "--executor dask needs dask.distributed: pip install 'likematch[dask]'"
        ) from None


class DaskExecutor(_Closing):
    """Jobs on a Dask distributed cluster: the one at `scheduler`, or a local cluster
    started for this executor (`processes=False` keeps it in-process, for tests)."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int = 1,
        processes: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self._dask = _distributed()
        self._cluster: Any = None
        if scheduler is None:
            self._cluster = self._dask.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
            )
            self._client: Any = self._dask.Client(self._cluster, set_as_default=False)
        else:
            try:
                self._client = self._dask.Client(
                    scheduler, timeout=f"{timeout}s", set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as error:
                raise ExecutorError(
                    f"--scheduler {scheduler}: cannot connect to a Dask "
                    f"scheduler there ({type(error).__name__})"
                ) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or workers)

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], progress: Progress | None = None
    ) -> list[R]:
        """Chunks of jobs as Dask futures; `pure=False` gives every chunk its own key,
        so that equal-looking chunks are never merged into one result."""
        ranges = chunk_ranges(len(items), self.workers)
        futures = [
            self._client.submit(run_chunk, fn, [items[i] for i in r], pure=False) for r in ranges
        ]
        index = {f.key: k for k, f in enumerate(futures)}
        done: dict[int, list[R]] = {}
        for future in self._dask.as_completed(futures, loop=self._client.loop):
            k = index[future.key]
            done[k] = future.result()
            if progress is not None:
                progress(len(done[k]))
        return [x for k in range(len(ranges)) for x in done[k]]

    def close(self) -> None:
        """Close the client, and the local cluster if this executor started one; a
        cluster at `scheduler` keeps running."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def open_executor(
    kind: Kind = "local", workers: int = 1, scheduler: str | None = None
) -> InProcess | LocalProcesses | DaskExecutor:
    """The executor the command line asked for; bad combinations raise ExecutorError."""
    if workers < 1:
        raise ExecutorError(f"--workers {workers}: must be at least 1")
    if kind == "dask":
        if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise ExecutorError(
                f"--scheduler {scheduler}: expected an address like tcp://HOST:PORT"
            )
        return DaskExecutor(scheduler, workers)
    if scheduler is not None:
        raise ExecutorError("--scheduler needs --executor dask")
    return InProcess() if workers == 1 else LocalProcesses(workers)
