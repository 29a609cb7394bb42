"""What the matcher.solve tests share: the invariants every result keeps
(`check_result`), solving with them checked, and short views of a result.

The invariants use the engine's own eligibility (`failed_rules`); `tests/rules.py` is
the independent checker.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import matcher
from matcher.core.eligibility import failed_rules
from matcher.core.encoding import encode
from matcher.explain.result import Result
from matcher.model.scenario import Scenario

Data = dict[str, Any]
Builder = Callable[..., Data]
ONLY_AGE = {
    "age": 1,
    "substances": 0,
    "interests": 0,
    "goals": 0,
    "availability": 0,
    "gender": 0,
    "language": 0,
}


def matched(result: Result) -> dict[str, str]:
    """The proposal as participant -> mentor."""
    return {p.participant: p.mentor for p in result.pairs}


def waiting(result: Result) -> dict[str, list[str]]:
    """Each waiting participant's reasons."""
    return {u.participant: u.reasons for u in result.unmatched}


def check_result(scenario: Scenario, result: Result) -> None:
    """Invariants of every result: each participant once, hard rules and caps hold."""
    ids = [p.participant for p in result.pairs] + [u.participant for u in result.unmatched]
    assert Counter(ids) == Counter(p.id for p in scenario.participants)
    kept = {(x.participant, x.mentor) for x in scenario.pairs if not x.release}
    assert kept <= {(p.participant, p.mentor) for p in result.pairs}
    if result.status == "infeasible":
        assert result.conflicts
        return
    enc = encode(scenario)
    load: Counter[str] = Counter()
    for pair in result.pairs:
        load[pair.mentor] += 1
        assert 0.0 <= pair.score <= 1.0
        assert pair.existing == ((pair.participant, pair.mentor) in kept)
        if not pair.existing:
            p = enc.participant_ids.index(pair.participant)
            m = enc.mentor_ids.index(pair.mentor)
            assert failed_rules(enc, scenario.policy, p, m) == []
    new_load = Counter(p.mentor for p in result.pairs if not p.existing)
    for mentor in scenario.mentors:
        if new_load[mentor.id]:
            assert load[mentor.id] <= scenario.mentor_capacity(mentor)
    for pid, mid in scenario.locks.require:
        assert matched(result).get(pid) == mid
    for pid, mid in scenario.locks.forbid:
        assert matched(result).get(pid) != mid
    program = scenario.program
    if result.metrics.new:
        if program.capacity is not None:
            assert len(result.pairs) <= program.capacity
        if program.position_budget is not None:
            used = len(result.pairs) * program.position_per_participant
            assert used <= program.position_budget + 1e-9
    for muni in scenario.municipality_list():
        row = result.municipalities[muni.id]
        if muni.max is not None and row.new:
            assert row.active <= muni.max
        if row.min_enforced is not None:
            assert row.active >= row.min_enforced
    metrics = result.metrics
    assert metrics.matched == len(result.pairs) == metrics.new + metrics.existing
    assert metrics.eligible == sum(p.consent for p in scenario.participants)
    assert metrics.waiting == metrics.eligible - metrics.matched


def solve_checked(data: Data, **options: Any) -> Result:
    """Validate and solve a scenario dict with CP-SAT, and check the result's invariants."""
    scenario = matcher.validate(copy.deepcopy(data))
    result = matcher.solve(scenario, solver="cpsat", **options)
    check_result(scenario, result)
    return result
