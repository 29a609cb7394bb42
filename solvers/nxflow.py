"""Exact back-end in pure Python: the network of `solvers.network`, solved by networkx.

Same network, floors, required edges, lexicographic weights and maxmin search as the
OR-Tools flow back-end; only the kernel is networkx's network simplex. It is slower,
but an independent solver of the same network to check OR-Tools against, and its
Python integers never overflow, so every combination of edge-additive levels fits one
solve.
(The module is not called `networkx` so that it does not shadow the package.)
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

from solvers.base import IntArray, Level, Options, Problem, Solution
from solvers.network import BoolArray, Network, Scales, solve_network, unsupported
from solvers.pricing import solve_reduced


def networkx_kernel(
    net: Network,
    levels: Sequence[Level],
    weights: Sequence[int],
    lower: IntArray,
    amount: int,
    bypass: bool,
) -> BoolArray | None:
    """One network simplex solve on a DiGraph (node demand = minus supply)."""
    arcs = net.arcs(lower, amount, bypass)
    if arcs is None:
        return None
    caps, supplies = arcs
    graph = nx.DiGraph()
    graph.add_nodes_from((node, {"demand": -s}) for node, s in enumerate(supplies.tolist()))
    tails, heads = net.tails.tolist(), net.heads.tolist()
    graph.add_edges_from(
        (t, h, {"capacity": c, "weight": w})
        for t, h, c, w in zip(
            tails, heads, caps.tolist(), net.exact_costs(levels, weights), strict=True
        )
    )
    try:
        _, flows = nx.network_simplex(graph)
    except nx.NetworkXUnfeasible:
        return None
    edge = range(net.edge_start, net.edge_stop)
    return np.array([flows[tails[a]][heads[a]] > 0 for a in edge], dtype=bool)


class NetworkxSolver:
    """The flow back-end on networkx: an independent check of OR-Tools."""

    name = "networkx"
    exact = True

    def supports(self, problem: Problem) -> str | None:
        """None unless a pair repeats or proportional fairness rules the network out."""
        pairs = problem.edge_p * max(problem.n_mentors, 1) + problem.edge_m
        if len(np.unique(pairs)) != len(pairs):
            return "a participant-mentor pair appears twice (a DiGraph holds one arc)"
        return unsupported(problem, Scales(problem, None))

    def solve(self, problem: Problem, options: Options) -> Solution:
        """Exact; large rounds are first reduced to the edges an optimum can use
        (`solvers.pricing`). The time limit, threads and seed do not apply."""
        reason = self.supports(problem)
        if reason is not None:
            raise ValueError(reason)
        return solve_reduced(problem, options, self._solve_network)

    @staticmethod
    def _solve_network(problem: Problem, options: Options) -> Solution:
        return solve_network(problem, networkx_kernel, Scales(problem, None))
