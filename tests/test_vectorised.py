"""The vectorised helpers of the pipeline against simple references on small random
rounds: the fast eligibility mask, the block scorer, the edge lookup, the node labels of
`reach` and the reasons of everyone left waiting."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import matcher
from benchmarks.generator import generate
from matcher.core.eligibility import RULES, eligible, pair_mask, rule_masks
from matcher.core.problem import Built, _dense_labels, build, find_edges
from matcher.core.scoring import CRITERIA, BlockScorer, score_pairs
from matcher.explain.reasons import waiting_reasons
from matcher.model.scenario import Scenario
from matcher.text.messages import Message
from solvers import Options, get_solver

SEEDS = range(6)
MODES = ("required", "preferred", "ignore")


def random_round(seed: int, same_gender: Any) -> Scenario:
    """A generated round with random weights, an age limit and extra interest tags."""
    rng = np.random.default_rng(seed)
    data = generate(
        int(rng.integers(5, 60)),
        int(rng.integers(3, 30)),
        seed,
        same_gender=same_gender,
        municipalities=int(rng.integers(1, 4)),
    )
    names = ["gender", "age", "substances", "interests", "goals", "availability", "language"]
    data["policy"]["weights"] = {
        n: float(rng.choice([0.0, 0.3, 1.0, 2.5, float(rng.random())])) for n in names
    }
    if seed % 2:
        data["policy"]["max_age_gap"] = int(rng.integers(3, 30))
    data["vocabulary"] = {"interests": {"knots": "creative", "chess": "social"}}
    for person in data["participants"][::3] + data["mentors"][::2]:
        person["interests"] = [*person["interests"], "knots"][-4:]
    for person in data["participants"][1::4]:
        person["interests"] = ["chess", "knots"]
    return matcher.validate(data)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", MODES)
def test_eligible_is_the_and_of_the_rule_masks(seed: int, mode: str) -> None:
    scenario = random_round(seed, mode)
    built = build(scenario)
    rows = np.arange(built.enc.n_participants, dtype=np.int64)
    masks = rule_masks(built.enc, scenario.policy, rows)
    expected = np.logical_and.reduce([np.asarray(m) for m in masks.values()])
    assert np.array_equal(eligible(built.enc, scenario.policy, rows), expected)
    shuffled = np.random.default_rng(seed).integers(0, len(rows), 2 * len(rows))
    assert np.array_equal(eligible(built.enc, scenario.policy, shuffled), expected[shuffled])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", MODES)
def test_block_totals_equal_the_per_pair_scores_bit_for_bit(seed: int, mode: str) -> None:
    scenario = random_round(seed, mode)
    built = build(scenario)
    enc = built.enc
    rows = np.arange(enc.n_participants, dtype=np.int64)
    r, m = np.nonzero(np.ones((len(rows), enc.n_mentors), dtype=bool))
    block = BlockScorer(enc, scenario.policy).totals(rows, r, m)
    reference = score_pairs(enc, scenario.policy, rows[r], m)
    assert block.tobytes() == reference.total.tobytes()
    edges = score_pairs(enc, scenario.policy, built.problem.edge_p, built.problem.edge_m)
    assert built.scores.total.tobytes() == edges.total.tobytes()
    for name in CRITERIA:
        assert np.array_equal(built.scores.criteria[name], edges.criteria[name])


@pytest.mark.parametrize("seed", range(20))
def test_find_edges_agrees_with_a_dict(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_p, n_m = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    mask = rng.random((n_p, n_m)) < rng.random()
    edge_p, edge_m = (x.astype(np.int64) for x in np.nonzero(mask))
    pairs = zip(edge_p.tolist(), edge_m.tolist(), strict=True)
    index = {(p, m): e for e, (p, m) in enumerate(pairs)}
    p = rng.integers(0, n_p, 40)
    m = rng.integers(0, n_m, 40)
    got = find_edges(edge_p, edge_m, n_m, p, m).tolist()
    assert got == [index.get((a, b), -1) for a, b in zip(p.tolist(), m.tolist(), strict=True)]


@pytest.mark.parametrize("seed", range(20))
def test_dense_labels_are_the_inverse_of_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, int(rng.integers(1, 50)), int(rng.integers(1, 80)))
    distinct, inverse = np.unique(values, return_inverse=True)
    labels, count = _dense_labels(values)
    assert labels.tolist() == inverse.tolist()
    assert count == len(distinct)


def reference_waiting_reasons(
    built: Built, p: int, load: Any, n_active: int, group_active: Any
) -> list[Message]:
    """The reasons of one waiting participant, from a plain scan of the edges."""
    enc, scenario, problem = built.enc, built.scenario, built.problem
    if not enc.p_consent[p]:
        return [Message("no_consent", {"number": 9})]
    mentors = sorted(set(problem.edge_m[problem.edge_p == p].tolist()))
    if not mentors:
        masks = rule_masks(enc, scenario.policy, np.array([p]))
        out = [Message("no_eligible_mentor", {"mentors": enc.n_mentors})]
        for key, mask in masks.items():
            failing = [enc.mentor_ids[m] for m in range(enc.n_mentors) if not mask[0, m]]
            if key != "consent" and failing:
                rule = next(r for r in RULES if r.key == key)
                params = {"rule": key, "number": rule.number, "mentors": failing}
                out.append(Message("rule_excludes", params))
        return out
    reasons = []
    full = [m for m in mentors if load[m] >= enc.m_capacity[m]]
    if len(full) == len(mentors):
        reasons.append(Message("mentors_full", {"mentors": [enc.mentor_ids[m] for m in full]}))
    program = scenario.program
    if program.capacity is not None and n_active >= program.capacity:
        reasons.append(Message("capacity_reached", {"capacity": program.capacity}))
    if program.position_budget is not None:
        places = int(program.position_budget / program.position_per_participant + 1e-9)
        if n_active >= places:
            reasons.append(Message("budget_used_up", {"posts": program.position_budget}))
    muni = scenario.municipality_list()[int(enc.p_muni[p])]
    if muni.max is not None and group_active[int(enc.p_muni[p])] >= muni.max:
        reasons.append(Message("municipality_full", {"municipality": muni.id, "max": muni.max}))
    if not reasons:
        free = [enc.mentor_ids[m] for m in mentors if load[m] < enc.m_capacity[m]]
        reasons.append(Message("higher_objective", {"mentors": free}))
    return reasons


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", MODES)
def test_waiting_reasons_agree_with_a_scan_per_person(seed: int, mode: str) -> None:
    scenario = random_round(seed, mode)
    built = build(scenario)
    if built.conflicts:
        pytest.skip("locks conflict: nobody is explained")
    solution = get_solver("greedy").solve(built.problem, Options())
    problem, enc = built.problem, built.enc
    chosen = solution.chosen
    load = built.mentor_load + np.bincount(problem.edge_m[chosen], minlength=enc.n_mentors)
    matched = np.zeros(enc.n_participants, dtype=bool)
    matched[[p for p, _ in built.kept]] = True
    matched[problem.edge_p[chosen]] = True
    group_active = np.bincount(enc.p_muni[matched], minlength=len(problem.groups))
    n_active = int(matched.sum())
    left = np.flatnonzero(~matched).tolist()
    got = waiting_reasons(built, left, load, n_active, group_active)
    assert got == [reference_waiting_reasons(built, p, load, n_active, group_active) for p in left]
    # Edges in another order (not as `build` emits them) give the same reasons.
    order = np.random.default_rng(seed).permutation(problem.n_edges)
    shuffled = replace(
        built, problem=replace(problem, edge_p=problem.edge_p[order], edge_m=problem.edge_m[order])
    )
    assert waiting_reasons(shuffled, left, load, n_active, group_active) == got


@pytest.mark.parametrize("seed", SEEDS)
def test_small_and_large_rounds_are_scored_alike(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = random_round(seed, MODES[seed % 3])
    pair_by_pair = build(scenario)
    monkeypatch.setattr("matcher.core.problem.SMALL_ROUND", 0)
    by_block = build(scenario)
    assert by_block.scores.given is None
    assert pair_by_pair.scores.total.tobytes() == by_block.scores.total.tobytes()
    assert pair_by_pair.problem.quality.tolist() == by_block.problem.quality.tolist()
    chosen = np.arange(0, by_block.problem.n_edges, 3)
    for name in CRITERIA:
        assert np.array_equal(
            pair_by_pair.scores.take(chosen).criteria[name],
            by_block.scores.take(chosen).criteria[name],
        )
    assert pair_by_pair.kept_scores is not None and by_block.kept_scores is not None
    assert pair_by_pair.kept_scores.total.tolist() == by_block.kept_scores.total.tolist()


@pytest.mark.parametrize("seed", range(20))
def test_pair_mask_agrees_with_a_set(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_p, n_m = int(rng.integers(1, 20)), int(rng.integers(1, 20))
    pairs = {
        (int(p), int(m))
        for p, m in zip(rng.integers(0, n_p, 15), rng.integers(0, n_m, 15), strict=True)
    }
    codes = np.unique(np.array([p * n_m + m for p, m in pairs], dtype=np.int64))
    rows = rng.integers(0, n_p, int(rng.integers(0, 12)))
    expected = [[(int(p), m) in pairs for m in range(n_m)] for p in rows]
    assert pair_mask(codes, rows, n_m).tolist() == expected
