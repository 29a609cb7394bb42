"""The meeting report records the coordinator's decisions: a section listing what was
decided, by whom and when, a settings row, and the pairs and waiting people they touched
(a locked pair, a forbidden mentor, a released active pair). Checked on the bundled
example through `likematch report` and by calling the renderers directly."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import matcher
from matcher.cli.app import app
from matcher.model.controls import Decision, apply_decisions
from matcher.render.decisions import decision_text, decisions_line
from matcher.render.privacy import anonymize_decisions, anonymize_ids
from matcher.render.report import to_html, to_markdown
from matcher.text import formats
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "stavanger-sola-sandnes.yaml"
# P07 may have M03 (an alternative of the plain proposal); P09 is proposed M07 without
# the forbid; P11 has an active pair with M02.
LOCK, FORBID, RELEASE = ("P07", "M03"), ("P09", "M07"), "P11"
OPTIONS = [
    "--lock",
    "=".join(LOCK),
    "--forbid",
    "=".join(FORBID),
    "--release",
    RELEASE,
]
ORIGINAL_ID = re.compile(r"\b[PM]\d{2}\b")  # the ids of the example scenario
SECTIONS = [
    "due",
    "decisions",
    "proposed-pairs",
    "waiting-list",
    "municipalities",
    "mentor-load",
    "settings",
]


class Rows(HTMLParser):
    """The report's table rows per section id: each row a list of cells, a list cell's
    items joined with newlines."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self.empty: list[str] = []  # sections that say "None." instead of a table
        self._section = ""
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
            self.sections[self._section] = []
        elif tag == "tr":
            self.sections[self._section].append([])
        elif tag == "td":
            self._cell = ""
        elif tag == "li" and self._cell:
            self._cell += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.sections[self._section][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data
        elif data == "None.":
            self.empty.append(self._section)

    def table(self, key: str) -> list[list[str]]:
        """The body rows of one section (the header row has no `td`)."""
        return [row for row in self.sections[key] if row]


def parse(html: str) -> Rows:
    page = Rows()
    page.feed(html)
    return page


def report(tmp_path: Path, name: str, *args: str) -> str:
    out = tmp_path / name
    done: Result = CliRunner().invoke(
        app, ["report", str(EXAMPLE), "--out", str(out), *OPTIONS, *args]
    )
    assert done.exit_code == 0, done.output
    return out.read_text(encoding="utf-8")


def row_of(rows: list[list[str]], participant: str) -> list[str]:
    return next(row for row in rows if participant in row[:2])


def test_html_report_records_the_decisions(tmp_path: Path) -> None:
    page = parse(report(tmp_path, "meeting.html"))
    assert list(page.sections) == SECTIONS
    decisions = page.table("decisions")
    assert decisions == [
        ["1", "lock P07 with M03", "", ""],
        ["2", "forbid P09 with M07", "", ""],
        ["3", "release P11's active pair with M02", "", ""],
    ]
    pairs = page.table("proposed-pairs")
    locked = row_of(pairs, LOCK[0])
    assert locked[:3] == [*LOCK, "locked"]
    assert row_of(pairs, "P01")[2] == "locked"  # the scenario's own locks.require
    forbidden = row_of(pairs, FORBID[0])
    assert forbidden[1] != FORBID[1]
    assert "not with M07 (forbidden by the coordinator)" in forbidden[4].split("\n")
    released = row_of(pairs + page.table("waiting-list"), RELEASE)
    assert "active pair with M02 released by the coordinator" in "\n".join(released)
    assert all(row[2] in ("new", "kept", "locked") for row in pairs)
    settings = dict((row[0], row[1]) for row in page.table("settings"))
    assert settings["decisions"] == "lock P07-M03; forbid P09-M07; release P11"


def test_markdown_report_records_the_decisions(tmp_path: Path) -> None:
    text = report(tmp_path, "meeting.md")
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads.index("## Decisions") == heads.index("## Due before the next round") + 1
    assert heads.index("## Proposed pairs") == heads.index("## Decisions") + 1
    assert "| 1 | lock P07 with M03 |  |  |" in text
    assert "| 2 | forbid P09 with M07 |  |  |" in text
    assert "| 3 | release P11's active pair with M02 |  |  |" in text
    assert "| P07 | M03 | locked |" in text
    assert "not with M07 (forbidden by the coordinator)" in text
    assert "active pair with M02 released by the coordinator" in text
    assert "| decisions | lock P07-M03; forbid P09-M07; release P11 |" in text


def test_norwegian_report_keeps_the_structure(tmp_path: Path) -> None:
    page = parse(report(tmp_path, "møte.html", "--lang", "nb"))
    assert list(page.sections) == SECTIONS
    decisions = page.table("decisions")
    assert len(decisions) == 3
    for row, ids in zip(decisions, [LOCK, FORBID, (RELEASE, "M02")], strict=True):
        assert all(i in row[1] for i in ids)
        assert row[2:] == ["", ""]
    assert row_of(page.table("proposed-pairs"), LOCK[0])[1] == LOCK[1]
    settings = page.table("settings")
    assert any(all(i in row[1] for i in (*LOCK, *FORBID, RELEASE)) for row in settings)


@pytest.mark.parametrize("name", ["meeting.html", "meeting.md"])
def test_anonymized_report_hides_the_decisions_ids(tmp_path: Path, name: str) -> None:
    text = report(tmp_path, name, "--anonymize")
    assert not ORIGINAL_ID.search(text)
    scenario = apply_decisions(matcher.load(EXAMPLE), [Decision("lock", *LOCK)])
    hidden, _ = anonymize_ids(scenario, matcher.solve(scenario, explain=False))
    p07, m03 = hidden.locks.require[-1]  # the decision's lock, after the scenario's own
    if name.endswith(".html"):
        page = parse(text)
        assert page.table("decisions")[0][1] == f"lock {p07} with {m03}"
        assert row_of(page.table("proposed-pairs"), p07)[:3] == [p07, m03, "locked"]
    else:
        assert f"| 1 | lock {p07} with {m03} |" in text
        assert f"| {p07} | {m03} | locked |" in text


def test_anonymized_decisions_use_the_reports_pseudonyms() -> None:
    scenario = matcher.load(EXAMPLE)
    taken = (
        Decision("lock", *LOCK, by="M03 and Kari"),
        Decision("forbid", *FORBID),
        Decision("release", RELEASE),
    )
    applied = apply_decisions(scenario, taken)
    hidden, _ = anonymize_ids(applied, matcher.solve(applied, explain=False), "k")
    lock, forbid, release = anonymize_decisions(applied, taken, "k")
    assert (lock.participant, lock.mentor) == tuple(hidden.locks.require[-1])
    assert (forbid.participant, forbid.mentor) == tuple(hidden.locks.forbid[-1])
    assert release.participant in {p.participant for p in hidden.pairs if p.release}
    assert release.mentor is None
    assert lock.by is not None and lock.by.endswith(" and Kari")
    assert not ORIGINAL_ID.search(lock.by)


def test_who_and_when_are_shown() -> None:
    at = dt.datetime(2026, 11, 20, 14, 5, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    taken = [Decision("lock", *LOCK, by="Kari", at=at), Decision("release", RELEASE)]
    scenario = apply_decisions(matcher.load(EXAMPLE), taken)
    result = matcher.solve(scenario, explain=False)
    page = parse(to_html(scenario, result, taken))
    assert page.table("decisions") == [
        ["1", "lock P07 with M03", "Kari", "20 November 2026, 14:05"],
        ["2", "release P11's active pair with M02", "", ""],
    ]
    assert formats.datetime(at) == "20 November 2026, 14:05"  # the value's own clock
    text = to_markdown(scenario, result, taken)
    assert "| 1 | lock P07 with M03 | Kari | 20 November 2026, 14:05 |" in text
    with matcher.speaking("nb"):
        assert formats.datetime(at).startswith("20. november 2026")


def test_without_decisions_the_section_says_none() -> None:
    scenario = matcher.load(EXAMPLE)
    result = matcher.solve(scenario, explain=False)
    page = parse(to_html(scenario, result))
    assert "decisions" in page.empty and page.table("decisions") == []
    assert dict((r[0], r[1]) for r in page.table("settings"))["decisions"] == "none"
    assert "## Decisions\n\nNone.\n" in to_markdown(scenario, result)


def test_report_without_decisions_is_byte_identical(tmp_path: Path) -> None:
    for name in ("a.html", "b.html", "a.md", "b.md"):
        done = CliRunner().invoke(app, ["report", str(EXAMPLE), "--out", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
    for suffix in ("html", "md"):
        first = (tmp_path / f"a.{suffix}").read_bytes()
        assert first == (tmp_path / f"b.{suffix}").read_bytes()
    # and with decisions that carry no time
    assert report(tmp_path, "c.html") == report(tmp_path, "d.html")


def test_decision_words() -> None:
    assert decision_text(Decision("release", "P11")) == "release P11's active pair"
    assert decision_text(Decision("release", "P11"), "M02") == (
        "release P11's active pair with M02"
    )
    assert decision_text(Decision("forbid", "P02", "M05")) == "forbid P02 with M05"
    assert decisions_line([]) == "none"


def test_a_bad_pair_option_exits_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        app, ["report", str(EXAMPLE), "--out", str(tmp_path / "m.md"), "--lock", "P07"]
    )
    assert done.exit_code == 2
    assert "expected PARTICIPANT=MENTOR" in done.output
    assert "Traceback" not in done.output
