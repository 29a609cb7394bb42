"""`python -m benchmarks.plans`: time the planning commands against their targets.

- 100 what-if variants of the Stavanger example (5 mentor counts x 2 per-mentor caps x
  5 programme caps x 2 fairness modes), target 5 s on 2 cores;
- 200 simulation runs x 12 months of the example, target 60 s locally.

Each is timed in the library (in this process, and on 2 local worker processes, pool
start-up included) and as the `likematch` command end to end; medians over --repeat.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import matcher
from matcher.planning.executor import Executor, InProcess, LocalProcesses
from matcher.planning.simulate import Settings, simulate
from matcher.planning.whatif import Grid, run_whatif

GRID = Grid(
    add_mentors=(0, 1, 2, 3, 4),
    mentor_capacity=(2, 3),
    capacity=(10, 12, 15, 20, 25),
    fairness=("quotas", "maxmin"),
)
WHATIF_ARGS = [
    "whatif",
    "--add-mentors",
    "0,1,2,3,4",
    "--mentor-capacity",
    "2,3",
    "--capacity",
    "10,12,15,20,25",
    "--fairness",
    "quotas,maxmin",
    "--format",
    "json",
]
SIM_ARGS = ["simulate", "--months", "12", "--runs", "200", "--seed", "1", "--format", "json"]
TARGETS = {"whatif": 5.0, "simulate": 60.0}


def _median(fn: Callable[[], object], repeat: int) -> float:
    """Median wall-clock seconds of `repeat` calls of `fn`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pool(workers: int) -> Executor:
    """This process alone for one worker, local worker processes otherwise."""
    return InProcess() if workers == 1 else LocalProcesses(workers)


def _whatif(workers: int) -> None:
    """The 100-variant what-if grid of the example, in the library."""
    pool = _pool(workers)
    try:
        result = run_whatif(matcher.load(matcher.EXAMPLE), GRID, executor=pool)
        assert len(result.rows) == 100
    finally:
        pool.close()


def _simulate(workers: int) -> None:
    """200 simulated years of the example, in the library."""
    pool = _pool(workers)
    try:
        simulate(
            matcher.load(matcher.EXAMPLE), Settings(months=12, runs=200, seed=1), executor=pool
        )
    finally:
        pool.close()


def _cli(args: list[str], workers: int) -> Callable[[], object]:
    """A call of the `likematch` command with `args`, end to end."""
    command = [sys.executable, "-m", "matcher", *args, "--workers", str(workers), "--quiet"]
    return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """Time every task and mode, print the table (and write JSON); the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plans", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (median taken)")
    parser.add_argument("--workers", type=int, default=2, help="parallel workers to compare")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)

    cases: list[tuple[str, str, int, Callable[[], object]]] = []
    for workers in sorted({1, args.workers}):
        cases.append(("whatif", "library", workers, functools.partial(_whatif, workers)))
        cases.append(("simulate", "library", workers, functools.partial(_simulate, workers)))
    cases.append(("whatif", "cli", 1, _cli(WHATIF_ARGS, 1)))
    cases.append(("simulate", "cli", 1, _cli(SIM_ARGS, 1)))

    rows = []
    print("| task | mode | workers | median s | target s |")
    print("| --- | --- | ---: | ---: | ---: |")
    for task, mode, workers, fn in cases:
        median = _median(fn, args.repeat)
        rows.append(
            {
                "task": task,
                "mode": mode,
                "workers": workers,
                "median_s": round(median, 3),
                "target_s": TARGETS[task],
            }
        )
        flag = "" if median <= TARGETS[task] else " (over target)"
        print(
            f"| {task} | {mode} | {workers} | {median:.2f}{flag} | {TARGETS[task]:g} |", flush=True
        )
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
