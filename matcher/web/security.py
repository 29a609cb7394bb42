"""What every response and request goes through: the token, the session cookie, the
security headers, the form token (CSRF) and the size limit of a request body.

Pages carry health data, so none is cached, framed or allowed to load anything from
elsewhere; the API answers only with the token when one is set.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcher.io.documents import MAX_FILE_BYTES
from matcher.text.language import gettext as _
from matcher.text.language import speaking
from matcher.web.sessions import COOKIE, Session, SessionStore

#: A request body may hold one input file at its largest, and the form around it.
MAX_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

#: Paths reachable without signing in: the sign-in form and the page's own style.
_OPEN_PATHS = ("/login", "/static/")


def same_secret(given: str | None, expected: str) -> bool:
    """Compare secrets in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header."""
    scheme, _sep, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def is_api(path: str) -> bool:
    """The API and its description, which answer with JSON and never use the session."""
    return path.startswith("/api/") or path == "/openapi.json"


class Guard:
    """The one place each request passes: the API checks the Bearer token; a page gets
    its session (a new one if the cookie is unknown or expired) and, with a token set,
    goes to the sign-in form until the session has signed in."""

    def __init__(self, store: SessionStore, token: str | None) -> None:
        self.store = store
        self.token = token

    async def __call__(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if is_api(path):
            if self.token is not None and not same_secret(bearer(request), self.token):
                response: Response = JSONResponse(
                    {"detail": "missing or wrong token: send 'Authorization: Bearer TOKEN'"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            else:
                response = await call_next(request)
            return _secured(response)
        cookie = request.cookies.get(COOKIE)
        session = self.store.get(cookie) or self.store.create(signed_in=self.token is None)
        request.state.session = session
        if not session.signed_in and not path.startswith(_OPEN_PATHS):
            response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        final: Session = request.state.session  # signing in replaces the session
        if final.key != cookie:
            response.set_cookie(COOKIE, final.key, httponly=True, samesite="strict", path="/")
        return _secured(response, cache=path.startswith("/static/"))


def _secured(response: Response, cache: bool = False) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-cache" if cache else "no-store"
    return response


def session_of(request: Request) -> Session:
    """The request's session, as the guard attached it."""
    session: Session = request.state.session
    return session


def check_csrf(session: Session, token: object) -> None:
    """Refuse a form that did not come from this session's own page."""
    if not isinstance(token, str) or not same_secret(token, session.csrf):
        raise HTTPException(
            status_code=403,
            detail=_("This form has expired. Go back, reload the page and try again."),
        )


def posted(request: Request, csrf: Annotated[str, Form()]) -> Session:
    """The session of a posted form, once its form token is checked: every form route
    takes its session this way, so that none can forget the check."""
    session = session_of(request)
    with speaking(session.language):
        check_csrf(session, csrf)
    return session


#: A form route's session, its form token checked.
Posted = Annotated[Session, Depends(posted)]


class BodyLimit:
    """Refuse a request body above `MAX_BODY_BYTES` before it is parsed, by its declared
    length or as it streams in, so that no upload can fill memory."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(status_code=413)
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> Response:
    mb = limit // (1024 * 1024)
    return JSONResponse(
        {"detail": _("The file is larger than {mb} MB.").format(mb=mb)},
        status_code=413,
        headers=HEADERS,
    )
