"""Stability between re-runs: with the previous proposal, the new one keeps its pairs
wherever the optimum allows, and says which changed and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.core.problem import build
from matcher.model.controls import apply_controls
from solvers import check_solution, evaluate
from tests.conftest import mentor, participant, scenario
from tests.rules import hard_rule_violations
from tests.strategies import scenario_data
from tests.test_bruteforce import BRUTE_SETTINGS, edge_subsets

Data = dict[str, Any]


def new_pairs(result: matcher.Result) -> set[tuple[str, str]]:
    return {(p.participant, p.mentor) for p in result.pairs if not p.existing}


def twins() -> Data:
    """Five identical participants, four identical mentors with one place each: every
    assignment of four is an optimum, so only stability decides which."""
    return scenario(
        mentors=[mentor(f"M{i}", capacity=1) for i in range(1, 5)],
        participants=[participant(f"P{i}") for i in range(1, 6)],
    )


def test_a_lock_displaces_one_pair_and_the_others_stay() -> None:
    first = matcher.solve(matcher.validate(twins()))
    before = new_pairs(first)
    assert len(before) == 4
    (waiting,) = first.unmatched
    # The coordinator locks the waiting participant to the mentor of P1 (or whoever has one).
    displaced, taken = sorted(before)[0]
    locked = apply_controls(matcher.validate(twins()), lock=[(waiting.participant, taken)])
    again = matcher.solve(locked, previous=first)
    after = new_pairs(again)
    assert (waiting.participant, taken) in after
    assert after - {(waiting.participant, taken)} == before - {(displaced, taken)}
    assert [w.participant for w in again.unmatched] == [displaced]
    (note,) = [n for n in again.notes if "previous proposal" in n]
    assert note.startswith("kept 3 of 4 pairs of the previous proposal; ")
    assert (
        f"{displaced} changed ({taken} before, now waiting) because {taken}'s place "
        f"went to the locked pair {waiting.participant}-{taken}"
    ) in note
    assert hard_rule_violations(locked, again) == []


def test_previous_as_pairs_or_result_gives_the_same_proposal() -> None:
    data = twins()
    first = matcher.solve(matcher.validate(data), explain=False)
    # A different earlier proposal than the solver's own first choice.
    wanted = [("P5", "M1"), ("P4", "M2"), ("P3", "M3"), ("P2", "M4")]
    by_pairs = matcher.solve(matcher.validate(data), previous=wanted, explain=False)
    assert new_pairs(by_pairs) == set(wanted)
    assert "kept 4 of 4 pairs of the previous proposal" in by_pairs.notes
    by_result = matcher.solve(matcher.validate(data), previous=by_pairs, explain=False)
    assert new_pairs(by_result) == set(wanted)
    assert by_result.metrics.objective["stability"] == 4
    # Stability never costs a higher level.
    levels = ("coverage", "fairness", "priority", "quality")
    assert [by_pairs.metrics.objective[k] for k in levels] == [
        first.metrics.objective[k] for k in levels
    ]


def test_only_new_pairs_of_the_previous_result_count() -> None:
    data = twins()
    data["pairs"] = [{"participant": "P1", "mentor": "M1"}]
    first = matcher.solve(matcher.validate(data), explain=False)
    again = matcher.solve(matcher.validate(data), previous=first, explain=False)
    assert new_pairs(again) == new_pairs(first)
    assert "kept 3 of 3 pairs of the previous proposal" in again.notes


def test_changed_pairs_name_their_cause() -> None:
    data = twins()
    data["participants"].append(participant("P6", gender="male"))
    data["locks"] = {"forbid": [["P2", "M2"]]}
    previous = [("P1", "M1"), ("P2", "M2"), ("P9", "M3"), ("P6", "M4"), ("P3", "M9")]
    result = matcher.solve(matcher.validate(data), previous=previous)
    (note,) = [n for n in result.notes if "previous proposal" in n]
    assert note.startswith("kept 1 of 5 pairs of the previous proposal; ")
    assert "P2 changed (M2 before, now " in note
    assert "because forbidden by the coordinator (rule 6)" in note
    assert "P9 changed (M3 before) because P9 is no longer in the scenario" in note
    assert "M9 is no longer in the scenario" in note
    assert "because gender does not fit" in note


def test_keeping_a_pair_that_costs_quality_says_so() -> None:
    # P1 was with M2 before; M1 shares P1's substances, so the optimum moves P1.
    data = scenario(
        mentors=[mentor("M1", substances=["alcohol"]), mentor("M2")],
        participants=[participant("P1", substances=["alcohol"])],
    )
    result = matcher.solve(matcher.validate(data), previous=[("P1", "M2")])
    assert new_pairs(result) == {("P1", "M1")}
    (note,) = [n for n in result.notes if "previous proposal" in n]
    assert "P1 changed (M2 before, now with M1) because keeping it costs total score -" in note
    quick = matcher.solve(matcher.validate(data), previous=[("P1", "M2")], explain=False)
    assert "because keeping it would cost a higher-ranked goal" in quick.notes[-1]


def test_same_previous_same_output() -> None:
    data = twins()
    previous = [("P2", "M3"), ("P3", "M2")]
    runs = [matcher.solve(matcher.validate(data), previous=previous).to_dict() for _ in range(2)]
    for run in runs:
        del run["elapsed_s"]
    assert runs[0] == runs[1]


@settings(BRUTE_SETTINGS, max_examples=40)
@given(scenario_data(max_participants=5, max_mentors=4, max_municipalities=3), st.data())
def test_stability_is_maximal_among_lexicographic_optima(data: Data, draw: st.DataObject) -> None:
    scenario_ = matcher.validate(data)
    ids = [(p.id, m.id) for p in scenario_.participants for m in scenario_.mentors]
    previous = draw.draw(st.lists(st.sampled_from(ids), unique=True, max_size=4)) if ids else []
    result = matcher.solve(scenario_, previous=previous, explain=False)
    built = build(scenario_, previous=previous)
    if built.conflicts:  # a lock that breaks a hard rule: found before any solve
        assert result.status == "infeasible"
        return
    problem = built.problem
    higher = tuple(level for level in problem.levels if level != "stability")
    best: tuple[int, ...] | None = None
    kept_best = -1
    for chosen in edge_subsets(problem):
        if check_solution(problem, chosen):
            continue
        levels = evaluate(problem, chosen)
        value = tuple(levels[level] for level in higher)
        # Counted from ids, not from the problem's own stability level.
        kept = len(
            {
                (scenario_.participants[p].id, scenario_.mentors[m].id)
                for p, m in zip(problem.edge_p[chosen], problem.edge_m[chosen], strict=True)
            }
            & set(previous)
        )
        if best is None or value > best:
            best, kept_best = value, kept
        elif value == best:
            kept_best = max(kept_best, kept)
    if best is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert hard_rule_violations(scenario_, result) == []
    got = tuple(result.metrics.objective[level] for level in higher)
    if problem.has_fairness_level and problem.fairness == "maxmin":
        # Known (tests/test_bruteforce.py): leximin is refined before the lower levels.
        k = higher.index("fairness") + 1
        assert got[:k] == best[:k]
        return
    assert got == best
    assert len(new_pairs(result) & set(previous)) == kept_best
    assert result.metrics.objective["stability"] == kept_best


# -- the command line -------------------------------------------------------------------


def write(tmp_path: Path, data: Data) -> Path:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_previous_keeps_the_earlier_proposal(tmp_path: Path) -> None:
    runner = CliRunner()
    path = write(tmp_path, twins())
    first = runner.invoke(app, ["solve", str(path), "--format", "json", "--no-explain"])
    assert first.exit_code == 0, first.output
    before = json.loads(first.stdout)
    (waiting,) = before["unmatched"]
    displaced, taken = sorted((p["participant"], p["mentor"]) for p in before["pairs"])[0]
    earlier = tmp_path / "earlier.json"
    earlier.write_text(first.stdout, encoding="utf-8")
    lock = f"{waiting['participant']}={taken}"
    again = runner.invoke(
        app, ["solve", str(path), "--format", "json", "--lock", lock, "--previous", str(earlier)]
    )
    assert again.exit_code == 0, again.output
    after = json.loads(again.stdout)
    assert {(p["participant"], p["mentor"]) for p in after["pairs"]} == (
        {(p["participant"], p["mentor"]) for p in before["pairs"]} - {(displaced, taken)}
        | {(waiting["participant"], taken)}
    )
    assert any(n.startswith("kept 3 of 4 pairs") for n in after["notes"])
    report = tmp_path / "meeting.md"
    made = runner.invoke(
        app, ["report", str(path), "--out", str(report), "--lock", lock, "--previous", str(earlier)]
    )
    assert made.exit_code == 0, made.output
    assert "kept 3 of 4 pairs of the previous proposal" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{", "line 1, column 2: invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nesting is deeper than 32 levels"),
        ('{"pairs": [' + "9" * 5000 + "]}", "invalid JSON: a number is too long"),
        ("[1, 2]", "expected the JSON result of likematch solve"),
        ('{"pairs": [{"participant": "P1"}]}', "pairs[0]: expected participant and mentor ids"),
        (
            '{"pairs": [{"participant": "P1", "mentor": "M1", "existing": "no"}]}',
            "pairs[0]: expected participant and mentor ids and existing true/false",
        ),
    ],
)
@pytest.mark.parametrize("command", ["solve", "report"])
def test_cli_bad_previous_file_exits_2(
    tmp_path: Path, content: str | None, message: str, command: str
) -> None:
    earlier = tmp_path / "earlier.json"
    if content is not None:
        earlier.write_text(content, encoding="utf-8")
    args = [command, str(write(tmp_path, twins())), "--previous", str(earlier)]
    if command == "report":
        args += ["--out", str(tmp_path / "meeting.html")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"--previous {earlier}: {message}" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "meeting.html").exists()
