"""The programme lead's page: what-if grids, recruitment and the year simulation run as
background jobs on the session's round, and their tables say what the command line's
say, in the session's language."""

from __future__ import annotations

import base64
import html
import re
import time
from collections.abc import Mapping

import pytest
from fastapi.testclient import TestClient
from httpx import Response

import matcher
from matcher.planning.runs import nav_share_of
from matcher.planning.simulate import Settings, simulate
from matcher.render.plan_tables import simulation_tables
from matcher.text.language import gettext, speaking
from matcher.web import WebSettings, create_app

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TIMEOUT = 60.0


def _client(settings: WebSettings | None = None) -> TestClient:
    return TestClient(create_app(settings or WebSettings()), base_url="http://127.0.0.1")


def _csrf(client: TestClient) -> str:
    found = _CSRF.search(client.get("/").text)
    assert found is not None
    return found.group(1)


def _with_round(settings: WebSettings | None = None) -> tuple[TestClient, str]:
    """A client whose session has the example round open, and its form token."""
    client = _client(settings)
    token = _csrf(client)
    assert client.post("/example", data={"csrf": token}).status_code == 200
    return client, token


def _start(client: TestClient, path: str, data: Mapping[str, object]) -> str:
    """Post a lead form; returns the job page it redirects to."""
    response: Response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = str(response.headers["location"])
    assert location.startswith("/lead/jobs/")
    return location


def _finished(client: TestClient, location: str) -> Response:
    """Poll the job page until it stops refreshing itself."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        page: Response = client.get(location)
        assert page.status_code == 200
        if "data-refresh" not in page.text:
            return page
        assert "<progress" in page.text and 'href="' + location + '"' in page.text
        assert time.monotonic() < deadline, "the job did not finish in time"
        time.sleep(0.1)


def _tables(page: str) -> list[list[list[str]]]:
    """Every body row of every table in the answer, as cell texts."""
    answer = page.split('id="answer"', 1)[1]
    found = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", answer, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
        cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
        found.append([[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in row] for row in cells])
    return found


def _chart(page: str) -> bytes:
    found = re.search(r'<img class="chart" src="data:image/png;base64,([^"]+)" alt="([^"]+)"', page)
    assert found is not None, "no chart with an alt text"
    return base64.b64decode(found.group(1))


def _problems(page: str) -> list[str]:
    box = page.split('class="problems"', 1)[1].split("</div>", 1)[0]
    return [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", box)]


def test_lead_page_without_a_round_says_to_open_one() -> None:
    client = _client()
    page = client.get("/lead")
    assert page.status_code == 200
    assert 'href="/"' in page.text and 'action="/lead/whatif"' not in page.text
    token = _csrf(client)
    started = client.post("/lead/whatif", data={"csrf": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/lead"


def test_lead_page_offers_the_three_forms_in_bokmal() -> None:
    client, _token = _with_round()
    page = client.get("/lead").text
    assert '<html lang="nb">' in page
    for action in ("/lead/whatif", "/lead/recruit", "/lead/simulate"):
        assert f'action="{action}"' in page
    for muni in ("stavanger", "sola", "sandnes"):
        assert f'name="floor-{muni}"' in page


def test_whatif_grid_gives_one_row_per_variant_and_a_chart() -> None:
    client, token = _with_round()
    data = {"csrf": token, "add_mentors": "0,1", "capacity": "10,12", "fairness": ["quotas"]}
    location = _start(client, "/lead/whatif", data)
    page = _finished(client, location).text
    [table] = _tables(page)
    assert len(table) == 1 + 4  # the baseline, then 2 x 2 variants
    with speaking("nb"):
        assert table[0][0] == gettext("baseline")
    assert [row[1] for row in table[1:]] == ["10", "12", "10", "12"]
    assert _chart(page).startswith(b"\x89PNG\r\n\x1a\n")
    # The answer is worded again in the language the session switches to.
    client.post("/language", data={"csrf": token, "lang": "en"})
    assert _tables(client.get(location).text)[0][0][0] == "baseline"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"add_mentors": "0,x"}, "'x'"),
        ({"add_mentors": "1,,2"}, "'1,,2'"),
        ({"floor-sola": "-1"}, "'-1'"),
        ({"position_budget": "inf"}, "'inf'"),
        ({"add_mentors": "50"}, "20"),
        ({"add_mentors": "0,1,2,3", "capacity": ",".join(str(n) for n in range(60))}, "200"),
        ({"gender": "female", "municipality": "oslo"}, "'oslo'"),
    ],
)
def test_a_bad_grid_value_is_named_and_nothing_starts(
    fields: dict[str, str], expected: str
) -> None:
    client, token = _with_round()
    page = client.post("/lead/whatif", data={"csrf": token, **fields})
    assert page.status_code == 422
    problems = _problems(page.text)
    assert len(problems) == 1 and expected in problems[0]
    assert 'id="jobs"' not in page.text  # nothing was started
    for name, value in fields.items():  # the form keeps what was typed
        if name not in ("gender", "municipality"):
            assert f'value="{html.escape(value)}"' in page.text


def test_recruitment_gives_a_short_list() -> None:
    client, token = _with_round()
    page = _finished(client, _start(client, "/lead/recruit", {"csrf": token, "top": "3"})).text
    [table] = _tables(page)
    assert 1 <= len(table) <= 3
    assert [row[0] for row in table] == [str(i) for i in range(1, len(table) + 1)]
    assert all(len(row) == 9 for row in table)
    bad = client.post("/lead/recruit", data={"csrf": token, "top": "0"})
    assert bad.status_code == 422 and "'0'" in _problems(bad.text)[0]


def test_a_simulation_runs_in_the_background_to_its_tables() -> None:
    client, token = _with_round()
    data = {"csrf": token, "runs": "20", "months": "6", "seed": "3"}
    page = _finished(client, _start(client, "/lead/simulate", data)).text
    assert '<html lang="nb">' in page
    scenario = matcher.load(matcher.EXAMPLE)
    settings = Settings(months=6, runs=20, seed=3, nav_share=nav_share_of(scenario))
    with speaking("nb"):
        expected = [
            [list(row) for row in t.rows] for t in simulation_tables(simulate(scenario, settings))
        ]
    assert _tables(page) == expected
    assert _chart(page).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("fields", "limit"), [({"runs": "5000"}, "2000"), ({"months": "40"}, "36")]
)
def test_simulations_are_bounded(fields: dict[str, str], limit: str) -> None:
    client, token = _with_round()
    page = client.post("/lead/simulate", data={"csrf": token, **fields})
    assert page.status_code == 422 and limit in _problems(page.text)[0]


def test_one_simulation_at_a_time_and_it_can_be_cancelled() -> None:
    client, token = _with_round()
    data = {"csrf": token, "runs": "2000", "months": "36"}
    first = _start(client, "/lead/simulate", data)
    second = client.post("/lead/simulate", data=data, follow_redirects=False)
    assert second.headers["location"] == first
    assert 'class="message refused"' in client.get(first).text  # "already running"
    client.post(first + "/cancel", data={"csrf": token})
    page = _finished(client, first).text
    assert 'id="cancelled"' in page
    # Forgetting the round forgets its calculations.
    client.post("/forget", data={"csrf": token})
    assert client.get(first).status_code == 404


def test_a_failed_job_says_why_without_a_traceback() -> None:
    client, token = _with_round(WebSettings(scheduler="nowhere"))
    location = _start(client, "/lead/simulate", {"csrf": token, "runs": "5", "months": "2"})
    page = _finished(client, location).text
    assert 'id="failed"' in page and "--scheduler nowhere" in html.unescape(page)
    assert "Traceback" not in page


@pytest.mark.parametrize(
    "path", ["/lead/whatif", "/lead/recruit", "/lead/simulate", "/lead/jobs/x/cancel"]
)
def test_forms_without_the_form_token_are_refused(path: str) -> None:
    client, _token = _with_round()
    assert client.post(path, data={"runs": "5"}).status_code == 403
    assert client.post(path, data={"csrf": "wrong", "runs": "5"}).status_code == 403
    assert 'id="jobs"' not in client.get("/lead").text


def test_an_unknown_job_is_not_found() -> None:
    client, _token = _with_round()
    assert client.get("/lead/jobs/not-a-job").status_code == 404
