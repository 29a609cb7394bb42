"""Turning a solution back into people: reasons per pair, binding reasons for those
left waiting, the municipality table and the metrics."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from matcher.core.eligibility import RULES, rule_masks
from matcher.core.encoding import IntArray, interest_category
from matcher.core.problem import ROW_CHUNK, Built, EdgesByOwner
from matcher.core.scoring import CRITERIA, Scores
from matcher.explain.result import Code, Metrics, MunicipalityRow, ProposedPair, Result, Waiting
from matcher.model.scenario import Mentor, Participant, Scenario
from matcher.text.messages import Message, words
from solvers.base import Solution, evaluate


def criterion_reasons(name: str, scenario: Scenario, p: Participant, m: Mentor) -> list[Message]:
    """Why one criterion of a pair fits, in codes (empty if it adds nothing)."""
    if name == "gender":
        if p.gender == m.gender:
            return [Message("same_gender")]
        if p.prefers.mentor_gender == "any":
            return [Message("any_gender_accepted")]
        return []
    if name == "age":
        gap = abs(p.age - m.age)
        if gap == 0:
            return [Message("same_age")]
        return [Message("close_in_age" if gap <= 5 else "age_gap", {"years": gap})]
    if name == "substances":
        shared = [s for s in p.substances if s in m.substances]
        return [Message("shared_substances", {"substances": shared})] if shared else []
    if name == "interests":
        return _interest_reasons(scenario, p, m)
    if name == "goals":
        shared = [g for g in p.goals if g in m.strengths]
        return [Message("mentor_can_help", {"goals": shared})] if shared else []
    if name == "availability":
        shared = [a for a in p.availability if a in m.availability]
        return [Message("shared_availability", {"availability": shared})] if shared else []
    if name == "language":
        shared = [lang for lang in p.languages if lang in m.languages]
        return [Message("shared_languages", {"languages": shared})] if shared else []
    return []


def _interest_reasons(scenario: Scenario, p: Participant, m: Mentor) -> list[Message]:
    """Interests both name, then each category both like through different tags
    ("both like outdoor activities (hiking, fishing)")."""
    exact = [t for t in p.interests if t in m.interests]
    out = [Message("shared_interests", {"interests": exact})] if exact else []
    mentor_tags: defaultdict[str, list[str]] = defaultdict(list)
    for tag in m.interests:
        cat = interest_category(scenario, tag)
        if cat and tag not in exact:
            mentor_tags[cat].append(tag)
    done: set[str] = set()
    for tag in p.interests:
        cat = interest_category(scenario, tag)
        if tag in exact or cat is None or cat not in mentor_tags or cat in done:
            continue
        done.add(cat)
        out.append(
            Message("similar_interests", {"category": cat, "tags": [tag, mentor_tags[cat][0]]})
        )
    return out


def _contributions(scores: Scores) -> list[dict[str, float]]:
    """Per pair, each criterion's weighted contribution to the score, computed per
    criterion at once instead of one array element at a time."""
    columns = [(scores.weights.get(c, 0.0) * scores.criteria[c]).tolist() for c in CRITERIA]
    return [dict(zip(CRITERIA, row, strict=True)) for row in zip(*columns, strict=True)]


def _ordered_reasons(
    scenario: Scenario, contribution: dict[str, float], p: Participant, m: Mentor
) -> list[Message]:
    """Reasons in order of their contribution to the score; gender first when it is a rule."""
    order = sorted(CRITERIA, key=lambda c: -contribution[c])
    if scenario.policy.same_gender != "preferred":
        order = ["gender", *[c for c in order if c != "gender"]]
    reasons = []
    for name in order:
        if name != "gender" and name != "age" and contribution[name] <= 0:
            continue
        reasons += criterion_reasons(name, scenario, p, m)
    return reasons


def _excluding_rules(built: Built, ps: list[int]) -> list[list[Message]]:
    """For each participant in `ps`, the rules that exclude mentors and whom they exclude."""
    enc, scenario = built.enc, built.scenario
    out: list[list[Message]] = []
    for start in range(0, len(ps), ROW_CHUNK):
        rows = np.array(ps[start : start + ROW_CHUNK], dtype=np.int64)
        masks = rule_masks(enc, scenario.policy, rows)
        for i in range(len(rows)):
            lines = []
            for rule in RULES:
                if rule.key == "consent":
                    continue
                failing = np.flatnonzero(~masks[rule.key][i])
                if len(failing):
                    ids = [enc.mentor_ids[m] for m in failing.tolist()]
                    lines.append(
                        Message(
                            "rule_excludes",
                            {"rule": rule.key, "number": rule.number, "mentors": ids},
                        )
                    )
            out.append(lines)
    return out


def _mentors_by_participant(built: Built) -> tuple[IntArray, IntArray]:
    """The eligible mentors of every participant, ordered, as one array and the offset
    of each participant's run in it."""
    runs = EdgesByOwner.by_participant(built.problem)
    return built.problem.edge_m[runs.order], runs.offsets


def waiting_reasons(
    built: Built, ps: list[int], load: IntArray, n_active: int, group_active: IntArray
) -> list[list[Message]]:
    """Why each participant in `ps` is left waiting: the rules or capacities that bind.

    All participants at once: a scan of the candidate edges per person would be
    quadratic in a large round."""
    enc, scenario = built.enc, built.scenario
    mentors, offset = _mentors_by_participant(built)
    is_full = (load >= enc.m_capacity)[mentors]
    n_full = np.concatenate([[0], np.cumsum(is_full, dtype=np.int32)])
    shared = []
    program = scenario.program
    if program.capacity is not None and n_active >= program.capacity:
        shared.append(Message("capacity_reached", {"capacity": program.capacity}))
    places = program.budget_places()
    if places is not None and n_active >= places:
        shared.append(Message("budget_used_up", {"posts": program.position_budget}))
    capped: list[list[Message]] = []
    for g, muni in enumerate(scenario.municipality_list()):
        reached = muni.max is not None and group_active[g] >= muni.max
        full = Message("municipality_full", {"municipality": muni.id, "max": muni.max})
        capped.append([full] if reached else [])
    without = [p for p in ps if enc.p_consent[p] and offset[p] == offset[p + 1]]
    excluding = dict(zip(without, _excluding_rules(built, without), strict=True))
    ids = enc.mentor_ids
    out: list[list[Message]] = []
    for p in ps:
        if not enc.p_consent[p]:
            out.append([Message("no_consent", {"number": 9})])
            continue
        lo, hi = int(offset[p]), int(offset[p + 1])
        if lo == hi and p in built.below_min:
            params = {"best": built.below_min[p], "min_score": scenario.policy.min_score}
            out.append([Message("below_min_score", params)])
            continue
        if lo == hi:
            none = Message("no_eligible_mentor", {"mentors": enc.n_mentors})
            out.append([none, *excluding[p]])
            continue
        reasons = []
        if n_full[hi] - n_full[lo] == hi - lo:
            names = [ids[m] for m in mentors[lo:hi].tolist()]
            reasons.append(Message("mentors_full", {"mentors": names}))
        reasons += shared
        reasons += capped[int(enc.p_muni[p])]
        if not reasons:
            own = mentors[lo:hi]
            free = [ids[m] for m in own[~is_full[lo:hi]].tolist()]
            reasons.append(Message("higher_objective", {"mentors": free}))
        out.append(reasons)
    return out


def _proposed_pairs(built: Built, chosen: IntArray) -> list[ProposedPair]:
    """The kept active pairs and the new pairs `chosen`, with their reasons, by participant."""
    scenario, problem = built.scenario, built.problem
    kept_scores = built.kept_scores
    kept_reasons = _contributions(kept_scores)
    kept_totals = kept_scores.total.tolist()
    since = {x.participant: x.since for x in scenario.pairs if not x.release}
    pairs: list[ProposedPair] = []
    for i, (p, m) in enumerate(built.kept):
        part, mentor = scenario.participants[p], scenario.mentors[m]
        day = since[part.id]
        first = (
            Message("active_pair_since", {"since": day.isoformat()})
            if day
            else Message("active_pair")
        )
        reasons = [first, *_ordered_reasons(scenario, kept_reasons[i], part, mentor)]
        pairs.append(
            ProposedPair(
                participant=part.id,
                mentor=mentor.id,
                existing=True,
                score=round(kept_totals[i], 3),
                reasons=words(reasons),
                reason_codes=[Code.of(r) for r in reasons],
            )
        )
    new_scores = built.scores.take(chosen)
    new_totals = new_scores.total.tolist()
    new_reasons = _contributions(new_scores)
    new_p, new_m = problem.edge_p[chosen].tolist(), problem.edge_m[chosen].tolist()
    for i, (p, m) in enumerate(zip(new_p, new_m, strict=True)):
        part, mentor = scenario.participants[p], scenario.mentors[m]
        reasons = _ordered_reasons(scenario, new_reasons[i], part, mentor)
        pairs.append(
            ProposedPair(
                participant=part.id,
                mentor=mentor.id,
                existing=False,
                score=round(new_totals[i], 3),
                reasons=words(reasons),
                reason_codes=[Code.of(r) for r in reasons],
            )
        )
    pairs.sort(key=lambda x: x.participant)
    return pairs


def _municipality_table(
    built: Built, active: IntArray, new: IntArray, waiting: IntArray
) -> dict[str, MunicipalityRow]:
    """One row per municipality, from its counts of active, new and waiting participants."""
    table = {}
    for g, muni in enumerate(built.scenario.municipality_list()):
        floor = built.floors.get(muni.id)
        eligible = int(built.problem.groups[g].eligible)
        table[muni.id] = MunicipalityRow(
            active=int(active[g]),
            new=int(new[g]),
            waiting=int(waiting[g]),
            eligible=eligible,
            coverage=round(int(active[g]) / eligible, 4) if eligible else None,
            min=muni.min,
            min_enforced=floor.enforced if floor else None,
            max=muni.max,
        )
    return table


def no_proposal(built: Built, why: str, solver: str, elapsed: float) -> Result:
    """The result when the solver stopped without any proposal: everyone waits, for that
    reason, and the status says that nothing was proven about the rules."""
    empty = build_result(built, Solution(status="infeasible"), solver, elapsed)
    stopped = Message("no_proposal", {"why": why})
    waiting = [
        w.model_copy(update={"reasons": [stopped.text()], "reason_codes": [Code.of(stopped)]})
        for w in empty.unmatched
    ]
    return empty.model_copy(
        update={"status": "no_proposal", "unmatched": waiting, "notes": [*empty.notes, why]}
    )


def build_result(built: Built, solution: Solution, solver: str, elapsed: float) -> Result:
    """A solution in people's terms: pairs with reasons, who waits and why, the
    municipality table and the metrics."""
    scenario, enc, problem = built.scenario, built.enc, built.problem
    chosen = solution.chosen
    pairs = _proposed_pairs(built, chosen)
    load = built.load_with(chosen)
    n_active = len(pairs)
    n_munis = len(scenario.municipality_list())
    matched = built.matched_with(chosen)
    group_active = np.bincount(enc.p_muni[matched], minlength=n_munis)
    group_new = np.bincount(enc.p_muni[problem.edge_p[chosen]], minlength=n_munis)
    waiting_mask = ~matched & enc.p_consent
    group_waiting = np.bincount(enc.p_muni[waiting_mask], minlength=n_munis)

    left = np.flatnonzero(~matched).tolist()
    if solution.status == "infeasible":
        why = [[Message("rules_conflict")] for _ in left]
    else:
        why = waiting_reasons(built, left, load, n_active, group_active)
    unmatched = [
        Waiting(
            participant=enc.participant_ids[p],
            reasons=words(reasons),
            reason_codes=[Code.of(r) for r in reasons],
        )
        for p, reasons in zip(left, why, strict=True)
    ]
    unmatched.sort(key=lambda x: x.participant)

    scores = [p.score for p in pairs]
    metrics = Metrics(
        matched=n_active,
        eligible=int(enc.p_consent.sum()),
        new=len(chosen),
        existing=len(built.kept),
        waiting=int(waiting_mask.sum()),
        mean_score=round(float(np.mean(scores)), 3) if scores else 0.0,
        positions_used=scenario.program.posts(n_active, decimals=4),
        objective=evaluate(problem, chosen) if solution.status != "infeasible" else {},
    )
    return Result(
        scenario=scenario.name,
        solver=solver,
        status=solution.status,
        pairs=pairs,
        unmatched=unmatched,
        municipalities=_municipality_table(built, group_active, group_new, group_waiting),
        metrics=metrics,
        notes=built.notes,
        elapsed_s=round(elapsed, 4),
    )
