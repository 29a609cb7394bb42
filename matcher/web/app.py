"""The web app: the coordinator's pages, the programme lead's page and the HTTP API on
one FastAPI application, behind one guard (token, session, security headers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.formparsers import MultiPartParser
from starlette.middleware.trustedhost import TrustedHostMiddleware

import matcher
from matcher.text.language import gettext as _
from matcher.text.language import speaking
from matcher.web import api, lead, pages, signin
from matcher.web.jobs import Runner
from matcher.web.security import MAX_BODY_BYTES, BodyLimit, Guard, is_api, session_of
from matcher.web.sessions import SessionStore
from matcher.web.settings import WebSettings
from matcher.web.solving import Solving
from matcher.web.templating import HERE, page

#: Host names a browser on this machine uses; others are refused without a token, so
#: that a web page elsewhere cannot reach the app by pointing its own name at 127.0.0.1.
_LOCAL_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop the solve workers with the server."""
    yield
    app.state.solving.close()


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The app for `settings` (checked: see `WebSettings.check`)."""
    settings = settings or WebSettings()
    settings.check()
    # An upload stays in memory up to the body limit, never spooled to a temporary file.
    MultiPartParser.spool_max_size = MAX_BODY_BYTES
    app = FastAPI(
        title="likematch",
        version=matcher.__version__,
        summary="Pairs peer mentors with participants leaving treatment.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.solving = Solving(settings.processes)
    app.state.jobs = Runner(settings)
    app.state.store = SessionStore(settings.idle_seconds, settings.max_sessions, settings.language)
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(signin.router, include_in_schema=False)
    app.include_router(lead.router, include_in_schema=False)
    app.include_router(api.router, prefix="/api")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.middleware("http")(Guard(app.state.store, settings.token))
    hosts = ["*"] if settings.token else sorted({*_LOCAL_NAMES, settings.host})
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(BodyLimit)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _form_error)
    return app


async def _http_error(request: Request, error: Exception) -> Response:
    """A refused request: JSON for the API, a page with a way back for a person."""
    assert isinstance(error, HTTPException)
    if is_api(request.url.path) or not hasattr(request.state, "session"):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    session = session_of(request)
    with speaking(session.language):
        detail = error.detail if isinstance(error.detail, str) else _("The request was refused.")
        if error.status_code == 413:
            detail = _("The file is too large.")
        return page(request, session, "error.html", error.status_code, detail=detail)


async def _form_error(request: Request, error: Exception) -> Response:
    """A form or API call with missing or malformed fields."""
    assert isinstance(error, RequestValidationError)
    if is_api(request.url.path) or not hasattr(request.state, "session"):
        problems = [
            {"loc": [str(x) for x in e.get("loc", ())], "message": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        return JSONResponse({"problems": problems}, status_code=422)
    session = session_of(request)
    with speaking(session.language):
        detail = _("The form was incomplete: choose a file, or use the example.")
        return page(request, session, "error.html", 422, detail=detail)
