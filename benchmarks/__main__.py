"""`python -m benchmarks`: run chosen sizes and back-ends, write JSON, Markdown and a plot."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from benchmarks.harness import Run, add_gaps, machine, markdown, parse_case, run_isolated, write


def _parser() -> argparse.ArgumentParser:
    """The command line of `python -m benchmarks`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="example,10x5,100x50,1000x500",
        help="comma-separated PxM sizes or 'example' (default: %(default)s)",
    )
    parser.add_argument(
        "--solvers", default="cpsat", help="comma-separated back-ends (default: %(default)s)"
    )
    parser.add_argument(
        "--mode",
        choices=["library", "backend", "cli"],
        default="library",
        help="in-process matcher.solve, the back-end alone on the built "
        "problem, or the likematch command end to end",
    )
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per run")
    parser.add_argument(
        "--no-explain",
        dest="explain",
        action="store_false",
        help="skip alternatives and would_match_if (the proposal alone)",
    )
    parser.add_argument("--time-limit", type=float, default=None, help="solver time limit, s")
    parser.add_argument("--timeout", type=float, default=600.0, help="kill a run after this, s")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks/results"),
        help="output folder (default: %(default)s)",
    )
    return parser


def _run_all(args: argparse.Namespace, console: Console) -> list[Run]:
    """Every (size, back-end) of the command line, each in its own process."""
    cases = [parse_case(s.strip()) for s in args.sizes.split(",") if s.strip()]
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    runs = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("benchmarking", total=len(cases) * len(solvers))
        for case in cases:
            for solver in solvers:
                progress.update(task, description=f"{case.label} {solver}")
                runs.append(
                    run_isolated(
                        case,
                        solver,
                        args.mode,
                        args.repeat,
                        args.time_limit,
                        args.timeout,
                        args.explain,
                    )
                )
                progress.advance(task)
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write the results and print the table; the exit status."""
    args = _parser().parse_args(argv)
    console = Console()
    runs = _run_all(args, console)
    add_gaps(runs)
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "argv": sys.argv[1:] if argv is None else argv,
        "mode": args.mode,
        "repeat": args.repeat,
        "explain": args.explain,
    }
    paths = write(runs, args.out, meta)
    console.print(markdown(runs), markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
