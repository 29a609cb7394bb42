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
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress as Bar

from matcher.cli.common import (
    EXIT_NO_PROPOSAL,
    LangOpt,
    OutOpt,
    QuietOpt,
    ScenarioArg,
    emit,
    fail,
    load_scenario,
    render_rich,
    use_language,
    wrote,
)
from matcher.io.files import OutputError, check_target
from matcher.model.scenario import Scenario
from matcher.planning.executor import Executor, ExecutorError, Progress, open_executor
from matcher.planning.parsing import (
    COUNT,
    FAIRNESS,
    POSTS,
    OptionError,
    comma_list,
    fairness_mode,
    non_negative,
    optional_list,
    parse_floors,
    parse_profile,
    parse_rates,
    whole_number,
)
from matcher.planning.recruit import candidate_profiles, rank
from matcher.planning.runs import nav_share_of
from matcher.planning.simulate import Settings
from matcher.planning.simulate import simulate as run_simulation
from matcher.planning.variants import Variant, apply
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
from solvers import NAMES, NoSolutionError

T = TypeVar("T")


class Output(StrEnum):
    """`whatif --format`: what-if rows are flat, so they also come as CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(StrEnum):
    """`recruit` and `simulate --format`: their nested results have no CSV form."""

    table = "table"
    json = "json"


class ExecutorKind(StrEnum):
    """`--executor`: where the jobs run; `dask` needs the optional `likematch[dask]` extra."""

    local = "local"
    dask = "dask"


ChartOpt = Annotated[Path | None, typer.Option(help="Also draw a PNG chart to this file.")]
WorkersOpt = Annotated[
    int,
    typer.Option(
        min=1,
        help="Parallel workers: local processes, or Dask workers of a local cluster; "
        "1 runs in this process.",
    ),
]
ExecutorOpt = Annotated[
    ExecutorKind,
    typer.Option("--executor", help="Run the jobs locally or on a Dask distributed cluster."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        metavar="tcp://HOST:PORT",
        help="Dask scheduler to use with --executor dask; without it a local cluster starts.",
    ),
]
SolverOpt = Annotated[str, typer.Option(help="Back-end for every round (auto is fastest).")]


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
def option_texts() -> Iterator[None]:
    """An option text that cannot be read exits with 2 and says what to write instead."""
    try:
        yield
    except OptionError as error:
        fail(str(error))


@contextmanager
def executor_for(kind: ExecutorKind, workers: int, scheduler: str | None) -> Iterator[Executor]:
    """The executor, closed on the way out even on error (workers and a local Dask cluster
    stopped); a setup problem exits with 2 and a message instead of a traceback, and a
    back-end that finds no proposal for some round (greedy giving up) with 4."""
    try:
        pool = open_executor("dask" if kind is ExecutorKind.dask else "local", workers, scheduler)
    except ExecutorError as error:
        fail(str(error))
    with pool:
        try:
            yield pool
        except NoSolutionError as error:
            fail(
                f"--solver: no proposal for one of the rounds: {error}; choose an exact "
                "back-end (auto)",
                EXIT_NO_PROPOSAL,
            )


def check_chart(chart: Path | None, protect: Path) -> None:
    """Bad --chart paths fail before any work is done."""
    if chart is None:
        return
    if chart.suffix.lower() != ".png":
        fail(f"--chart {chart}: use a .png file name")
    try:
        check_target(chart, protect)
    except OutputError as error:
        fail(f"--chart {error}")


def draw_chart(draw: Callable[[Path], None], chart: Path | None) -> None:
    """Draw the chart `--chart` asked for; a missing matplotlib or an unwritable path
    exits with 2 and a message."""
    if chart is None:
        return
    try:
        draw(chart)
    except ChartError as error:
        fail(str(error))
    except OutputError as error:
        fail(f"--chart {error}")
    wrote(chart)


def whatif(
    scenario: ScenarioArg = None,
    add_mentors: Annotated[str, typer.Option(help="Mentors to add, e.g. 0,1,2.")] = "0",
    mentor_profile: Annotated[
        str | None,
        typer.Option(
            metavar="gender=G,municipality=M,age=N",
            help="Who the added mentors are (also serves=a+b, substances=x+y). Default: the "
            "profiles that help most, chosen one after another.",
        ),
    ] = None,
    mentor_capacity: Annotated[
        str | None, typer.Option(help="Participants per mentor, for every mentor, e.g. 2,3.")
    ] = None,
    capacity: Annotated[
        str | None,
        typer.Option(
            help="Programme capacity, e.g. 10,12,15; the position budget grows with it "
            "unless --position-budget is given."
        ),
    ] = None,
    position_budget: Annotated[
        str | None, typer.Option(help="Mentor posts available, e.g. 1.0,1.5.")
    ] = None,
    floor: Annotated[
        list[str] | None,
        typer.Option(metavar="MUNICIPALITY=N,N", help="Municipality floor values (repeatable)."),
    ] = None,
    fairness: Annotated[
        str | None, typer.Option(help="Fairness modes, e.g. none,quotas,maxmin.")
    ] = None,
    fmt: Annotated[Output, typer.Option("--format", help="Output format.")] = Output.table,
    out: OutOpt = None,
    chart: ChartOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Solve every combination of capacity changes and compare them, one row each."""
    use_language(lang)
    path, loaded = load_scenario(scenario)
    with option_texts():
        grid = Grid(
            add_mentors=comma_list("--add-mentors", add_mentors, whole_number, COUNT),
            mentor_capacity=optional_list(
                "--mentor-capacity", mentor_capacity, whole_number, COUNT
            ),
            capacity=optional_list("--capacity", capacity, whole_number, COUNT),
            position_budget=optional_list(
                "--position-budget", position_budget, non_negative, POSTS
            ),
            floors=parse_floors(floor or [], loaded),
            fairness=optional_list("--fairness", fairness, fairness_mode, FAIRNESS),
            profile=parse_profile(mentor_profile, loaded) if mentor_profile else None,
        )
    _check_solver(solver)
    check_chart(chart, path)
    variants = grid.variants()
    with (
        executor_for(executor, workers, scheduler) as pool,
        progress_bar(len(variants), "what-ifs", quiet) as tick,
    ):
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
    keep_caps: Annotated[
        bool,
        typer.Option(
            "--keep-caps",
            help="Recruits bring no places: keep programme capacity and "
            "position budget as they are.",
        ),
    ] = False,
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="Output format.")
    ] = TableOrJson.table,
    out: OutOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Rank new mentor profiles by how many waiting participants each would take."""
    use_language(lang)
    path, loaded = load_scenario(scenario)
    _check_solver(solver)
    total = len(candidate_profiles(loaded, substances=False))
    with (
        executor_for(executor, workers, scheduler) as pool,
        progress_bar(total, "profiles", quiet) as tick,
    ):
        result = rank(
            loaded, top=top, solver=solver, keep_caps=keep_caps, executor=pool, progress=tick
        )
    if fmt is TableOrJson.json:
        text = to_json(result)
    else:
        text = render_rich(lambda c: render_recruit(result, c), out is not None)
    if text:
        emit(text, out, path)


FollowupOpt = Annotated[float, typer.Option(min=0.5, max=60, help="Median length of a follow-up.")]
DropoutOpt = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Share of follow-ups that end early.")
]
WaitDropoutOpt = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Share of waiting people who give up each month."),
]
NavShareOpt = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Share of new pairs paid by NAV's mentor funds (renewed every 3 months, 6 "
        "months extendable to 3 years). Default: the share among the active pairs.",
    ),
]
RenewalRefusalOpt = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Chance that NAV does not renew a pair.")
]
NavExtensionOpt = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Chance that NAV extends a pair past 6 months."),
]
TurnoverOpt = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Share of mentors who stop each year.")
]
ReplaceWeeksOpt = Annotated[
    int, typer.Option(min=0, help="Weeks until a mentor who stopped is replaced.")
]
ReferralsOpt = Annotated[
    str | None,
    typer.Option(
        metavar="MUNICIPALITY=N,...",
        help="Referrals per month; municipalities left out get the rate of the "
        "scenario's referrals in the last year.",
    ),
]
RoundWeeksOpt = Annotated[int, typer.Option(min=1, max=52, help="Weeks between pairing rounds.")]


def simulate(
    scenario: ScenarioArg = None,
    months: Annotated[int, typer.Option(min=1, max=120, help="Length of the period.")] = 12,
    runs: Annotated[int, typer.Option(min=1, help="Independent runs to average.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Same seed, same output.")] = 0,
    round_weeks: RoundWeeksOpt = 4,
    referrals: ReferralsOpt = None,
    followup_months: FollowupOpt = 10.0,
    dropout: DropoutOpt = 0.15,
    wait_dropout: WaitDropoutOpt = 0.05,
    mentor_turnover: TurnoverOpt = 0.15,
    replace_weeks: ReplaceWeeksOpt = 12,
    nav_share: NavShareOpt = None,
    renewal_refusal: RenewalRefusalOpt = 0.1,
    nav_extension: NavExtensionOpt = 0.6,
    add_mentors: Annotated[
        int, typer.Option(min=0, help="Simulate with this many more mentors (see whatif).")
    ] = 0,
    mentor_profile: Annotated[
        str | None,
        typer.Option(
            metavar="gender=G,municipality=M,age=N",
            help="Who the added mentors are. Default: the profiles that help most.",
        ),
    ] = None,
    mentor_capacity: Annotated[
        int | None, typer.Option(min=0, help="Participants per mentor, for every mentor.")
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(min=0, help="Programme capacity (the position budget grows with it)."),
    ] = None,
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="Output format.")
    ] = TableOrJson.table,
    out: OutOpt = None,
    chart: ChartOpt = None,
    solver: SolverOpt = "auto",
    workers: WorkersOpt = 1,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = None,
) -> None:
    """Simulate a year (or --months) of referrals, rounds, follow-ups and turnover."""
    use_language(lang)
    path, loaded = load_scenario(scenario)
    _check_solver(solver)
    check_chart(chart, path)
    settings = Settings(
        months=months,
        runs=runs,
        seed=seed,
        round_weeks=round_weeks,
        referrals=_referrals(referrals, loaded),
        followup_months=followup_months,
        dropout=dropout,
        wait_dropout=wait_dropout,
        mentor_turnover=mentor_turnover,
        replace_weeks=replace_weeks,
        solver=solver,
        nav_share=nav_share_of(loaded) if nav_share is None else nav_share,
        renewal_refusal=renewal_refusal,
        nav_extension=nav_extension,
    )
    with executor_for(executor, workers, scheduler) as pool:
        variant = Variant(
            add_mentors=add_mentors, mentor_capacity=mentor_capacity, capacity=capacity
        )
        loaded = _with_variant(loaded, variant, mentor_profile, solver, pool)
        with progress_bar(runs, "runs", quiet) as tick:
            result = run_simulation(loaded, settings, executor=pool, progress=tick)
    if fmt is TableOrJson.json:
        text = to_json(result)
    else:
        text = render_rich(lambda c: render_simulation(result, c), out is not None)
    if text:
        emit(text, out, path)
    draw_chart(lambda p: simulation_chart(result, p), chart)


def _with_variant(
    scenario: Scenario, variant: Variant, profile: str | None, solver: str, pool: Executor
) -> Scenario:
    """The scenario a simulation starts from: as given, or with mentors added and caps
    changed (added mentors follow `--mentor-profile`, else the profiles that help most)."""
    if not (variant.add_mentors or variant.mentor_capacity is not None or variant.capacity):
        return scenario
    with option_texts():
        chosen = parse_profile(profile, scenario) if profile else None
    grid = Grid(add_mentors=(variant.add_mentors,), profile=chosen)
    return apply(scenario, variant, choose_profiles(scenario, grid, solver, pool))


def _referrals(text: str | None, scenario: Scenario) -> tuple[tuple[str, float], ...]:
    """`--referrals` as rates per municipality (none given: the scenario's own)."""
    with option_texts():
        return parse_rates(text, scenario) if text else ()


def _check_solver(name: str) -> None:
    if name not in NAMES:
        fail(f"--solver: unknown solver '{name}'; choose one of: {', '.join(NAMES)}")


def register(app: typer.Typer) -> None:
    """Add `whatif`, `recruit` and `simulate` to a typer app (the `likematch` app)."""
    app.command("whatif")(whatif)
    app.command("recruit")(recruit)
    app.command("simulate")(simulate)
