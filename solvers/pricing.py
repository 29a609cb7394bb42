"""The optimum of a large problem found on a sparse candidate set, with a certificate.

The network of `solvers.network` is solved on each participant's best few edges. Node
potentials are then computed from the residual network of that flow (shortest
distances, by a vectorised Bellman-Ford in exact 64-bit integers), and every
other eligible pair is priced by its reduced cost. A pair with a negative reduced cost
could improve the objective: the best few per participant are added and the round
repeats. When none is left, the potentials prove the flow optimal over all eligible
pairs (no residual arc has a negative reduced cost, so there is no improving cycle),
whatever solver produced the flow: a wrong flow shows up as potentials that do not
settle, and then nothing is claimed.

The same potentials say which edges an optimum can use at all (reduced cost <= 0):
the other exact back-ends solve just those (`solve_reduced`), and their answer is
checked against the certified optimum. The objective must be edge-additive with
lexicographic weights that fit 64-bit costs (`solvers.network.Scales`); otherwise nothing
is certified here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

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
from solvers.network import (
    PER_PARTICIPANT,
    BoolArray,
    CostRangeError,
    Flows,
    Network,
    Scales,
    build_network,
    edge_levels,
    ortools_flows,
    ortools_scales,
)

#: First candidates: each participant's best edges by quality.
SEED_PER_PARTICIPANT = 16
#: Improving pairs added per participant and round (the most negative reduced costs).
ADD_PER_PARTICIPANT = 16
MAX_ROUNDS = 60
#: Problems with fewer candidate edges are solved whole by the back-end that reduces.
MIN_EDGES = 2_000
#: Potential of a node the sparse network lacks: its edges always price in.
MISSING = np.iinfo(np.int64).min // 4
#: Bellman-Ford passes before the potentials are taken as not settling.
MAX_PASSES = 20_000


@dataclasses.dataclass(frozen=True)
class Certified:
    """A certified optimum of a large problem and the edges an optimum may use."""

    chosen: IntArray  # an optimal solution (edges of the problem)
    keep: IntArray  # edges that some optimal solution may use, `chosen` among them
    levels: dict[str, int]
    rounds: int  # pricing rounds it took


def near_best_per_owner(owner: IntArray, value: IntArray, allowed: BoolArray, k: int) -> IntArray:
    """About `k` edges per owner among `allowed` edges: each owner's best (highest
    `value`) and every edge within one common margin of its owner's best, the margin
    chosen so that about `k` per owner pass. Any choice is correct here (candidates are
    a heuristic, the certificate is exact); this one takes a few linear passes."""
    idx = np.flatnonzero(allowed)
    if not len(idx):
        return idx.astype(np.int64)
    own, val = owner[idx], value[idx].astype(np.int64)
    best = group_edges(own, int(own.max()) + 1).maximum(val, np.iinfo(np.int64).min)
    gap = best[own] - val
    target = k * int((best > np.iinfo(np.int64).min).sum())
    if len(idx) <= target:
        return idx.astype(np.int64)
    margin = np.partition(gap, target)[target]
    picked: IntArray = idx[(gap < margin) | (gap == 0)].astype(np.int64)
    return picked


def restrict(problem: Problem, keep: IntArray) -> Problem:
    """The same problem over a subset of its edges (required edges must be kept)."""
    position = np.full(problem.n_edges, -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    return dataclasses.replace(
        problem,
        edge_p=problem.edge_p[keep],
        edge_m=problem.edge_m[keep],
        quality=problem.quality[keep],
        required=position[problem.required],
        stable=None if problem.stable is None else problem.stable[keep],
    )


def potentials(n_nodes: int, tails: IntArray, heads: IntArray, costs: IntArray) -> IntArray | None:
    """Shortest distances from a virtual root joined to every node at cost 0, or None
    when they do not settle (a negative cycle: the flow was not optimal)."""
    dist = np.zeros(n_nodes, dtype=np.int64)
    if not len(tails):
        return dist
    by_head = group_edges(heads, n_nodes)
    if by_head.order is not None:
        tails, costs = tails[by_head.order], costs[by_head.order]
    targets = np.flatnonzero(by_head.end > by_head.start)
    starts = by_head.start[targets]
    for _ in range(MAX_PASSES):
        best = np.minimum.reduceat(dist[tails] + costs, starts)
        better = best < dist[targets]
        if not better.any():
            return dist
        dist[targets[better]] = best[better]
    return None


def _edge_cost(problem: Problem, levels: tuple[Level, ...], weights: list[int]) -> IntArray:
    """The cost of each problem edge's participant -> mentor arc (see Network.costs)."""
    cost = np.zeros(problem.n_edges, dtype=np.int64)
    for level, weight in zip(levels, weights, strict=True):
        if level not in PER_PARTICIPANT:
            cost -= np.int64(weight) * edge_values(problem, level)
    return cost


def _solve_flow(net: Network, levels: tuple[Level, ...], weights: list[int]) -> Flows | None:
    """One min-cost flow on the whole network."""
    try:
        return ortools_flows(net, levels, weights, net.lower, net.amount, True)
    except CostRangeError:
        return None


def _conserves(net: Network, solved: Flows) -> bool:
    """The flow keeps every capacity and meets every node's supply (the certificate
    below proves optimality only of a feasible flow)."""
    flows = solved.flows
    if (flows < 0).any() or (flows > solved.caps).any():
        return False
    balance = np.bincount(net.tails, flows, minlength=net.n_nodes) - np.bincount(
        net.heads, flows, minlength=net.n_nodes
    )
    return bool((balance.astype(np.int64) == solved.supplies).all())


def certified_optimum(
    problem: Problem, scales: Scales, options: Options | None = None
) -> Certified | None:
    """The optimum over every edge, found on few and certified; None when the objective
    is not edge-additive within 64 bits, the sparse set cannot meet the floors, or the
    deadline of `options` passed (the caller then solves the whole problem)."""
    levels = problem.levels
    if "fairness" in levels or problem.n_edges == 0:
        return None
    levels = edge_levels(levels)
    weights = scales.weights(levels)
    if weights is None:
        return None
    taken = np.zeros(problem.n_participants, dtype=bool)
    taken[problem.edge_p[problem.required]] = True
    open_edges = (problem.mentor_capacity[problem.edge_m] > 0) & ~taken[problem.edge_p]
    edge_cost = _edge_cost(problem, levels, weights)
    on = np.zeros(problem.n_edges, dtype=bool)
    on[
        near_best_per_owner(
            problem.edge_p, edge_values(problem, "quality"), open_edges, SEED_PER_PARTICIPANT
        )
    ] = True
    on[problem.required] = True
    # The edges left to price, compressed once (`fresh`: not priced in yet).
    cand = np.flatnonzero(open_edges & ~on)
    cand_p, cand_m = problem.edge_p[cand], problem.edge_m[cand]
    cand_cost = edge_cost[cand]
    fresh = np.ones(len(cand), dtype=bool)
    for rounds in range(1, MAX_ROUNDS + 1):
        if options is not None and options.expired():
            return None
        edges = np.flatnonzero(on).astype(np.int64)
        net = build_network(restrict(problem, edges))
        if net is None:
            return None
        solved = _solve_flow(net, levels, weights)
        if solved is None:
            return None
        if not _conserves(net, solved):
            return None
        flows, caps, costs = solved.flows, solved.caps, solved.costs
        forward, backward = flows < caps, flows > 0
        dist = potentials(
            net.n_nodes,
            np.concatenate([net.tails[forward], net.heads[backward]]).astype(np.int64),
            np.concatenate([net.heads[forward], net.tails[backward]]).astype(np.int64),
            np.concatenate([costs[forward], -costs[backward]]),
        )
        if dist is None:
            return None
        # Potentials per participant and mentor; a node the sparse network lacks has
        # none, and its edges are added rather than priced.
        p_pot = np.full(problem.n_participants, MISSING, dtype=np.int64)
        p_pot[net.participants] = dist[2 + net.n_groups + np.arange(net.n_open)]
        m_pot = np.full(problem.n_mentors, -MISSING, dtype=np.int64)
        m_pot[net.mentors] = dist[2 + net.n_groups + net.n_open + np.arange(len(net.mentors))]
        reduced = cand_cost + p_pot[cand_p] - m_pot[cand_m]
        improving = (reduced < 0) & fresh
        if not improving.any():
            used = np.zeros(problem.n_edges, dtype=bool)
            used[edges[net.free[flows[net.edge_start : net.edge_stop] > 0]]] = True
            used[problem.required] = True
            chosen = np.flatnonzero(used).astype(np.int64)
            on_reduced = (
                edge_cost[edges] + p_pot[problem.edge_p[edges]] - m_pot[problem.edge_m[edges]]
            )
            usable = edges[open_edges[edges] & (on_reduced <= 0)]
            keep = np.union1d(usable, chosen).astype(np.int64)
            return Certified(chosen, keep, evaluate(problem, chosen), rounds)
        picked = near_best_per_owner(cand_p, -reduced, improving, ADD_PER_PARTICIPANT)
        on[cand[picked]] = True
        fresh[picked] = False
    return None


SolveFn = Callable[[Problem, Options], Solution]


def solve_reduced(problem: Problem, options: Options, solve: SolveFn) -> Solution:
    """Solve through `solve` on the edges an optimum can use (certified above); the
    whole problem when the reduction does not apply. The answer is optimal only if it
    reaches the certified optimum on every level, else the whole problem is solved.
    Every solve gets the same `options`, so all keep its one deadline."""
    if problem.n_edges < MIN_EDGES:
        return solve(problem, options)
    certified = certified_optimum(problem, ortools_scales(problem), options)
    if certified is None:
        return solve(problem, options)
    small = solve(restrict(problem, certified.keep), options)
    if small.status == "infeasible":  # cannot be: the certified optimum is a solution
        return solve(problem, options)
    chosen = np.sort(certified.keep[small.chosen]).astype(np.int64)
    levels = evaluate(problem, chosen)
    if small.status == "optimal" and levels != certified.levels:
        return solve(problem, options)  # defensive: never seen
    return Solution(status=small.status, chosen=chosen, levels=levels, solver=small.solver)


def solve_exact(problem: Problem, options: Options, solve_model: SolveFn) -> Solution:
    """The route every exact model back-end takes: `maxmin` through the leximin driver
    (`solvers.leximin`), and each solve on the edges an optimum can use."""

    def reduced(part: Problem, opts: Options) -> Solution:
        return solve_reduced(part, opts, solve_model)

    if problem.has_fairness_level and problem.fairness == "maxmin":
        return solve_maxmin(problem, options, reduced)
    return reduced(problem, options)
