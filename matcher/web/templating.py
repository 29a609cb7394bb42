"""The Jinja2 environment of the pages: autoescaped, translated with the package's own
catalogue, and given the session's language and form token on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import matcher
from matcher.text import formats
from matcher.text.language import current, gettext, ngettext
from matcher.web.sessions import Session

HERE = Path(__file__).resolve().parent
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    undefined=StrictUndefined,
)
_env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=_env)
_env.filters["number"] = formats.number
_env.filters["percent"] = formats.percent


def page(
    request: Request,
    session: Session,
    name: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page of the app in the session's language (the caller speaks it already)."""
    context.update(
        lang=current(),
        csrf=session.csrf,
        session=session,
        messages=session.take_messages(),
        version=matcher.__version__,
        signed_in=session.signed_in,
    )
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    return response
