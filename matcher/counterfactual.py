"""Explanations found by re-solving: alternatives with their regret, and the smallest
single change that would match a waiting participant (`would_match_if`).

Every answer is checked by solving the changed problem with the same back-end, never
guessed. A change never touches the participant's own wishes or exclusions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from matcher.eligibility import rule_masks
from matcher.problem import Built, build
from matcher.result import Alternative
from matcher.scenario import Mentor, Participant, Scenario
from matcher.scoring import QUALITY_SCALE
from solvers.base import NoSolutionError, Options, Solution, Solver

MAX_ALTERNATIVES = 3
MAX_REMEDIES = 3
#: Re-solving costs one solve per question. The number of solves is bounded by the
#: problem's size (work = solves x candidate edges), so that explaining never costs much
#: more than solving, and the output does not depend on the machine's speed.
EXPLAIN_WORK = 3_000_000
MAX_SOLVES = 2_000


@dataclasses.dataclass
class Budget:
    """Solves left for explanations; `skipped` counts people left unexplained."""

    solves: int
    skipped: int = 0

    @classmethod
    def for_problem(cls, n_edges: int) -> Budget:
        return cls(min(MAX_SOLVES, EXPLAIN_WORK // max(n_edges, 1)))

    def take(self) -> bool:
        if self.solves <= 0:
            return False
        self.solves -= 1
        return True
MAX_NEW_MENTOR_AGE_GAP = 10
MAX_EXTRA_PLACES = 3  # raise binding caps on places by up to this many
MAX_TRIES = 30  # solves per waiting participant


def _attempt(run: Callable[[], Solution]) -> Solution | None:
    """The solution of a changed problem, or None when it has none."""
    try:
        solution = run()
    except NoSolutionError:
        return None
    return None if solution.status == "infeasible" else solution


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
        return f"{level} {'worse' if lost > 0 else 'better'}"
    return "equally good"


def alternatives(
    built: Built, solution: Solution, solver: Solver, options: Options, budget: Budget
) -> dict[str, list[Alternative]]:
    """Up to three other mentors per new pair, best score first, with the objective
    lost per level if the coordinator chose that mentor instead."""
    problem, enc = built.problem, built.enc
    base = solution.levels
    out: dict[str, list[Alternative]] = {}
    chosen = sorted(solution.chosen.tolist(), key=lambda e: enc.participant_ids[problem.edge_p[e]])
    for e in chosen:
        p = int(problem.edge_p[e])
        others = np.flatnonzero((problem.edge_p == p) & (np.arange(problem.n_edges) != e))
        ranked = sorted(others.tolist(), key=lambda x: (-built.scores.total[x], x))
        found = []
        if len(ranked) and budget.solves < min(len(ranked), MAX_ALTERNATIVES):
            budget.skipped += 1
            continue
        for alt in ranked[:MAX_ALTERNATIVES]:
            budget.take()
            # A lock on this participant is lifted: the question is what another mentor costs.
            kept_locks = problem.required[problem.edge_p[problem.required] != p]
            locked = len(kept_locks) < len(problem.required)
            required = np.union1d(kept_locks, [alt]).astype(np.int64)
            forced = dataclasses.replace(problem, required=required)
            result = _attempt(partial(solver.solve, forced, options))
            regret: dict[str, int] = (
                {k: base[k] - result.levels[k] for k in problem.levels}
                if result is not None else {}
            )
            summary = (regret_summary(regret) if result is not None
                       else "breaks a hard rule elsewhere (capacity, floors or locks)")
            if locked:
                summary = f"without the lock on {enc.participant_ids[p]}: {summary}"
            found.append(Alternative(
                mentor=enc.mentor_ids[problem.edge_m[alt]],
                score=round(float(built.scores.total[alt]), 3),
                feasible=result is not None,
                regret=regret,
                summary=summary,
            ))
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
    own = problem.edge_p == p
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
    for extra in range(1, MAX_EXTRA_PLACES + 1):
        places = _places(built, p, extra, binding)
        if not places:
            break
        if extra == 1 and len(places) > 1:
            yield from places
        yield _combine(places)
        for change in mentor_changes:
            yield _combine([change, *places])


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the proposal leaves full: mentor loads, programme places, municipalities."""

    load: np.ndarray
    active: int
    group_active: np.ndarray


def _places(built: Built, p: int, extra: int, binding: Binding) -> list[Change]:
    """Raise every binding cap on places (programme, budget, municipality) by `extra`."""
    scenario, problem = built.scenario, built.problem
    program = scenario.program
    out: list[Change] = []
    if program.capacity is not None and binding.active >= program.capacity:
        cap = program.capacity + extra
        out.append(Change(f"programme capacity {cap}", _program_change(capacity=cap),
                          frozenset({"capacity"}), extra))
    if program.position_budget is not None and problem.budget is not None:
        places = problem.budget + len(built.kept)
        if binding.active >= places:
            budget = round(program.position_budget + extra * program.position_per_participant, 6)
            out.append(Change(f"position budget {budget:g}",
                              _program_change(position_budget=budget),
                              frozenset({"budget"}), extra))
    g = int(built.enc.p_muni[p])
    munis = scenario.municipality_list()
    cap_g = munis[g].max
    if cap_g is not None and scenario.municipalities is not None \
            and binding.group_active[g] >= cap_g:
        raised = munis[g].model_copy(update={"max": cap_g + extra})
        new_list = [raised if i == g else x for i, x in enumerate(munis)]
        out.append(Change(f"{munis[g].id} max {cap_g + extra}",
                          lambda s: s.model_copy(update={"municipalities": new_list}),
                          frozenset({"max"}), extra))
    return out


def would_match_if(
    built: Built, solution: Solution, solver: Solver, options: Options, waiting: list[int],
    budget: Budget,
) -> dict[str, list[str]]:
    """For each waiting participant (with consent), up to three changes, smallest first,
    each verified by re-solving to match them."""
    problem, enc = built.problem, built.enc
    new_p, new_m = problem.edge_p[solution.chosen], problem.edge_m[solution.chosen]
    matched = np.zeros(enc.n_participants, dtype=bool)
    matched[new_p] = True
    matched[[p for p, _ in built.kept]] = True
    binding = Binding(
        load=built.mentor_load + np.bincount(new_m, minlength=enc.n_mentors),
        active=int(matched.sum()),
        group_active=np.bincount(enc.p_muni[matched], minlength=len(problem.groups)),
    )
    out: dict[str, list[str]] = {}
    ranked = sorted(waiting, key=lambda p: (-int(problem.priority[p]), enc.participant_ids[p]))
    for p in ranked:
        if budget.solves <= 0:
            budget.skipped += 1
            continue
        found: list[Change] = []
        for tries, change in enumerate(_changes(built, p, binding)):
            if tries == MAX_TRIES or len(found) == MAX_REMEDIES:
                break
            if any(change.contains(done) for done in found):
                continue
            if not budget.take():
                break
            rebuilt = build(change.apply(built.scenario))
            if rebuilt.conflicts or solver.supports(rebuilt.problem) is not None:
                continue
            result = _attempt(partial(solver.solve, rebuilt.problem, options))
            if result is not None and p in set(rebuilt.problem.edge_p[result.chosen].tolist()):
                found.append(change)
        out[enc.participant_ids[p]] = [c.text for c in found]
    return out
