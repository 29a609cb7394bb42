"""`python -m benchmarks.generation`: time the scenario generator against its target.

The generator is vectorised where it matters, with a target of about a second for
10000 x 5000; smaller sizes are timed alongside so that a change in how the time grows
shows. Wall-clock targets live here rather than in the unit tests, which only keep a
generous bound, so that a loaded machine fails no test. Medians over --repeat, each
generation with a fresh seed-1 generator.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks.generator import generate

#: Sizes timed (participants, mentors) and their targets in seconds.
TARGETS: dict[tuple[int, int], float] = {(1000, 500): 0.2, (10_000, 5_000): 1.0}


def time_generation(participants: int, mentors: int, repeat: int) -> float:
    """Median wall-clock seconds of `generate(participants, mentors, 1)`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        generate(participants, mentors, 1)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Time every size, print the table (and write JSON); the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generation", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (median taken)")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = []
    print("| size | median s | target s |")
    print("| --- | ---: | ---: |")
    for (participants, mentors), target in TARGETS.items():
        median = time_generation(participants, mentors, args.repeat)
        size = f"{participants}x{mentors}"
        rows.append({"size": size, "median_s": round(median, 3), "target_s": target})
        flag = "" if median <= target else " (over target)"
        print(f"| {size} | {median:.2f}{flag} | {target:g} |", flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
