"""Words the table and the meeting report share (the summary of a round, a floor as
stated and as enforced, the price of fairness), written once so that the screen and the
page never word the same thing differently."""

from __future__ import annotations

from matcher.explain.result import Metrics, MunicipalityRow, Result


def summary_line(metrics: Metrics, *, prose: bool) -> str:
    """The round in one line: pairs (new and kept), waiting, mean score and mentor posts
    used; `prose` makes it a sentence (the report), else a line of clauses (the table)."""
    m = metrics
    clauses = [
        f"{m.matched} of {m.eligible} participants with consent in a pair "
        f"({m.new} new, {m.existing} kept)",
        f"{m.waiting} waiting",
        f"mean score {m.mean_score:.2f}",
    ]
    if prose:
        return "; ".join([*clauses, f"mentor posts used {m.positions_used:g}"]) + "."
    return ", ".join([*clauses, f"mentor posts used: {m.positions_used:g}"])


def floor_text(row: MunicipalityRow) -> str:
    """A municipality's floor as stated, and what it was capped to (rule 8) if lower."""
    floor = "" if row.min is None else str(row.min)
    if row.min_enforced is not None and row.min_enforced != row.min:
        floor += f" (capped to {row.min_enforced})"
    return floor


def fairness_line(result: Result) -> str:
    """The fairness mode's outcome and its price against `none` ("" without one)."""
    f = result.fairness
    if f is None:
        return ""
    lowest = "n/a" if f.lowest_coverage is None else f"{f.lowest_coverage:.0%}"
    return (
        f"Fairness {f.mode}: lowest municipality coverage {lowest}; price against none: "
        f"{f.price_coverage} pairs, {f.price_priority} priority points, "
        f"{f.price_quality:+.3f} total score."
    )
