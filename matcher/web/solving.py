"""Where the web app's solves run. A decision's re-solve with its explanations is pure
CPU; in one process every session would queue on one core. With `processes`, solves go
to a pool of worker processes (the same start method as the planning executor), so that
coordinators in other sessions are served by the other cores, and the server's threads
stay free for pages. Without it (tests, a single user), they run in the caller's thread.
"""

from __future__ import annotations

import threading
from concurrent.futures import ProcessPoolExecutor

from matcher.engine import solve_round
from matcher.explain.result import Result
from matcher.explain.stability import Changed
from matcher.model.scenario import Scenario
from matcher.planning.executor import process_context
from matcher.text.language import current, speaking

Pairs = list[tuple[str, str]]


def solve_in(
    language: str, scenario: Scenario, solver: str, explain: bool, previous: Pairs | None
) -> tuple[Result, list[Changed]]:
    """One solve in `language`: the unit of work a worker process runs."""
    with speaking(language):
        return solve_round(scenario, solver, explain=explain, previous=previous)


class Solving:
    """The solves of one app: in a pool of `processes` workers, or in the caller's thread
    when `processes` is 0."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(
        self,
        scenario: Scenario,
        solver: str = "auto",
        *,
        explain: bool = True,
        previous: Pairs | None = None,
    ) -> tuple[Result, list[Changed]]:
        """`solve_round` in the current language, wherever this app solves."""
        if self.processes <= 0:
            return solve_in(current(), scenario, solver, explain, previous)
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.processes, mp_context=process_context())
            pool = self._pool
        job = pool.submit(solve_in, current(), scenario, solver, explain, previous)
        return job.result()

    def close(self) -> None:
        """Stop the workers (when the server stops)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)
