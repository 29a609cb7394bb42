"""The coordinator's round: open a file or the example, see the proposal, decide pair
by pair, undo, and take the report, the workbook and the JSON away.

Every form posts (with the session's form token) and redirects back to the round page,
so that reloading never repeats a decision, and no person id ever appears in a URL.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import matcher
from matcher.io.sheets.template import template_workbook
from matcher.io.sheets.write import scenario_workbook, workbook_bytes
from matcher.io.upload import load_upload, upload_name
from matcher.model.controls import Decision, DecisionKind
from matcher.model.errors import ScenarioError
from matcher.render.decisions import decision_text
from matcher.render.report import to_html
from matcher.text.language import gettext as _
from matcher.text.language import speaking
from matcher.web.security import Posted, session_of
from matcher.web.sessions import Session
from matcher.web.templating import page
from matcher.web.view import round_view
from matcher.web.workbench import Refused, Workbench, now

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _home() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _start(
    request: Request, session: Session, problems: list[str], status: int, source: str = ""
) -> HTMLResponse:
    return page(
        request, session, "start.html", status_code=status, problems=problems, source=source
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The round if one is open, else the page that opens one."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _start(request, session, [], 200)
        if bench.language != session.language:
            bench.replay(bench.decisions)
        view = round_view(bench)
        bench.shown = ()  # highlighted once, on the page right after the change
        return page(request, session, "round.html", view=view, bench=bench)


@router.post("/open", response_class=HTMLResponse)
async def open_file(request: Request, file: UploadFile, session: Posted) -> Response:
    """Open a round from an uploaded workbook, zipped CSV folder, YAML or JSON file; a
    file with problems lists every one of them, and nothing is kept."""
    data = await file.read()
    name = upload_name(file.filename or "")
    with session.lock, speaking(session.language):
        try:
            scenario = load_upload(name, data)
        except ScenarioError as error:
            problems = [str(p) for p in error.problems]
            return _start(request, session, problems, 422, name)
        session.forget_round()
        session.workbench = Workbench.open(scenario, name, request.app.state.solving)
    return _home()


@router.post("/example")
def open_example(request: Request, session: Posted) -> RedirectResponse:
    """Open the bundled example round (Stavanger, Sola and Sandnes)."""
    with session.lock, speaking(session.language):
        session.forget_round()
        example = matcher.load(matcher.EXAMPLE)
        solving = request.app.state.solving
        session.workbench = Workbench.open(example, matcher.EXAMPLE.name, solving)
    return _home()


@router.post("/decide")
def decide(
    session: Posted,
    kind: Annotated[DecisionKind, Form()],
    participant: Annotated[str, Form(max_length=64)],
    mentor: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    """Lock, forbid or release one pair and re-solve; a decision the rules cannot meet
    is not applied, and the page says why."""
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _home()
        decision = Decision(kind, participant, mentor or None, session.name or None, now())
        try:
            bench.decide(decision)
        except Refused as refused:
            head = _("Not applied: {decision}").format(decision=decision_text(decision))
            session.flash("refused", head)
            for reason in refused.reasons:
                session.flash("reason", reason)
        else:
            session.flash("done", decision_text(decision))
    return _home()


@router.post("/undo")
def undo(session: Posted) -> RedirectResponse:
    """Take back the last decision."""
    with session.lock, speaking(session.language):
        bench = session.workbench
        undone = None if bench is None else bench.undo()
        if undone is not None:
            session.flash("done", _("undone: {decision}").format(decision=decision_text(undone)))
    return _home()


@router.post("/forget")
def forget(session: Posted) -> RedirectResponse:
    """Drop the round from memory at once."""
    with session.lock, speaking(session.language):
        session.forget_round()
        session.flash("done", _("The round is forgotten: nothing of it is kept."))
    return _home()


@router.post("/name")
def set_name(session: Posted, name: Annotated[str, Form(max_length=80)] = "") -> RedirectResponse:
    """Who leads the meeting, recorded with each decision from now on."""
    session.name = " ".join(name.split())
    return _home()


@router.post("/language")
def set_language(
    session: Posted,
    lang: Annotated[str, Form(pattern="^(nb|en)$")],
    back: Annotated[str, Form(max_length=200)] = "/",
) -> RedirectResponse:
    """Switch between bokmål and English and stay on the same page; the round is worded
    again. Only the app's own paths are followed back."""
    session.language = lang
    own = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return RedirectResponse(back if own else "/", status_code=303)


@router.get("/template.xlsx")
def template(request: Request) -> Response:
    """The blank scenario workbook, in the session's language."""
    session = session_of(request)
    with speaking(session.language):
        data = workbook_bytes(template_workbook())
        name = _("scenario") + ".xlsx"
    return _download(data, XLSX, name)


@router.get("/report", response_class=HTMLResponse)
def report(request: Request) -> Response:
    """The printable meeting report with the decisions taken (A4, the browser prints)."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _home()
        state = bench.current
        html = to_html(state.scenario, state.result, state.decisions)
        page_html = _with_print_bar(html)
    return HTMLResponse(page_html, headers={"Content-Security-Policy": _report_policy(html)})


@router.get("/round.xlsx")
def workbook(request: Request) -> Response:
    """The round as a workbook with the decisions in its locks and pairs sheets, so that
    the round reopens from the file alone."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _home()
        state = bench.current
        data = scenario_workbook(state.scenario)
        name = _("round") + f"-{state.scenario.date.isoformat()}.xlsx"
    return _download(data, XLSX, name)


@router.get("/result.json")
def result_json(request: Request) -> Response:
    """The proposal as the command line's `--format json` gives it."""
    session = session_of(request)
    with session.lock, speaking(session.language):
        bench = session.workbench
        if bench is None:
            return _home()
        text = bench.current.result.to_json() + "\n"
    return _download(text.encode(), "application/json", "result.json")


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon: browsers ask for one on every page, and a 404 would read as a fault."""
    return Response(status_code=204)


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _with_print_bar(html: str) -> str:
    """The report as the app serves it: the same page, with a print button and a way
    back above it that the printout leaves out."""
    bar = (
        '<link rel="stylesheet" href="/static/report.css">'
        '<script src="/static/app.js" defer></script>'
        '<p class="print-bar"><button id="print" type="button">{print}</button> '
        '<a href="/">{back}</a></p>'
    ).format(print=_("Print or save as PDF"), back=_("Back to the round"))
    return html.replace("<body>", "<body>" + bar, 1)


def _report_policy(html: str) -> str:
    """The strict policy, with the report's one inline style allowed by its hash."""
    start = html.index("<style>") + len("<style>")
    style = html[start : html.index("</style>", start)]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'self' 'sha256-{digest}'; script-src 'self'; "
        "img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
