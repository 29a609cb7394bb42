"""The HTTP API for other services, on the same models as the command line: a scenario
in (JSON, or an uploaded file of any kind the command line reads), the `--format json`
result out. Nothing is kept between calls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

import matcher
from matcher.engine import UnsupportedError
from matcher.io.upload import load_upload
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario, scenario_schema
from matcher.text.language import speaking
from matcher.web.solving import Solving
from solvers import UnknownSolverError

router = APIRouter(tags=["api"])

#: How the two ways of sending a scenario appear in the OpenAPI description.
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
        "description": "A scenario as JSON (see GET /api/schema), or a file upload "
        "(.xlsx, a CSV folder as .zip, .yaml or .json) in the field `file`.",
    }
}
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Invalid input: every problem, with its location and message",
        "content": {
            "application/json": {"example": {"problems": [{"location": "", "message": ""}]}}
        },
    }
}

Lang = Annotated[str, Query(pattern="^(nb|en)$", description="Language of texts: en or nb")]


def _problem(finding: Finding) -> dict[str, Any]:
    return {"location": finding.path, "loc": list(finding.loc), "message": finding.message}


def _problems(findings: list[Finding]) -> JSONResponse:
    return JSONResponse({"problems": [_problem(f) for f in findings]}, status_code=422)


async def _scenario(request: Request) -> Scenario:
    """The scenario of a request: a JSON body, or the field `file` of a form."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ScenarioError([Finding("file", "send the scenario file in the field 'file'")])
        data = await upload.read()
        return await run_in_threadpool(load_upload, upload.filename or "scenario", data)
    body = await request.body()
    return await run_in_threadpool(load_upload, "scenario.json", body)


@router.get("/health")
def health() -> dict[str, str]:
    """Whether the service answers, and its version."""
    return {"status": "ok", "version": matcher.__version__}


@router.get("/schema")
def schema() -> dict[str, Any]:
    """The scenario's JSON Schema (version 1)."""
    return scenario_schema()


@router.post("/validate", openapi_extra=_BODY)
async def validate(request: Request, lang: Lang = "en") -> JSONResponse:
    """Every problem of a scenario at once; an empty list when it is valid."""
    with speaking(lang):
        try:
            await _scenario(request)
        except ScenarioError as error:
            return JSONResponse({"problems": [_problem(f) for f in error.problems]})
    return JSONResponse({"problems": []})


@router.post("/solve", openapi_extra=_BODY, responses=_PROBLEMS)
async def solve(
    request: Request,
    solver: Annotated[str, Query(max_length=32)] = "auto",
    lang: Lang = "en",
    explain: bool = True,
) -> Response:
    """The proposal for one round, exactly as `likematch solve --format json` gives it.
    An infeasible round is still 200, with status `infeasible` and its conflicts."""
    with speaking(lang):
        try:
            scenario = await _scenario(request)
            solving: Solving = request.app.state.solving
            result, _changed = await run_in_threadpool(solving, scenario, solver, explain=explain)
        except ScenarioError as error:
            return _problems(error.problems)
        except (UnknownSolverError, UnsupportedError) as error:
            return _problems([Finding("solver", str(error), ("query", "solver"))])
    return Response(result.to_json() + "\n", media_type="application/json")
