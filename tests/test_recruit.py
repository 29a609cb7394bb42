"""Recruitment advice: who a new mentor would take from the waiting list."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.model.scenario import Scenario
from matcher.planning.recruit import best_profiles, candidate_profiles, rank, settle


@pytest.fixture(scope="module")
def example() -> Scenario:
    return matcher.load(matcher.EXAMPLE)


def test_profiles_cover_gender_municipality_age_and_substance(example: Scenario) -> None:
    profiles = candidate_profiles(example)
    assert len(profiles) == 3 * 3 * 5 * 6
    assert len(set(profiles)) == len(profiles)
    assert len(candidate_profiles(example, substances=False)) == 3 * 3 * 5


def test_ranking_takes_only_waiting_people(example: Scenario) -> None:
    _, waiting = settle(example, "auto")
    result = rank(example, top=5)
    assert result.waiting == len(waiting) == 3
    assert len(result.candidates) == 5
    gains = [c.gain for c in result.candidates]
    assert gains == sorted(gains, reverse=True)
    for c in result.candidates:
        assert set(c.would_match) <= waiting
        assert c.gain == len(c.would_match) <= c.reachable
    top = result.candidates[0]
    # P03 (Sandnes) waits for a woman who serves Sandnes: M04 is forbidden, M06 untrained.
    assert (top.gender, top.municipality, top.would_match) == ("female", "sandnes", ["P03"])
    keys = [(c.gender, c.municipality, c.age_band) for c in result.candidates]
    assert len(set(keys)) == len(keys)


def test_full_programme_means_no_recruit_helps(example: Scenario) -> None:
    result = rank(example, top=3, keep_caps=True)
    assert all(c.gain == 0 for c in result.candidates)
    assert any(c.reachable > 0 for c in result.candidates)


def test_greedy_profiles_serve_different_people(example: Scenario) -> None:
    profiles = best_profiles(example, 3)
    assert len(profiles) == 3
    assert [(p.gender, p.municipality) for p in profiles] == [
        ("female", "sandnes"),
        ("male", "sandnes"),
        ("female", "stavanger"),
    ]


def test_cli_json_and_table() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["recruit", "--top", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["would_match"] for c in data["candidates"]] == [["P03"], ["P08"]]
    table = runner.invoke(app, ["recruit", "--top", "2"])
    assert table.exit_code == 0 and "P03" in table.stdout
    assert (
        runner.invoke(app, ["recruit", "--format", "json"]).stdout
        == runner.invoke(app, ["recruit", "--format", "json"]).stdout
    )


def test_cli_bad_options() -> None:
    result = CliRunner().invoke(app, ["recruit", "--top", "0"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["recruit", "--executor", "dask", "--scheduler", "nowhere"])
    assert result.exit_code == 2
    assert "--scheduler nowhere: expected an address like tcp://HOST:PORT" in result.stderr
