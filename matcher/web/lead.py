"""The programme lead's page: what-if grids, which mentors to recruit, and a simulated
year, each on the round the session has open, with the coordinator's decisions so far.

Every calculation runs as a background job (`matcher.web.jobs`): the form posts, the
page redirects to the job's own page, which reloads itself until the answer is there.
Only the job's random id appears in a URL; the answer is kept in the session, and
forgetting the round forgets it. Tables are worded by `matcher.render.plan_tables`,
as the command line's are, and charts come as PNG data in the page itself.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import get_args

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from matcher.model.scenario import Fairness, Gender, Scenario
from matcher.planning.executor import Executor, Progress
from matcher.planning.recruit import candidate_profiles, rank
from matcher.planning.simulate import simulate
from matcher.planning.variants import Variant, apply
from matcher.planning.whatif import Grid, choose_profiles, run_whatif
from matcher.render.plan_tables import (
    PlanTable,
    recruit_heading,
    recruit_note,
    recruit_table,
    simulation_assumptions,
    simulation_heading,
    simulation_notes,
    simulation_tables,
    whatif_added,
    whatif_footnote,
    whatif_heading,
    whatif_table,
)
from matcher.render.plans import simulation_png, whatif_png
from matcher.render.wording import setting_word
from matcher.text.language import N_, speaking
from matcher.text.language import gettext as _
from matcher.text.terms import term
from matcher.web.jobs import AlreadyRunning, Busy, Draw, Job, Runner, Work, find, latest
from matcher.web.lead_forms import (
    DEFAULTS,
    FormProblems,
    floor_field,
    recruit_asked,
    simulation_asked,
    whatif_grid,
)
from matcher.web.security import check_csrf, session_of
from matcher.web.sessions import Session
from matcher.web.templating import page

router = APIRouter()

#: Each kind of job in words: its title, and how its progress counts.
TITLES = {
    "whatif": N_("What-if grid"),
    "recruit": N_("Mentors to recruit"),
    "simulate": N_("Year simulation"),
}
_COUNTS = {
    "whatif": N_("{done} of {total} variants solved"),
    "recruit": N_("{done} of {total} profiles tried"),
    "simulate": N_("{done} of {total} runs done"),
}
_RUNNING = {
    "whatif": N_("A what-if grid is already running; wait for it, or cancel it."),
    "recruit": N_("A recruitment search is already running; wait for it, or cancel it."),
    "simulate": N_("A simulation is already running; wait for it, or cancel it."),
}
_STATES = {
    "queued": N_("waiting for its turn"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
_ALT = {
    "whatif": N_(
        "Chart: active participants per municipality after the round, one bar per "
        "variant, the baseline first. The table above has the same numbers."
    ),
    "simulate": N_(
        "Chart: active pairs, people waiting and the use of mentor places round by round, "
        "and the waiting time per municipality. The tables above have the same numbers."
    ),
}


def runner_of(request: Request) -> Runner:
    """The app's one job runner (made with the app, with the server's executor settings)."""
    runner: Runner = request.app.state.jobs
    return runner


def _lead() -> RedirectResponse:
    return RedirectResponse("/lead", status_code=303)


def _to_job(job: Job) -> RedirectResponse:
    return RedirectResponse(f"/lead/jobs/{job.id}", status_code=303)


@dataclass
class Asked:
    """The forms as the page shows them: the values to fill in, and what was wrong."""

    values: dict[str, dict[str, str]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULTS.items()}
    )
    fairness: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)


def _choices(scenario: Scenario) -> dict[str, list[tuple[str, str]]]:
    """The values of the page's drop-downs and check boxes, each with its words."""
    return {
        "municipalities": [(m.id, m.label) for m in scenario.municipality_list()],
        "genders": [(g, term("gender", g)) for g in get_args(Gender)],
        "fairness": [(f, setting_word(f)) for f in get_args(Fairness)],
    }


def _lead_page(request: Request, session: Session, asked: Asked, status: int = 200) -> Response:
    """The page with its forms; the caller speaks the session's language."""
    bench = session.workbench
    if bench is None:
        return page(request, session, "lead.html", status, scenario=None, jobs=[])
    scenario = bench.current.scenario
    for muni in scenario.municipality_list():
        asked.values["whatif"].setdefault(floor_field(muni.id), "")
    return page(
        request,
        session,
        "lead.html",
        status,
        scenario=scenario,
        decisions=len(bench.decisions),
        asked=asked,
        choices=_choices(scenario),
        floor_field=floor_field,
        jobs=[_summary(job) for job in latest(session.jobs)],
    )


@router.get("/lead", response_class=HTMLResponse)
def lead(request: Request) -> Response:
    """The programme lead's forms, and this session's calculations."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        return _lead_page(request, session, Asked())


async def _form(request: Request, session: Session) -> tuple[dict[str, str], list[str]]:
    """The posted form's text fields and ticked fairness modes, once its token is
    checked."""
    form = await request.form()
    with speaking(session.language):
        check_csrf(session, form.get("csrf"))
    fields = {k: v for k, v in form.items() if isinstance(k, str) and isinstance(v, str)}
    ticked = [v for v in form.getlist("fairness") if isinstance(v, str)]
    return fields, ticked


def _start(
    request: Request,
    session: Session,
    kind: str,
    total: int,
    work: Work,
    draw: Draw | None = None,
) -> Response:
    """Start a job, or go to the one of this kind still running, with a word why."""
    try:
        job = runner_of(request).start(session.jobs, kind, total, work, session.language, draw)
    except AlreadyRunning as running:
        session.flash("refused", _(_RUNNING[kind]))
        return _to_job(running.job)
    except Busy as busy:
        session.flash("refused", str(busy))
        return _lead()
    return _to_job(job)


def _refused(
    request: Request,
    session: Session,
    form: str,
    fields: dict[str, str],
    problems: list[str],
    ticked: list[str] | None = None,
) -> Response:
    """The page again with the form as it was sent, and every problem named above it."""
    asked = Asked()
    asked.values[form].update({k: v for k, v in fields.items() if k != "csrf"})
    asked.fairness = ticked or []
    asked.problems[form] = problems
    return _lead_page(request, session, asked, 422)


#: What a form asks for, once read: the job's size, its work and its chart (if any).
Plan = tuple[int, Work, Draw | None]


async def _launch(
    request: Request,
    kind: str,
    plan: Callable[[dict[str, str], list[str], Scenario, str], Plan],
) -> Response:
    """Read a form on the open round and start its job; a form with problems comes
    back with every one named, and nothing starts."""
    session = session_of(request)
    fields, ticked = await _form(request, session)
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _lead()
        try:
            total, work, draw = plan(fields, ticked, bench.current.scenario, bench.solver)
        except FormProblems as error:
            return _refused(request, session, kind, fields, error.problems, ticked)
        return _start(request, session, kind, total, work, draw)


def _plan_whatif(
    fields: dict[str, str], ticked: list[str], scenario: Scenario, solver: str
) -> Plan:
    grid = whatif_grid(fields, ticked, scenario)

    def work(pool: Executor, tick: Progress) -> BaseModel:
        return run_whatif(scenario, grid, solver=solver, executor=pool, progress=tick)

    return len(grid.variants()), work, whatif_png


def _plan_recruit(
    fields: dict[str, str], _ticked: list[str], scenario: Scenario, solver: str
) -> Plan:
    top, keep_caps = recruit_asked(fields)

    def work(pool: Executor, tick: Progress) -> BaseModel:
        return rank(scenario, top, solver=solver, keep_caps=keep_caps, executor=pool, progress=tick)

    return len(candidate_profiles(scenario, substances=False)), work, None


def _plan_simulation(
    fields: dict[str, str], _ticked: list[str], scenario: Scenario, solver: str
) -> Plan:
    """The simulation, after adding the mentors asked for (the profiles that help most,
    as `likematch simulate --add-mentors` adds them)."""
    asked = simulation_asked(fields, scenario, solver)
    settings = asked.settings

    def work(pool: Executor, tick: Progress) -> BaseModel:
        start = scenario
        if asked.add_mentors:
            grid = Grid(add_mentors=(asked.add_mentors,))
            profiles = choose_profiles(scenario, grid, settings.solver, pool)
            start = apply(scenario, Variant(add_mentors=asked.add_mentors), profiles)
        return simulate(start, settings, executor=pool, progress=tick)

    return settings.runs, work, simulation_png


@router.post("/lead/whatif", response_class=HTMLResponse)
async def start_whatif(request: Request) -> Response:
    """Solve every combination the grid asks for, as a job."""
    return await _launch(request, "whatif", _plan_whatif)


@router.post("/lead/recruit", response_class=HTMLResponse)
async def start_recruit(request: Request) -> Response:
    """Rank the profiles of one more mentor, as a job."""
    return await _launch(request, "recruit", _plan_recruit)


@router.post("/lead/simulate", response_class=HTMLResponse)
async def start_simulation(request: Request) -> Response:
    """Simulate the months asked for, as a job: at most one at a time per session."""
    return await _launch(request, "simulate", _plan_simulation)


@dataclass(frozen=True)
class HtmlTable:
    """A plan table as the page draws it: headers on one line (a terminal's line
    breaks become spaces, or a soft hyphen inside a word), cells with alignment."""

    title: str
    header: list[str]
    rows: list[tuple[bool, list[tuple[str, bool]]]]  # (strong, [(text, number)])
    right: frozenset[int]


def _html(table: PlanTable, page_title: str) -> HtmlTable:
    """The table for the page; a title the page's own heading says already is left out."""
    header = [h.replace("-\n", "\u00ad").replace("\n", " ") for h in table.header]
    rows = [
        (i in table.strong, [(cell, j in table.right) for j, cell in enumerate(row)])
        for i, row in enumerate(table.rows)
    ]
    title = "" if table.title == page_title else table.title
    return HtmlTable(title, header, rows, table.right)


@dataclass(frozen=True)
class Answer:
    """A finished job's answer in the session's language."""

    lines: list[str]
    tables: list[HtmlTable]
    notes: list[str]
    chart: str | None  # base64 PNG
    alt: str
    chart_error: str


def _answer(job: Job, language: str) -> Answer:
    """The job's result worded for the page, with its chart drawn (once per language)."""
    result = job.result
    lines: Sequence[str | None]
    notes: Sequence[str | None]
    if job.kind == "whatif":
        lines = [f"{result.scenario}: {whatif_heading(result)}", whatif_added(result)]
        tables, notes = [whatif_table(result)], [whatif_footnote()]
    elif job.kind == "recruit":
        lines = [f"{result.scenario}: {recruit_heading(result)}"]
        tables, notes = [recruit_table(result)], [recruit_note(result)]
    else:
        heading = f"{result.scenario}: {simulation_heading(result)}"
        lines = [heading, *simulation_assumptions(result)]
        tables, notes = simulation_tables(result), simulation_notes(result)
    png = job.chart(language)
    return Answer(
        lines=[line for line in lines if line],
        tables=[_html(t, _(TITLES[job.kind])) for t in tables],
        notes=[note for note in notes if note],
        chart=base64.b64encode(png).decode("ascii") if png else None,
        alt=_(_ALT[job.kind]) if job.kind in _ALT else "",
        chart_error=_(job.chart_error) if job.chart_error else "",
    )


@dataclass(frozen=True)
class JobSummary:
    """A job as the lists and the job page show it."""

    id: str
    kind: str
    title: str
    state: str
    state_text: str
    running: bool
    done: int
    total: int
    percent: int
    count: str
    seconds: int
    error: str


def _summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        kind=job.kind,
        title=_(TITLES[job.kind]),
        state=job.state,
        state_text=_(_STATES[job.state]),
        running=job.running,
        done=job.done,
        total=max(job.total, 1),
        percent=job.percent,
        count=_(_COUNTS[job.kind]).format(done=job.done, total=job.total),
        seconds=job.seconds,
        error=job.error,
    )


def _job_of(session: Session, job_id: str) -> Job:
    job = find(session.jobs, job_id)
    if job is None:
        raise HTTPException(
            status_code=404,
            detail=_(
                "This calculation is not known here: it was forgotten with the round, or "
                "the session has ended."
            ),
        )
    return job


@router.get("/lead/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    """A job's progress while it runs (the page reloads itself), then its answer."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        job = _job_of(session, job_id)
        answer = _answer(job, session.language) if job.state == "done" else None
        return page(request, session, "lead_job.html", job=_summary(job), answer=answer)


@router.post("/lead/jobs/{job_id}/cancel")
async def cancel(request: Request, job_id: str) -> Response:
    """Stop a job at its next step; what it had done so far is dropped."""
    session = session_of(request)
    await _form(request, session)
    with session.lock, speaking(session.language):
        job = _job_of(session, job_id)
        if job.running:
            job.cancel.set()
            session.flash("done", _("The calculation is being cancelled."))
    return _to_job(job)
