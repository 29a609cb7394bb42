"""The web app's guard: loopback unless a token is given, the token on every request,
form tokens, headers, separate sessions, idle expiry and bounded uploads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import matcher
from matcher.web import WebSettings, create_app
from matcher.web.sessions import SessionStore
from matcher.web.settings import SettingsError, is_loopback
from tests.web_client import Browser, browser

TOKEN = "correct-horse-battery-staple"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_a_reachable_host_needs_a_token(host: str) -> None:
    with pytest.raises(SettingsError, match="--token"):
        create_app(WebSettings(host=host))
    create_app(WebSettings(host=host, token=TOKEN))


def test_short_tokens_are_refused() -> None:
    with pytest.raises(SettingsError, match="16"):
        create_app(WebSettings(token="short"))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


def test_api_needs_the_bearer_token() -> None:
    client = TestClient(create_app(WebSettings(token=TOKEN)), base_url="http://127.0.0.1")
    assert client.get("/api/health").status_code == 401
    assert client.get("/openapi.json").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert client.get("/api/health", headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/health", headers=right).json()["status"] == "ok"


def test_pages_need_sign_in_with_the_token() -> None:
    page = Browser(TestClient(create_app(WebSettings(token=TOKEN)), base_url="http://127.0.0.1"))
    first = page.client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login"
    assert page.client.post("/example", follow_redirects=False).status_code == 303
    login = page.client.get("/login").text
    token = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    cookie = page.client.cookies.get("likematch_session")
    wrong = page.client.post("/login", data={"csrf": token, "token": "wrong-wrong-wrong!"})
    assert wrong.status_code == 401
    ok = page.client.post("/login", data={"csrf": token, "token": TOKEN})
    assert ok.status_code == 200 and 'action="/example"' in ok.text
    assert page.client.cookies.get("likematch_session") != cookie  # a new session
    assert page.open_example().status_code == 200


def test_forms_need_the_session_form_token() -> None:
    page = browser()
    page.client.get("/")
    refused = page.client.post("/example", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert page.client.post("/example").status_code == 422  # no token at all
    assert 'action="/open"' in page.client.get("/").text  # nothing was opened


def test_two_sessions_never_see_each_others_round() -> None:
    app = create_app(WebSettings())
    kari = Browser(TestClient(app, base_url="http://127.0.0.1"))
    ola = Browser(TestClient(app, base_url="http://127.0.0.1"))
    kari.open_example()
    assert 'id="proposed-pairs"' in kari.client.get("/").text
    assert 'id="proposed-pairs"' not in ola.client.get("/").text
    assert ola.client.get("/report", follow_redirects=False).status_code == 303
    assert ola.client.get("/round.xlsx", follow_redirects=False).status_code == 303
    # Ola's form token is no good for Kari's session, and the other way round.
    ola_token = ola.csrf()
    stolen = kari.client.post("/forget", data={"csrf": ola_token})
    assert stolen.status_code == 403
    assert 'id="proposed-pairs"' in kari.client.get("/").text


def test_security_headers_and_no_caching() -> None:
    page = browser()
    page.open_example()
    for path in ("/", "/report", "/result.json", "/api/health"):
        headers = page.client.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
    cookie = page.client.get("/", headers={"cookie": ""}).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_pages_load_nothing_from_elsewhere() -> None:
    page = browser()
    page.open_example()
    for path in ("/", "/report"):
        html = page.client.get(path).text
        assert "http://" not in html and "https://" not in html.replace(
            "https://json-schema.org", ""
        )
        assert "<style>" not in html or path == "/report"


def test_other_host_names_are_refused_without_a_token() -> None:
    client = TestClient(create_app(WebSettings()), base_url="http://attacker.example")
    assert client.get("/").status_code == 400


def test_idle_sessions_expire() -> None:
    now = [0.0]
    store = SessionStore(idle_seconds=60, max_sessions=10, language="nb", clock=lambda: now[0])
    session = store.create(signed_in=True)
    now[0] = 59
    assert store.get(session.key) is session
    now[0] = 59 + 61
    assert store.get(session.key) is None
    assert len(store) == 0


def test_the_store_is_bounded() -> None:
    store = SessionStore(idle_seconds=60, max_sessions=3, language="nb")
    keys = [store.create(signed_in=True).key for _ in range(5)]
    assert len(store) == 3
    assert store.get(keys[0]) is None and store.get(keys[-1]) is not None


def test_oversized_uploads_are_refused_before_parsing() -> None:
    page = browser()
    token = page.csrf()
    big = b"x" * (21 * 1024 * 1024)
    response = page.client.post("/open", data={"csrf": token}, files={"file": ("a.yaml", big)})
    assert response.status_code == 413
    assert page.open_example().status_code == 200


def test_person_ids_stay_out_of_urls() -> None:
    page = browser()
    page.open_example()
    html = page.client.get("/").text
    scenario = matcher.load(matcher.EXAMPLE)
    ids = [p.id for p in scenario.participants] + [m.id for m in scenario.mentors]
    links = [x.split('"', 1)[0] for x in html.split('href="')[1:]]
    links += [x.split('"', 1)[0] for x in html.split('action="')[1:]]
    assert links
    for link in links:
        assert not any(i in link for i in ids), link


def test_the_icon_request_is_answered_without_content() -> None:
    assert browser().client.get("/favicon.ico").status_code == 204
