"""Between rounds: funding, renewal and review dates of pairs, ended pairs (`history`),
`min_score`, `young_max_age`, and the list of what is due before the next round."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import matcher
from benchmarks.generator import generate
from matcher.cli.app import app
from matcher.core.priority import TAG_POINTS, priorities
from matcher.explain.due import DEFAULT_HORIZON

Data = dict[str, Any]
ROUND = dt.date(2026, 11, 20)


def example() -> Data:
    return matcher.load(matcher.EXAMPLE).model_dump(mode="json")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), floor=st.sampled_from([0.3, 0.45, 0.6, 0.75]))
def test_no_new_pair_below_min_score_and_kept_pairs_stay(seed: int, floor: float) -> None:
    data = generate(30, 15, seed)
    data["policy"]["min_score"] = floor
    scenario = matcher.validate(data)
    locked = {tuple(pair) for pair in scenario.locks.require}
    result = matcher.solve(scenario, explain=False)
    for pair in result.pairs:
        if not pair.existing and (pair.participant, pair.mentor) not in locked:
            assert pair.score >= floor - 1e-9
    kept = {(p.participant, p.mentor) for p in scenario.pairs if not p.release}
    assert kept <= {(p.participant, p.mentor) for p in result.pairs}


def test_who_waits_below_min_score_is_told_the_best_score() -> None:
    data = example()
    data["policy"]["min_score"] = 0.7
    result = matcher.solve(matcher.validate(data))
    below = [w for w in result.unmatched if w.reason_codes[0].code == "below_min_score"]
    assert below
    for person in below:
        params = person.reason_codes[0].params
        assert params["min_score"] == 0.7 and params["best"] < 0.7
        assert person.reasons[0].startswith("no mentor who fits scores the minimum of 0.70")


def test_without_min_score_nothing_changes() -> None:
    data = example()
    with_none = matcher.solve(matcher.validate(data), explain=False)
    data["policy"]["min_score"] = 0.0
    with_zero = matcher.solve(matcher.validate(data), explain=False)
    assert with_none.pairs == with_zero.pairs


def test_young_max_age_gives_the_young_points_without_the_tag() -> None:
    data = example()
    before = {p.id: q.points for p, q in zip(*_people(data), strict=True)}
    data["policy"]["young_max_age"] = 30
    scenario = matcher.validate(data)
    after = {
        p.id: q.points for p, q in zip(scenario.participants, priorities(scenario), strict=True)
    }
    for person in scenario.participants:
        gained = after[person.id] - before[person.id]
        young = person.age <= 30 and "young" not in person.priority
        assert gained == (TAG_POINTS["young"] if young else 0), person.id


def _people(data: Data) -> tuple[list[Any], list[Any]]:
    scenario = matcher.validate(data)
    return scenario.participants, priorities(scenario)


def due_round() -> Data:
    data = example()
    pair = data["pairs"][0]
    pair.update(funding="nav", renewal_due="2026-12-10", review_due="2027-06-01")
    data["pairs"][1].update(funding="municipality", renewal_due="2026-11-01")  # overdue
    for person in data["participants"]:
        person["discharge"] = "2026-12-10"  # in 20 days: due for those left waiting
    return data


def test_due_lists_renewals_within_the_horizon_and_discharges_of_people_waiting() -> None:
    data = due_round()
    result = matcher.solve(matcher.validate(data), explain=False)
    due = [(d.kind, d.participant, d.days) for d in result.due]
    first, second = data["pairs"][0], data["pairs"][1]
    assert ("renewal", second["participant"], -19) == due[0]  # overdue first
    assert ("renewal", first["participant"], 20) in due
    waiting = {w.participant for w in result.unmatched}
    discharged = {p for kind, p, _ in due if kind == "discharge"}
    consenting = {p["id"] for p in data["participants"] if p["consent"]}
    assert discharged == waiting & consenting != set()
    assert not any(kind == "review" for kind, _, _ in due)  # beyond the horizon
    assert [d.days for d in result.due] == sorted(d.days for d in result.due)
    longer = matcher.solve(matcher.validate(data), explain=False, horizon=365)
    assert any(d.kind == "review" for d in longer.due)
    assert DEFAULT_HORIZON == 42


def test_due_is_in_json_the_table_and_the_report(tmp_path: Path) -> None:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(due_round()), encoding="utf-8")
    runner = CliRunner()
    as_json = runner.invoke(app, ["solve", str(path), "--format", "json", "--no-explain"])
    due = json.loads(as_json.stdout)["due"]
    assert {"kind", "participant", "mentor", "date", "days"} == set(due[0])
    assert {"discharge", "renewal"} <= {d["kind"] for d in due}
    table = runner.invoke(app, ["solve", str(path), "--no-explain"])
    assert "Due before the next round" in table.stdout and "funding renewal" in table.stdout
    report = tmp_path / "meeting.html"
    runner.invoke(app, ["report", str(path), "--out", str(report), "--lang", "nb"])
    page = report.read_text(encoding="utf-8")
    assert "Forfaller før neste runde" in page and "fornyelse av finansiering" in page


def test_history_is_validated_and_never_counts_toward_caps() -> None:
    data = example()
    data["history"] = [
        {"participant": "X1", "mentor": "M01", "municipality": "Sola", "since": "2025-01-01",
         "ended": "2025-06-01", "reason": "fullført", "funding": "nav"},
    ]  # fmt: skip
    with_history = matcher.validate(data)
    assert with_history.history[0].municipality == "sola"
    assert (
        matcher.solve(with_history, explain=False).pairs
        == matcher.solve(matcher.load(matcher.EXAMPLE), explain=False).pairs
    )
    data["history"][0].update(municipality="oslo")
    data["history"].append(dict(data["history"][0], ended="2024-01-01"))
    with pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(data)
    assert [str(p) for p in info.value.problems] == [
        "history[1]: ended is before since",
        "history[0].municipality: unknown municipality; declared: sandnes, sola, stavanger",
    ]


def test_the_sogne_scenario_lists_its_nav_renewals_and_prioritises_the_young() -> None:
    scenario = matcher.load(Path(__file__).parent.parent / "scenarios" / "sogne-kristiansand.yaml")
    assert scenario.program.capacity == 10 and scenario.policy.young_max_age == 30
    result = matcher.solve(scenario, explain=False)
    renewals = [(d.participant, d.days) for d in result.due if d.kind == "renewal"]
    nav = {p.participant for p in scenario.pairs if p.funding == "nav"}
    assert renewals and {who for who, _ in renewals} <= nav
    assert all(days <= DEFAULT_HORIZON for _, days in renewals)
    points = dict(zip((p.id for p in scenario.participants), priorities(scenario), strict=True))
    young = next(p for p in scenario.participants if p.age <= 30 and not p.priority)
    assert points[young.id].points >= TAG_POINTS["young"]
