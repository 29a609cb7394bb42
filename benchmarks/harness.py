"""Benchmark harness: back-ends side by side on generated scenarios of chosen sizes.

Each (case, back-end) runs in a fresh process so that peak memory (max RSS) belongs to
that run alone; times are medians over repetitions measured in that process. Results go
to a JSON file, a Markdown table and, with matplotlib installed, a PNG plot.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LEVELS = ("coverage", "fairness", "priority", "quality")


@dataclass(frozen=True)
class Case:
    """A generated scenario (`participants` x `mentors`), or the bundled example."""

    participants: int
    mentors: int
    seed: int = 1

    @property
    def label(self) -> str:
        """How the case is named in tables, results and plots."""
        return "example" if self.participants == 0 else f"{self.participants}x{self.mentors}"


EXAMPLE = Case(0, 0)


@dataclass
class Run:
    """One (case, back-end, mode) measurement: its times, memory, objective or error."""

    case: str
    solver: str
    mode: str  # "library" (matcher.solve), "backend" (the solver alone) or "cli"
    status: str
    times_s: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    levels: dict[str, int] = field(default_factory=dict)
    error: str = ""
    gap: str = ""

    @property
    def median_s(self) -> float:
        """The median time in seconds (NaN when nothing ran)."""
        return statistics.median(self.times_s) if self.times_s else float("nan")


def parse_case(text: str) -> Case:
    """A `--sizes` entry (`PxM` or `example`) as a case; exits with a message otherwise."""
    if text == "example":
        return EXAMPLE
    try:
        p, m = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--sizes: '{text}' is not PxM (e.g. 1000x500) or 'example'") from None
    return Case(p, m)


def scenario_data(case: Case) -> dict[str, Any]:
    """The case's scenario as plain data, generated or read from the bundled example."""
    # Lazy imports here and in the runs below: only the fresh process of a run loads
    # matcher, the solvers and OR-Tools, never the harness's parent process.
    if case == EXAMPLE:
        import matcher  # lazy, see above
        from matcher.io.documents import read_document  # lazy

        data: dict[str, Any] = read_document(matcher.EXAMPLE)
        return data
    from benchmarks.generator import generate  # lazy: it loads matcher

    return generate(case.participants, case.mentors, case.seed)


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _library_run(
    case: Case, solver: str, repeat: int, time_limit: float | None, explain: bool
) -> Run:
    """`matcher.solve` in this process: build, solve and (unless not) explain."""
    import matcher  # lazy, see scenario_data

    scenario = matcher.validate(scenario_data(case))
    run = Run(case.label, solver, "library" if explain else "library, no explain", "")
    for _ in range(repeat):
        start = time.perf_counter()
        result = matcher.solve(scenario, solver=solver, time_limit=time_limit, explain=explain)
        run.times_s.append(time.perf_counter() - start)
    run.status = result.status
    run.levels = dict(result.metrics.objective)
    run.peak_mb = _peak_mb()
    return run


def _backend_run(
    case: Case, solver: str, repeat: int, time_limit: float | None, explain: bool
) -> Run:
    """The back-end alone on the built problem: what the solver targets are about."""
    import matcher  # lazy, see scenario_data
    from matcher.core.problem import build  # lazy
    from solvers import Options, get_solver  # lazy

    problem = build(matcher.validate(scenario_data(case))).problem
    backend = get_solver(solver)
    run = Run(case.label, solver, "backend", "")
    for _ in range(repeat):
        start = time.perf_counter()
        solution = backend.solve(problem, Options.within(time_limit))
        run.times_s.append(time.perf_counter() - start)
    run.status = solution.status
    run.levels = dict(solution.levels)
    run.peak_mb = _peak_mb()
    return run


def _cli_run(case: Case, solver: str, repeat: int, time_limit: float | None, explain: bool) -> Run:
    """The `likematch solve` command end to end, on the scenario written to a file."""
    run = Run(case.label, solver, "cli" if explain else "cli, no explain", "")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.json"
        path.write_text(json.dumps(scenario_data(case)), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "matcher",
            "solve",
            str(path),
            "--solver",
            solver,
            "--format",
            "json",
        ]
        if time_limit is not None:
            command += ["--time-limit", str(time_limit)]
        if not explain:
            command.append("--no-explain")
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            run.times_s.append(time.perf_counter() - start)
            if done.returncode not in (0, 3):
                last = (done.stderr.strip().splitlines() or [""])[-1]
                run.status, run.error = "error", last[:300]
                return run
        result = json.loads(done.stdout)
        run.status = result["status"]
        run.levels = result["metrics"]["objective"]
    run.peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return run


def run_one(
    case: Case, solver: str, mode: str, repeat: int, time_limit: float | None, explain: bool = True
) -> Run:
    """One run in this process; a failing back-end is reported as an `error` run."""
    worker = {"cli": _cli_run, "backend": _backend_run}.get(mode, _library_run)
    try:
        return worker(case, solver, repeat, time_limit, explain)
    except Exception as error:  # a failing back-end is a result, not a crash of the harness
        return Run(case.label, solver, mode, "error", error=f"{type(error).__name__}: {error}")


def run_isolated(
    case: Case,
    solver: str,
    mode: str,
    repeat: int,
    time_limit: float | None,
    timeout: float,
    explain: bool = True,
) -> Run:
    """One run in a fresh process, killed after `timeout` seconds."""
    context = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(run_one, case, solver, mode, repeat, time_limit, explain)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            return Run(case.label, solver, mode, "timeout", error=f"over {timeout:g} s")


def add_gaps(runs: list[Run]) -> None:
    """Gap of each run to the lexicographically best objective found on its case."""
    for label in {r.case for r in runs}:
        done = [r for r in runs if r.case == label and r.levels and r.status != "error"]
        if not done:
            continue
        best = max(done, key=lambda r: tuple(r.levels.get(k, 0) for k in LEVELS))
        for run in done:
            diffs = [(k, run.levels.get(k, 0) - best.levels.get(k, 0)) for k in LEVELS]
            first = next(((k, d) for k, d in diffs if d != 0), None)
            run.gap = "0" if first is None else f"{first[0]} {first[1]:+d}"


def markdown(runs: list[Run]) -> str:
    """The runs as a Markdown table."""
    lines = [
        "| case | solver | mode | status | median | runs | peak MB | coverage | quality | gap |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        median = (
            "-"
            if not r.times_s
            else (f"{r.median_s * 1000:.2f} ms" if r.median_s < 1 else f"{r.median_s:.2f} s")
        )
        lines.append(
            f"| {r.case} | {r.solver} | {r.mode} | {r.status} | {median} | {len(r.times_s)} "
            f"| {r.peak_mb:.0f} | {r.levels.get('coverage', '-')} "
            f"| {r.levels.get('quality', '-')} | {r.gap or r.error} |"
        )
    return "\n".join(lines) + "\n"


def plot(runs: list[Run], path: Path) -> bool:
    """Time against size per back-end; False when matplotlib is not installed."""
    try:
        import matplotlib  # lazy: matplotlib is optional (the `bench` extra)

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # lazy
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for solver in sorted({r.solver for r in runs}):
        points = sorted(
            (int(r.case.split("x")[0]), r.median_s)
            for r in runs
            if r.solver == solver and r.case != EXAMPLE.label and r.times_s
        )
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=solver)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("participants (mentors = half)")
    ax.set_ylabel("median time, s")
    ax.set_title("likematch back-ends")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(runs: list[Run], folder: Path, meta: dict[str, Any]) -> list[Path]:
    """Results as JSON and Markdown (and a plot when possible) in `folder`; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "results.json", folder / "results.md"]
    payload = {
        "meta": meta,
        "runs": [asdict(r) | {"median_s": r.median_s if r.times_s else None} for r in runs],
    }
    paths[0].write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(runs), encoding="utf-8")
    if plot(runs, folder / "time-vs-size.png"):
        paths.append(folder / "time-vs-size.png")
    return paths


def machine() -> dict[str, Any]:
    """What the results were measured on, for the results' metadata."""
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform}
