"""`time_limit` bounds the whole solve: the parametric maxmin search shares one deadline,
and explanations get the time the proposal left, with a note for whom it ran out.
Explanations re-solve with `auto` whatever back-end made the proposal."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import matcher
from benchmarks.generator import generate
from matcher.cli.app import app
from matcher.cli.common import EXIT_NO_PROPOSAL
from matcher.core.problem import build
from matcher.model.controls import apply_controls
from solvers import NoSolutionError, Options, Problem, Solution, check_solution, get_solver
from solvers.cpsat import CpSatSolver
from solvers.leximin import solve_maxmin
from tests.rules import hard_rule_violations

# Generous bounds, so that a busy machine never fails them: they still catch a limit that
# is ignored (the explanations below alone take about 8 s). How close a run comes to its
# limit is measured by the benchmarks (`python -m benchmarks ... --time-limit`), not here.
MARGIN = 3.0
CONSTANT_S = 1.0


def maxmin_problem() -> Problem:
    return build(matcher.validate(generate(40, 20, 3, fairness="maxmin"))).problem


def test_leximin_solves_share_one_deadline() -> None:
    problem = maxmin_problem()
    calls: list[float] = []

    def slow(sub: Problem, options: Options) -> Solution:
        left = options.left()
        assert left is not None
        calls.append(left)
        time.sleep(0.05)
        return CpSatSolver().solve(sub, Options())

    start = time.perf_counter()
    solution = solve_maxmin(problem, Options.within(0.3), slow)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.3 * MARGIN + CONSTANT_S
    assert solution.status == "feasible"  # the search was cut short
    assert check_solution(problem, solution.chosen) == []
    assert calls == sorted(calls, reverse=True) and calls[0] <= 0.3  # the time left, shrinking
    # the best proposal found is the one returned: nothing seen ranks above it
    unlimited = solve_maxmin(problem, Options(), lambda sub, o: CpSatSolver().solve(sub, o))
    assert unlimited.status == "optimal"
    ranks = [tuple(s.levels[k] for k in problem.levels) for s in (solution, unlimited)]
    assert ranks[0] <= ranks[1]


def test_leximin_without_any_proposal_in_time_raises() -> None:
    def nothing(sub: Problem, options: Options) -> Solution:
        raise NoSolutionError("the time limit ran out before any proposal was found")

    with pytest.raises(NoSolutionError):
        solve_maxmin(maxmin_problem(), Options.within(0.1), nothing)


def test_a_maxmin_round_under_a_tight_limit_keeps_every_hard_rule() -> None:
    scenario = matcher.validate(generate(100, 50, 0, fairness="maxmin"))
    start = time.perf_counter()
    result = matcher.solve(scenario, time_limit=1.0, explain=False)
    assert time.perf_counter() - start < 1.0 * MARGIN + CONSTANT_S
    assert result.status in ("optimal", "feasible")
    assert hard_rule_violations(scenario, result) == []


def test_explanations_left_out_by_the_time_limit_are_counted() -> None:
    scenario = matcher.validate(generate(120, 60, 1))  # about 8 s to explain in full
    start = time.perf_counter()
    result = matcher.solve(scenario, solver="auto", time_limit=0.3)
    assert time.perf_counter() - start < 0.3 * MARGIN + CONSTANT_S
    (note,) = [n for n in result.notes if n.startswith("explanations ")]
    assert note.startswith("explanations stopped at the time limit: ")
    skipped = int(note.split(": ")[1].split()[0])
    consenting = {p.id for p in scenario.participants if p.consent}
    empty = sum(1 for p in result.pairs if not p.existing and not p.alternatives) + sum(
        1 for w in result.unmatched if w.participant in consenting and not w.would_match_if
    )
    assert 0 < skipped <= empty
    assert hard_rule_violations(scenario, result) == []


def test_without_a_time_limit_explanations_are_complete_and_deterministic() -> None:
    scenario = matcher.validate(generate(30, 15, 1))
    runs = [matcher.solve(scenario) for _ in range(2)]
    assert runs[0].model_copy(update={"elapsed_s": 0}) == runs[1].model_copy(
        update={"elapsed_s": 0}
    )
    assert not any(n.startswith("explanations ") for n in runs[0].notes)


def test_a_generous_limit_changes_nothing() -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    limited = matcher.solve(scenario, time_limit=60).to_dict()
    free = matcher.solve(scenario).to_dict()
    del limited["elapsed_s"], free["elapsed_s"]
    assert limited == free


@pytest.mark.parametrize("solver", ["networkx", "mip:highs"])
def test_explanations_re_solve_with_auto(monkeypatch: pytest.MonkeyPatch, solver: str) -> None:
    """Only the proposal comes from the chosen back-end; every re-solve from `auto`, and
    the explanations are the same as with CP-SAT (all exact back-ends agree)."""
    backend = type(get_solver(solver))
    calls: list[Problem] = []
    original = backend.solve

    def counting(self: object, problem: Problem, options: Options) -> Solution:
        calls.append(problem)
        return original(self, problem, options)  # type: ignore[arg-type]

    monkeypatch.setattr(backend, "solve", counting)
    loaded = apply_controls(matcher.load(matcher.EXAMPLE), fairness="maxmin")
    result = matcher.solve(loaded, solver=solver)
    assert len(calls) == 1
    assert result.solver == solver
    reference = matcher.solve(loaded, solver="cpsat")
    assert result.fairness == reference.fairness
    assert [p.alternatives for p in result.pairs] == [p.alternatives for p in reference.pairs]
    assert [w.would_match_if for w in result.unmatched] == [
        w.would_match_if for w in reference.unmatched
    ]
    assert [p.reasons for p in result.pairs] == [p.reasons for p in reference.pairs]


class _GivesUp:
    """A back-end that stops before any proposal, as one does when the time runs out."""

    name = "gives-up"
    exact = True

    def supports(self, problem: Problem) -> None:
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        raise NoSolutionError("the time limit ran out before any proposal was found")


def test_no_proposal_in_time_is_its_own_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("matcher.engine.get_solver", lambda name: _GivesUp())
    scenario = matcher.load(matcher.EXAMPLE)
    result = matcher.solve(scenario, time_limit=0.5)
    assert result.status == "no_proposal"
    assert result.notes[-1] == "the time limit ran out before any proposal was found"
    assert all(p.existing for p in result.pairs)  # active pairs stay; nothing new
    everyone = [p.participant for p in result.pairs] + [w.participant for w in result.unmatched]
    assert sorted(everyone) == sorted(p.id for p in scenario.participants)
    assert all(w.reasons[0].startswith("no proposal: the time limit") for w in result.unmatched)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_no_proposal_exits_4_after_writing_the_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    monkeypatch.setattr("matcher.engine.get_solver", lambda name: _GivesUp())
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(
        app, ["solve", "--time-limit", "0.5", "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == EXIT_NO_PROPOSAL == 4
    assert "Traceback" not in result.output
    assert "no proposal: the time limit ran out" in result.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["status"] == "no_proposal"
    else:
        assert "status no proposal" in text


def test_a_real_time_out_on_a_large_round_is_no_proposal(tmp_path: Path) -> None:
    path = tmp_path / "large.json"
    path.write_text(json.dumps(generate(300, 150, 1), default=str), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["solve", str(path), "--solver", "cpsat", "--time-limit", "0.001", "--format", "json"]
    )
    assert result.exit_code in (0, 4), result.output  # a very fast machine may still finish
    status = json.loads(result.stdout)["status"]
    assert status in (("no_proposal",) if result.exit_code == 4 else ("feasible", "optimal"))
