"""The coordinator's workbench in the browser, and an HTTP API for other services.

`likematch serve` runs `create_app` with uvicorn on 127.0.0.1. Pages are rendered on
the server with Jinja2 and work without JavaScript; nothing is fetched from outside the
app. Each browser session holds its own round in memory only.
"""

from __future__ import annotations

from matcher.web.app import create_app
from matcher.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
