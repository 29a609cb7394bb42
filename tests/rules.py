"""An independent checker of the hard rules of the scenario contract (SCENARIO.md, rules 1-9).

Everything here is re-derived from the contract text and the validated scenario records;
nothing of the engine's eligibility, encoding or problem building is reused, so that a
bug there cannot hide itself. Reachable floors (rule 8) come from a small max-flow of
our own with networkx (the engine uses OR-Tools).

`Rules(scenario)` answers the questions a brute force needs (which new pairs are allowed,
how many places are left, the capped floors, and every rule a set of new pairs breaks);
`hard_rule_violations(data_or_scenario, result)` checks a whole result.

Readings of the contract made here, where the text leaves room:
- rule 3: an explicit `prefers.mentor_gender` holds on top of `same_gender: required`
  (only `any` lifts the policy), so a man who asks for a female mentor under `required`
  has nobody;
- rules 2-5 apply to new pairs; kept active pairs are kept whatever changed since (rule 7);
- rule 6: `exclude_mentors` and `locks.forbid` also apply to kept pairs (a forbidden pair
  is "never proposed", and the result's `pairs` is the proposal);
- rule 8: a floor is capped at what the municipality reaches on its own under rules 1-7:
  its own waiting participants and the new pairs rules 2-7 and 9 allow them, mentor
  places left after kept pairs, programme capacity and budget; not its own `max` (a
  floor above the max is a conflict between the caps, i.e. infeasible). Whether the
  municipality's own `locks.require` pairs also count is open: with them, a lock that
  lowers what the municipality can reach lowers its floor; without them (the engine's
  reading, and the default here: `locks_in_reach=False`) the floor stays and the lock
  and the floor are reported as a conflict.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import networkx as nx

import matcher
from matcher.explain.result import Result
from matcher.model.scenario import Mentor, Participant, Scenario

Pair = tuple[str, str]  # (participant id, mentor id)

#: Above this many allowed new pairs the exact floors (a max-flow per municipality) are
#: skipped and the result's reported `min_enforced` is checked instead.
EXACT_FLOOR_EDGES = 200_000


def as_scenario(data_or_scenario: Mapping[str, Any] | Scenario) -> Scenario:
    """A validated scenario, from plain data or as given."""
    if isinstance(data_or_scenario, Scenario):
        return data_or_scenario
    return matcher.validate(dict(data_or_scenario))


def as_result_dict(result: Result | Mapping[str, Any]) -> dict[str, Any]:
    """A result as plain data (its JSON form), so that both forms are checked alike."""
    if isinstance(result, Result):
        return result.to_dict()
    return dict(result)


def places_under_budget(budget: float, per_participant: float) -> int:
    """The most participants n with n x position_per_participant <= position_budget,
    in exact decimal arithmetic (0.3 / 0.1 is 3 places, not 2.9999)."""
    return math.floor(Fraction(str(budget)) / Fraction(str(per_participant)))


class Rules:
    """The hard rules of one scenario, read straight from the contract."""

    def __init__(
        self, data_or_scenario: Mapping[str, Any] | Scenario, *, locks_in_reach: bool = False
    ) -> None:
        s = self.scenario = as_scenario(data_or_scenario)
        self.locks_in_reach = locks_in_reach
        self.mentors: dict[str, Mentor] = {m.id: m for m in s.mentors}
        self.participants: dict[str, Participant] = {p.id: p for p in s.participants}
        if s.municipalities is not None:
            self.municipalities = [m.id for m in s.municipalities]
            self.muni_min = {m.id: m.min for m in s.municipalities}
            self.muni_max = {m.id: m.max for m in s.municipalities}
        else:  # undeclared: the municipalities people name, without bounds
            named = {p.municipality for p in s.participants} | {m.municipality for m in s.mentors}
            self.municipalities = sorted(named)
            self.muni_min = dict.fromkeys(named)
            self.muni_max = dict.fromkeys(named)
        # rule 7: kept and released active pairs
        self.kept: dict[str, str] = {x.participant: x.mentor for x in s.pairs if not x.release}
        self.released: set[Pair] = {(x.participant, x.mentor) for x in s.pairs if x.release}
        self.required: list[Pair] = [(p, m) for p, m in s.locks.require]
        self.forbidden: set[Pair] = {(p, m) for p, m in s.locks.forbid}
        # rule 1: capacities
        self.capacity: dict[str, int] = {
            m.id: s.program.mentor_capacity if m.capacity is None else m.capacity for m in s.mentors
        }
        self.kept_load: Counter[str] = Counter(self.kept.values())
        places = []
        if s.program.capacity is not None:
            places.append(s.program.capacity)
        if s.program.position_budget is not None:
            places.append(
                places_under_budget(s.program.position_budget, s.program.position_per_participant)
            )
        self.places: int | None = min(places) if places else None  # active participants
        self.existing: Counter[str] = Counter(self.participants[p].municipality for p in self.kept)
        # who can get a new mentor this round
        self.waiting: list[str] = [
            p.id for p in s.participants if p.consent and p.id not in self.kept
        ]
        self._allowed: dict[str, list[str]] = {
            p: [m for m in self.mentors if not self.new_pair_problems(p, m)] for p in self.waiting
        }

    # -- rules 2-7 and 9 for one new pair ------------------------------------------------

    def mentor_problems(self, m: Mentor) -> list[str]:
        """Rule 2: active, trained, enough recovery years."""
        out = []
        if not m.active:
            out.append("rule 2: mentor on leave")
        if not m.trained:
            out.append("rule 2: mentor not trained")
        if m.recovery_years < self.scenario.policy.min_recovery_years:
            out.append("rule 2: too few recovery years")
        return out

    def gender_fits(self, p: Participant, m: Mentor) -> bool:
        """Rule 3."""
        wish = p.prefers.mentor_gender
        if (
            self.scenario.policy.same_gender == "required"
            and wish != "any"
            and m.gender != p.gender
        ):
            return False
        if wish == "same":
            return m.gender == p.gender
        if wish in ("female", "male", "other"):
            return m.gender == wish
        return True  # no wish, or `any`

    def age_fits(self, p: Participant, m: Mentor) -> bool:
        """Rule 4."""
        gap = abs(p.age - m.age)
        limits = [
            x for x in (p.prefers.max_age_gap, self.scenario.policy.max_age_gap) if x is not None
        ]
        return all(gap <= limit for limit in limits)

    def new_pair_problems(self, pid: str, mid: str) -> list[str]:
        """Every rule that stops participant `pid` getting mentor `mid` as a new pair."""
        p, m = self.participants[pid], self.mentors[mid]
        out = []
        if not p.consent:
            out.append("rule 9: participant has no consent")
        if pid in self.kept:
            out.append("rule 1/7: participant is kept in an active pair")
        out += self.mentor_problems(m)
        if not self.gender_fits(p, m):
            out.append("rule 3: gender")
        if not self.age_fits(p, m):
            out.append("rule 4: age gap")
        if m.serves is not None and p.municipality not in m.serves:
            out.append("rule 5: mentor does not serve the municipality")
        if mid in p.exclude_mentors:
            out.append("rule 6: excluded by the participant")
        if (pid, mid) in self.forbidden:
            out.append("rule 6: forbidden by a lock")
        if (pid, mid) in self.released:
            out.append("rule 7: released pair proposed again")
        return out

    def allowed(self, pid: str) -> list[str]:
        """Mentors that rules 2-7 and 9 allow as a new pair for a waiting participant."""
        return self._allowed.get(pid, [])

    @property
    def n_allowed(self) -> int:
        """How many new pairs rules 2-7 and 9 allow in all (the size of the floors' flows)."""
        return sum(len(v) for v in self._allowed.values())

    # -- capacities -------------------------------------------------------------------

    def mentor_room(self, mid: str) -> int:
        """New participants mentor `mid` may take (rule 1; none when already over)."""
        return max(self.capacity[mid] - self.kept_load[mid], 0)

    def new_room(self) -> int | None:
        """New pairs the programme capacity and position budget allow (rule 1)."""
        return None if self.places is None else max(self.places - len(self.kept), 0)

    def muni_new_room(self, g: str) -> int | None:
        """New pairs municipality `g` may get under its max (rule 8)."""
        cap = self.muni_max.get(g)
        return None if cap is None else max(cap - self.existing[g], 0)

    # -- rule 8 floors -----------------------------------------------------------------

    def reachable(self, g: str) -> int:
        """Active participants municipality `g` could reach on its own under rules 1-7
        (with its own required pairs forced when `locks_in_reach`)."""
        own = [p for p in self.waiting if self.participants[p].municipality == g]
        own_set = set(own)
        forced: dict[str, str] = {}
        if self.locks_in_reach:
            locks = Counter(p for p, _ in self.required if p in own_set)
            forced = {
                p: m
                for p, m in self.required
                if p in own_set and locks[p] == 1 and m in self.allowed(p)
            }
        room = {m: self.mentor_room(m) for m in self.mentors}
        for m in forced.values():
            room[m] -= 1
        graph = nx.DiGraph()
        for p in own:
            if p in forced:
                continue
            for m in self.allowed(p):
                if room[m] > 0:
                    graph.add_edge("source", ("p", p), capacity=1)
                    graph.add_edge(("p", p), ("m", m), capacity=1)
                    graph.add_edge(("m", m), "sink", capacity=room[m])
        flow = 0
        if graph.has_node("source") and graph.has_node("sink"):
            flow = int(nx.maximum_flow_value(graph, "source", "sink"))
        new = len(forced) + flow
        limit = self.new_room()
        if limit is not None:
            new = min(new, limit)
        return self.existing[g] + new

    def capped_floors(self) -> dict[str, int]:
        """Each stated floor capped at what its municipality reaches on its own."""
        return {
            g: min(low, self.reachable(g)) for g, low in self.muni_min.items() if low is not None
        }

    # -- a whole proposal --------------------------------------------------------------

    def violations(
        self, new_pairs: Iterable[Pair], floors: Mapping[str, int] | None = None
    ) -> list[str]:
        """Every hard rule broken by keeping the kept pairs and adding `new_pairs`.
        `floors` are the enforced floors (default: `capped_floors()`)."""
        new = list(new_pairs)
        out: list[str] = []
        for pid, mid in new:
            if pid not in self.participants or mid not in self.mentors:
                out.append(f"unknown id in pair {pid}-{mid}")
                continue
            out += [f"{pid}-{mid}: {why}" for why in self.new_pair_problems(pid, mid)]
        per_participant = Counter(p for p, _ in new)
        out += [f"rule 1: {p} gets {n} new mentors" for p, n in per_participant.items() if n > 1]
        # rule 1: mentors, programme, budget (already over: no new pairs there)
        new_load = Counter(m for _, m in new)
        for mid, n in new_load.items():
            if mid in self.capacity and n > self.mentor_room(mid):
                out.append(
                    f"rule 1: mentor {mid} takes {n} new over capacity "
                    f"{self.capacity[mid]} with {self.kept_load[mid]} kept"
                )
        room = self.new_room()
        if room is not None and len(new) > room:
            out.append(
                f"rule 1: {len(new)} new pairs beyond programme capacity/budget "
                f"({self.places} places, {len(self.kept)} kept)"
            )
        # rule 6: locks and exclusions on kept pairs; required pairs present
        for pid, mid in self.kept.items():
            if (pid, mid) in self.forbidden:
                out.append(f"rule 6: kept pair {pid}-{mid} is forbidden by a lock")
            if mid in self.participants[pid].exclude_mentors:
                out.append(f"rule 6: kept pair {pid}-{mid} is excluded by the participant")
        present = set(new) | set(self.kept.items())
        out += [
            f"rule 6: required pair {p}-{m} missing"
            for p, m in self.required
            if (p, m) not in present
        ]
        # rule 8
        new_by_muni = Counter(
            self.participants[p].municipality for p, _ in new if p in self.participants
        )
        for g in self.municipalities:
            cap = self.muni_new_room(g)
            if cap is not None and new_by_muni[g] > cap:
                out.append(
                    f"rule 8: {g} gets {new_by_muni[g]} new pairs, max "
                    f"{self.muni_max[g]} with {self.existing[g]} kept"
                )
        enforced = self.capped_floors() if floors is None else floors
        for g, low in enforced.items():
            active = self.existing[g] + new_by_muni[g]
            if active < low:
                out.append(f"rule 8: {g} has {active} active, below its floor {low}")
        return out


def hard_rule_violations(
    data_or_scenario: Mapping[str, Any] | Scenario,
    result: Result | Mapping[str, Any],
    *,
    exact_floors: bool | None = None,
    locks_in_reach: bool = False,
) -> list[str]:
    """Every way `result` breaks the contract for this scenario (empty when it keeps
    every hard rule). An infeasible result is only checked for its shape and conflicts.

    With `exact_floors` (default: when the scenario is small enough), floors are capped
    by our own max-flow and the reported `min_enforced` must agree; otherwise the
    reported `min_enforced` is taken as the floor (and must not exceed the stated min).
    """
    rules = Rules(data_or_scenario, locks_in_reach=locks_in_reach)
    res = as_result_dict(result)
    out = _shape_problems(rules, res)
    if res["status"] == "infeasible":
        if not res.get("conflicts"):
            out.append("infeasible without conflicts")
        return out
    pairs = [(x["participant"], x["mentor"], bool(x["existing"])) for x in res["pairs"]]
    out += _listed_pair_problems(rules, pairs)
    out += _consent_reason_problems(rules, res["unmatched"])
    table = res.get("municipalities", {})
    exact = rules.n_allowed <= EXACT_FLOOR_EDGES if exact_floors is None else exact_floors
    floors, floor_problems = (_exact_floors if exact else _reported_floors)(rules, table)
    out += floor_problems
    new = [(p, m) for p, m, existing in pairs if not existing]
    out += rules.violations(new, floors)
    out += _table_problems(rules, table, new)
    return out


def _shape_problems(rules: Rules, res: Mapping[str, Any]) -> list[str]:
    """Every participant exactly once, in pairs or unmatched, and a known status."""
    listed = [x["participant"] for x in res["pairs"]] + [x["participant"] for x in res["unmatched"]]
    counts = Counter(listed)
    out = [f"{p} listed {n} times" for p, n in counts.items() if n > 1]
    out += [f"{p} is missing from the result" for p in rules.participants if p not in counts]
    out += [f"{p} is not in the scenario" for p in counts if p not in rules.participants]
    if res["status"] not in ("optimal", "feasible", "infeasible"):
        out.append(f"unknown status {res['status']!r}")
    return out


def _listed_pair_problems(rules: Rules, pairs: list[tuple[str, str, bool]]) -> list[str]:
    """Known mentors, `existing` exactly for kept pairs, consent (rule 9), and every kept
    pair present (rule 7)."""
    out: list[str] = []
    for pid, mid, existing in pairs:
        if mid not in rules.mentors:
            out.append(f"unknown mentor {mid}")
        if existing != (rules.kept.get(pid) == mid):
            out.append(f"{pid}-{mid}: existing={existing} but kept={rules.kept.get(pid) == mid}")
        participant = rules.participants.get(pid)
        if participant is not None and not participant.consent:
            out.append(f"rule 9: {pid} has no consent but is in a pair")
    present = {(p, m) for p, m, _ in pairs}
    out += [
        f"rule 7: kept pair {p}-{m} missing" for p, m in rules.kept.items() if (p, m) not in present
    ]
    return out


def _consent_reason_problems(rules: Rules, unmatched: list[Mapping[str, Any]]) -> list[str]:
    """Rule 9: participants without consent are listed with that reason."""
    out: list[str] = []
    for x in unmatched:
        participant = rules.participants.get(x["participant"])
        if (
            participant is not None
            and not participant.consent
            and not any("consent" in why for why in x.get("reasons", []))
        ):
            out.append(f"rule 9: {x['participant']} is not listed with the consent reason")
    return out


def _exact_floors(rules: Rules, table: Mapping[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Our own capped floors, and where the reported `min_enforced` disagrees with them."""
    floors = rules.capped_floors()
    out: list[str] = []
    for g, low in floors.items():
        reported = table.get(g, {}).get("min_enforced")
        if reported != low:
            out.append(
                f"rule 8: {g} min {rules.muni_min[g]} should be capped to {low}, "
                f"reported {reported}"
            )
    return floors, out


def _reported_floors(rules: Rules, table: Mapping[str, Any]) -> tuple[dict[str, int], list[str]]:
    """The reported `min_enforced` as the floors, where each is between 0 and the stated
    min (and a problem where not)."""
    floors: dict[str, int] = {}
    out: list[str] = []
    for g, stated in rules.muni_min.items():
        if stated is None:
            continue
        reported = table.get(g, {}).get("min_enforced")
        if reported is None or not 0 <= reported <= stated:
            out.append(f"rule 8: {g} reports min_enforced {reported} for min {stated}")
        else:
            floors[g] = int(reported)
    return floors, out


def _table_problems(rules: Rules, table: Mapping[str, Any], new: list[Pair]) -> list[str]:
    """The municipality table agrees with the pairs."""
    new_by_muni = Counter(
        rules.participants[p].municipality for p, _ in new if p in rules.participants
    )
    out: list[str] = []
    for g in rules.municipalities:
        row = table.get(g)
        if row is None:
            out.append(f"municipality {g} missing from the result")
            continue
        active = rules.existing[g] + new_by_muni[g]
        if row["active"] != active or row["new"] != new_by_muni[g]:
            out.append(
                f"municipality {g}: reported active/new {row['active']}/{row['new']}, "
                f"pairs give {active}/{new_by_muni[g]}"
            )
    return out
