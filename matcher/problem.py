"""From a validated scenario to the one solver-neutral problem every back-end solves.

Existing pairs become constants (they use up capacity), eligible new pairs become
candidate edges, and municipality floors are capped at what each municipality could
reach on its own (rule 8) before any back-end sees them.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow

from matcher.eligibility import eligible, failed_rules
from matcher.encoding import Encoded, FloatArray, IntArray, encode
from matcher.priority import Priority, priorities
from matcher.scenario import Scenario
from matcher.scoring import BlockScorer, Scores, active_weights, quality_units
from solvers.base import Group, Problem

ROW_CHUNK = 2_000  # participants per block when building the eligibility mask
SHARE_UNITS = 1000  # proportional targets: shares in thousandths


@dataclass(frozen=True)
class Floor:
    """A municipality floor as stated and as enforced after capping (rule 8)."""

    stated: int
    enforced: int
    reachable: int  # active participants the municipality could reach on its own


@dataclass(frozen=True)
class Built:
    """The problem together with what explanations need to map it back to people."""

    scenario: Scenario
    enc: Encoded
    problem: Problem
    scores: Scores  # per candidate edge
    priority: list[Priority]
    kept: list[tuple[int, int]]  # (participant, mentor) of active pairs kept
    mentor_load: IntArray  # existing pairs per mentor
    floors: dict[str, Floor]
    notes: list[str]
    conflicts: list[str]  # hard-rule conflicts found before solving (bad locks)


def _edges(
    enc: Encoded, scenario: Scenario, free: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Eligible new pairs and their total scores, block by block of participants so that
    no participants x mentors array is ever whole. Edges come out ordered by
    participant, then mentor (what `find_edges` relies on)."""
    scorer = BlockScorer(enc, scenario.policy)
    ps, ms, totals = [], [], []
    for start in range(0, len(free), ROW_CHUNK):
        rows = free[start : start + ROW_CHUNK]
        r, m = np.nonzero(eligible(enc, scenario.policy, rows))
        totals.append(scorer.totals(rows, r, m))
        ps.append(rows[r].astype(np.int32))
        ms.append(m.astype(np.int32))
    if not ps:
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.float64))
    return (np.concatenate(ps).astype(np.int64), np.concatenate(ms).astype(np.int64),
            np.concatenate(totals))


def find_edges(edge_p: IntArray, edge_m: IntArray, n_mentors: int,
               p: IntArray, m: IntArray) -> IntArray:
    """Index of the edge (p[i], m[i]) for each i, or -1 where there is none; the edges
    must be ordered by participant, then mentor, as `build` emits them."""
    if len(p) == 0 or len(edge_p) == 0:
        return np.full(len(p), -1, dtype=np.int64)
    codes = edge_p * n_mentors + edge_m
    wanted = np.asarray(p, dtype=np.int64) * n_mentors + np.asarray(m, dtype=np.int64)
    at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
    return np.where(codes[at] == wanted, at, -1).astype(np.int64)


def _dense_labels(values: IntArray) -> tuple[NDArray[np.int32], int]:
    """Each value's rank among the distinct values (what np.unique's inverse gives),
    by counting instead of sorting: the values are indices into a short range."""
    present = np.bincount(values) > 0
    label = np.cumsum(present, dtype=np.int32) - 1
    return label[values], int(present.sum())


def reach(
    edge_p: IntArray, edge_m: IntArray, mentor_capacity: IntArray, limit: int | None
) -> int:
    """Most new pairs these edges allow under mentor capacities and a total limit."""
    if len(edge_p) == 0:
        return 0
    p_node, n_p = _dense_labels(edge_p)
    m_node, n_m = _dense_labels(edge_m)
    ms = np.flatnonzero(np.bincount(edge_m))
    source, sink = n_p + n_m, n_p + n_m + 1
    flow = max_flow.SimpleMaxFlow()
    nodes_p, nodes_m = np.arange(n_p, dtype=np.int32), np.arange(n_m, dtype=np.int32)
    tails = np.concatenate([np.full(n_p, source, dtype=np.int32), p_node, n_p + nodes_m])
    heads = np.concatenate([nodes_p, n_p + m_node, np.full(n_m, sink, dtype=np.int32)])
    caps = np.concatenate([np.ones(n_p + len(edge_p), dtype=np.int64),
                           mentor_capacity[ms].astype(np.int64)])
    flow.add_arcs_with_capacity(tails, heads, caps)
    flow.solve(source, sink)
    value = int(flow.optimal_flow())
    return value if limit is None else min(value, limit)


def _required_edges(
    scenario: Scenario, enc: Encoded, edge_p: IntArray, edge_m: IntArray,
    kept: dict[int, int],
) -> tuple[IntArray, list[str]]:
    p_index = {pid: i for i, pid in enumerate(enc.participant_ids)}
    m_index = {mid: i for i, mid in enumerate(enc.mentor_ids)}
    locks = [(p_index[pid], m_index[mid]) for pid, mid in scenario.locks.require]
    found = find_edges(edge_p, edge_m, enc.n_mentors,
                       np.array([p for p, _ in locks], dtype=np.int64),
                       np.array([m for _, m in locks], dtype=np.int64)).tolist()
    required, conflicts = [], []
    for (pid, mid), (p, m), e in zip(scenario.locks.require, locks, found, strict=True):
        what = f"locks.require {pid}-{mid}"
        if kept.get(p) == m:
            continue
        if p in kept:
            other = enc.mentor_ids[kept[p]]
            conflicts.append(f"{what} conflicts with the active pair {pid}-{other} (rule 7)")
        elif e >= 0:
            required.append(e)
        else:
            rules = failed_rules(enc, scenario.policy, p, m)
            broken = "; ".join(f"{r.text} (rule {r.number})" for r in rules)
            conflicts.append(f"{what} breaks a hard rule: {broken}")
    return np.array(sorted(set(required)), dtype=np.int64), conflicts


def _stable_edges(
    enc: Encoded, edge_p: IntArray, edge_m: IntArray, previous: Collection[tuple[str, str]]
) -> IntArray:
    p_index = {pid: i for i, pid in enumerate(enc.participant_ids)}
    m_index = {mid: i for i, mid in enumerate(enc.mentor_ids)}
    known = [(p_index[p], m_index[m]) for p, m in previous if p in p_index and m in m_index]
    found = find_edges(edge_p, edge_m, enc.n_mentors,
                       np.array([p for p, _ in known], dtype=np.int64),
                       np.array([m for _, m in known], dtype=np.int64))
    stable = np.zeros(len(edge_p), dtype=np.int64)
    stable[found[found >= 0]] = 1
    return stable


def build(scenario: Scenario, previous: Collection[tuple[str, str]] | None = None) -> Built:
    """The problem of one round; `previous` (participant, mentor) pairs of an earlier
    proposal add a last level that keeps them wherever the optimum allows."""
    enc = encode(scenario)
    p_index = {pid: i for i, pid in enumerate(enc.participant_ids)}
    m_index = {mid: i for i, mid in enumerate(enc.mentor_ids)}
    kept_pairs = [
        (p_index[x.participant], m_index[x.mentor]) for x in scenario.pairs if not x.release
    ]
    kept = dict(kept_pairs)
    notes: list[str] = []
    load = np.bincount([m for _, m in kept_pairs], minlength=enc.n_mentors).astype(np.int64)
    over = np.flatnonzero(load > enc.m_capacity)
    for m in over:
        notes.append(f"mentor {enc.mentor_ids[m]} already has {load[m]} active pairs, "
                     f"above capacity {enc.m_capacity[m]}: no new pairs")
    mentor_capacity = np.maximum(enc.m_capacity - load, 0)

    is_free = enc.p_consent.copy()
    is_free[list(kept)] = False
    free = np.flatnonzero(is_free).astype(np.int64)
    edge_p, edge_m, totals = _edges(enc, scenario, free)
    scores = Scores(totals, active_weights(scenario.policy), (enc, scenario.policy, edge_p, edge_m))
    prio = priorities(scenario)

    n_kept = len(kept_pairs)
    program = scenario.program
    capacity = None
    if program.capacity is not None:
        capacity = max(program.capacity - n_kept, 0)
        if n_kept > program.capacity:
            notes.append(f"{n_kept} active pairs already exceed programme capacity "
                         f"{program.capacity}: no new pairs")
    budget = None
    if program.position_budget is not None:
        places = math.floor(program.position_budget / program.position_per_participant + 1e-9)
        budget = max(places - n_kept, 0)
        if n_kept > places:
            notes.append(f"{n_kept} active pairs already exceed the position budget "
                         f"{program.position_budget:g}: no new pairs")
    limit = min((x for x in (capacity, budget) if x is not None), default=None)
    required, conflicts = _required_edges(scenario, enc, edge_p, edge_m, kept)

    munis = scenario.municipality_list()
    existing = np.bincount(enc.p_muni[[p for p, _ in kept_pairs]], minlength=len(munis))
    consenting = np.bincount(enc.p_muni[enc.p_consent], minlength=len(munis))
    use_shares = any(m.share is not None for m in munis)
    groups, floors = [], {}
    edge_group = enc.p_muni[edge_p]
    for g, muni in enumerate(munis):
        have = int(existing[g])
        upper = None
        if muni.max is not None:
            upper = max(muni.max - have, 0)
            if have > muni.max:
                notes.append(f"{muni.id}: {have} active pairs already exceed max {muni.max}: "
                             "no new pairs there")
        lower = 0
        if muni.min is not None:
            # Reach under rules 1-7 only: a floor above the municipality's own max is a
            # conflict with the caps, reported as infeasible, not silently capped.
            own = edge_group == g
            reachable = have + reach(edge_p[own], edge_m[own], mentor_capacity, limit)
            enforced = min(muni.min, reachable)
            floors[muni.id] = Floor(muni.min, enforced, reachable)
            if enforced < muni.min:
                notes.append(f"{muni.id}: min {muni.min} capped to {enforced}, all it can reach "
                             "on its own under the other rules")
            lower = max(enforced - have, 0)
        target = (
            round((muni.share or 0.0) * SHARE_UNITS) if use_shares else int(consenting[g])
        )
        groups.append(Group(muni.id, lower, upper, have, int(consenting[g]), target))

    problem = Problem(
        n_participants=enc.n_participants,
        n_mentors=enc.n_mentors,
        edge_p=edge_p,
        edge_m=edge_m,
        quality=quality_units(scores.total),
        priority=np.array([p.points for p in prio], dtype=np.int64),
        mentor_capacity=mentor_capacity,
        participant_group=enc.p_muni,
        groups=tuple(groups),
        capacity=capacity,
        budget=budget,
        required=required,
        objective=tuple(scenario.policy.objective),
        fairness=scenario.policy.fairness,
        stable=None if previous is None else _stable_edges(enc, edge_p, edge_m, previous),
    )
    return Built(scenario, enc, problem, scores, prio, kept_pairs, load, floors, notes, conflicts)
