"""The coordinator's round in the web app: open, decide, undo, forget, and the outputs
(report, workbook, JSON), checked against the library's own answers."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

import matcher
from matcher.io.sheets.write import scenario_workbook
from matcher.io.upload import load_upload
from matcher.model.controls import Decision, apply_decisions
from tests.web_client import Browser, browser


def _pairs(html: str) -> dict[str, str]:
    """The proposed pairs of the round page, participant to mentor."""
    table = html.split('id="proposed-pairs"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"[^\"]*\">\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", table)
    return dict(rows)


def _expected(*decisions: Decision) -> dict[str, str]:
    scenario = apply_decisions(matcher.load(matcher.EXAMPLE), decisions)
    with matcher.speaking("nb"):
        result = matcher.solve(scenario)
    return {p.participant: p.mentor for p in result.pairs}


def _new_pair(page: Browser) -> tuple[str, str]:
    with matcher.speaking("nb"):
        result = matcher.solve(matcher.load(matcher.EXAMPLE))
    scenario = matcher.load(matcher.EXAMPLE)
    locked = {tuple(x) for x in scenario.locks.require}
    first = next(
        p
        for p in result.pairs
        if not p.existing and p.alternatives and (p.participant, p.mentor) not in locked
    )
    return first.participant, first.mentor


def test_start_page_offers_upload_example_and_template() -> None:
    page = browser()
    html = page.client.get("/").text
    assert 'action="/open"' in html and 'action="/example"' in html
    assert 'href="/template.xlsx"' in html
    assert '<html lang="nb">' in html  # bokmål unless asked otherwise


def test_example_round_shows_the_proposal() -> None:
    page = browser()
    assert page.open_example().status_code == 200
    html = page.client.get("/").text
    assert _pairs(html) == _expected()
    for section in ("waiting-list", "municipalities", "mentor-load", "decisions"):
        assert f'id="{section}"' in html


def test_lock_forbid_undo_re_solve_each_time() -> None:
    page = browser()
    page.open_example()
    participant, mentor = _new_pair(page)
    forbid = Decision("forbid", participant, mentor)
    html = page.decide("forbid", participant, mentor).text
    assert _pairs(html) == _expected(forbid)
    assert _pairs(html).get(participant) != mentor
    assert "changed" in html  # the change is highlighted
    undone = page.post("/undo").text
    assert _pairs(undone) == _expected()
    lock = Decision("lock", participant, mentor)
    locked = page.decide("lock", participant, mentor).text
    assert _pairs(locked) == _expected(lock)
    assert '<span class="tag locked">' in locked


def test_release_of_an_active_pair() -> None:
    page = browser()
    page.open_example()
    scenario = matcher.load(matcher.EXAMPLE)
    active = scenario.pairs[0]
    html = page.decide("release", active.participant).text
    assert _pairs(html) == _expected(Decision("release", active.participant))


def test_impossible_decision_is_refused_and_not_applied() -> None:
    page = browser()
    page.open_example()
    before = _pairs(page.client.get("/").text)
    participant, mentor = _new_pair(page)
    page.decide("lock", participant, mentor)
    html = page.decide("forbid", participant, mentor).text  # forbid the locked pair
    assert 'class="message refused"' in html
    assert _pairs(html) == _expected(Decision("lock", participant, mentor))
    assert before  # the round is still open


def test_decision_for_unknown_people_is_refused() -> None:
    page = browser()
    page.open_example()
    html = page.decide("lock", "NOBODY", "M01").text
    assert 'class="message refused"' in html
    assert "<ol>" not in html.split('id="decisions"', 1)[1].split("</section>", 1)[0]


def test_report_lists_the_decisions_with_who_and_when() -> None:
    page = browser()
    page.open_example()
    page.post("/name", name="Kari Nordmann")
    participant, mentor = _new_pair(page)
    page.decide("lock", participant, mentor)
    report = page.client.get("/report")
    assert report.status_code == 200
    assert "Kari Nordmann" in report.text
    assert participant in report.text and mentor in report.text
    assert "sha256-" in report.headers["content-security-policy"]
    assert 'id="print"' in report.text


def test_workbook_reopens_the_round_with_its_decisions() -> None:
    page = browser()
    page.open_example()
    participant, mentor = _new_pair(page)
    page.decide("forbid", participant, mentor)
    scenario = matcher.load(matcher.EXAMPLE)
    released = scenario.pairs[0].participant
    page.decide("release", released)
    response = page.client.get("/round.xlsx")
    assert response.headers["content-disposition"].startswith("attachment;")
    sheets = load_workbook(io.BytesIO(response.content), read_only=True).sheetnames
    assert "locks" in sheets and "pairs" in sheets
    reopened = load_upload("round.xlsx", response.content)
    assert [participant, mentor] in [list(x) for x in reopened.locks.forbid]
    assert any(p.release for p in reopened.pairs if p.participant == released)
    again = browser()
    html = again.upload("round.xlsx", response.content).text
    assert _pairs(html) == _pairs(page.client.get("/").text)


def test_json_download_is_the_command_lines_result() -> None:
    page = browser()
    page.open_example()
    data = json.loads(page.client.get("/result.json").content)
    with matcher.speaking("nb"):
        expected = json.loads(matcher.solve(matcher.load(matcher.EXAMPLE)).to_json())
    data.pop("elapsed_s"), expected.pop("elapsed_s")
    assert data == expected


def test_upload_with_problems_lists_every_one_and_keeps_nothing() -> None:
    page = browser()
    scenario = matcher.load(matcher.EXAMPLE)
    data = scenario.model_dump(mode="json")
    data["participants"][0]["age"] = 5
    data["mentors"][1]["gender"] = "unknown-word"
    response = page.upload("runde.json", json.dumps(data).encode())
    assert response.status_code == 422
    assert response.text.count("<li>") >= 2
    assert "participants[0]" in response.text
    assert 'action="/open"' in response.text  # still the start page


def test_malformed_uploads_get_a_message_and_the_server_keeps_serving() -> None:
    page = browser()
    for name, data in (
        ("runde.xlsx", b"PK\x03\x04 not really a workbook"),
        ("runde.zip", b"\x00" * 100),
        ("runde.yaml", b"a: [1, 2"),
        ("runde.xls", b"old"),
        ("runde.exe", b"MZ"),
    ):
        response = page.upload(name, data)
        assert response.status_code == 422, name
        assert "problems" in response.text
    assert page.open_example().status_code == 200


def test_uploaded_workbook_opens_like_the_file() -> None:
    page = browser()
    data = scenario_workbook(matcher.load(matcher.EXAMPLE))
    html = page.upload("runde.xlsx", data).text
    assert _pairs(html) == _expected()


def test_forget_clears_the_round() -> None:
    page = browser()
    page.open_example()
    html = page.post("/forget").text
    assert 'action="/open"' in html
    assert page.client.get("/round.xlsx", follow_redirects=False).status_code == 303


def test_english_on_request() -> None:
    page = browser()
    page.open_example()
    html = page.post("/language", lang="en").text
    assert '<html lang="en">' in html
    assert "Proposed pairs" in html


def test_template_download_is_a_workbook() -> None:
    page = browser()
    response = page.client.get("/template.xlsx")
    sheets = load_workbook(io.BytesIO(response.content), read_only=True).sheetnames
    assert len(sheets) >= 4


def test_language_switch_stays_on_the_page_but_never_leaves_the_app() -> None:
    page = browser()
    token = page.csrf()
    here = page.client.post(
        "/language", data={"csrf": token, "lang": "en", "back": "/lead"}, follow_redirects=False
    )
    assert here.headers["location"] == "/lead"
    away = page.client.post(
        "/language",
        data={"csrf": token, "lang": "nb", "back": "//evil.example/x"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/"


def test_solves_in_worker_processes_give_the_same_round() -> None:
    page = browser(processes=1)
    page.open_example()
    participant, mentor = _new_pair(page)
    html = page.decide("forbid", participant, mentor).text
    assert _pairs(html) == _expected(Decision("forbid", participant, mentor))
    page.client.app.state.solving.close()  # type: ignore[attr-defined]


def test_the_page_notes_decisions_on_the_people_they_touch_as_the_report_does() -> None:
    page = browser()
    page.open_example()
    participant, mentor = _new_pair(page)
    html = page.decide("forbid", participant, mentor).text
    note = f"ikke med {mentor} (forbudt av koordinatoren)"
    assert note in html
    assert note in page.client.get("/report").text
