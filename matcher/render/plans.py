"""Rendering of the planning commands' results: rich tables, CSV and PNG charts.

Everything here is a pure function of the result, so the same result always gives the
same bytes. Charts need matplotlib, which is optional.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.io.files import write_file
from matcher.io.sheets.cells import neutralise
from matcher.planning.recruit import Recruitment
from matcher.planning.simulate import MunicipalitySummary, Simulation
from matcher.planning.whatif import Row, WhatIf


class ChartError(RuntimeError):
    """A chart was asked for but cannot be drawn (matplotlib is missing)."""


def to_json(model: BaseModel) -> str:
    """A planning result as indented JSON in field order, with a final newline;
    unlike a round's `Result.to_json`, keys are not sorted."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


_AXES: dict[str, str] = {
    "add_mentors": "Added\nmentors",
    "mentor_capacity": "Per\nmentor",
    "capacity": "Cap",
    "position_budget": "Posts\nmax",
    "fairness": "Fairness",
}
_LIMITS = {
    "programme capacity": "cap",
    "position budget": "budget",
    "programme capacity and position budget": "cap+budget",
    "mentors who fit": "mentors",
    "nobody waiting": "-",
    "infeasible": "infeasible",
}


def _axis_cell(row: Row, key: str) -> str:
    value = getattr(row, key)
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _price(row: Row) -> str:
    if row.price_coverage == 0 and row.price_quality == 0:
        return "0"
    return f"{row.price_coverage}/{row.price_quality:.2f}"


def render_whatif(whatif: WhatIf, console: Console) -> None:
    """The rows as one table, the baseline first and in bold; only the settings the grid
    varies get a column, and a footnote explains the result columns."""
    console.print(
        f"[bold]{escape(whatif.scenario)}[/]: {len(whatif.rows)} variants, "
        f"solver {escape(whatif.solver)}",
        highlight=False,
    )
    if whatif.profiles:
        console.print(
            "added mentors, in order: " + escape("; ".join(whatif.profiles)), highlight=False
        )
    munis = list(whatif.baseline.municipalities)
    floors = sorted({k for row in whatif.rows for k in row.floors})
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for key in whatif.axes:
        table.add_column(_AXES[key], justify="right", no_wrap=True)
    for muni in floors:
        table.add_column(f"Min\n{escape(muni)}", justify="right", no_wrap=True)
    for column in (
        "Matched",
        *[escape(m) for m in munis],
        "Wait-\ning",
        "Qual-\nity",
        "Posts",
        "Fairness\ncost",
        "Chan-\nged",
        "Limit",
    ):
        table.add_column(column, justify="left" if column == "Limit" else "right", no_wrap=True)
    for i, row in enumerate([whatif.baseline, *whatif.rows]):
        cells = ["" if i == 0 else _axis_cell(row, key) for key in whatif.axes]
        cells += ["" if i == 0 else str(row.floors.get(m, "-")) for m in floors]
        if i == 0 and cells:
            cells[0] = "baseline"
        cells += [f"{row.matched}/{row.eligible} {row.coverage:.0%}"]
        cells += [str(row.municipalities.get(m, 0)) for m in munis]
        cells += [
            str(row.waiting),
            f"{row.mean_score:.2f}",
            f"{row.posts_used:g}",
            _price(row),
            str(row.changed),
            _LIMITS.get(row.limit, row.limit),
        ]
        table.add_row(*(escape(c) for c in cells), style="bold" if i == 0 else None)
    console.print(table)
    console.print(
        "Matched and the municipality columns count active participants after "
        "the round. Fairness cost: pairs/total score lost against fairness none "
        "(negative: gained). "
        "Changed: participants whose mentor differs from the baseline. Limit: "
        "what stops more pairs.",
        highlight=False,
    )


def _csv_cell(value: object) -> str:
    return neutralise(str(value))


def whatif_csv(whatif: WhatIf) -> str:
    """One row per variant, the baseline first; every cell is neutralised, so that
    a spreadsheet never runs a municipality id as a formula."""
    munis = list(whatif.baseline.municipalities)
    head = [
        "variant",
        "add_mentors",
        "mentor_capacity",
        "capacity",
        "position_budget",
        "floors",
        "fairness",
        "status",
        "matched",
        "eligible",
        "coverage",
        "waiting",
        *[f"active_{m}" for m in munis],
        "mean_score",
        "posts_used",
        "price_coverage",
        "price_quality",
        "changed",
        "limit",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_cell(h) for h in head])
    for row in [whatif.baseline, *whatif.rows]:
        values: list[Any] = [
            row.variant,
            row.add_mentors,
            row.mentor_capacity,
            row.capacity,
            row.position_budget,
            ";".join(f"{k}={v}" for k, v in row.floors.items()),
            row.fairness,
            row.status,
            row.matched,
            row.eligible,
            row.coverage,
            row.waiting,
            *[row.municipalities.get(m, 0) for m in munis],
            row.mean_score,
            row.posts_used,
            row.price_coverage,
            row.price_quality,
            row.changed,
            row.limit,
        ]
        writer.writerow(["" if v is None else _csv_cell(v) for v in values])
    return out.getvalue()


def render_recruit(recruitment: Recruitment, console: Console) -> None:
    """The short list as a table, and a note saying why when even the best
    profile takes nobody (full caps, or nobody left without a fit)."""
    caps = "caps kept" if recruitment.keep_caps else "each recruit brings their own places"
    console.print(
        f"[bold]{escape(recruitment.scenario)}[/]  {recruitment.waiting} waiting "
        f"after this round's proposal; {recruitment.evaluated} profiles tried "
        f"({caps})",
        highlight=False,
    )
    table = Table(title="Mentors to recruit", title_justify="left")
    for column in (
        "#",
        "Gender",
        "Serves",
        "Age",
        "Experience",
        "Takes",
        "Could take",
        "Quality",
        "Would match",
    ):
        table.add_column(
            column, justify="right" if column in ("#", "Takes", "Could take", "Quality") else "left"
        )
    for i, c in enumerate(recruitment.candidates, start=1):
        table.add_row(
            str(i),
            c.gender,
            escape(c.municipality),
            c.age_band,
            c.substance,
            str(c.gain),
            str(c.reachable),
            f"{c.mean_score:.2f}",
            escape(", ".join(c.would_match) or "-"),
        )
    console.print(table)
    if recruitment.candidates and recruitment.candidates[0].gain == 0:
        reason = (
            "the programme cap or position budget is full"
            if recruitment.keep_caps
            else "everyone waiting has a fitting mentor "
            "already, or none of these profiles fits them"
        )
        console.print(f"note: no recruit would take anyone: {reason}", highlight=False)


def _pyplot() -> Any:
    """matplotlib's pyplot on a file-only back-end, or a `ChartError` saying how to get it."""
    try:
        import matplotlib  # lazy: matplotlib is heavy and optional, needed only for --chart

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # lazy: as above
    except ImportError:
        raise ChartError("--chart needs matplotlib: pip install matplotlib") from None
    return plt


def save_png(figure: Any, path: Path) -> None:
    """PNG without a timestamp or version in its metadata, so reruns are byte-identical;
    written atomically like every other output."""

    def write(tmp: Path) -> None:
        figure.savefig(tmp, format="png", dpi=100, metadata={"Software": None})

    write_file(path, write)


def whatif_chart(whatif: WhatIf, path: Path) -> None:
    """Stacked bars of active participants per municipality, one bar per
    variant, the baseline on top."""
    plt = _pyplot()
    rows = [whatif.baseline, *whatif.rows]
    munis = list(whatif.baseline.municipalities)
    height = max(3.0, 0.3 * len(rows) + 1.5)
    figure, axis = plt.subplots(figsize=(9, height))
    left = [0.0] * len(rows)
    labels = [r.variant for r in rows]
    for muni in munis:
        values = [float(r.municipalities.get(muni, 0)) for r in rows]
        axis.barh(labels, values, left=left, label=muni)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.invert_yaxis()
    axis.set_xlabel("active participants after the round")
    axis.set_title(f"What-ifs: {whatif.scenario}")
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    save_png(figure, path)
    plt.close(figure)


def _days(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def _municipality_cells(name: str, m: MunicipalitySummary) -> list[str]:
    return [
        escape(name),
        f"{m.referred:.1f}",
        f"{m.paired:.1f}",
        f"{m.served_share:.0%}",
        _days(m.wait_median_days),
        _days(m.wait_p90_days),
        f"{m.left_waiting_list:.1f}",
        f"{m.waiting_at_end:.1f}",
    ]


def _assumptions(sim: Simulation, console: Console) -> None:
    s = sim.settings
    rates = ", ".join(f"{k} {v:g}" for k, v in sim.referral_rates.items())
    console.print(
        f"[bold]{escape(sim.scenario)}[/]: {s['runs']} runs x {s['months']} months, "
        f"seed {s['seed']}, a round every {s['round_weeks']} weeks",
        highlight=False,
    )
    console.print(
        escape(
            f"referrals per month: {rates}; follow-up median "
            f"{s['followup_months']} months, {s['dropout']:.0%} end early; "
            f"{s['wait_dropout']:.0%} of those waiting give up per month; "
            f"{s['mentor_turnover']:.0%} of mentors stop per year, replaced "
            f"after {s['replace_weeks']} weeks"
        ),
        highlight=False,
    )


def _waiting_table(sim: Simulation) -> Table:
    table = Table(
        title="Waiting and served (means per run; waits of those paired)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in (
        "Municipality",
        "Referred",
        "Paired",
        "Served",
        "Median wait (d)",
        "p90 wait (d)",
        "Gave up",
        "Waiting at end",
    ):
        table.add_column(column, justify="left" if column == "Municipality" else "right")
    for key, row in sim.municipalities.items():
        table.add_row(*_municipality_cells(key, row))
    table.add_row(*_municipality_cells("all", sim.total), style="bold")
    return table


def _rounds_table(sim: Simulation) -> Table:
    rounds = Table(
        title="Round by round (means over runs)", title_justify="left", box=box.SIMPLE_HEAD
    )
    for column in (
        "Day",
        "Month",
        "Active pairs",
        "Waiting",
        "Waiting p90",
        "Mentors",
        "Utilisation",
        "Posts",
    ):
        rounds.add_column(column, justify="right")
    for r in sim.rounds:
        rounds.add_row(
            str(r.day),
            f"{r.month:.1f}",
            f"{r.active:.1f}",
            f"{r.waiting:.1f}",
            f"{r.waiting_p90:.0f}",
            f"{r.mentors:.1f}",
            f"{r.utilisation:.0%}",
            f"{r.posts:.2f}",
        )
    return rounds


def render_simulation(sim: Simulation, console: Console) -> None:
    """The assumptions in words, then the per-municipality and round-by-round
    tables, and a note when floors had to be dropped in some rounds."""
    _assumptions(sim, console)
    console.print(_waiting_table(sim))
    console.print(_rounds_table(sim))
    console.print(
        "Utilisation: active pairs / places of eligible mentors. Posts: active "
        "pairs x position per participant.",
        highlight=False,
    )
    if sim.conflicting_rounds:
        console.print(
            f"note: in {sim.conflicting_rounds} rounds the municipality floors "
            "conflicted and were dropped for that round",
            highlight=False,
        )


def simulation_chart(sim: Simulation, path: Path) -> None:
    """Two panels: the rounds over time (utilisation on a second axis) and the
    waits per municipality, where a municipality nobody was paired in shows 0."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    months = [r.month for r in sim.rounds]
    left.plot(months, [r.active for r in sim.rounds], marker="o", label="active pairs")
    left.plot(months, [r.waiting for r in sim.rounds], marker="o", label="waiting")
    left.plot(
        months, [r.waiting_p90 for r in sim.rounds], linestyle="--", label="waiting (p90 of runs)"
    )
    left.set_xlabel("month")
    left.set_ylabel("people")
    left.set_ylim(bottom=0)
    twin = left.twinx()
    twin.plot(months, [r.utilisation for r in sim.rounds], color="grey", label="utilisation")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("utilisation of mentor places")
    left.legend(loc="upper left", fontsize="small")
    left.set_title("Round by round (mean of runs)")
    names = list(sim.municipalities)
    median = [sim.municipalities[n].wait_median_days or 0.0 for n in names]
    p90 = [sim.municipalities[n].wait_p90_days or 0.0 for n in names]
    xs = list(range(len(names)))
    right.bar([x - 0.2 for x in xs], median, width=0.4, label="median")
    right.bar([x + 0.2 for x in xs], p90, width=0.4, label="p90")
    right.set_xticks(xs, names)
    right.set_ylabel("days from referral to a mentor")
    right.set_title("Waiting time by municipality")
    right.legend(fontsize="small")
    figure.suptitle(f"{sim.scenario}: {sim.settings['runs']} runs")
    figure.tight_layout()
    save_png(figure, path)
    plt.close(figure)
