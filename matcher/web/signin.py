"""Signing in with the access token, when the app was started with one. A successful
sign-in replaces the session, so a key planted before it is worth nothing after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matcher.text.language import gettext as _
from matcher.text.language import speaking
from matcher.web.security import check_csrf, same_secret, session_of
from matcher.web.sessions import SessionStore
from matcher.web.templating import page

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The sign-in form (straight to the round when no token is needed)."""
    session = session_of(request)
    if session.signed_in:
        return RedirectResponse("/", status_code=303)
    with speaking(session.language):
        return page(request, session, "login.html")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    csrf: Annotated[str, Form()],
    token: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Check the token; on success the browser gets a new session."""
    session = session_of(request)
    check_csrf(session, csrf)
    expected = request.app.state.settings.token
    if expected is None or not same_secret(token, expected):
        with speaking(session.language):
            session.flash("refused", _("Wrong access code."))
            return page(request, session, "login.html", status_code=401)
    store: SessionStore = request.app.state.store
    store.drop(session.key)
    request.state.session = store.create(signed_in=True, language=session.language)
    return RedirectResponse("/", status_code=303)
