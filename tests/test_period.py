"""`likematch period`: the counts per municipality, recomputed here day by day from the
pairs, and the suppression of small counts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.planning.period import COLUMNS, counts
from matcher.render.period import period_report
from matcher.render.privacy import SMALL

Data = dict[str, Any]
DAY0 = dt.date(2024, 1, 1)
MUNIS = ("stavanger", "sola", "sandnes")


@st.composite
def rounds(draw: st.DrawFn) -> Data:
    """The example round with random dates on its pairs and a random history."""
    data = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    day = st.integers(0, 1000).map(lambda n: DAY0 + dt.timedelta(days=n))
    for pair in data["pairs"]:
        since = draw(st.one_of(st.none(), day.filter(lambda d: d <= dt.date(2026, 11, 20))))
        pair["since"] = None if since is None else since.isoformat()
        pair["funding"] = draw(st.sampled_from([None, "nav", "municipality", "project"]))
    history = []
    for i in range(draw(st.integers(0, 25))):
        since = draw(day)
        ended = since + dt.timedelta(days=draw(st.integers(0, 400)))
        history.append(
            {
                "participant": f"H{draw(st.integers(0, 12))}",
                "mentor": f"M0{1 + i % 8}",
                "municipality": draw(st.sampled_from(MUNIS)),
                "since": since.isoformat(),
                "ended": ended.isoformat(),
                "funding": draw(st.sampled_from([None, "nav", "other"])),
            }
        )
    data["history"] = history
    return data


def day_by_day(data: Data, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """The counts of a period, from a walk over its days (not from interval arithmetic)."""
    where = {p["id"]: p["municipality"] for p in data["participants"]}
    pairs = [
        (p["participant"], where[p["participant"]], p.get("since"), None, p.get("funding"))
        for p in data["pairs"]
    ] + [
        (h["participant"], h["municipality"], h["since"], h["ended"], h.get("funding"))
        for h in data["history"]
    ]
    out = {m: dict.fromkeys(COLUMNS, 0) for m in MUNIS}
    followed: dict[str, set[str]] = {m: set() for m in MUNIS}
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    for who, muni, since, ended, funding in pairs:
        first = dt.date.fromisoformat(since) if since else dt.date.min
        last = dt.date.fromisoformat(ended) if ended else dt.date.max
        active = [d for d in days if first <= d <= last]
        if active:
            followed[muni].add(who)
            out[muni][f"funding_{funding or 'unknown'}"] += 1
        out[muni]["new"] += since is not None and first in days
        out[muni]["ended"] += ended is not None and last in days
        out[muni]["active_end"] += first <= end <= last
    for muni in MUNIS:
        out[muni]["followed"] = len(followed[muni])
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rounds(), start=st.integers(0, 1000), length=st.integers(0, 400))
def test_counts_agree_with_a_walk_over_the_days(data: Data, start: int, length: int) -> None:
    first = DAY0 + dt.timedelta(days=start)
    last = first + dt.timedelta(days=length)
    scenario = matcher.validate(data)
    assert counts(scenario, first, last) == day_by_day(data, first, last)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rounds())
def test_no_small_count_is_shown(data: Data) -> None:
    scenario = matcher.validate(data)
    first, last = dt.date(2024, 1, 1), dt.date(2026, 11, 20)
    report = period_report(scenario, first, last)
    raw = counts(scenario, first, last)
    for row, muni in zip(report.rows, MUNIS, strict=True):
        for column in COLUMNS:
            shown = row.counts[column]
            assert shown is None or (shown == raw[muni][column] and shown >= SMALL)
            if raw[muni][column] < SMALL:
                assert shown is None
        assert (row.posts is None) == (row.counts["active_end"] is None)
        assert row.small == [c for c in COLUMNS if raw[muni][c] < SMALL]
    for column in COLUMNS:  # a shown total is the true total
        total = report.total.counts[column]
        assert total is None or total == sum(raw[m][column] for m in MUNIS)


def test_the_command_in_every_format(tmp_path: Path) -> None:
    data = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    data["history"] = [
        {"participant": f"H{i}{m}", "mentor": "M01", "municipality": m,
         "since": "2026-01-05", "ended": "2026-09-01", "funding": "nav"}
        for i in range(4) for m in MUNIS
    ]  # fmt: skip
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    runner = CliRunner()
    args = ["period", str(path), "--from", "2026-01-01", "--to", "2026-11-20"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "NAV" in table.stdout and "<3" in table.stdout
    as_json = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    stavanger = as_json["rows"][0]
    assert stavanger["municipality"] == "Stavanger"
    assert stavanger["counts"]["ended"] == 4 and stavanger["counts"]["funding_nav"] == 4
    out = tmp_path / "period.xlsx"
    done = runner.invoke(app, [*args, "--format", "xlsx", "--out", str(out)])
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(out)["period"]
    assert sheet["A1"].value == "Municipality" and sheet["A2"].value == "Stavanger"
    norwegian = runner.invoke(app, [*args, "--lang", "nb"])
    assert "Periode 1. januar 2026 til 20. november 2026" in norwegian.stdout


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    done = CliRunner().invoke(app, ["period", "--from", "2026-05-01", "--to", "2026-04-01"])
    assert done.exit_code == 2
    assert "--to 2026-04-01 is before --from 2026-05-01" in done.stderr
