"""Planning commands of the command line, for programme leads: `whatif`, `recruit` and
`simulate`.

`register(app)` adds them to the `likematch` app. Results go to stdout (or --out); the
progress bar and messages go to stderr, so json and csv stay clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar, get_args

import typer
from rich.console import Console
from rich.progress import Progress as Bar

import matcher
from matcher.cli.common import (
    OutOpt,
    QuietOpt,
    ScenarioArg,
    emit,
    fail,
    render_rich,
    wrote,
)
from matcher.io.load import load
from matcher.model.errors import ScenarioError
from matcher.model.scenario import Fairness, Gender, Scenario
from matcher.model.vocabulary import SUBSTANCES
from matcher.planning.executor import Executor, ExecutorError, Progress, open_executor
from matcher.planning.recruit import candidate_profiles, rank
from matcher.planning.simulate import Settings
from matcher.planning.simulate import simulate as run_simulation
from matcher.planning.variants import MentorProfile, Variant, apply
from matcher.planning.whatif import Grid, choose_profiles, run_whatif
from matcher.render.plans import (
    ChartError,
    render_recruit,
    render_simulation,
    render_whatif,
    simulation_chart,
    to_json,
    whatif_chart,
    whatif_csv,
)
from solvers import NAMES

T = TypeVar("T")


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


ChartOpt = Annotated[Path | None, typer.Option(help="Also draw a PNG chart to this file.")]
WorkersOpt = Annotated[int, typer.Option(
    min=1, help="Parallel workers: local processes, or Dask workers of a local cluster; "
                "1 runs in this process.")]
ExecutorOpt = Annotated[ExecutorKind, typer.Option(
    "--executor", help="Run the jobs locally or on a Dask distributed cluster.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    metavar="tcp://HOST:PORT",
    help="Dask scheduler to use with --executor dask; without it a local cluster starts.")]
SolverOpt = Annotated[str, typer.Option(help="Back-end for every round (auto is fastest).")]


def _load(path: Path | None) -> tuple[Path, Scenario]:
    source = path or matcher.EXAMPLE
    try:
        return source, load(source)
    except ScenarioError as error:
        fail(error.render())


def _items(option: str, text: str, parse: Callable[[str], T], what: str) -> tuple[T, ...]:
    """`1,2,2` -> (1, 2): comma-separated values in the given order, repeats dropped."""
    out: list[T] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            fail(f"{option}: empty value in '{text}'")
        try:
            value = parse(part)
        except ValueError:
            fail(f"{option}: '{part}' is not {what}")
        if value not in out:
            out.append(value)
    return tuple(out)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _posts(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError(text)
    return value


def _fairness(text: str) -> Fairness:
    if text not in get_args(Fairness):
        raise ValueError(text)
    return text  # type: ignore[return-value]


def parse_floors(texts: list[str], scenario: Scenario) -> tuple[tuple[str, tuple[int, ...]], ...]:
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, tuple[int, ...]] = {}
    for text in texts:
        muni, sep, values = text.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            fail(f"--floor: expected MUNICIPALITY=N[,N...], got '{text}'")
        if muni not in known:
            fail(f"--floor: unknown municipality '{muni}'; the scenario has: "
                  f"{', '.join(known)}")
        if muni in out:
            fail(f"--floor: municipality '{muni}' given twice")
        out[muni] = _items("--floor", values, _count, "a whole number >= 0")
    return tuple(out.items())


PROFILE_KEYS = ("gender", "municipality", "age", "serves", "substances")


def parse_profile(text: str, scenario: Scenario) -> MentorProfile:
    """`gender=female,municipality=sandnes,age=40[,serves=a+b][,substances=x+y]`."""
    option = "--mentor-profile"
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            fail(f"{option}: expected KEY=VALUE pairs separated by commas, got '{part}'")
        if key not in PROFILE_KEYS:
            fail(f"{option}: unknown key '{key}'; use {', '.join(PROFILE_KEYS)}")
        fields[key] = value
    for key in ("gender", "municipality"):
        if key not in fields:
            fail(f"{option}: '{key}' is missing")
    gender = fields["gender"].lower()
    if gender not in get_args(Gender):
        fail(f"{option}: gender must be one of {', '.join(get_args(Gender))}")
    known = [m.id for m in scenario.municipality_list()]
    serves = tuple(s.strip() for s in fields.get("serves", fields["municipality"]).split("+"))
    for muni in (fields["municipality"], *serves):
        if muni not in known:
            fail(f"{option}: unknown municipality '{muni}'; the scenario has: "
                  f"{', '.join(known)}")
    try:
        age = int(fields.get("age", "40"))
    except ValueError:
        fail(f"{option}: age must be a whole number")
    if not 16 <= age <= 120:
        fail(f"{option}: age must be between 16 and 120")
    allowed = {*SUBSTANCES, *scenario.vocabulary.substances}
    substances = tuple(s.strip().lower() for s in fields["substances"].split("+")) \
        if "substances" in fields else ()
    for substance in substances:
        if substance not in allowed:
            fail(f"{option}: unknown substance '{substance}'; use {', '.join(sorted(allowed))}")
    return MentorProfile(gender=gender, municipality=fields["municipality"],  # type: ignore[arg-type]
                         age=age, serves=serves, substances=substances)


@contextmanager
def progress_bar(total: int, label: str, quiet: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr, only for a person watching a terminal."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal or total == 0:
        yield None
        return
    with Bar(console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@contextmanager
def executor_for(kind: ExecutorKind, workers: int, scheduler: str | None
                 ) -> Iterator[Executor]:
    try:
        pool = open_executor("dask" if kind is ExecutorKind.dask else "local", workers,
                             scheduler)
    except ExecutorError as error:
        fail(str(error))
    with pool:
        yield pool


def check_chart(chart: Path | None, protect: Path) -> None:
    """Bad --chart paths fail before any work is done."""
    if chart is None:
        return
    if chart.suffix.lower() != ".png":
        fail(f"--chart {chart}: use a .png file name")
    if chart.exists() and chart.resolve() == protect.resolve():
        fail(f"--chart {chart}: refusing to overwrite the input scenario")
    if not chart.parent.is_dir() and str(chart.parent):
        fail(f"--chart {chart}: folder {chart.parent} does not exist")


def draw_chart(draw: Callable[[Path], None], chart: Path | None) -> None:
    if chart is None:
        return
    try:
        draw(chart)
    except ChartError as error:
        fail(str(error))
    wrote(chart)


def whatif(
    scenario: ScenarioArg = None,
    add_mentors: Annotated[str, typer.Option(
        help="Mentors to add, e.g. 0,1,2.")] = "0",
    mentor_profile: Annotated[str | None, typer.Option(
        metavar="gender=G,municipality=M,age=N",
        help="Who the added mentors are (also serves=a+b, substances=x+y). Default: the "
             "profiles that help most, chosen one after another.")] = None,
    mentor_capacity: Annotated[str | None, typer.Option(
        help="Participants per mentor, for every mentor, e.g. 2,3.")] = None,
    capacity: Annotated[str | None, typer.Option(
        help="Programme capacity, e.g. 10,12,15; the position budget grows with it "
             "unless --position-budget is given.")] = None,
    position_budget: Annotated[str | None, typer.Option(
        help="Mentor posts available, e.g. 1.0,1.5.")] = None,
    floor: Annotated[list[str] | None, typer.Option(
        metavar="MUNICIPALITY=N,N", help="Municipality floor values (repeatable).")] = None,
    fairness: Annotated[str | None, typer.Option(
        help="Fairness modes, e.g. none,quotas,maxmin.")] = None,
    fmt: Annotated[Output, typer.Option("--format", help="Output format.")] = Output.table,
    out: OutOpt = None,
    chart: ChartOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Solve every combination of capacity changes and compare them, one row each."""
    path, loaded = _load(scenario)
    grid = Grid(
        add_mentors=_items("--add-mentors", add_mentors, _count, "a whole number >= 0"),
        mentor_capacity=_items("--mentor-capacity", mentor_capacity, _count,
                               "a whole number >= 0") if mentor_capacity else (None,),
        capacity=_items("--capacity", capacity, _count, "a whole number >= 0")
        if capacity else (None,),
        position_budget=_items("--position-budget", position_budget, _posts,
                               "a number of posts >= 0") if position_budget else (None,),
        floors=parse_floors(floor or [], loaded),
        fairness=_items("--fairness", fairness, _fairness,
                        "one of " + ", ".join(get_args(Fairness))) if fairness else (None,),
        profile=parse_profile(mentor_profile, loaded) if mentor_profile else None,
    )
    _check_solver(solver)
    check_chart(chart, path)
    variants = grid.variants()
    with executor_for(executor, workers, scheduler) as pool, \
            progress_bar(len(variants), "what-ifs", quiet) as tick:
        result = run_whatif(loaded, grid, solver=solver, executor=pool, progress=tick)
    if fmt is Output.json:
        text = to_json(result)
    elif fmt is Output.csv:
        text = whatif_csv(result)
    else:
        text = render_rich(lambda c: render_whatif(result, c), out is not None)
    if text:
        emit(text, out, path)
    draw_chart(lambda p: whatif_chart(result, p), chart)


def recruit(
    scenario: ScenarioArg = None,
    top: Annotated[int, typer.Option(min=1, help="How many profiles to show.")] = 5,
    keep_caps: Annotated[bool, typer.Option(
        "--keep-caps", help="Recruits bring no places: keep programme capacity and "
                            "position budget as they are.")] = False,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] =
    TableOrJson.table,
    out: OutOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Rank new mentor profiles by how many waiting participants each would take."""
    path, loaded = _load(scenario)
    _check_solver(solver)
    total = len(candidate_profiles(loaded, substances=False))
    with executor_for(executor, workers, scheduler) as pool, \
            progress_bar(total, "profiles", quiet) as tick:
        result = rank(loaded, top=top, solver=solver, keep_caps=keep_caps,
                      executor=pool, progress=tick)
    if fmt is TableOrJson.json:
        text = to_json(result)
    else:
        text = render_rich(lambda c: render_recruit(result, c), out is not None)
    if text:
        emit(text, out, path)


def parse_rates(text: str, scenario: Scenario) -> tuple[tuple[str, float], ...]:
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, float] = {}
    for part in text.split(","):
        muni, sep, value = part.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            fail(f"--referrals: expected MUNICIPALITY=PER_MONTH pairs, got '{part}'")
        if muni not in known:
            fail(f"--referrals: unknown municipality '{muni}'; the scenario has: "
                  f"{', '.join(known)}")
        try:
            out[muni] = _posts(value.strip())
        except ValueError:
            fail(f"--referrals: '{value.strip()}' for {muni} is not a rate >= 0")
    return tuple(out.items())


def simulate(
    scenario: ScenarioArg = None,
    months: Annotated[int, typer.Option(min=1, max=120, help="Length of the period.")] = 12,
    runs: Annotated[int, typer.Option(min=1, help="Independent runs to average.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Same seed, same output.")] = 0,
    round_weeks: Annotated[int, typer.Option(min=1, max=52,
                                             help="Weeks between pairing rounds.")] = 4,
    referrals: Annotated[str | None, typer.Option(
        metavar="MUNICIPALITY=N,...",
        help="Referrals per month; municipalities left out get the rate of the "
             "scenario's referrals in the last year.")] = None,
    followup_months: Annotated[float, typer.Option(
        min=0.5, max=60, help="Median length of a follow-up.")] = 10.0,
    dropout: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of follow-ups that end early.")] = 0.15,
    wait_dropout: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of waiting people who give up each month.")] = 0.05,
    mentor_turnover: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of mentors who stop each year.")] = 0.15,
    replace_weeks: Annotated[int, typer.Option(
        min=0, help="Weeks until a mentor who stopped is replaced.")] = 12,
    add_mentors: Annotated[int, typer.Option(
        min=0, help="Simulate with this many more mentors (see whatif).")] = 0,
    mentor_profile: Annotated[str | None, typer.Option(
        metavar="gender=G,municipality=M,age=N",
        help="Who the added mentors are. Default: the profiles that help most.")] = None,
    mentor_capacity: Annotated[int | None, typer.Option(
        min=0, help="Participants per mentor, for every mentor.")] = None,
    capacity: Annotated[int | None, typer.Option(
        min=0, help="Programme capacity (the position budget grows with it).")] = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] =
    TableOrJson.table,
    out: OutOpt = None,
    chart: ChartOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Simulate a year (or --months) of referrals, rounds, follow-ups and turnover."""
    path, loaded = _load(scenario)
    _check_solver(solver)
    check_chart(chart, path)
    settings = Settings(
        months=months, runs=runs, seed=seed, round_weeks=round_weeks,
        referrals=parse_rates(referrals, loaded) if referrals else (),
        followup_months=followup_months, dropout=dropout, wait_dropout=wait_dropout,
        mentor_turnover=mentor_turnover, replace_weeks=replace_weeks, solver=solver,
    )
    with executor_for(executor, workers, scheduler) as pool:
        if add_mentors or mentor_capacity is not None or capacity is not None:
            grid = Grid(add_mentors=(add_mentors,),
                        profile=parse_profile(mentor_profile, loaded) if mentor_profile
                        else None)
            profiles = choose_profiles(loaded, grid, solver, pool)
            loaded = apply(loaded, Variant(add_mentors=add_mentors,
                                           mentor_capacity=mentor_capacity,
                                           capacity=capacity), profiles)
        with progress_bar(runs, "runs", quiet) as tick:
            result = run_simulation(loaded, settings, executor=pool, progress=tick)
    if fmt is TableOrJson.json:
        text = to_json(result)
    else:
        text = render_rich(lambda c: render_simulation(result, c), out is not None)
    if text:
        emit(text, out, path)
    draw_chart(lambda p: simulation_chart(result, p), chart)


def _check_solver(name: str) -> None:
    if name not in NAMES:
        fail(f"--solver: unknown solver '{name}'; choose one of: {', '.join(NAMES)}")


def register(app: typer.Typer) -> None:
    """Add `whatif`, `recruit` and `simulate` to a typer app (the `likematch` app)."""
    app.command("whatif")(whatif)
    app.command("recruit")(recruit)
    app.command("simulate")(simulate)
