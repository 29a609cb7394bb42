"""The sparse-set optimum with its pricing certificate, and the reduction the exact
back-ends solve through, against whole-problem solves on generated rounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher
import solvers.pricing as pricing
from benchmarks.generator import generate
from matcher.core.problem import build
from solvers import Options, check_solution, get_solver
from solvers.base import Level, Problem
from solvers.network import Network, ortools_kernel, ortools_scales, solve_network


def _problem(n_p: int, n_m: int, seed: int, **kwargs: Any) -> Problem:
    return build(matcher.validate(generate(n_p, n_m, seed, **kwargs))).problem


def _whole(problem: Problem) -> dict[str, int]:
    """The lexicographic optimum by one min-cost flow over every edge."""
    return solve_network(problem, ortools_kernel, ortools_scales(problem)).levels


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.sampled_from([(20, 10), (40, 20), (80, 30)]),
    same_gender=st.sampled_from(["required", "ignore"]),
)
def test_certified_optimum_equals_the_whole_flow(
    seed: int, size: tuple[int, int], same_gender: str
) -> None:
    problem = _problem(*size, seed, same_gender=same_gender)
    whole = solve_network(problem, ortools_kernel, ortools_scales(problem))
    certified = pricing.certified_optimum(problem, ortools_scales(problem))
    if whole.status == "infeasible":
        assert certified is None
        return
    if certified is None:  # the sparse set could not meet the floors: allowed, rare
        return
    assert certified.levels == whole.levels
    assert check_solution(problem, certified.chosen) == []
    assert np.isin(certified.chosen, certified.keep).all()
    assert np.isin(problem.required, certified.chosen).all()


def test_the_sparse_set_is_really_sparse_and_needs_pricing() -> None:
    problem = _problem(400, 200, 3)
    certified = pricing.certified_optimum(problem, ortools_scales(problem))
    assert certified is not None
    assert certified.levels == _whole(problem)
    assert len(certified.keep) < problem.n_edges / 5
    assert certified.rounds >= 2  # the first sparse set alone was not enough


def test_a_wrong_flow_is_never_certified(monkeypatch: pytest.MonkeyPatch) -> None:
    """A feasible flow that ignores quality is not optimal: its potentials do not settle
    or the conservation check fails, so nothing is claimed."""
    problem = _problem(60, 30, 5)
    real = pricing._solve_flow

    def careless(net: Network, levels: tuple[Level, ...], weights: list[int]) -> object:
        blind = [0 if level == "quality" else w for level, w in zip(levels, weights, strict=True)]
        solved = real(net, levels, blind)
        assert solved is not None
        return solved._replace(costs=net.costs(levels, weights))

    monkeypatch.setattr(pricing, "_solve_flow", careless)
    monkeypatch.setattr(pricing, "MAX_PASSES", 500)
    certified = pricing.certified_optimum(problem, ortools_scales(problem))
    assert certified is None


def test_a_broken_flow_is_never_certified(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(60, 30, 5)
    real = pricing._solve_flow

    def broken(net: Network, levels: tuple[Level, ...], weights: list[int]) -> object:
        solved = real(net, levels, weights)
        assert solved is not None
        flows = solved.flows.copy()
        flows[net.edge_start + int(np.flatnonzero(flows[net.edge_start : net.edge_stop])[0])] = 0
        return solved._replace(flows=flows)

    monkeypatch.setattr(pricing, "_solve_flow", broken)
    assert pricing.certified_optimum(problem, ortools_scales(problem)) is None


def test_potentials_satisfy_every_residual_arc() -> None:
    rng = np.random.default_rng(0)
    n = 30
    tails = rng.integers(0, n, 200)
    heads = rng.integers(0, n, 200)
    costs = rng.integers(0, 50, 200)
    dist = pricing.potentials(n, tails, heads, costs)
    assert dist is not None
    assert (costs + dist[tails] - dist[heads] >= 0).all()
    cycle = pricing.potentials(2, np.array([0, 1]), np.array([1, 0]), np.array([-1, 0]))
    assert cycle is None


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(-3, 3), st.booleans()), min_size=1, max_size=40
    ),
    st.integers(1, 4),
    st.booleans(),
)
def test_near_best_per_owner_keeps_each_best_and_about_k(
    rows: list[tuple[int, int, bool]], k: int, grouped: bool
) -> None:
    if grouped:
        rows = sorted(rows, key=lambda r: r[0])
    owner = np.array([r[0] for r in rows], dtype=np.int64)
    value = np.array([r[1] for r in rows], dtype=np.int64)
    allowed = np.array([r[2] for r in rows], dtype=bool)
    got = pricing.near_best_per_owner(owner, value, allowed, k).tolist()
    assert got == sorted(set(got)) and all(allowed[e] for e in got)
    owners = {int(owner[e]) for e in range(len(rows)) if allowed[e]}
    for o in owners:
        best = max(int(value[e]) for e in range(len(rows)) if allowed[e] and owner[e] == o)
        mine = [e for e in got if owner[e] == o]
        assert any(value[e] == best for e in mine)
        # within one margin of the owner's best: no better edge of the owner is left out
        worst_gap = max(best - int(value[e]) for e in mine)
        assert all(
            e in got
            for e in range(len(rows))
            if allowed[e] and owner[e] == o and best - value[e] < worst_gap
        )
    best_of = {
        o: max(int(value[e]) for e in range(len(rows)) if allowed[e] and owner[e] == o)
        for o in owners
    }
    ties = sum(1 for e in range(len(rows)) if allowed[e] and value[e] == best_of[int(owner[e])])
    assert len(got) <= max(k * len(owners), ties)


@pytest.mark.parametrize("name", ["cpsat", "mip", "mip:highs"])
@pytest.mark.parametrize("fairness", ["quotas", "maxmin"])
def test_reduced_back_ends_reach_the_whole_optimum(
    name: str, fairness: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pricing, "MIN_EDGES", 0)
    calls: list[int] = []
    real = pricing.certified_optimum

    def spy(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(0 if found is None else 1)
        return found

    monkeypatch.setattr(pricing, "certified_optimum", spy)
    for seed in (1, 2):
        problem = _problem(60, 30, seed, fairness=fairness)
        reduced = get_solver(name).solve(problem, Options.within(30))
        reference = get_solver("flow").solve(problem, Options())
        assert reduced.status == "optimal"
        assert reduced.levels == reference.levels
        assert check_solution(problem, reduced.chosen) == []
    assert sum(calls) > 0  # the reduction really ran


def test_large_flow_is_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    import solvers.flow as flow

    problem = _problem(300, 150, 4)
    plain = get_solver("flow").solve(problem, Options())
    monkeypatch.setattr(flow, "PRICED_EDGES", 0)
    priced = get_solver("flow").solve(problem, Options())
    assert priced.status == "optimal" and priced.levels == plain.levels
