"""The pairing-meeting report lists every person and municipality and the settings;
checked by parsing the HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.render.report import to_html, to_markdown
from matcher.render.table import render_table
from matcher.render.wording import summary_line
from tests.conftest import EXAMPLE_PATHS, mentor, participant, scenario


class Page(HTMLParser):
    """Collects section ids, table cells and whether anything loads from outside."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.cells: dict[str, list[str]] = {}
        self.external: list[str] = []
        self._section = ""
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self._section = found.get("id") or ""
            self.sections.append(self._section)
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.setdefault(self._section, []).append("")
        for key in ("src", "href"):
            if found.get(key):
                self.external.append(str(found[key]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[self._section][-1] += data


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_html_report_lists_everyone(name: str) -> None:
    scenario = matcher.load(EXAMPLE_PATHS[name])
    result = matcher.solve(scenario)
    page = Page()
    page.feed(to_html(scenario, result))
    assert page.sections == [
        "due",
        "decisions",
        "proposed-pairs",
        "waiting-list",
        "municipalities",
        "mentor-load",
        "settings",
    ]
    assert page.external == []  # self-contained
    people = set(page.cells["proposed-pairs"]) | set(page.cells["waiting-list"])
    assert {p.id for p in scenario.participants} <= people
    assert {m.id for m in scenario.municipality_list()} <= set(page.cells["municipalities"])
    assert {m.id for m in scenario.mentors} <= set(page.cells["mentor-load"])
    settings = page.cells["settings"]
    assert result.solver in " ".join(settings) and matcher.__version__ in settings
    # the waiting list is in priority order: ranks 1, 2, ... for those with consent
    ranks = [c for c in page.cells["waiting-list"][6::6] if c.isdigit()]
    assert ranks == [str(i) for i in range(1, len(ranks) + 1)]


def test_markdown_report_and_cli(tmp_path: Path) -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    text = to_markdown(scenario, matcher.solve(scenario))
    assert "## Waiting list, in priority order" in text
    assert all(p.id in text for p in scenario.participants)
    runner = CliRunner()
    out = tmp_path / "meeting.html"
    done = runner.invoke(app, ["report", str(matcher.EXAMPLE), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    bad = runner.invoke(app, ["report", "--out", str(tmp_path / "meeting.pdf")])
    assert bad.exit_code == 2


def test_report_is_deterministic() -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    first = to_html(scenario, matcher.solve(scenario))
    assert first == to_html(scenario, matcher.solve(scenario))


def test_report_of_a_generated_round_lists_everyone() -> None:
    from benchmarks.generator import generate

    scenario = matcher.validate(generate(30, 15, 4, municipalities=4))
    result = matcher.solve(scenario, solver="auto")
    page = Page()
    page.feed(to_html(scenario, result))
    people = set(page.cells["proposed-pairs"]) | set(page.cells["waiting-list"])
    assert {p.id for p in scenario.participants} <= people
    assert {m.id for m in scenario.municipality_list()} <= set(page.cells["municipalities"])
    assert {m.id for m in scenario.mentors} <= set(page.cells["mentor-load"])


def test_report_of_conflicting_floors_exits_3_naming_them(tmp_path: Path) -> None:
    import json

    from tests.conftest import mentor, participant, scenario

    data = scenario(
        mentors=[mentor("M1", capacity=1)],
        participants=[participant("P1"), participant("P2", municipality="south")],
        municipalities=[{"id": "north", "min": 1}, {"id": "south", "min": 1}],
    )
    path = tmp_path / "floors.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "m.md")])
    assert done.exit_code == 3
    text = " ".join(done.output.split())
    assert "municipality north min 1 (rule 8)" in text
    assert "municipality south min 1 (rule 8)" in text
    assert "Traceback" not in done.output


def test_table_and_report_word_the_round_alike() -> None:
    """One wording for the summary and a capped floor (rule 8), on screen and on the page."""
    data = scenario(
        mentors=[mentor("M1", capacity=3)],
        participants=[
            participant("P1"),
            participant("P2"),
            participant("S1", municipality="south"),
        ],
        municipalities=[{"id": "north"}, {"id": "south", "min": 2}],
    )
    loaded = matcher.validate(data)
    result = matcher.solve(loaded)
    page = Page()
    page.feed(to_html(loaded, result))
    console = Console(record=True, width=300)
    render_table(result, console)
    table = console.export_text()
    assert "2 (capped to 1)" in page.cells["municipalities"]
    assert "2 (capped to 1)" in table
    assert summary_line(result.metrics, prose=True) in to_markdown(loaded, result)
    assert summary_line(result.metrics, prose=False) in table
