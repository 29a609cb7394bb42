"""One matching round end to end: scenario -> problem -> back-end -> explained result."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable

from matcher.core.problem import Built, build
from matcher.core.scoring import QUALITY_SCALE
from matcher.explain.alternatives import alternatives
from matcher.explain.due import DEFAULT_HORIZON, due_list
from matcher.explain.reasons import build_result, no_proposal
from matcher.explain.remedies import would_match_if
from matcher.explain.resolver import MAX_SOLVES, OutOfTimeError, Resolver, WorkBudget
from matcher.explain.result import Code, FairnessSummary, Result
from matcher.explain.stability import Changed, previous_note
from matcher.model.scenario import Scenario
from matcher.text.language import gettext as _
from matcher.text.language import ngettext
from matcher.text.messages import words
from solvers import NoSolutionError, Options, Solution, Solver, get_solver
from solvers.conflicts import ConstraintKey, conflicting_constraints


class UnsupportedError(ValueError):
    """The chosen back-end cannot express this problem (its `supports` said why)."""


def describe_constraint(built: Built, key: ConstraintKey) -> str:
    """A guarded constraint of the problem in the words of the scenario."""
    scenario, problem = built.scenario, built.problem
    kind, index = key.kind, key.index
    if kind == "capacity":
        return _("the programme's capacity of {capacity} (rule 1)").format(
            capacity=scenario.program.capacity
        )
    if kind == "budget":
        return _("the position budget of {posts} mentor posts (rule 1)").format(
            posts=f"{scenario.program.position_budget:g}"
        )
    if kind == "required":
        p, m = problem.edge_p[index], problem.edge_m[index]
        return _("the locked pair {pair} (rule 6)").format(
            pair=f"{built.enc.participant_ids[p]}-{built.enc.mentor_ids[m]}"
        )
    group = problem.groups[index]
    muni = scenario.municipality_list()[index]
    if kind == "lower":
        floor = built.floors[muni.id]
        if floor.enforced == floor.stated:
            return _("municipality {id} min {min} (rule 8)").format(id=muni.id, min=floor.stated)
        return _("municipality {id} min {min}, capped to {enforced} (rule 8)").format(
            id=muni.id, min=floor.stated, enforced=floor.enforced
        )
    return _("municipality {id} max {max} (rule 8)").format(id=group.key, max=muni.max)


def diagnose(built: Built) -> list[str]:
    """Plain-words names of a minimal set of conflicting rules."""
    keys = conflicting_constraints(built.problem)
    conflicts = [describe_constraint(built, k) for k in keys]
    if not conflicts:
        return [_("the hard rules cannot all hold")]
    conflicts.append(_("together with mentor capacities and one mentor per participant (rule 1)"))
    return conflicts


#: What `solve(previous=...)` accepts: the result of an earlier run of this round, or its
#: (participant, mentor) pairs.
Previous = Result | Iterable[tuple[str, str]]


def previous_pairs(previous: Previous) -> list[tuple[str, str]]:
    """The new pairs of an earlier proposal (its kept active pairs are constants anyway)."""
    if isinstance(previous, Result):
        return [(p.participant, p.mentor) for p in previous.pairs if not p.existing]
    return [(str(p), str(m)) for p, m in previous]


def solve(
    scenario: Scenario,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    explain: bool = True,
    previous: Previous | None = None,
    horizon: int = DEFAULT_HORIZON,
) -> Result:
    """The best proposal for one round under the scenario's hard rules and objective.

    With `explain`, each new pair gets alternatives with their regret and each waiting
    participant what would match them, both found by re-solving (one solve per
    question); without it only the reasons read off the solution are given.
    `time_limit` bounds the whole call: explanations get the time the proposal left, and
    a note counts the people that time did not cover.
    With `previous` (an earlier result of this round, or its pairs), the proposal keeps
    its new pairs wherever the optimum allows, and a note says which changed and why.
    An infeasible scenario gives a result with status `infeasible` and `conflicts`; a
    solver that stops before any proposal (time limit, or greedy giving up) gives status
    `no_proposal`, with everyone waiting and the cause in `notes`.
    Whatever the outcome, `due` lists renewals and reviews within `horizon` days,
    discharges of people still waiting, and long pairs.
    """
    return solve_round(
        scenario,
        solver,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        explain=explain,
        previous=previous,
        horizon=horizon,
    )[0]


def solve_round(
    scenario: Scenario,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    explain: bool = True,
    previous: Previous | None = None,
    horizon: int = DEFAULT_HORIZON,
) -> tuple[Result, list[Changed]]:
    """`solve`, and with `previous` also each earlier pair that changed and why, one by
    one (the result's note says the same in one sentence), for a page that marks them."""
    result, changed = _solve(scenario, solver, time_limit, threads, seed, explain, previous)
    return result.model_copy(update={"due": due_list(scenario, result, horizon)}), changed


def _solve(
    scenario: Scenario,
    solver: str,
    time_limit: float | None,
    threads: int,
    seed: int,
    explain: bool,
    previous: Previous | None,
) -> tuple[Result, list[Changed]]:
    start = time.perf_counter()
    options = Options.within(time_limit, threads=threads, seed=seed)  # one deadline for all
    backend = get_solver(solver)
    earlier = None if previous is None else previous_pairs(previous)
    built = build(scenario, previous=earlier)
    conflicts = built.conflicts
    solution = Solution(status="infeasible")
    if not conflicts:
        reason = backend.supports(built.problem)
        if reason is not None:
            raise UnsupportedError(f"solver '{solver}' cannot solve this scenario: {reason}")
        try:
            solution = backend.solve(built.problem, options)
        except NoSolutionError as error:
            return no_proposal(built, str(error), backend.name, time.perf_counter() - start), []
        if solution.status == "infeasible":
            conflicts = diagnose(built)
    name = solution.solver or backend.name
    result = build_result(built, solution, name, time.perf_counter() - start)
    if conflicts:
        return result.model_copy(update={"conflicts": conflicts}), []
    resolver = None
    if explain:
        resolver = Resolver(options, WorkBudget.for_problem(built.problem.n_edges))
        result = _explain(result, built, solution, resolver)
    changed: list[Changed] = []
    if earlier is not None:
        note, changed = previous_note(built, solution, earlier, resolver)
        result = result.model_copy(update={"notes": [*result.notes, note]})
    return result.model_copy(update={"elapsed_s": round(time.perf_counter() - start, 4)}), changed


def _explain(result: Result, built: Built, solution: Solution, resolver: Resolver) -> Result:
    budget = resolver.budget
    notes = list(result.notes)
    try:
        fairness: FairnessSummary | None = fairness_summary(result, built, resolver)
    except OutOfTimeError:
        fairness = None
        notes.append(_("the time limit left no time for the price of fairness"))
    others = alternatives(built, solution, resolver)
    index = built.enc.participant_index
    waiting = [
        index[w.participant] for w in result.unmatched if built.enc.p_consent[index[w.participant]]
    ]
    helps = would_match_if(built, solution, waiting, resolver)
    pairs = [
        p.model_copy(update={"alternatives": others.get(p.participant, [])})
        if not p.existing
        else p
        for p in result.pairs
    ]
    unmatched = [
        w.model_copy(
            update={
                "would_match_if": words(helps.get(w.participant, [])),
                "would_match_if_codes": [Code.of(m) for m in helps.get(w.participant, [])],
            }
        )
        for w in result.unmatched
    ]
    if budget.skipped:
        if budget.timed_out:
            text = ngettext(
                "explanations stopped at the time limit: {n} person has no alternatives or "
                "would_match_if",
                "explanations stopped at the time limit: {n} people have no alternatives or "
                "would_match_if",
                budget.skipped,
            )
        else:
            text = ngettext(
                "explanations cover part of this large round: {n} person has no alternatives "
                "or would_match_if",
                "explanations cover part of this large round: {n} people have no "
                "alternatives or would_match_if",
                budget.skipped,
            )
        notes.append(text.format(n=budget.skipped))
    return result.model_copy(
        update={
            "pairs": pairs,
            "unmatched": unmatched,
            "notes": notes,
            "fairness": fairness,
        }
    )


def price_of_fairness(
    result: Result, built: Built, backend: Solver, options: Options
) -> FairnessSummary:
    """`fairness_summary` with the reference solved by `backend`, for callers that solve
    many variants without explanations."""
    return fairness_summary(result, built, Resolver(options, WorkBudget(MAX_SOLVES), backend))


def fairness_summary(result: Result, built: Built, resolver: Resolver) -> FairnessSummary:
    """Coverage and total score lost against fairness `none` under the same hard rules
    (floors and ceilings hold in every mode, so `quotas` costs nothing by definition)."""
    coverages = [row.coverage for row in result.municipalities.values() if row.coverage is not None]
    lowest = min(coverages) if coverages else None
    mode = built.scenario.policy.fairness
    lost = {"coverage": 0, "priority": 0, "quality": 0}
    if built.problem.has_fairness_level:
        reference = resolver.solve(dataclasses.replace(built.problem, fairness="none"))
        if reference is not None:
            lost = {k: reference.levels[k] - result.metrics.objective[k] for k in lost}
    return FairnessSummary(
        mode=mode,
        lowest_coverage=lowest,
        price_coverage=lost["coverage"],
        price_priority=lost["priority"],
        price_quality=round(lost["quality"] / QUALITY_SCALE, 3),
    )
