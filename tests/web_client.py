"""A browser-like client for the web app's tests: it keeps the session cookie and reads
each page's form token, as a browser posting the page's own forms would."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from matcher.web import WebSettings, create_app

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """One browser session against one app."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self) -> str:
        """The form token of the round page."""
        found = _CSRF.search(self.client.get("/").text)
        assert found is not None, "the page has no form token"
        return found.group(1)

    def post(self, path: str, **fields: Any) -> httpx.Response:
        """Post a form of the page, with its token, following the redirect."""
        response: httpx.Response = self.client.post(path, data={"csrf": self.csrf(), **fields})
        return response

    def open_example(self) -> httpx.Response:
        """Open the bundled example round."""
        return self.post("/example")

    def upload(self, name: str, data: bytes) -> httpx.Response:
        """Upload a file on the start page."""
        token = self.csrf()
        response: httpx.Response = self.client.post(
            "/open", data={"csrf": token}, files={"file": (name, data)}
        )
        return response

    def decide(self, kind: str, participant: str, mentor: str = "") -> httpx.Response:
        """Click one decision button."""
        return self.post("/decide", kind=kind, participant=participant, mentor=mentor)


def browser(settings: WebSettings | None = None, **extra: Any) -> Browser:
    """A fresh app and one browser on it, on the loopback address."""
    app = create_app(settings or WebSettings(**extra))
    return Browser(TestClient(app, base_url="http://127.0.0.1:8000"))
