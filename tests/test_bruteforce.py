"""Exhaustive search on tiny scenarios against the engine.

Scenario level: every assignment of the waiting participants to mentors that the hard
rules allow (eligibility re-derived by tests/rules.py, never by the engine) is tried,
under every hard rule including the capped floors of rule 8. The engine must be
infeasible exactly when no assignment keeps the rules, and otherwise match as many
participants as the best assignment whenever coverage is its first objective.

Problem level: every subset of candidate edges that gives each participant at most one
edge is scored with `solvers.evaluate` and checked with `solvers.check_solution`; the
lexicographically best tuple over `problem.levels` must be the CP-SAT solution's (with
`maxmin`, down to the fairness level only: leximin refines it, see
`test_maxmin_is_the_leximin_optimum`).

The pinned cases at the end document engine behaviour found this way.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import matcher
from matcher.core.problem import build
from solvers import Options, Problem, check_solution, evaluate, get_solver
from solvers.base import IntArray, group_totals
from solvers.cpsat import CpSatSolver
from tests.rules import Pair, Rules, hard_rule_violations
from tests.strategies import scenario_data

Data = dict[str, Any]

BRUTE_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
tiny = scenario_data(max_participants=6, max_mentors=4, max_municipalities=3)


def assignments(rules: Rules) -> Iterator[list[Pair]]:
    """Every set of new pairs with at most one mentor per waiting participant and no
    mentor beyond its places (the other rules are checked on each complete set)."""
    waiting = rules.waiting
    room = {m: rules.mentor_room(m) for m in rules.mentors}
    chosen: list[Pair] = []

    def extend(i: int) -> Iterator[list[Pair]]:
        if i == len(waiting):
            yield list(chosen)
            return
        yield from extend(i + 1)  # leave waiting[i] unmatched
        pid = waiting[i]
        for mid in rules.allowed(pid):
            if room[mid] > 0:
                room[mid] -= 1
                chosen.append((pid, mid))
                yield from extend(i + 1)
                chosen.pop()
                room[mid] += 1

    return extend(0)


def best_coverage(rules: Rules) -> int | None:
    """Most new pairs of any assignment that keeps every hard rule; None if none does."""
    floors = rules.capped_floors()
    best = None
    for new in assignments(rules):
        if (best is None or len(new) > best) and not rules.violations(new, floors):
            best = len(new)
    return best


@BRUTE_SETTINGS
@given(tiny)
def test_engine_matches_exhaustive_search(data: Data) -> None:
    scenario = matcher.validate(data)
    rules = Rules(scenario)
    best = best_coverage(rules)
    result = matcher.solve(scenario, explain=False)
    if best is None:
        assert result.status == "infeasible", "no assignment keeps the hard rules"
        assert result.conflicts
        return
    assert result.status == "optimal", f"an assignment with {best} new pairs keeps every rule"
    assert hard_rule_violations(scenario, result) == []
    new = sum(not p.existing for p in result.pairs)
    assert new <= best
    if scenario.policy.objective[:1] == ["coverage"]:
        assert new == best
        assert len(result.pairs) == best + len(rules.kept)


def edge_subsets(problem: Problem) -> Iterator[np.ndarray]:
    """Every set of edges with at most one per participant and none beyond a mentor's
    remaining capacity (sets over capacity break check_solution anyway)."""
    by_p: dict[int, list[int]] = {}
    for e, p in enumerate(problem.edge_p.tolist()):
        by_p.setdefault(p, []).append(e)
    owners = list(by_p.values())
    room = problem.mentor_capacity.astype(int).tolist()
    edge_m = problem.edge_m.tolist()
    chosen: list[int] = []

    def extend(i: int) -> Iterator[np.ndarray]:
        if i == len(owners):
            yield np.array(chosen, dtype=np.int64)
            return
        yield from extend(i + 1)
        for e in owners[i]:
            if room[edge_m[e]] > 0:
                room[edge_m[e]] -= 1
                chosen.append(e)
                yield from extend(i + 1)
                chosen.pop()
                room[edge_m[e]] += 1

    return extend(0)


@BRUTE_SETTINGS
@given(scenario_data(max_participants=5, max_mentors=4, max_municipalities=3))
def test_cpsat_is_lexicographically_optimal(data: Data) -> None:
    problem = build(matcher.validate(data)).problem
    best: tuple[int, ...] | None = None
    for chosen in edge_subsets(problem):
        if check_solution(problem, chosen):
            continue
        levels = evaluate(problem, chosen)
        value = tuple(levels[level] for level in problem.levels)
        if best is None or value > best:
            best = value
    solution = CpSatSolver().solve(problem, Options())
    if best is None:
        assert solution.status == "infeasible"
        return
    assert solution.status == "optimal"
    assert check_solution(problem, solution.chosen) == []
    got = tuple(solution.levels[level] for level in problem.levels)
    if problem.has_fairness_level and problem.fairness == "maxmin":
        # leximin is refined before the levels below fairness (by design, see
        # test_maxmin_is_the_leximin_optimum): the levels down to fairness are optimal.
        k = problem.levels.index("fairness") + 1
        assert got[:k] == best[:k]
        assert got <= best
    else:
        assert got == best


# -- pinned cases ---------------------------------------------------------------------


def _people(mentors: list[Data], participants: list[Data], **top: Any) -> Data:
    base = {"gender": "female", "recovery_years": 5}
    return {
        "date": "2026-11-20",
        "mentors": [{"age": 40, "municipality": "a", **base, **m} for m in mentors],
        "participants": [
            {"age": 35, "municipality": "a", "consent": True, "gender": "female", **p}
            for p in participants
        ],
        **top,
    }


LEXIMIN_CASE = _people(
    [{"id": "M1", "capacity": 1}, {"id": "M2", "capacity": 1}],
    [
        {"id": "P1", "municipality": "a"},  # nobody may take P1: a's coverage stays 0
        {"id": "P2", "municipality": "b", "priority": ["young"]},
        {"id": "P3", "municipality": "b", "priority": ["urgent"]},
        {"id": "P4", "municipality": "c"},
    ],
    municipalities=[{"id": "a"}, {"id": "b"}, {"id": "c"}],
    policy={"fairness": "maxmin"},
    locks={"forbid": [["P1", "M1"], ["P1", "M2"], ["P3", "M1"], ["P4", "M2"]]},
)


def _leximin_key(problem: Problem, chosen: IntArray) -> tuple[object, ...]:
    """The order `maxmin` means (issue: raise the lowest municipality coverage, then the
    next): coverage, the sorted vector of municipality coverages, then priority and
    quality. `evaluate` reports only the lowest coverage as the fairness level."""
    totals = group_totals(problem, chosen)
    coverages = sorted(
        Fraction(int(totals[g]), grp.eligible)
        for g, grp in enumerate(problem.groups)
        if grp.eligible > 0
    )
    levels = evaluate(problem, chosen)
    return (levels["coverage"], tuple(coverages), levels["priority"], levels["quality"])


def test_maxmin_is_the_leximin_optimum() -> None:
    problem = build(matcher.validate(LEXIMIN_CASE)).problem
    assert problem.levels == ("coverage", "fairness", "priority", "quality")
    feasible = [c for c in edge_subsets(problem) if not check_solution(problem, c)]
    best = max(_leximin_key(problem, c) for c in feasible)
    # the plain lexicographic optimum of evaluate() would take priority 260 here
    assert max(evaluate(problem, c)["priority"] for c in feasible) == 260
    assert best[2] == 200
    for solver in (CpSatSolver(), get_solver("flow"), get_solver("mip:highs")):
        solution = solver.solve(problem, Options())
        assert _leximin_key(problem, solution.chosen) == best


@pytest.mark.parametrize("how", ["forbid", "exclude"])
def test_a_forbidden_kept_pair_is_not_proposed_silently(how: str) -> None:
    data = _people([{"id": "M1"}], [{"id": "P1"}], pairs=[{"participant": "P1", "mentor": "M1"}])
    if how == "forbid":
        data["locks"] = {"forbid": [["P1", "M1"]]}
    else:
        data["participants"][0]["exclude_mentors"] = ["M1"]
    scenario = matcher.validate(data)
    result = matcher.solve(scenario, explain=False)
    assert hard_rule_violations(scenario, result) == []
    assert result.status == "infeasible"
    assert any("P1-M1" in c and "active pair" in c and "release" in c for c in result.conflicts)


def test_a_required_lock_does_not_lower_a_floor() -> None:
    """The engine's reading of rule 8 (see tests/rules.py): the floor is capped at what
    the municipality's referrals and mentors allow, not lowered by the coordinator's
    own lock; a lock that makes the floor unreachable is a named conflict."""
    data = _people(
        [{"id": "M1", "capacity": 1}, {"id": "M2", "capacity": 1}],
        [{"id": "P1"}, {"id": "P2"}],
        municipalities=[{"id": "a", "min": 2}],
        locks={"require": [["P1", "M1"]], "forbid": [["P2", "M2"]]},
    )
    scenario = matcher.validate(data)
    assert Rules(scenario).capped_floors() == {"a": 2}
    assert Rules(scenario, locks_in_reach=True).capped_floors() == {"a": 1}
    assert best_coverage(Rules(scenario)) is None
    result = matcher.solve(scenario, explain=False)
    assert result.status == "infeasible"
    assert any("min 2" in c for c in result.conflicts)
    assert any("the locked pair P1-M1" in c for c in result.conflicts)
