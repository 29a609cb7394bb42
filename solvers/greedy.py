"""The coordinator's manual way, as a baseline for the exact back-ends: fast, never optimal.

Required pairs first; then, while a municipality is below its floor, its participants in
priority order; then everyone else in priority order (highest priority first, ties by
index). Each participant takes the free eligible mentor with the best compatibility (ties
by mentor index) within mentor capacities, the programme's total limit and municipality
maxima. It never backtracks, so it can fail where a solution exists: then it raises
`NoSolutionError` (it proves nothing, so it never reports "infeasible").
"""

from __future__ import annotations

import numpy as np

from solvers.base import (
    IntArray,
    NoSolutionError,
    Options,
    Problem,
    Solution,
    evaluate,
    group_edges,
)

_NONE = -1


class _Segments:
    """Each participant's candidate edges as a contiguous slice (`group_edges`), with a
    per-edge rank (higher = better mentor: quality first, then lower mentor index)."""

    def __init__(self, problem: Problem) -> None:
        m, q = problem.edge_m, problem.quality
        n_m = max(problem.n_mentors, 1)
        groups = group_edges(problem.edge_p, problem.n_participants)
        self.perm: IntArray | None = groups.order
        if self.perm is not None:
            m, q = m[self.perm], q[self.perm]
        if len(q) and int(q.max()) >= 2**62 // n_m:  # the packed rank would overflow
            ranked = np.lexsort((-m, q))
            self.rank = np.empty(len(q), dtype=np.int64)
            self.rank[ranked] = np.arange(len(q), dtype=np.int64)
        else:
            self.rank = q.astype(np.int64) * n_m + (n_m - 1 - m)
        self.mentor = m
        self.start, self.end = groups.start, groups.end

    def original(self, positions: list[int]) -> IntArray:
        pos = np.array(positions, dtype=np.int64)
        return pos if self.perm is None else self.perm[pos]


class GreedySolver:
    """The baseline the exact back-ends are measured against (see the module docstring)."""

    name = "greedy"
    exact = False

    def supports(self, problem: Problem) -> str | None:
        """None: it tries every problem (and may fail to find a proposal)."""
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        """A feasible proposal, or NoSolutionError; `options` do not apply."""
        seg = _Segments(problem)
        start: list[int] = seg.start.tolist()
        end: list[int] = seg.end.tolist()
        mentor, rank = seg.mentor, seg.rank
        capacity = problem.mentor_capacity.copy()
        group_of: list[int] = problem.participant_group.tolist()
        groups = problem.groups
        big = problem.n_edges + 1
        upper = [big if g.upper is None else g.upper for g in groups]
        new = [0] * len(groups)
        limit = problem.total_limit if problem.total_limit is not None else big
        taken: dict[int, int] = {}  # participant -> position in the segments

        def best(p: int) -> int:
            a, b = start[p], end[p]
            if a == b:
                return _NONE
            free = capacity[mentor[a:b]] > 0
            if not free.any():
                return _NONE
            return a + int(np.argmax(np.where(free, rank[a:b], -1)))

        def take(p: int, pos: int) -> None:
            taken[p] = pos
            capacity[mentor[pos]] -= 1
            new[group_of[p]] += 1

        self._required(problem, seg, taken, capacity, new, upper, limit)

        order = np.lexsort((np.arange(problem.n_participants), -problem.priority))
        order = order[(seg.end - seg.start)[order] > 0].tolist()
        short = [max(g.lower - have, 0) for g, have in zip(groups, new, strict=True)]
        missing = sum(short)
        for p in order:
            if missing == 0 or len(taken) >= limit:
                break
            g = group_of[p]
            if short[g] > 0 and p not in taken and new[g] < upper[g]:
                pos = best(p)
                if pos != _NONE:
                    take(p, pos)
                    short[g] -= 1
                    missing -= 1
        for p in order:
            if len(taken) >= limit:
                break
            g = group_of[p]
            if p not in taken and new[g] < upper[g]:
                pos = best(p)
                if pos != _NONE:
                    take(p, pos)

        unmet = [g.key for g, have in zip(groups, new, strict=True) if have < g.lower]
        if unmet:
            raise NoSolutionError(
                "greedy could not reach the minimum of "
                + ", ".join(unmet)
                + " (it never revises a pair; an exact solver may still find a proposal)"
            )
        chosen = np.sort(seg.original(list(taken.values())))
        return Solution(status="feasible", chosen=chosen, levels=evaluate(problem, chosen))

    @staticmethod
    def _required(
        problem: Problem,
        seg: _Segments,
        taken: dict[int, int],
        capacity: IntArray,
        new: list[int],
        upper: list[int],
        limit: int,
    ) -> None:
        """Place the coordinator's required pairs, or say which rule they break."""
        if len(problem.required) == 0:
            return
        position = np.arange(problem.n_edges, dtype=np.int64)
        if seg.perm is not None:
            position[seg.perm] = np.arange(problem.n_edges, dtype=np.int64)
        for e in problem.required.tolist():
            p, m = int(problem.edge_p[e]), int(problem.edge_m[e])
            g = int(problem.participant_group[p])
            if p in taken:
                raise NoSolutionError("two required pairs share a participant")
            if capacity[m] <= 0:
                raise NoSolutionError("required pairs exceed a mentor's capacity")
            if new[g] >= upper[g]:
                raise NoSolutionError(
                    f"required pairs exceed the maximum of {problem.groups[g].key}"
                )
            if len(taken) >= limit:
                raise NoSolutionError("required pairs exceed the programme's capacity or budget")
            taken[p] = int(position[e])
            capacity[m] -= 1
            new[g] += 1
