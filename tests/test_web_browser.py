"""The coordinator's meeting end to end in a real browser (Debian's Chromium, driven by
Playwright): upload the example's workbook, lock, forbid, undo, print the Norwegian
report with the decisions, and reopen the downloaded workbook.

These tests are marked `browser` and run in CI, where Chromium is installed and
`LIKEMATCH_BROWSER=required` makes a missing browser a failure rather than a skip.
With `LIKEMATCH_SCREENSHOTS=docs` the round page's screenshot goes to docs/, for the
README.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

import matcher
from matcher.io.sheets.write import scenario_workbook
from matcher.web import WebSettings, create_app

pytestmark = pytest.mark.browser


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("LIKEMATCH_BROWSER") == "required":
            pytest.fail("no Chromium found; install Debian's chromium package")
        pytest.skip("no Chromium on this machine")
    return found


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(WebSettings(port=port)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def page(url: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 900}
        )
        tab = context.new_page()
        tab.goto(url)
        yield tab
        browser.close()


def _rows(tab: Page) -> dict[str, str]:
    cells = tab.locator("#proposed-pairs tbody tr").all()
    found = {}
    for row in cells:
        tds = row.locator("td").all_inner_texts()
        found[tds[0].strip()] = tds[1].strip()
    return found


def _screenshot_dir(tmp_path: Path) -> Path:
    return Path("docs") if os.environ.get("LIKEMATCH_SCREENSHOTS") == "docs" else tmp_path


def test_a_meeting_from_upload_to_printed_report(page: Page, tmp_path: Path) -> None:
    tab = page
    workbook = tmp_path / "runde.xlsx"
    workbook.write_bytes(scenario_workbook(matcher.load(matcher.EXAMPLE)))
    tab.set_input_files("input[type=file]", str(workbook))
    tab.click("text=Åpne runden")
    tab.wait_for_selector("#proposed-pairs")
    first = _rows(tab)
    with matcher.speaking("nb"):
        expected = matcher.solve(matcher.load(matcher.EXAMPLE))
    assert first == {p.participant: p.mentor for p in expected.pairs}
    tab.screenshot(path=str(_screenshot_dir(tmp_path) / "round.png"), full_page=False)

    locked = {tuple(x) for x in matcher.load(matcher.EXAMPLE).locks.require}
    free = [p for p in expected.pairs if not p.existing and (p.participant, p.mentor) not in locked]
    new = free[0]
    row = tab.locator("#proposed-pairs tbody tr", has_text=new.participant).first
    row.locator("button", has_text="Lås").click()
    tab.wait_for_selector(".message.done")
    assert "låst" in tab.locator("#proposed-pairs").inner_text()

    other = free[1]
    row = tab.locator("#proposed-pairs tbody tr", has_text=other.participant).first
    row.locator("button", has_text="Forby").click()
    tab.wait_for_selector("#decisions ol li >> nth=1")
    assert _rows(tab).get(other.participant) != other.mentor

    tab.click("text=Angre siste beslutning")
    tab.wait_for_load_state()
    assert tab.locator("#decisions ol li").count() == 1
    assert _rows(tab).get(other.participant) == other.mentor

    row = tab.locator("#proposed-pairs tbody tr", has_text=other.participant).first
    row.locator("button", has_text="Forby").click()
    tab.wait_for_selector("#decisions ol li >> nth=1")

    with tab.expect_popup() as popup:
        tab.click("text=Møterapport")
    report = popup.value
    report.wait_for_load_state()
    assert report.locator("#print").is_visible()  # the page's own print button
    text = report.inner_text("body")
    assert "Beslutninger" in text
    assert new.participant in text and other.participant in text
    pdf = tmp_path / "rapport.pdf"
    report.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")

    with tab.expect_download() as download:
        tab.click("text=Arbeidsbok med beslutninger")
    saved = tmp_path / "runde-med-beslutninger.xlsx"
    download.value.save_as(str(saved))
    reopened = matcher.load(saved)
    assert (new.participant, new.mentor) in {tuple(x) for x in reopened.locks.require}
    assert (other.participant, other.mentor) in {tuple(x) for x in reopened.locks.forbid}


def test_upload_with_problems_shows_them(page: Page, tmp_path: Path) -> None:
    tab = page
    bad = tmp_path / "feil.yaml"
    bad.write_text("version: 1\nmentors: [1, 2\n")
    tab.set_input_files("input[type=file]", str(bad))
    tab.click("text=Åpne runden")
    tab.wait_for_selector(".problems")
    assert "feil.yaml" in tab.inner_text(".problems")
