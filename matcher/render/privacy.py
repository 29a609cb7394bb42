"""Outputs that may leave the coordinator's desk: pseudonymised results (`--anonymize`)
and an aggregate summary with small counts suppressed (`--format summary`).

Pseudonyms are HMAC-SHA256 of the id, keyed with the scenario's name and an optional
secret, so the same round gives the same pseudonyms on every run while rounds with other
names (or other secrets) cannot be linked by them.

In the summary, every count below `SMALL` is shown as `<3`: in a small municipality it
can point at a person. A table with totals lets a reader work a hidden count out from the
others (a total minus the shown cells, `eligible = active + waiting`, `new <= active`),
so further counts are withheld (shown as `x`) until no hidden count has a single value
consistent with everything shown; the check is exact (a small constraint model).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from matcher.explain.result import Result
from matcher.model.controls import Decision
from matcher.model.scenario import Scenario

PSEUDONYM_HEX = 12  # hex digits: 48 bits, so 100 000 ids collide with odds about 1 in 50 000
SMALL = 3  # counts below this are suppressed in aggregates
SUMMARY_COLUMNS = ("eligible", "active", "new", "waiting")
_KEEP = frozenset({"scenario", "solver", "status", "mode"})  # texts that hold no ids
_UNKNOWN = 10**7  # a withheld count is, for all a reader knows, SMALL or more


# --- pseudonyms ------------------------------------------------------------------------


def pseudonyms(ids: Iterable[str], prefix: str, secret: bytes) -> dict[str, str]:
    """`id -> prefix + hex digest`; longer digests only if two ids would collide."""
    unique = sorted(set(ids))
    digests = {i: hmac.new(secret, i.encode(), hashlib.sha256).hexdigest() for i in unique}
    length = PSEUDONYM_HEX
    while len({d[:length] for d in digests.values()}) < len(digests) and length < 64:
        length += 4
    return {i: prefix + d[:length] for i, d in digests.items()}


def _rewriter(mapping: dict[str, str]) -> Callable[[str], str]:
    """Replace every id that stands as a word of its own (`M01's`, `P01-M01`) in a text."""
    if not mapping:
        return lambda text: text
    alternatives = "|".join(re.escape(i) for i in sorted(mapping, key=lambda i: (-len(i), i)))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return lambda text: pattern.sub(lambda match: mapping[match.group(0)], text)


def _id_maps(
    scenario: Scenario, key: str, previous: Sequence[tuple[str, str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """The pseudonyms of the round's participants and of its mentors (with those of the
    `previous` proposal's pairs), keyed with the scenario's name and `key`."""
    secret = f"{scenario.name}\n{key}".encode()
    people = pseudonyms(
        [p.id for p in scenario.participants] + [p for p, _ in previous], "P-", secret
    )
    mentors = pseudonyms([m.id for m in scenario.mentors] + [m for _, m in previous], "M-", secret)
    return people, mentors


def anonymize_decisions(
    scenario: Scenario,
    decisions: Sequence[Decision],
    key: str = "",
    previous: Sequence[tuple[str, str]] = (),
) -> tuple[Decision, ...]:
    """The decisions with the pseudonyms `anonymize_ids` gives the same `scenario` (the
    one before pseudonyms), `key` and `previous`; an id in who decided is rewritten as
    in any text. The order is kept: it is the order the decisions were taken in."""
    people, mentors = _id_maps(scenario, key, previous)
    text = _rewriter({**mentors, **people})
    return tuple(
        replace(
            d,
            participant=people.get(d.participant, d.participant),
            mentor=None if d.mentor is None else mentors.get(d.mentor, d.mentor),
            by=None if d.by is None else text(d.by),
        )
        for d in decisions
    )


def anonymize_ids(
    scenario: Scenario,
    result: Result,
    key: str = "",
    previous: Sequence[tuple[str, str]] = (),
) -> tuple[Scenario, Result]:
    """The scenario and result with participant and mentor ids replaced by pseudonyms
    (`P-…`, `M-…`), in every id field and in every text that names an id; records are
    re-sorted by pseudonym so that their order does not give the old ids away. The
    `previous` proposal's pairs are pseudonymised too: its note names people who may
    have left the round."""
    people, mentors = _id_maps(scenario, key, previous)
    # An id used for a participant and a mentor alike reads as the participant in texts.
    text = _rewriter({**mentors, **people})

    def walk(value: Any, field: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, field) for v in value]
        if not isinstance(value, str) or field in _KEEP:
            return value
        if field == "participant":
            return people.get(value, value)
        if field == "mentor":
            return mentors.get(value, value)
        return text(value)

    out = walk(result.to_dict())
    out["pairs"].sort(key=lambda pair: pair["participant"])
    out["unmatched"].sort(key=lambda person: person["participant"])

    data = scenario.model_dump()
    for mentor in data["mentors"]:
        mentor["id"] = mentors[mentor["id"]]
    for person in data["participants"]:
        person["id"] = people[person["id"]]
        person["exclude_mentors"] = [mentors.get(m, m) for m in person["exclude_mentors"]]
    data["mentors"].sort(key=lambda mentor: mentor["id"])
    data["participants"].sort(key=lambda person: person["id"])
    data["pairs"] = [walk(pair) for pair in data["pairs"]]
    data["locks"] = {
        kind: [[people.get(p, p), mentors.get(m, m)] for p, m in pairs]
        for kind, pairs in data["locks"].items()
    }
    return Scenario.model_validate(data), Result.model_validate(out)


# --- the aggregate summary -------------------------------------------------------------

CellKey = tuple[int, int]  # (row, column) of the count table; the last row is the total
Relation = tuple[dict[CellKey, int], bool]  # coefficients, and True for `== 0` (else `<= 0`)


def _relations(values: list[list[int]]) -> list[Relation]:
    """What a reader knows holds between the counts (only relations that do hold)."""
    col = {name: i for i, name in enumerate(SUMMARY_COLUMNS)}
    out = total_relations(values)
    for r, row in enumerate(values):
        if row[col["eligible"]] == row[col["active"]] + row[col["waiting"]]:
            out.append(
                ({(r, col["eligible"]): 1, (r, col["active"]): -1, (r, col["waiting"]): -1}, True)
            )
        out.append(({(r, col["new"]): 1, (r, col["active"]): -1}, False))
    return out


def _pinned(
    cell: CellKey, values: list[list[int]], hidden: set[CellKey], relations: list[Relation]
) -> bool:
    """True if the shown counts and the relations leave `cell` a single possible value."""
    # lazy: CP-SAT (and the pandas it imports) loads only when a summary is made
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    var = {
        k: model.new_int_var(0, SMALL - 1, "")
        if values[k[0]][k[1]] < SMALL
        else model.new_int_var(SMALL, _UNKNOWN, "")
        for k in sorted(hidden)
    }
    for coefficients, equal in relations:
        if not any(k in hidden for k in coefficients):
            continue
        expr = sum(
            c * (var[k] if k in hidden else values[k[0]][k[1]]) for k, c in coefficients.items()
        )
        model.add(expr == 0 if equal else expr <= 0)
    model.add(var[cell] != values[cell[0]][cell[1]])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    # Safe only if another value was found; a time-out counts as pinned.
    return solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def total_relations(values: list[list[int]]) -> list[Relation]:
    """The last row is the sum of the others, column by column (what every count table
    with a total row lets a reader use)."""
    total = len(values) - 1
    out: list[Relation] = []
    for c in range(len(values[0]) if values else 0):
        sums: dict[CellKey, int] = {(r, c): -1 for r in range(total)}
        out.append(({**sums, (total, c): 1}, True))
    return out


def suppress(values: list[list[int]], relations: list[Relation] | None = None) -> set[CellKey]:
    """The cells to withhold: every count below `SMALL`, then, while a hidden count can be
    worked out from the rest, the smallest shown count related to it (ties: first cell).
    `relations`: what a reader knows holds between the counts (default: those of the
    round's summary table)."""
    width = len(values[0]) if values else 0
    cells = [(r, c) for r in range(len(values)) for c in range(width)]
    hidden = {k for k in cells if values[k[0]][k[1]] < SMALL}
    relations = _relations(values) if relations is None else relations
    while True:
        leak = next((k for k in sorted(hidden) if _pinned(k, values, hidden, relations)), None)
        if leak is None:
            return hidden
        related = {
            k for coefficients, _ in relations if leak in coefficients for k in coefficients
        } - hidden
        pool = related or set(cells) - hidden
        if not pool:
            return hidden
        hidden.add(min(pool, key=lambda k: (values[k[0]][k[1]], k)))


def summary(scenario: Scenario, result: Result) -> str:
    """Per-municipality counts and totals, for sharing: no ids, small counts suppressed."""
    labels = {m.id: m.label for m in scenario.municipality_list()}
    rows = [
        [getattr(row, name) for name in SUMMARY_COLUMNS] for row in result.municipalities.values()
    ]
    rows.append(
        [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * len(SUMMARY_COLUMNS)
    )
    hidden = suppress(rows)

    def shown(r: int, c: int) -> str:
        if (r, c) not in hidden:
            return str(rows[r][c])
        return f"<{SMALL}" if rows[r][c] < SMALL else "x"

    names = [labels.get(mid, mid) for mid in result.municipalities] + ["total"]
    total_active = (len(rows) - 1, SUMMARY_COLUMNS.index("active"))
    posts = (
        "x"
        if total_active in hidden
        else f"{scenario.program.posts(rows[-1][total_active[1]], decimals=None):g}"
    )
    lines = [
        f"# Summary: {scenario.name}",
        "",
        f"Round {scenario.date}; status {result.status}. Counts below {SMALL} are shown as "
        f"<{SMALL}; x is a count withheld so that no <{SMALL} can be worked out from the "
        "others.",
        "",
        "| municipality | " + " | ".join(SUMMARY_COLUMNS) + " |",
        "| --- |" + " ---: |" * len(SUMMARY_COLUMNS),
    ]
    for r, name in enumerate(names):
        cells = " | ".join(shown(r, c) for c in range(len(SUMMARY_COLUMNS)))
        lines.append(f"| {name.replace('|', '/')} | {cells} |")
    lines += ["", f"Mentor posts used: {posts}."]
    return "\n".join(lines) + "\n"


def for_sharing(
    scenario: Scenario,
    result: Result,
    *,
    anonymize: bool,
    key: str | None = None,
    previous: Sequence[tuple[str, str]] = (),
) -> tuple[Scenario, Result]:
    """What `--anonymize` (and `--anonymize-key`) asks of an export: pseudonyms, or as is."""
    if not anonymize:
        return scenario, result
    return anonymize_ids(scenario, result, key or "", previous)


def decisions_for_sharing(
    scenario: Scenario,
    decisions: Sequence[Decision],
    *,
    anonymize: bool,
    key: str | None = None,
    previous: Sequence[tuple[str, str]] = (),
) -> tuple[Decision, ...]:
    """The decisions as `for_sharing` with the same arguments shows the round: with the
    same pseudonyms, or as is. `scenario` is the one before pseudonyms."""
    if not anonymize:
        return tuple(decisions)
    return anonymize_decisions(scenario, decisions, key or "", previous)
