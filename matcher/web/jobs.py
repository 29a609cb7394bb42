"""The programme lead's long work (what-if grids, recruitment, year simulations), run
off the request thread so that a page never waits minutes for an answer.

A `Job` lives in its session's `jobs`, under a random id that may appear in a URL (it
says nothing about anyone). Its thread speaks the session's language, ticks `done`
from the executor's progress, and stops at the next tick when cancelled or when its
session forgets the round. The `Runner` is one per app: it bounds how many jobs run at
once and how many wait, so that a shared machine stays responsive whatever the
sessions ask.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from matcher.planning.executor import Executor, ExecutorError, Kind, Progress, open_executor
from matcher.render.plans import ChartError
from matcher.text.language import N_, speaking
from matcher.text.language import gettext as _
from matcher.web.settings import WebSettings
from solvers import NoSolutionError

#: What a job does: given the executor and a progress callback, the planning result.
Work = Callable[[Executor, Progress], BaseModel]
#: A result's chart as PNG bytes, drawn in the language being spoken.
Draw = Callable[[Any], bytes]
State = Literal["queued", "running", "done", "failed", "cancelled"]

#: Jobs running at once in one app; the others wait their turn.
PARALLEL = 2
#: Jobs running or waiting in one app; beyond it a new job is refused.
MAX_PENDING = 8
#: Jobs a session keeps (the oldest finished ones go first).
KEEP_PER_SESSION = 6


NO_MATPLOTLIB = N_("The chart cannot be drawn: matplotlib is not installed here.")
NO_CHART = N_("The chart could not be drawn; the tables hold the same numbers.")


class Cancelled(Exception):
    """Raised from the progress callback to stop a job between two ticks."""


class Busy(Exception):
    """A new job was refused; the message says why and what to do."""


class AlreadyRunning(Busy):
    """A job of the same kind is still running in the session: `job`."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.kind)
        self.job = job


@dataclass
class Job:
    """One piece of work and what is known of it so far. The thread writes, pages
    read: every field is replaced whole, so a page never sees half an update."""

    kind: str
    total: int
    language: str
    draw: Draw | None = None
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    state: State = "queued"
    done: int = 0
    result: Any = None
    error: str = ""
    created: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    charts: dict[str, bytes] = field(default_factory=dict)
    chart_error: str = ""  # why there is no chart, as a text to translate
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def running(self) -> bool:
        """Queued or running: not finished one way or the other."""
        return self.state in ("queued", "running")

    @property
    def percent(self) -> int:
        """How far it has come, 0 to 100 (100 only once done)."""
        if self.state == "done":
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0

    @property
    def seconds(self) -> int:
        """Seconds since it was started, or that it took."""
        end = self.finished if self.finished is not None else time.monotonic()
        return int(end - self.started)

    def chart(self, language: str) -> bytes | None:
        """The result's chart in `language`, drawn once per language and kept; None
        when there is none (no result yet, or matplotlib is missing)."""
        if self.draw is None or self.result is None:
            return None
        with self._lock:
            if language not in self.charts and not self.chart_error:
                with speaking(language):
                    try:
                        self.charts[language] = self.draw(self.result)
                    except ChartError:
                        self.chart_error = NO_MATPLOTLIB
                    except Exception:  # the tables hold the same numbers: the answer stands
                        self.chart_error = NO_CHART
            return self.charts.get(language)


class Runner:
    """The jobs of one app: a thread each, at most `parallel` of them working at a time."""

    def __init__(
        self, settings: WebSettings, parallel: int = PARALLEL, pending: int = MAX_PENDING
    ) -> None:
        self.settings = settings
        self.max_pending = pending
        self._slots = threading.BoundedSemaphore(parallel)
        self._lock = threading.Lock()
        self._pending = 0

    def start(
        self,
        jobs: dict[str, Any],
        kind: str,
        total: int,
        work: Work,
        language: str,
        draw: Draw | None = None,
    ) -> Job:
        """Start `work` as a job of the session whose jobs are `jobs`; raises `Busy`
        when one of this kind is still running there, or the app has too many."""
        for job in jobs.values():
            if isinstance(job, Job) and job.kind == kind and job.running:
                raise AlreadyRunning(job)
        with self._lock:
            if self._pending >= self.max_pending:
                raise Busy(_("The server is busy with other calculations; try again in a minute."))
            self._pending += 1
        job = Job(kind, total, language, draw)
        _make_room(jobs)
        jobs[job.id] = job
        thread = threading.Thread(
            target=self._run, args=(job, jobs, work), name=f"likematch-{kind}", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: refuse, and hold no place for it
            del jobs[job.id]
            with self._lock:
                self._pending -= 1
            raise Busy(
                _("The server is busy with other calculations; try again in a minute.")
            ) from None
        return job

    def _run(self, job: Job, jobs: dict[str, Any], work: Work) -> None:
        """The job's thread: waits for a slot, runs, and records the outcome; nothing
        it raises reaches a page except as a message."""
        try:
            with speaking(job.language), self._slots:
                if _stopped(job, jobs):
                    job.state = "cancelled"
                    return
                job.state = "running"
                job.started = time.monotonic()
                job.result = self._work(job, jobs, work)
                job.state = "done"
                job.chart(job.language)
        except Cancelled:
            job.state = "cancelled"
        except Exception as error:  # a page shows a message, never a traceback
            with speaking(job.language):
                job.error = _failure(error)
            job.state = "failed"
        finally:
            job.finished = time.monotonic()
            with self._lock:
                self._pending -= 1

    def _work(self, job: Job, jobs: dict[str, Any], work: Work) -> Any:
        """`work` on the executor the server was started with, closed afterwards."""
        settings = self.settings
        kind: Kind = "dask" if settings.scheduler else "local"

        def tick(n: int) -> None:
            job.done = min(job.total, job.done + n)
            if _stopped(job, jobs):
                raise Cancelled

        with open_executor(kind, settings.workers, settings.scheduler) as pool:
            return work(pool, tick)


def _stopped(job: Job, jobs: dict[str, Any]) -> bool:
    """Cancelled, or its session forgot the round (and with it every job)."""
    return job.cancel.is_set() or jobs.get(job.id) is not job


def _make_room(jobs: dict[str, Any]) -> None:
    """Forget the oldest finished jobs, so that a session holds a few at most."""
    finished = [j for j in jobs.values() if isinstance(j, Job) and not j.running]
    finished.sort(key=lambda j: j.created)
    while len(jobs) >= KEEP_PER_SESSION and finished:
        del jobs[finished.pop(0).id]


def _failure(error: Exception) -> str:
    """What went wrong, in words a programme lead can act on."""
    if isinstance(error, ExecutorError):
        return _("The calculation could not start: {error}").format(error=error)
    if isinstance(error, NoSolutionError):
        return _("The solver found no proposal for one of the rounds. Nothing was changed.")
    if isinstance(error, MemoryError):
        return _("The calculation needed more memory than this machine has. Ask for less.")
    return _(
        "The calculation stopped with an unexpected error ({kind}). Nothing was changed; "
        "try again, or ask for less."
    ).format(kind=type(error).__name__)


def find(jobs: dict[str, Any], job_id: str) -> Job | None:
    """The session's job with this id, if it has one."""
    job = jobs.get(job_id)
    return job if isinstance(job, Job) else None


def latest(jobs: dict[str, Any]) -> list[Job]:
    """The session's jobs, the newest first."""
    found = [j for j in jobs.values() if isinstance(j, Job)]
    return sorted(found, key=lambda j: j.created, reverse=True)
