"""Explanations found by re-solving: alternatives with their regret, and the smallest
single change that would match a waiting participant (`would_match_if`).

Every answer is checked by solving the changed problem, never guessed. The re-solves use
`auto`, the fastest exact back-end, whatever back-end made the proposal: every exact
back-end reaches the same optimum, so the answers are the same, only sooner. A change
never touches the participant's own wishes or exclusions.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator

import numpy as np

from matcher.core.eligibility import failed_rules, rule_masks
from matcher.core.problem import Built, ParticipantEdges, build, find_edges
from matcher.core.scoring import QUALITY_SCALE
from matcher.explain.result import Alternative
from matcher.model.scenario import Mentor, Participant, Scenario
from solvers import get_solver
from solvers.base import NoSolutionError, Options, Problem, Solution, Solver

MAX_ALTERNATIVES = 3
MAX_REMEDIES = 3
#: Re-solving costs one solve per question. The number of solves is bounded by the
#: problem's size (work = solves x candidate edges), so that explaining never costs much
#: more than solving, and the output does not depend on the machine's speed.
EXPLAIN_WORK = 3_000_000
MAX_SOLVES = 2_000


class OutOfTimeError(Exception):
    """The time limit passed before a re-solve proved its answer."""


@dataclasses.dataclass
class Budget:
    """Solves left for explanations and the deadline (`time.monotonic()`) they must
    keep; `skipped` counts people left unexplained."""

    solves: int
    deadline: float | None = None
    skipped: int = 0
    timed_out: bool = False
    #: Seconds the last question took (its build and solve), and when it started: a
    #: question that would not fit in the time left is not started, since some back-ends
    #: (the flow ones) do not stop at a time limit.
    step: float = 0.0
    started: float | None = None

    @classmethod
    def for_problem(cls, n_edges: int, deadline: float | None = None) -> Budget:
        return cls(min(MAX_SOLVES, EXPLAIN_WORK // max(n_edges, 1)), deadline)

    def remaining(self) -> float | None:
        """Seconds left; raises OutOfTimeError once the deadline has passed."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.timed_out = True
            raise OutOfTimeError
        return left

    def affords(self, solves: int) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.timed_out = True
            return False
        return self.solves >= solves

    def take(self) -> bool:
        """One solve off the work budget (False when it is used up); OutOfTimeError when
        the question would probably not end before the deadline."""
        if self.deadline is not None:
            now = time.monotonic()
            if self.started is not None:
                self.step = now - self.started
            self.started = now
            if self.deadline - now < self.step:
                self.timed_out = True
                raise OutOfTimeError
        if self.solves <= 0:
            return False
        self.solves -= 1
        return True


@dataclasses.dataclass
class Resolver:
    """The one way explanations re-solve: the fastest exact back-end, within the budget."""

    options: Options
    budget: Budget
    solver: Solver = dataclasses.field(default_factory=lambda: get_solver("auto"))

    def solve(self, problem: Problem) -> Solution | None:
        """The optimum of a changed problem, or None when it has none; OutOfTimeError when
        the time limit stopped the solve before it proved either."""
        options = dataclasses.replace(self.options, time_limit=self.budget.remaining())
        try:
            solution = self.solver.solve(problem, options)
        except NoSolutionError:
            self.budget.timed_out = True
            raise OutOfTimeError from None
        if solution.status == "feasible":
            self.budget.timed_out = True
            raise OutOfTimeError
        return None if solution.status == "infeasible" else solution


MAX_NEW_MENTOR_AGE_GAP = 10
MAX_EXTRA_PLACES = 5  # raise binding caps on places by up to this many
MAX_TRIES = 30  # solves per waiting participant


def regret_summary(regret: dict[str, int]) -> str:
    """`{"coverage": 1}` -> 'one pair fewer'; quality in score points."""
    for level, lost in regret.items():
        if lost == 0:
            continue
        if level == "coverage":
            if lost < 0:
                return "one pair more" if lost == -1 else f"{-lost} pairs more"
            return "one pair fewer" if lost == 1 else f"{lost} pairs fewer"
        if level == "quality":
            return f"total score {-lost / QUALITY_SCALE:+.3f}"
        if level == "priority":
            return f"priority points {-lost:+d}"
        if level == "stability":
            return f"pairs of the previous proposal kept {-lost:+d}"
        return f"{level} {'worse' if lost > 0 else 'better'}"
    return "equally good"


BREAKS_RULE = "breaks a hard rule elsewhere (capacity, floors or locks)"


def forced(problem: Problem, edge: int) -> tuple[Problem, bool]:
    """The problem with `edge` required instead of any lock on its participant, and
    whether a lock was lifted (the question is what that pair costs)."""
    p = problem.edge_p[edge]
    kept_locks = problem.required[problem.edge_p[problem.required] != p]
    required = np.union1d(kept_locks, [edge]).astype(np.int64)
    return dataclasses.replace(problem, required=required), len(kept_locks) < len(problem.required)


def regret_of(problem: Problem, solution: Solution, edge: int,
              resolver: Resolver) -> tuple[dict[str, int] | None, bool]:
    """Objective lost per level if `edge` were chosen (None: no proposal keeps every hard
    rule with it), and whether a lock had to be lifted for it."""
    changed, lifted = forced(problem, edge)
    result = resolver.solve(changed)
    if result is None:
        return None, lifted
    return {k: solution.levels[k] - result.levels[k] for k in problem.levels}, lifted


def alternatives(
    built: Built, solution: Solution, resolver: Resolver
) -> dict[str, list[Alternative]]:
    """Up to three other mentors per new pair, best score first, with the objective
    lost per level if the coordinator chose that mentor instead."""
    problem, enc, budget = built.problem, built.enc, resolver.budget
    out: dict[str, list[Alternative]] = {}
    chosen = sorted(solution.chosen.tolist(), key=lambda e: enc.participant_ids[problem.edge_p[e]])
    edges_of = ParticipantEdges(problem)
    for e in chosen:
        p = int(problem.edge_p[e])
        others = edges_of(p)
        others = others[others != e]
        if len(others) and not budget.affords(min(len(others), MAX_ALTERNATIVES)):
            budget.skipped += 1
            continue
        ranked = sorted(others.tolist(), key=lambda x: (-built.scores.total[x], x))
        found = []
        try:
            for alt in ranked[:MAX_ALTERNATIVES]:
                budget.take()
                regret, locked = regret_of(problem, solution, alt, resolver)
                summary = BREAKS_RULE if regret is None else regret_summary(regret)
                if locked:
                    summary = f"without the lock on {enc.participant_ids[p]}: {summary}"
                found.append(Alternative(
                    mentor=enc.mentor_ids[problem.edge_m[alt]],
                    score=round(float(built.scores.total[alt]), 3),
                    feasible=regret is not None,
                    regret=regret or {},
                    summary=summary,
                ))
        except OutOfTimeError:
            budget.skipped += 1
            continue
        out[enc.participant_ids[p]] = found
    return out


def _new_mentor(scenario: Scenario, p: Participant) -> tuple[Mentor, str]:
    """The mentor profile that best fits `p` within every hard rule, and its description."""
    pref = p.prefers.mentor_gender
    gender = p.gender if pref in (None, "same", "any") else pref
    gap = min(x for x in (p.prefers.max_age_gap, scenario.policy.max_age_gap,
                          MAX_NEW_MENTOR_AGE_GAP) if x is not None)
    age = max(p.age, min(p.age + gap, 35))
    ids = {m.id for m in scenario.mentors}
    mid = next(f"NEW{i}" for i in range(1, len(ids) + 2) if f"NEW{i}" not in ids)
    mentor = Mentor(
        id=mid, gender=gender, age=age, municipality=p.municipality, serves=[p.municipality],
        recovery_years=max(scenario.policy.min_recovery_years, 2.0),
        substances=list(p.substances), interests=list(p.interests), strengths=list(p.goals),
        availability=list(p.availability), languages=list(p.languages),
    )
    muni = {m.id: m.label for m in scenario.municipality_list()}[p.municipality]
    return mentor, f"one more {gender} mentor serving {muni}"


@dataclasses.dataclass(frozen=True)
class Change:
    """A change to the scenario: its words, how to apply it, and what it touches (for
    skipping changes that contain a smaller one that already works)."""

    text: str
    apply: Callable[[Scenario], Scenario]
    kinds: frozenset[str]
    extra: int = 0  # places added by the change

    def contains(self, other: Change) -> bool:
        return other.kinds <= self.kinds and other.extra <= self.extra


def _mentor_change(m: int, **update: object) -> Callable[[Scenario], Scenario]:
    def apply(scenario: Scenario) -> Scenario:
        mentors = list(scenario.mentors)
        mentors[m] = mentors[m].model_copy(update=update)
        return scenario.model_copy(update={"mentors": mentors})

    return apply


def _program_change(**update: object) -> Callable[[Scenario], Scenario]:
    def apply(scenario: Scenario) -> Scenario:
        program = scenario.program.model_copy(update=update)
        return scenario.model_copy(update={"program": program})

    return apply


def _combine(changes: list[Change]) -> Change:
    def apply(scenario: Scenario) -> Scenario:
        for change in changes:
            scenario = change.apply(scenario)
        return scenario

    return Change(
        " and ".join(c.text for c in changes),
        apply,
        frozenset().union(*(c.kinds for c in changes)),
        max(c.extra for c in changes),
    )


def _changes(built: Built, p: int, binding: Binding) -> Iterator[Change]:
    """Changes to try, smallest first: one mentor change or one cap at a time, then
    more places (every binding cap together), alone and with each mentor change."""
    scenario, enc, problem = built.scenario, built.enc, built.problem
    part = scenario.participants[p]
    own = binding.edges_of(p)
    mentor_changes: list[Change] = []
    order = np.argsort(-built.scores.total[own], kind="stable")
    for m in problem.edge_m[own][order].tolist():
        if binding.load[m] >= enc.m_capacity[m]:
            cap = int(enc.m_capacity[m]) + 1
            mentor_changes.append(Change(f"{enc.mentor_ids[m]} takes {cap}",
                                         _mentor_change(m, capacity=cap),
                                         frozenset({f"mentor {m}"})))
    masks = rule_masks(enc, scenario.policy, np.array([p]))
    fixes: dict[str, tuple[str, dict[str, object] | None]] = {
        "on_leave": ("returns from leave", {"active": True}),
        "untrained": ("completes training", {"trained": True}),
        "serves": (f"also serves {part.municipality}", None),
    }
    for m, mentor in enumerate(scenario.mentors):
        failing = [k for k, mask in masks.items() if not mask[0, m]]
        if len(failing) == 1 and failing[0] in fixes:
            words, update = fixes[failing[0]]
            if update is None:
                update = {"serves": [*(mentor.serves or []), part.municipality]}
            mentor_changes.append(Change(f"{mentor.id} {words}", _mentor_change(m, **update),
                                         frozenset({f"mentor {m}"})))
    mentor, text = _new_mentor(scenario, part)
    mentor_changes.append(Change(
        text, lambda s: s.model_copy(update={"mentors": [*s.mentors, mentor]}),
        frozenset({"new mentor"}),
    ))

    yield from mentor_changes
    binding_now = {c.kinds for c in _places(built, p, 1, binding)}
    for extra in range(1, MAX_EXTRA_PLACES + 1):
        places = _places(built, p, extra, binding)
        if not places:
            break
        if extra == 1 and len(places) > 1:
            yield from places
        # The caps that bind now first; then with those that more pairs would fill too.
        now = [c for c in places if c.kinds in binding_now]
        for group in ([now] if 0 < len(now) < len(places) else []) + [places]:
            yield _combine(group)
            for change in mentor_changes:
                yield _combine([change, *group])


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the proposal leaves full: mentor loads, programme places, municipalities."""

    load: np.ndarray
    active: int
    group_active: np.ndarray
    edges_of: ParticipantEdges


def _places(built: Built, p: int, extra: int, binding: Binding) -> list[Change]:
    """Raise every cap on places (programme, budget, municipality) that would bind with
    `extra` more pairs, just enough for them: raising one cap often makes the next bind."""
    scenario, problem = built.scenario, built.problem
    program = scenario.program
    out: list[Change] = []
    if program.capacity is not None and binding.active + extra > program.capacity:
        cap = binding.active + extra
        out.append(Change(f"programme capacity {cap}", _program_change(capacity=cap),
                          frozenset({"capacity"}), extra))
    if program.position_budget is not None and problem.budget is not None:
        short = binding.active + extra - (problem.budget + len(built.kept))
        if short > 0:
            budget = round(program.position_budget + short * program.position_per_participant, 6)
            out.append(Change(f"position budget {budget:g}",
                              _program_change(position_budget=budget),
                              frozenset({"budget"}), extra))
    g = int(built.enc.p_muni[p])
    munis = scenario.municipality_list()
    cap_g = munis[g].max
    if cap_g is not None and scenario.municipalities is not None \
            and binding.group_active[g] + extra > cap_g:
        raised = munis[g].model_copy(update={"max": int(binding.group_active[g]) + extra})
        new_list = [raised if i == g else x for i, x in enumerate(munis)]
        out.append(Change(f"{munis[g].id} max {raised.max}",
                          lambda s: s.model_copy(update={"municipalities": new_list}),
                          frozenset({"max"}), extra))
    return out


def would_match_if(
    built: Built, solution: Solution, waiting: list[int], resolver: Resolver
) -> dict[str, list[str]]:
    """For each waiting participant (with consent), up to three changes, smallest first,
    each verified by re-solving to match them."""
    problem, enc, budget = built.problem, built.enc, resolver.budget
    new_p, new_m = problem.edge_p[solution.chosen], problem.edge_m[solution.chosen]
    matched = np.zeros(enc.n_participants, dtype=bool)
    matched[new_p] = True
    matched[[p for p, _ in built.kept]] = True
    binding = Binding(
        load=built.mentor_load + np.bincount(new_m, minlength=enc.n_mentors),
        active=int(matched.sum()),
        group_active=np.bincount(enc.p_muni[matched], minlength=len(problem.groups)),
        edges_of=ParticipantEdges(problem),
    )
    out: dict[str, list[str]] = {}
    ranked = sorted(waiting, key=lambda p: (-int(problem.priority[p]), enc.participant_ids[p]))
    for p in ranked:
        if not budget.affords(1):
            budget.skipped += 1
            continue
        found: list[Change] = []
        try:
            for tries, change in enumerate(_changes(built, p, binding)):
                if tries == MAX_TRIES or len(found) == MAX_REMEDIES:
                    break
                if any(change.contains(done) for done in found):
                    continue
                if not budget.take():
                    break
                rebuilt = build(change.apply(built.scenario))
                if rebuilt.conflicts:
                    continue
                result = resolver.solve(rebuilt.problem)
                if result is not None and p in set(rebuilt.problem.edge_p[result.chosen].tolist()):
                    found.append(change)
        except OutOfTimeError:
            if not found:
                budget.skipped += 1
                continue
        out[enc.participant_ids[p]] = [c.text for c in found]
    return out


def _why_changed(built: Built, solution: Solution, pair: tuple[str, str],
                 previous: set[tuple[str, str]], resolver: Resolver | None) -> str:
    """Why a pair of the previous proposal is not in this one, most direct cause first."""
    scenario, enc, problem = built.scenario, built.enc, built.problem
    pid, mid = pair
    p_index, m_index = enc.participant_index, enc.mentor_index
    if pid not in p_index:
        return f"{pid} is no longer in the scenario"
    if mid not in m_index:
        return f"{mid} is no longer in the scenario"
    p, m = p_index[pid], m_index[mid]
    kept = dict(built.kept)
    if p in kept:
        return f"{pid} has an active pair with {enc.mentor_ids[kept[p]]}"
    locks = [e for e in problem.required.tolist() if problem.edge_p[e] == p]
    if locks:
        return f"{pid} is locked to {enc.mentor_ids[problem.edge_m[locks[0]]]}"
    edge = find_edges(problem.edge_p, problem.edge_m, enc.n_mentors,
                      np.array([p], dtype=np.int64), np.array([m], dtype=np.int64))
    if edge[0] < 0:
        rules = failed_rules(enc, scenario.policy, p, m)
        return "; ".join(f"{r.text} (rule {r.number})" for r in rules) or "no longer allowed"
    load = built.mentor_load[m] + int((problem.edge_m[solution.chosen] == m).sum())
    took = [e for e in problem.required.tolist()
            if problem.edge_m[e] == m and (enc.participant_ids[problem.edge_p[e]], mid)
            not in previous]
    if took and load >= built.enc.m_capacity[m]:
        other = enc.participant_ids[problem.edge_p[took[0]]]
        return f"{mid}'s place went to the locked pair {other}-{mid}"
    if resolver is not None and resolver.budget.affords(1):
        try:
            resolver.budget.take()
            regret, _ = regret_of(problem, solution, int(edge[0]), resolver)
        except OutOfTimeError:
            pass
        else:
            return (f"keeping it {BREAKS_RULE}" if regret is None
                    else f"keeping it costs {regret_summary(regret)}")
    return "keeping it would cost a higher-ranked objective"


def previous_note(built: Built, solution: Solution, previous: list[tuple[str, str]],
                  resolver: Resolver | None) -> str:
    """How many pairs of the previous proposal this one keeps, and why each other changed
    (a pair now kept as an active pair counts as kept)."""
    enc, problem = built.enc, built.problem
    now = {(enc.participant_ids[p], enc.mentor_ids[m]) for p, m in built.kept}
    now |= {(enc.participant_ids[problem.edge_p[e]], enc.mentor_ids[problem.edge_m[e]])
            for e in solution.chosen.tolist()}
    partner = {p: m for p, m in now}
    unique = sorted(set(previous))
    changed = [pair for pair in unique if pair not in now]
    parts = [f"kept {len(unique) - len(changed)} of {len(unique)} pairs of the previous "
             "proposal"]
    for pair in changed:
        pid, mid = pair
        where = (f", now with {partner[pid]}" if pid in partner
                 else ", now waiting" if pid in enc.participant_ids else "")
        why = _why_changed(built, solution, pair, set(unique), resolver)
        parts.append(f"{pid} changed ({mid} before{where}) because {why}")
    return "; ".join(parts)
