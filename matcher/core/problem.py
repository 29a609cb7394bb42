"""From a validated scenario to the one solver-neutral problem every back-end solves.

Existing pairs become constants (they use up capacity), eligible new pairs become
candidate edges, and municipality floors are capped at what each municipality could
reach on its own (rule 8) before any back-end sees them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matcher.core.eligibility import eligible, failed_rules_text
from matcher.core.encoding import BoolArray, Encoded, IntArray, encode
from matcher.core.priority import Priority, priorities
from matcher.core.scoring import BlockScorer, Scores, quality_units, score_pairs
from matcher.model.scenario import Program, Scenario
from matcher.text.language import gettext as _
from solvers.base import Group, Problem

ROW_CHUNK = 2_000  # participants per block when building the eligibility mask
#: Pairs per block at most: its temporaries then stay small enough for the allocator to
#: reuse instead of mapping fresh pages for every block (measured faster at 5000 mentors).
BLOCK_CELLS = 5_000_000
SHARE_UNITS = 1000  # proportional targets: shares in thousandths
SMALL_ROUND = 20_000  # participant x mentor pairs up to which edges are scored pair by pair


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
    kept_scores: Scores  # of the kept pairs, in the order of `kept`
    #: participants whose every eligible mentor scores below `policy.min_score`, with
    #: the best score they could have had
    below_min: dict[int, float] = field(default_factory=dict)

    def load_with(self, chosen: IntArray) -> IntArray:
        """Active pairs per mentor once the new pairs `chosen` (edges) join the kept ones."""
        return self.mentor_load + EdgesByOwner.by_mentor(self.problem, chosen).counts

    def matched_with(self, chosen: IntArray) -> BoolArray:
        """Per participant: in a pair once the new pairs `chosen` join the kept ones."""
        matched = np.zeros(self.enc.n_participants, dtype=bool)
        matched[[p for p, _ in self.kept]] = True
        matched[self.problem.edge_p[chosen]] = True
        return matched

    def pair_ids(self, edges: IntArray) -> list[tuple[str, str]]:
        """The (participant id, mentor id) of each edge, in order."""
        p_ids, m_ids = self.enc.participant_ids, self.enc.mentor_ids
        return [
            (p_ids[p], m_ids[m])
            for p, m in zip(
                self.problem.edge_p[edges].tolist(),
                self.problem.edge_m[edges].tolist(),
                strict=True,
            )
        ]


def _edges(
    enc: Encoded, scenario: Scenario, free: IntArray, kept_p: IntArray, kept_m: IntArray
) -> tuple[IntArray, IntArray, Scores, Scores]:
    """Eligible new pairs and their scores, and the scores of the kept pairs, block by
    block of participants so that no participants x mentors array is ever whole. Edges
    come out ordered by participant, then mentor (what `find_edges` relies on). A small
    round is scored pair by pair, in one go: the block scorer's tables cost more than
    they save there."""
    policy = scenario.policy
    scorer = BlockScorer(enc, policy) if len(free) * enc.n_mentors > SMALL_ROUND else None
    per_row, ms, totals = [], [], []
    step = max(1, min(ROW_CHUNK, BLOCK_CELLS // max(enc.n_mentors, 1)))
    for start in range(0, len(free), step):
        rows = free[start : start + step]
        mask = eligible(enc, policy, rows)
        r, m = np.nonzero(mask)
        if scorer is not None:
            totals.append(scorer.totals(rows, r, m))
        per_row.append(np.count_nonzero(mask, axis=1))
        ms.append(m)
    edge_p = np.repeat(free, np.concatenate(per_row)) if ms else np.zeros(0, dtype=np.int64)
    edge_m = np.concatenate(ms).astype(np.int64, copy=False) if ms else np.zeros(0, np.int64)
    if scorer is None:
        n = len(edge_p)
        both = score_pairs(
            enc, policy, np.concatenate([edge_p, kept_p]), np.concatenate([edge_m, kept_m])
        )
        return (edge_p, edge_m, both.take(np.arange(n)), both.take(np.arange(n, n + len(kept_p))))
    total = np.concatenate(totals) if totals else np.zeros(0, dtype=np.float64)
    scores = Scores(total, scorer.weights, (enc, policy, edge_p, edge_m))
    return edge_p, edge_m, scores, score_pairs(enc, policy, kept_p, kept_m)


def _above_min_score(
    scenario: Scenario, enc: Encoded, edge_p: IntArray, edge_m: IntArray, scores: Scores
) -> tuple[IntArray, IntArray, Scores, dict[int, float]]:
    """The edges that reach the policy's `min_score`, and locked ones (the coordinator has
    decided); for each participant left with none, the best score they could have had."""
    floor = scenario.policy.min_score or 0.0
    p_index, m_index = enc.participant_index, enc.mentor_index
    locks = scenario.locks.require
    locked = find_edges(
        edge_p,
        edge_m,
        enc.n_mentors,
        np.array([p_index[p] for p, _ in locks], dtype=np.int64),
        np.array([m_index[m] for _, m in locks], dtype=np.int64),
    )
    keep = scores.total >= floor - 1e-9
    keep[locked[locked >= 0]] = True
    best = np.full(enc.n_participants, -1.0)
    np.maximum.at(best, edge_p[~keep], scores.total[~keep])
    left = np.bincount(edge_p[keep], minlength=enc.n_participants)
    below = {int(p): round(float(best[p]), 3) for p in np.flatnonzero((best >= 0) & (left == 0))}
    kept = np.flatnonzero(keep)
    return edge_p[kept], edge_m[kept], scores.take(kept), below


def find_edges(
    edge_p: IntArray, edge_m: IntArray, n_mentors: int, p: IntArray, m: IntArray
) -> IntArray:
    """Index of the edge (p[i], m[i]) for each i, or -1 where there is none; the edges
    must be ordered by participant, then mentor, as `build` emits them."""
    if len(p) == 0 or len(edge_p) == 0:
        return np.full(len(p), -1, dtype=np.int64)
    codes = edge_p * n_mentors + edge_m
    wanted = np.asarray(p, dtype=np.int64) * n_mentors + np.asarray(m, dtype=np.int64)
    at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
    return np.where(codes[at] == wanted, at, -1).astype(np.int64)


class EdgesByOwner:
    """Edges grouped by owner, each participant's or each mentor's, ordered by the other
    end, in one sort (none when they are in that order already, as `build` emits them by
    participant): one owner's edges are then a slice, found without a scan, and the
    counts per owner come with it. The one way the matcher groups edges; the back-ends
    have their own (`solvers`), which keeps edges in edge order within an owner."""

    def __init__(
        self,
        owner: IntArray,
        n_owners: int,
        other: IntArray,
        n_others: int,
        edges: IntArray | None = None,
    ) -> None:
        """`owner` and `other`: both ends of every edge (a problem's `edge_p` and
        `edge_m`, or the reverse); `edges`: the edges to group (default: all)."""
        picked = (
            np.arange(len(owner), dtype=np.int64)
            if edges is None
            else np.asarray(edges, dtype=np.int64)
        )
        keys = owner[picked]
        codes = keys * n_others + other[picked]
        self.order: IntArray = (
            picked
            if bool(np.all(codes[1:] >= codes[:-1]))
            else picked[np.argsort(codes, kind="stable")]
        )
        self.counts: IntArray = np.bincount(keys, minlength=n_owners).astype(np.int64)
        self.offsets: IntArray = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)

    @classmethod
    def by_participant(cls, problem: Problem, edges: IntArray | None = None) -> EdgesByOwner:
        """Each participant's edges (of `edges`, default all), ordered by mentor."""
        return cls(problem.edge_p, problem.n_participants, problem.edge_m, problem.n_mentors, edges)

    @classmethod
    def by_mentor(cls, problem: Problem, edges: IntArray | None = None) -> EdgesByOwner:
        """Each mentor's edges (of `edges`, default all), ordered by participant."""
        return cls(problem.edge_m, problem.n_mentors, problem.edge_p, problem.n_participants, edges)

    def __call__(self, owner: int) -> IntArray:
        """The edges of one owner."""
        return self.order[int(self.offsets[owner]) : int(self.offsets[owner + 1])]


def _dense_labels(values: IntArray) -> tuple[NDArray[np.int32], int]:
    """Each value's rank among the distinct values (what np.unique's inverse gives),
    by counting instead of sorting: the values are indices into a short range."""
    present = np.bincount(values) > 0
    label = np.cumsum(present, dtype=np.int32) - 1
    return label[values], int(present.sum())


def reach(edge_p: IntArray, edge_m: IntArray, mentor_capacity: IntArray, limit: int | None) -> int:
    """Most new pairs these edges allow under mentor capacities and a total limit."""
    if len(edge_p) == 0:
        return 0
    p_node, n_p = _dense_labels(edge_p)
    m_node, n_m = _dense_labels(edge_m)
    ms = np.flatnonzero(np.bincount(edge_m))
    source, sink = n_p + n_m, n_p + n_m + 1
    # lazy: OR-Tools' max-flow loads only for a round with municipality floors
    from ortools.graph.python import max_flow

    flow = max_flow.SimpleMaxFlow()
    nodes_p, nodes_m = np.arange(n_p, dtype=np.int32), np.arange(n_m, dtype=np.int32)
    tails = np.concatenate([np.full(n_p, source, dtype=np.int32), p_node, n_p + nodes_m])
    heads = np.concatenate([nodes_p, n_p + m_node, np.full(n_m, sink, dtype=np.int32)])
    caps = np.concatenate(
        [np.ones(n_p + len(edge_p), dtype=np.int64), mentor_capacity[ms].astype(np.int64)]
    )
    flow.add_arcs_with_capacity(tails, heads, caps)
    flow.solve(source, sink)
    value = int(flow.optimal_flow())
    return value if limit is None else min(value, limit)


def _required_edges(
    scenario: Scenario,
    enc: Encoded,
    edge_p: IntArray,
    edge_m: IntArray,
    kept: dict[int, int],
) -> tuple[IntArray, list[str]]:
    p_index, m_index = enc.participant_index, enc.mentor_index
    locks = [(p_index[pid], m_index[mid]) for pid, mid in scenario.locks.require]
    found = find_edges(
        edge_p,
        edge_m,
        enc.n_mentors,
        np.array([p for p, _ in locks], dtype=np.int64),
        np.array([m for _, m in locks], dtype=np.int64),
    ).tolist()
    required, conflicts = [], []
    for (pid, mid), (p, m), e in zip(scenario.locks.require, locks, found, strict=True):
        if kept.get(p) == m:
            continue
        if p in kept:
            conflicts.append(
                _("the locked pair {pair} conflicts with the active pair {active} (rule 7)").format(
                    pair=f"{pid}-{mid}", active=f"{pid}-{enc.mentor_ids[kept[p]]}"
                )
            )
        elif e >= 0:
            required.append(e)
        else:
            conflicts.append(
                _("the locked pair {pair} breaks a hard rule: {rules}").format(
                    pair=f"{pid}-{mid}", rules=failed_rules_text(enc, scenario.policy, p, m)
                )
            )
    return np.array(sorted(set(required)), dtype=np.int64), conflicts + _forbidden_kept(scenario)


def _forbidden_kept(scenario: Scenario) -> list[str]:
    """Active pairs kept (rule 7) that a forbid or the participant's own exclusion now
    names (rule 6): the coordinator must release them or drop the forbid."""
    forbidden = {(p, m) for p, m in scenario.locks.forbid}
    excluded = {p.id: set(p.exclude_mentors) for p in scenario.participants}
    conflicts = []
    for pair in scenario.pairs:
        if pair.release:
            continue
        pid, mid = pair.participant, pair.mentor
        if (pid, mid) in forbidden:
            text = _(
                "the forbidden pair {pair} is an active pair, which is kept unless released "
                "(rules 6 and 7): release it or drop the forbid"
            )
        elif mid in excluded.get(pid, set()):
            text = _(
                "{participant} has excluded the mentor of the active pair {pair}, which is kept "
                "unless released (rules 6 and 7): release it or drop the exclusion"
            )
        else:
            continue
        conflicts.append(text.format(pair=f"{pid}-{mid}", participant=pid))
    return conflicts


def _stable_edges(
    enc: Encoded, edge_p: IntArray, edge_m: IntArray, previous: Collection[tuple[str, str]]
) -> IntArray:
    p_index, m_index = enc.participant_index, enc.mentor_index
    known = [(p_index[p], m_index[m]) for p, m in previous if p in p_index and m in m_index]
    found = find_edges(
        edge_p,
        edge_m,
        enc.n_mentors,
        np.array([p for p, _ in known], dtype=np.int64),
        np.array([m for _, m in known], dtype=np.int64),
    )
    stable = np.zeros(len(edge_p), dtype=np.int64)
    stable[found[found >= 0]] = 1
    return stable


def _kept_load(enc: Encoded, kept_pairs: list[tuple[int, int]], notes: list[str]) -> IntArray:
    """Active pairs kept per mentor, with a note for each mentor already above capacity."""
    load = np.bincount([m for _, m in kept_pairs], minlength=enc.n_mentors).astype(np.int64)
    for m in np.flatnonzero(load > enc.m_capacity):
        notes.append(
            _(
                "mentor {mentor} already has {pairs} active pairs, above capacity {capacity}: "
                "no new pairs"
            ).format(mentor=enc.mentor_ids[m], pairs=load[m], capacity=enc.m_capacity[m])
        )
    return load


def _place_caps(program: Program, n_kept: int, notes: list[str]) -> tuple[int | None, int | None]:
    """New pairs the programme capacity and the position budget still allow (None: no
    such cap), with a note for each cap the active pairs already exceed."""
    capacity = None
    if program.capacity is not None:
        capacity = max(program.capacity - n_kept, 0)
        if n_kept > program.capacity:
            notes.append(
                _(
                    "{pairs} active pairs already exceed programme capacity {capacity}: "
                    "no new pairs"
                ).format(pairs=n_kept, capacity=program.capacity)
            )
    budget = None
    places = program.budget_places()
    if places is not None:
        budget = max(places - n_kept, 0)
        if n_kept > places:
            notes.append(
                _(
                    "{pairs} active pairs already exceed the position budget {posts}: no new pairs"
                ).format(pairs=n_kept, posts=f"{program.position_budget:g}")
            )
    return capacity, budget


def _groups(
    scenario: Scenario,
    enc: Encoded,
    edges: tuple[IntArray, IntArray],
    kept_p: IntArray,
    mentor_capacity: IntArray,
    limit: int | None,
    notes: list[str],
) -> tuple[list[Group], dict[str, Floor]]:
    """One group per municipality: its room under max, its floor capped at what it can
    reach on its own (rule 8), and its fairness target; with a note for each max already
    exceeded and each floor capped."""
    edge_p, edge_m = edges
    munis = scenario.municipality_list()
    existing = np.bincount(enc.p_muni[kept_p], minlength=len(munis))
    consenting = np.bincount(enc.p_muni[enc.p_consent], minlength=len(munis))
    use_shares = any(m.share is not None for m in munis)
    groups, floors = [], {}
    for g, muni in enumerate(munis):
        have = int(existing[g])
        upper = None
        if muni.max is not None:
            upper = max(muni.max - have, 0)
            if have > muni.max:
                notes.append(
                    _(
                        "{municipality}: {pairs} active pairs already exceed max {max}: "
                        "no new pairs there"
                    ).format(municipality=muni.id, pairs=have, max=muni.max)
                )
        lower = 0
        if muni.min is not None:
            # Reach under rules 1-7 only: a floor above the municipality's own max is a
            # conflict with the caps, reported as infeasible, not silently capped.
            own = (enc.p_muni == g)[edge_p]  # a bool per edge, not a group index
            reachable = have + reach(edge_p[own], edge_m[own], mentor_capacity, limit)
            enforced = min(muni.min, reachable)
            floors[muni.id] = Floor(muni.min, enforced, reachable)
            if enforced < muni.min:
                notes.append(
                    _(
                        "{municipality}: min {min} capped to {enforced}, all it can reach on "
                        "its own under the other rules"
                    ).format(municipality=muni.id, min=muni.min, enforced=enforced)
                )
            lower = max(enforced - have, 0)
        target = round((muni.share or 0.0) * SHARE_UNITS) if use_shares else int(consenting[g])
        groups.append(Group(muni.id, lower, upper, have, int(consenting[g]), target))
    return groups, floors


def build(scenario: Scenario, previous: Collection[tuple[str, str]] | None = None) -> Built:
    """The problem of one round; `previous` (participant, mentor) pairs of an earlier
    proposal add a last level that keeps them wherever the optimum allows."""
    enc = encode(scenario)
    p_index, m_index = enc.participant_index, enc.mentor_index
    kept_pairs = [
        (p_index[x.participant], m_index[x.mentor]) for x in scenario.pairs if not x.release
    ]
    kept = dict(kept_pairs)
    notes: list[str] = []
    load = _kept_load(enc, kept_pairs, notes)
    mentor_capacity = np.maximum(enc.m_capacity - load, 0)

    is_free = enc.p_consent.copy()
    is_free[list(kept)] = False
    free = np.flatnonzero(is_free).astype(np.int64)
    kept_p = np.array([p for p, _ in kept_pairs], dtype=np.int64)
    kept_m = np.array([m for _, m in kept_pairs], dtype=np.int64)
    edge_p, edge_m, scores, kept_scores = _edges(enc, scenario, free, kept_p, kept_m)
    below_min: dict[int, float] = {}
    if scenario.policy.min_score is not None:
        edge_p, edge_m, scores, below_min = _above_min_score(scenario, enc, edge_p, edge_m, scores)
    prio = priorities(scenario)

    capacity, budget = _place_caps(scenario.program, len(kept_pairs), notes)
    limit = min((x for x in (capacity, budget) if x is not None), default=None)
    required, conflicts = _required_edges(scenario, enc, edge_p, edge_m, kept)
    groups, floors = _groups(scenario, enc, (edge_p, edge_m), kept_p, mentor_capacity, limit, notes)

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
    return Built(
        scenario,
        enc,
        problem,
        scores,
        prio,
        kept_pairs,
        load,
        floors,
        notes,
        conflicts,
        kept_scores,
        below_min,
    )
