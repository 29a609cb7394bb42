"""The network of a problem, shared by the flow back-ends and by pricing.

The problem is a flow network: source -> municipality g (between lower_g and upper_g
new pairs) -> participant (at most one mentor) -> mentor via a candidate edge -> sink
(at most the mentor's remaining capacity), with a zero-cost bypass from source to sink
so that how much flows is free, and the amount that leaves the source capped by the
total limit. Floors become node supplies (the standard lower-bound transformation);
required edges are chosen up front and taken out of the network.

Edge-additive levels become arc costs (coverage and priority on the participant's
arc, quality on the candidate edge) whose weights each exceed the whole range of the
levels below: exact, and one polynomial solve instead of a search. When those weights
would not fit in 64 bits and coverage comes first, coverage is solved first and then
fixed as the flow amount. `maxmin` fairness goes through `solvers.leximin`, the same
parametric search over floors as every exact back-end;
`proportional` fairness is a sum of absolute deviations, which no arc cost expresses,
so it is left to other back-ends.

The network, the lexicographic driver and the OR-Tools kernel live here; `solvers.flow`
and `solvers.nxflow` differ only in the kernel they hand to `solve_network`, and
`solvers.pricing` reuses the OR-Tools flows for its certificate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from solvers.base import (
    IntArray,
    Level,
    Options,
    Problem,
    Solution,
    edge_values,
    evaluate,
    group_edges,
)
from solvers.leximin import solve_maxmin

BoolArray = NDArray[np.bool_]
Int32Array = NDArray[np.int32]

INT64_MAX = 2**63 - 1
#: From this many candidate edges on, the flow is solved on a sparse set and certified
#: over all edges by pricing (`solvers.pricing`), several times faster than one solve.
PRICED_EDGES = 2_000_000
#: Bound on the combined objective of one solve, so that sums of costs never overflow.
TOTAL_COST_LIMIT = 2**62
#: Levels whose value depends only on which participants are matched: their cost sits on
#: the group -> participant arcs, every other level's on the participant -> mentor arcs.
PER_PARTICIPANT: frozenset[str] = frozenset({"coverage", "priority"})

PROPORTIONAL_REASON = (
    "flow cannot express proportional fairness (a sum of absolute deviations from the "
    "shares is not a cost per edge); use cpsat"
)


class CostRangeError(RuntimeError):
    """The lexicographic weights do not fit the 64-bit costs of the flow solver."""


def _index(members: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """The distinct values of `members` (sorted) and each member's position among them,
    in linear time (np.unique sorts, which dominates on millions of edges)."""
    present = np.zeros(size, dtype=bool)
    present[members] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64), position[members]


@dataclass(frozen=True)
class Network:
    """The network of a problem after its required edges are chosen up front.

    Nodes: 0 source, 1 sink, then groups, open participants, open mentors. Arcs, in
    order: source -> group, group -> participant, participant -> mentor (one per open
    edge), mentor -> sink, source -> sink (bypass). Only the capacities of the first
    and last blocks and the supplies change between solves (floors, flow amount);
    costs sit on the contiguous block of participant and edge arcs.
    """

    problem: Problem
    required: IntArray  # edges chosen up front
    free: IntArray  # open candidate edges (indices into the problem's edges)
    lower: IntArray  # per group: new pairs still needed after the required ones
    upper: IntArray  # per group: new pairs still allowed (capped by open participants)
    amount: int  # most pairs the open part can take (limit, participants, mentors)
    p_priority: IntArray  # priority of each open participant
    tails: Int32Array
    heads: Int32Array
    base_caps: IntArray
    n_groups: int
    n_open: int  # open participants
    participants: IntArray  # the problem's participant of each open participant node
    mentors: IntArray  # the problem's mentor of each open mentor node

    @property
    def n_arcs(self) -> int:
        """Arcs of the network."""
        return len(self.tails)

    @property
    def n_nodes(self) -> int:
        """Nodes: source, sink, groups, open participants, open mentors."""
        return 2 + self.n_groups + self.n_open + (self.n_arcs - self.edge_stop - 1)

    @property
    def cost_start(self) -> int:
        """The first arc that can carry a cost (group -> participant)."""
        return self.n_groups

    @property
    def edge_start(self) -> int:
        """The first participant -> mentor arc."""
        return self.n_groups + self.n_open

    @property
    def edge_stop(self) -> int:
        """One past the last participant -> mentor arc."""
        return self.edge_start + len(self.free)

    def edge_arcs(self) -> Int32Array:
        """The participant -> mentor arcs, one per open edge."""
        return np.arange(self.edge_start, self.edge_stop, dtype=np.int32)

    def level_values(self, level: Level) -> IntArray:
        """The value of an edge-additive level on each open edge."""
        return edge_values(self.problem, level)[self.free]

    def _parts(self, level: Level) -> tuple[bool, IntArray]:
        """Where a level's cost sits (participant arcs or edge arcs) and its values."""
        if level not in PER_PARTICIPANT:
            return False, self.level_values(level)
        if level == "coverage":
            return True, np.ones(self.n_open, dtype=np.int64)
        return True, self.p_priority

    def costs(self, levels: Sequence[Level], weights: Sequence[int]) -> IntArray:
        """Arc costs (int64) of the weighted levels; the caller checked they fit."""
        costs = np.zeros(self.n_arcs, dtype=np.int64)
        for level, weight in zip(levels, weights, strict=True):
            on_participant, values = self._parts(level)
            if on_participant:
                costs[self.cost_start : self.edge_start] -= np.int64(weight) * values
            else:
                costs[self.edge_start : self.edge_stop] -= np.int64(weight) * values
        return costs

    def exact_costs(self, levels: Sequence[Level], weights: Sequence[int]) -> list[int]:
        """Arc costs as Python integers, which never overflow."""
        p_cost = [0] * self.n_open
        e_cost = [0] * len(self.free)
        for level, weight in zip(levels, weights, strict=True):
            on_participant, values = self._parts(level)
            if on_participant:
                p_cost = [c - weight * v for c, v in zip(p_cost, values.tolist(), strict=True)]
            else:
                e_cost = [c - weight * v for c, v in zip(e_cost, values.tolist(), strict=True)]
        rest = self.n_arcs - self.edge_stop
        return [0] * self.n_groups + p_cost + e_cost + [0] * rest

    def arcs(self, lower: IntArray, amount: int, bypass: bool) -> tuple[IntArray, IntArray] | None:
        """Arc capacities and node supplies for these floors and this flow amount, or
        None when they cannot be met (a floor above its cap, or above the amount)."""
        if (lower > self.upper).any() or int(lower.sum()) > amount:
            return None
        caps = self.base_caps.copy()
        caps[: self.n_groups] = self.upper - lower
        caps[-1] = amount if bypass else 0
        supplies = np.zeros(self.n_nodes, dtype=np.int64)
        supplies[0] = amount - int(lower.sum())
        supplies[1] = -amount
        supplies[2 : 2 + self.n_groups] = lower
        return caps, supplies


def _arc_arrays(
    n_groups: int, p_group: IntArray, p_node: IntArray, m_node: IntArray, m_cap: IntArray
) -> tuple[Int32Array, Int32Array, IntArray]:
    """Tails, heads and base capacities of the arcs in `Network` order, for open
    participants in groups `p_group`, one open edge per entry of `p_node` and `m_node`
    (its participant and mentor node), and open mentors with capacities `m_cap`."""
    n_p, n_m = len(p_group), len(m_cap)
    g0, p0 = 2, 2 + n_groups
    m0 = p0 + n_p
    tails = np.concatenate(
        [
            np.zeros(n_groups, dtype=np.int32),
            (g0 + p_group).astype(np.int32),
            (p0 + p_node).astype(np.int32),
            np.arange(m0, m0 + n_m, dtype=np.int32),
            np.zeros(1, dtype=np.int32),
        ]
    )
    heads = np.concatenate(
        [
            np.arange(g0, g0 + n_groups, dtype=np.int32),
            np.arange(p0, p0 + n_p, dtype=np.int32),
            (m0 + m_node).astype(np.int32),
            np.ones(n_m + 1, dtype=np.int32),
        ]
    )
    base_caps = np.concatenate(
        [
            np.zeros(n_groups, dtype=np.int64),
            np.ones(n_p + len(p_node), dtype=np.int64),
            m_cap,
            np.zeros(1, dtype=np.int64),
        ]
    )
    return tails, heads, base_caps


def build_network(problem: Problem) -> Network | None:
    """The network of `problem`, or None when its required edges alone break a rule."""
    n_groups = len(problem.groups)
    req = problem.required.astype(np.int64)
    req_p = problem.edge_p[req]
    if len(np.unique(req_p)) != len(req_p):
        return None
    cap = problem.mentor_capacity.astype(np.int64) - np.bincount(
        problem.edge_m[req], minlength=problem.n_mentors
    )
    if (cap < 0).any():
        return None
    req_g = np.bincount(problem.edge_group[req], minlength=n_groups).astype(np.int64)
    lower = np.maximum(np.array([g.lower for g in problem.groups], dtype=np.int64) - req_g, 0)
    big = problem.n_participants + 1
    upper = (
        np.array([big if g.upper is None else g.upper for g in problem.groups], dtype=np.int64)
        - req_g
    )
    if (upper < 0).any():
        return None
    limit = problem.total_limit
    if limit is not None and limit < len(req):
        return None

    if len(req) == 0 and (cap > 0).all():
        free = np.arange(problem.n_edges, dtype=np.int64)
        edge_p, edge_m = problem.edge_p, problem.edge_m
    else:
        taken = np.zeros(problem.n_participants, dtype=bool)
        taken[req_p] = True
        free = np.flatnonzero(~taken[problem.edge_p] & (cap[problem.edge_m] > 0))
        edge_p, edge_m = problem.edge_p[free], problem.edge_m[free]
    ps, p_node = _index(edge_p, problem.n_participants)
    ms, m_node = _index(edge_m, problem.n_mentors)
    n_p = len(ps)
    p_group = problem.participant_group[ps]
    upper = np.minimum(upper, np.bincount(p_group, minlength=n_groups))
    amount = min(n_p, int(cap[ms].sum()))
    if limit is not None:
        amount = min(amount, limit - len(req))

    tails, heads, base_caps = _arc_arrays(n_groups, p_group, p_node, m_node, cap[ms])
    return Network(
        problem=problem,
        required=req,
        free=free.astype(np.int64),
        lower=lower,
        upper=upper,
        amount=amount,
        p_priority=problem.priority[ps].astype(np.int64),
        tails=tails,
        heads=heads,
        base_caps=base_caps,
        n_groups=n_groups,
        n_open=n_p,
        participants=ps,
        mentors=ms,
    )


#: A kernel solves one min-cost flow: maximise sum_k weights[k] * levels[k] over the
#: open edges under floors `lower` with `amount` units (with the bypass: at most
#: `amount` pairs, else exactly). It returns which open edges carry flow, or None
#: when the floors cannot be met, and raises CostRangeError if its costs overflow.
Kernel = Callable[[Network, Sequence[Level], Sequence[int], IntArray, int, bool], BoolArray | None]


class Scales:
    """Lexicographic weights for sets of edge-additive levels, checked against limits.

    Ranges are computed on the whole problem (each participant takes one edge, at most
    `total` participants are matched), so they bound every network built from it.
    """

    def __init__(self, problem: Problem, max_arc_cost: int | None) -> None:
        self.max_arc_cost = max_arc_cost
        present = np.zeros(problem.n_participants, dtype=bool)
        present[problem.edge_p] = True
        total = min(int(present.sum()), int(problem.mentor_capacity.sum()))
        if problem.total_limit is not None:
            total = min(total, problem.total_limit)
        total = max(total, 0)
        per_participant = {
            "coverage": np.ones(int(present.sum()), dtype=np.int64),
            "priority": problem.priority[present].astype(np.int64),
        }
        by_participant = group_edges(problem.edge_p, problem.n_participants)
        for level in ("quality", "stability"):
            best = by_participant.maximum(edge_values(problem, level), 0)
            per_participant[level] = best[present]
        self.range: dict[str, int] = {}
        self.top: dict[str, int] = {}
        for level, best in per_participant.items():
            if total == 0:
                self.range[level] = 0
            elif total >= len(best):
                self.range[level] = int(best.sum())
            else:
                self.range[level] = int(np.partition(best, len(best) - total)[-total:].sum())
            self.top[level] = int(best.max()) if len(best) else 0

    def weights(self, levels: Sequence[Level]) -> list[int] | None:
        """Weights making the weighted sum lexicographic, or None if they do not fit."""
        ranges = [self.range[level] for level in levels]
        weights = [1] * len(ranges)
        for k in range(len(ranges) - 2, -1, -1):
            weights[k] = weights[k + 1] * (ranges[k + 1] + 1)
        if self.max_arc_cost is None:
            return weights
        total = sum(w * r for w, r in zip(weights, ranges, strict=True))
        arc = sum(w * self.top[level] for w, level in zip(weights, levels, strict=True))
        if total >= TOTAL_COST_LIMIT or arc > self.max_arc_cost:
            return None
        return weights

    def reason(self, levels: Sequence[Level]) -> str | None:
        """Why these levels cannot be solved exactly with these weights, or None."""
        if self.weights(levels) is not None:
            return None
        if levels and levels[0] == "coverage" and self.weights(levels[1:]) is not None:
            return None
        return (
            f"the lexicographic weights of {', '.join(levels)} exceed 64-bit flow "
            "costs for a problem this large; use cpsat"
        )


def edge_levels(levels: Sequence[Level]) -> tuple[Level, ...]:
    """The levels that are sums over edges (all but fairness)."""
    return tuple(level for level in levels if level != "fairness")


def solve_levels(
    net: Network,
    levels: Sequence[Level],
    lower: IntArray,
    kernel: Kernel,
    scales: Scales,
    fixed: int | None = None,
) -> BoolArray | None:
    """The lexicographic optimum of edge-additive `levels` under floors `lower` (with
    `fixed`, exactly that many new pairs): one solve when the weights fit, else
    coverage first and then fixed as the amount."""
    amount, bypass = (net.amount, True) if fixed is None else (fixed, False)
    levels = tuple(levels)
    if fixed is not None and levels[:1] == ("coverage",):
        levels = levels[1:]  # constant once the amount is fixed
    weights = scales.weights(levels)
    staged = fixed is None and len(levels) > 1 and levels[0] == "coverage"
    if weights is not None:
        try:
            return kernel(net, levels, weights, lower, amount, bypass)
        except CostRangeError:
            if not staged:
                raise
    if not staged:
        raise CostRangeError(scales.reason(levels) or "cost range exceeded")
    first = kernel(net, ("coverage",), [1], lower, amount, bypass)
    if first is None:
        return None
    return solve_levels(net, levels[1:], lower, kernel, scales, int(first.sum()))


def unsupported(problem: Problem, scales: Scales) -> str | None:
    """Why a flow back-end cannot solve `problem` exactly, or None when it can."""
    if problem.has_fairness_level and problem.fairness == "proportional":
        return PROPORTIONAL_REASON
    levels = problem.levels
    if "fairness" in levels:
        at = levels.index("fairness")
        prefix = edge_levels(levels[:at])
        rest = prefix[1:] if prefix[:1] == ("coverage",) else prefix
        return scales.reason(prefix) or scales.reason(rest + edge_levels(levels[at + 1 :]))
    return scales.reason(levels)


def solve_network(problem: Problem, kernel: Kernel, scales: Scales) -> Solution:
    """Solve `problem` exactly with a min-cost flow kernel (see the module docstring)."""
    net = build_network(problem)
    if net is None:
        return Solution(status="infeasible")
    levels = problem.levels
    if "fairness" in levels:
        if problem.fairness != "maxmin":
            raise ValueError(PROPORTIONAL_REASON)
        # The same leximin driver as every exact back-end, over network solves.
        return solve_maxmin(problem, Options(), lambda sub, _: solve_network(sub, kernel, scales))
    chosen = solve_levels(net, levels, net.lower, kernel, scales)
    if chosen is None:
        return Solution(status="infeasible")
    edges = np.sort(np.concatenate([net.required, net.free[chosen]])).astype(np.int64)
    return Solution(status="optimal", chosen=edges, levels=evaluate(problem, edges))


def _feasible_flow(net: Network, caps: IntArray, supplies: IntArray) -> BoolArray | None:
    """Any flow meeting the supplies (no objective): one max flow from a super source
    to a super sink, about twice as fast as a min-cost flow with zero costs."""
    n = len(supplies)
    source, sink = n, n + 1
    given, taken = np.flatnonzero(supplies > 0), np.flatnonzero(supplies < 0)
    tails = np.concatenate(
        [net.tails, np.full(len(given), source, dtype=np.int32), taken.astype(np.int32)]
    )
    heads = np.concatenate(
        [net.heads, given.astype(np.int32), np.full(len(taken), sink, dtype=np.int32)]
    )
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        tails, heads, np.concatenate([caps, supplies[given], -supplies[taken]])
    )
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    if flow.optimal_flow() != int(supplies[given].sum()):
        return None
    return np.asarray(flow.flows(net.edge_arcs())) > 0


def ortools_kernel(
    net: Network,
    levels: Sequence[Level],
    weights: Sequence[int],
    lower: IntArray,
    amount: int,
    bypass: bool,
) -> BoolArray | None:
    """One OR-Tools min-cost flow solve, every array passed in one vectorised call."""
    if not levels:
        arcs = net.arcs(lower, amount, bypass)
        return None if arcs is None else _feasible_flow(net, *arcs)
    solved = ortools_flows(net, levels, weights, lower, amount, bypass)
    return None if solved is None else solved.flows[net.edge_start : net.edge_stop] > 0


class Flows(NamedTuple):
    """An optimal flow: flow, capacity and cost per arc, and the supply per node."""

    flows: IntArray
    caps: IntArray
    costs: IntArray
    supplies: IntArray


def ortools_flows(
    net: Network,
    levels: Sequence[Level],
    weights: Sequence[int],
    lower: IntArray,
    amount: int,
    bypass: bool,
) -> Flows | None:
    """The optimal flow of every arc, or None when the floors cannot be met."""
    arcs = net.arcs(lower, amount, bypass)
    if arcs is None:
        return None
    caps, supplies = arcs
    costs = net.costs(levels, weights)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, caps, costs)
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = flow.solve()
    if status == flow.OPTIMAL:
        flows = np.asarray(flow.flows(np.arange(net.n_arcs, dtype=np.int32)), dtype=np.int64)
        return Flows(flows, caps, costs, supplies)
    if status == flow.INFEASIBLE:
        return None
    if status == flow.BAD_COST_RANGE:
        raise CostRangeError("min-cost flow: cost range too large")
    raise RuntimeError(f"min-cost flow failed with status {status}")


def ortools_scales(problem: Problem) -> Scales:
    """Lexicographic weights checked against what OR-Tools' min-cost flow accepts."""
    # SimpleMinCostFlow adds a source and a sink, then scales costs by nodes + 1 and
    # rejects any |cost| above INT64_MAX / (2 * scale).
    nodes = problem.n_participants + problem.n_mentors + len(problem.groups) + 4
    return Scales(problem, INT64_MAX // (2 * (nodes + 1)))
