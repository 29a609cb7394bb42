"""Capacity what-ifs: one row per combination, monotone coverage, outputs and bad options."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import matcher
from benchmarks.generator import generate
from matcher.cli.app import app
from matcher.model.scenario import Program, Scenario
from matcher.planning.variants import MentorProfile, Variant, apply
from matcher.planning.whatif import Grid, run_whatif, solve_variant

SANDNES_WOMAN = MentorProfile(gender="female", municipality="sandnes", age=40)


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def example() -> Scenario:
    return matcher.load(matcher.EXAMPLE)


def test_one_row_per_combination_in_option_order(example: Scenario) -> None:
    grid = Grid(
        add_mentors=(0, 1, 2),
        mentor_capacity=(2, 3),
        capacity=(10, 12, 15),
        floors=(("sandnes", (1, 2)),),
        fairness=("none", "quotas", "maxmin"),
        profile=SANDNES_WOMAN,
    )
    result = run_whatif(example, grid)
    assert len(result.rows) == 3 * 2 * 3 * 2 * 3
    first, last = result.rows[0], result.rows[-1]
    assert (
        first.add_mentors,
        first.mentor_capacity,
        first.capacity,
        first.floors,
        first.fairness,
    ) == (0, 2, 10, {"sandnes": 1}, "none")
    assert (last.add_mentors, last.mentor_capacity, last.capacity, last.floors, last.fairness) == (
        2,
        3,
        15,
        {"sandnes": 2},
        "maxmin",
    )
    assert len({r.variant for r in result.rows}) == len(result.rows)


def test_baseline_is_the_scenario_as_given(example: Scenario) -> None:
    result = run_whatif(example, Grid(capacity=(10,)))
    solved = matcher.solve(example, solver="auto", explain=False)
    assert result.baseline.matched == solved.metrics.matched
    assert result.baseline.municipalities == {k: v.active for k, v in solved.municipalities.items()}
    assert result.baseline.changed == 0
    # The example's cap is 10 already: the same round, the same pairs.
    assert result.rows[0].changed == 0
    assert result.rows[0].matched == result.baseline.matched


def test_bigger_programme_serves_more_and_budget_follows(example: Scenario) -> None:
    rows = run_whatif(example, Grid(capacity=(10, 15))).rows
    assert rows[0].limit == "programme capacity and position budget"
    assert rows[1].position_budget == pytest.approx(1.5)
    assert rows[1].matched > rows[0].matched
    assert rows[1].posts_used == pytest.approx(rows[1].matched * 0.1)
    explicit = run_whatif(example, Grid(capacity=(15,), position_budget=(1.0,))).rows[0]
    assert explicit.matched == rows[0].matched
    assert explicit.limit == "position budget"


def test_budget_places_and_posts_are_counted_one_way() -> None:
    program = Program(position_budget=1.5, position_per_participant=0.1)
    assert program.budget_places() == 15  # although 1.5 / 0.1 is 14.999999999999998
    assert program.posts(15) == 1.5  # not 1.5000000000000002
    assert program.posts(7, decimals=None) == 7 * 0.1
    assert program.raised_budget(2) == 1.7
    assert Program().budget_places() is None
    assert Program().raised_budget(2) is None


def test_added_mentors_follow_the_profile(example: Scenario) -> None:
    changed = apply(example, Variant(add_mentors=2), [SANDNES_WOMAN] * 2)
    new = changed.mentors[len(example.mentors) :]
    assert [m.id for m in new] == ["NEW01", "NEW02"]
    assert all(m.gender == "female" and m.serves == ["sandnes"] and m.age == 40 for m in new)
    assert all(m.recovery_years >= example.policy.min_recovery_years for m in new)


def test_default_profiles_help_most(example: Scenario) -> None:
    result = run_whatif(example, Grid(add_mentors=(0, 1), capacity=(15,)))
    assert result.profiles[0].startswith("female 50, serves sandnes")
    assert result.rows[1].matched >= result.rows[0].matched


def test_fairness_price_and_changed_pairs(example: Scenario) -> None:
    rows = run_whatif(example, Grid(fairness=("none", "quotas", "maxmin"))).rows
    assert [r.fairness for r in rows] == ["none", "quotas", "maxmin"]
    assert rows[0].price_coverage == rows[1].price_coverage == 0
    assert rows[2].price_coverage >= 0
    assert rows[2].changed > 0  # maxmin moves a place to Sandnes
    assert rows[2].municipalities["sandnes"] > rows[1].municipalities["sandnes"]


def _coverage(scenario: Scenario, variant: Variant, profile: MentorProfile) -> int:
    row, _ = solve_variant(scenario, [profile] * variant.add_mentors, "auto", None, variant)
    return row.matched


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_participants=st.integers(4, 30),
    n_mentors=st.integers(1, 10),
    gender=st.sampled_from(["female", "male"]),
    fairness=st.sampled_from(["none", "quotas", "maxmin"]),
    step=st.sampled_from(["mentors", "capacity", "mentor_capacity"]),
    floors=st.booleans(),
)
def test_more_mentors_or_capacity_never_lowers_coverage(
    seed: int,
    n_participants: int,
    n_mentors: int,
    gender: str,
    fairness: str,
    step: str,
    floors: bool,
) -> None:
    data = generate(n_participants, n_mentors, seed, floors=floors, locks=False)
    scenario = matcher.validate(data)
    muni = scenario.municipality_list()[0].id
    profile = MentorProfile(gender=gender, municipality=muni, age=40)  # type: ignore[arg-type]
    cap = scenario.program.capacity or n_participants
    ladders = {
        "mentors": [Variant(add_mentors=k, fairness=fairness) for k in range(3)],  # type: ignore[arg-type]
        "capacity": [Variant(capacity=cap + k, fairness=fairness) for k in (-1, 0, 2)],  # type: ignore[arg-type]
        "mentor_capacity": [Variant(mentor_capacity=k, fairness=fairness) for k in (1, 2, 3)],  # type: ignore[arg-type]
    }
    ladder = [v for v in ladders[step] if v.capacity is None or v.capacity >= 0]
    coverage = [_coverage(scenario, v, profile) for v in ladder]
    assert coverage == sorted(coverage)


def test_cli_table_json_and_csv(tmp_path: Path) -> None:
    table = invoke("whatif", "--add-mentors", "0,1", "--capacity", "10,15")
    assert table.exit_code == 0, table.output
    assert "baseline" in table.stdout and "Fairness" in table.stdout
    as_json = invoke("whatif", "--add-mentors", "0,1", "--capacity", "10,15", "--format", "json")
    data = json.loads(as_json.stdout)
    assert len(data["rows"]) == 4 and data["baseline"]["variant"] == "baseline"
    out = tmp_path / "whatif.csv"
    as_csv = invoke("whatif", "--fairness", "none,maxmin", "--format", "csv", "--out", out)
    assert as_csv.exit_code == 0 and as_csv.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["fairness"] for r in rows] == ["quotas", "none", "maxmin"]
    assert "active_sandnes" in rows[0]


def test_cli_output_is_deterministic() -> None:
    args = ("whatif", "--add-mentors", "0,2", "--fairness", "quotas,maxmin", "--format", "json")
    assert invoke(*args).stdout == invoke(*args).stdout


def test_cli_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "whatif.png"
    result = invoke("whatif", "--capacity", "10,15", "--chart", chart, "--format", "json")
    assert result.exit_code == 0, result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    json.loads(result.stdout)  # stdout holds only the JSON


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--add-mentors", "1,x"), "--add-mentors: 'x' is not a whole number"),
        (("--capacity", "-1"), "--capacity: '-1'"),
        (("--floor", "oslo=1"), "--floor: unknown municipality 'oslo'"),
        (("--floor", "sandnes"), "--floor: expected MUNICIPALITY=N"),
        (("--fairness", "fair"), "--fairness: 'fair' is not one of"),
        (("--mentor-profile", "gender=female"), "--mentor-profile: 'municipality' is missing"),
        (("--mentor-profile", "gender=x,municipality=sola"), "--mentor-profile: gender must"),
        (("--mentor-profile", "gender=male,municipality=sola,colour=red"), "unknown key 'colour'"),
        (("--solver", "magic"), "--solver: unknown solver 'magic'"),
        (("--scheduler", "tcp://127.0.0.1:1"), "--scheduler needs --executor dask"),
        (("--chart", "out.svg"), "--chart out.svg: use a .png"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = invoke("whatif", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_greedy_giving_up_on_a_variant_exits_4_without_a_traceback() -> None:
    # capacity 1 is below the example's active pairs: greedy cannot place them, and says so
    result = invoke("whatif", "--capacity", "1", "--solver", "greedy", "-q")
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert "--solver: no proposal for one of the rounds" in result.stderr
