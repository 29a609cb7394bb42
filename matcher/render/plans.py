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
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from matcher.io.files import write_file
from matcher.io.sheets.cells import neutralise
from matcher.planning.recruit import Recruitment
from matcher.planning.simulate import Simulation
from matcher.planning.whatif import WhatIf
from matcher.render.plan_tables import (
    PlanTable,
    recruit_heading,
    recruit_note,
    recruit_table,
    simulation_assumptions,
    simulation_heading,
    simulation_notes,
    simulation_tables,
    whatif_added,
    whatif_footnote,
    whatif_heading,
    whatif_table,
)
from matcher.text.language import gettext as _


class ChartError(RuntimeError):
    """A chart was asked for but cannot be drawn (matplotlib is missing)."""


def to_json(model: BaseModel) -> str:
    """A planning result as indented JSON in field order, with a final newline;
    unlike a round's `Result.to_json`, keys are not sorted."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _rich(table: PlanTable, no_wrap: bool = False, **style: Any) -> Table:
    """A plan table drawn by rich, every cell escaped (ids are data, not markup)."""
    out = Table(title=table.title or None, **style)
    for i, column in enumerate(table.header):
        justify: JustifyMethod = "right" if i in table.right else "left"
        out.add_column(escape(column), justify=justify, no_wrap=no_wrap)
    for i, row in enumerate(table.rows):
        out.add_row(*(escape(c) for c in row), style="bold" if i in table.strong else None)
    return out


def render_whatif(whatif: WhatIf, console: Console) -> None:
    """The rows as one table, the baseline first and in bold; only the settings the grid
    varies get a column, and a footnote explains the result columns."""
    head = whatif_heading(whatif)
    console.print(f"[bold]{escape(whatif.scenario)}[/]: {escape(head)}", highlight=False)
    added = whatif_added(whatif)
    if added is not None:
        console.print(escape(added), highlight=False)
    table = _rich(
        whatif_table(whatif),
        no_wrap=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    console.print(table)
    console.print(whatif_footnote(), highlight=False)


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
    head = recruit_heading(recruitment)
    console.print(f"[bold]{escape(recruitment.scenario)}[/]  {escape(head)}", highlight=False)
    console.print(_rich(recruit_table(recruitment), title_justify="left"))
    note = recruit_note(recruitment)
    if note is not None:
        console.print(escape(note), highlight=False)


def _figure(width: float, height: float) -> Any:
    """A matplotlib figure of that size in inches, drawn without pyplot: pyplot keeps
    its figures in process-wide state, and the web app draws charts from several
    threads. A `ChartError` says how to get matplotlib."""
    try:
        from matplotlib.figure import Figure  # lazy: matplotlib is heavy and optional
    except ImportError:
        raise ChartError("--chart needs matplotlib: pip install matplotlib") from None
    return Figure(figsize=(width, height))


def png_bytes(figure: Any) -> bytes:
    """PNG without a timestamp or version in its metadata, so redrawing the same
    result gives the same bytes; nothing touches the disk."""
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def save_png(data: bytes, path: Path) -> None:
    """A chart's bytes written atomically, like every other output."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_file(path, write)


def whatif_png(whatif: WhatIf) -> bytes:
    """Stacked bars of active participants per municipality, one bar per
    variant, the baseline on top."""
    rows = [whatif.baseline, *whatif.rows]
    munis = list(whatif.baseline.municipalities)
    figure = _figure(9, max(3.0, 0.3 * len(rows) + 1.5))
    axis = figure.subplots()
    left = [0.0] * len(rows)
    labels = [r.variant for r in rows]
    for muni in munis:
        values = [float(r.municipalities.get(muni, 0)) for r in rows]
        axis.barh(labels, values, left=left, label=muni)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.invert_yaxis()
    axis.set_xlabel(_("active participants after the round"))
    axis.set_title(_("What-ifs: {scenario}").format(scenario=whatif.scenario))
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)


def whatif_chart(whatif: WhatIf, path: Path) -> None:
    """The what-if chart (`whatif_png`) as a PNG file."""
    save_png(whatif_png(whatif), path)


def render_simulation(sim: Simulation, console: Console) -> None:
    """The assumptions in words, then the per-municipality, yearly and round-by-round
    tables, and a note when floors had to be dropped in some rounds."""
    head = simulation_heading(sim)
    console.print(f"[bold]{escape(sim.scenario)}[/]: {escape(head)}", highlight=False)
    for line in simulation_assumptions(sim):
        console.print(escape(line), highlight=False)
    for table in simulation_tables(sim):
        console.print(_rich(table, title_justify="left", box=box.SIMPLE_HEAD))
    for note in simulation_notes(sim):
        console.print(note, highlight=False)


def simulation_png(sim: Simulation) -> bytes:
    """Two panels: the rounds over time (utilisation on a second axis) and the
    waits per municipality, where a municipality nobody was paired in shows 0."""
    figure = _figure(11, 4)
    left, right = figure.subplots(1, 2)
    months = [r.month for r in sim.rounds]
    left.plot(months, [r.active for r in sim.rounds], marker="o", label=_("active pairs"))
    left.plot(months, [r.waiting for r in sim.rounds], marker="o", label=_("waiting"))
    left.plot(
        months,
        [r.waiting_p90 for r in sim.rounds],
        linestyle="--",
        label=_("waiting (p90 of runs)"),
    )
    left.set_xlabel(_("month"))
    left.set_ylabel(_("people"))
    left.set_ylim(bottom=0)
    twin = left.twinx()
    twin.plot(months, [r.utilisation for r in sim.rounds], color="grey", label=_("utilisation"))
    twin.set_ylim(0, 1.05)
    twin.set_ylabel(_("utilisation of mentor places"))
    left.legend(loc="upper left", fontsize="small")
    left.set_title(_("Round by round (mean of runs)"))
    names = list(sim.municipalities)
    median = [sim.municipalities[n].wait_median_days or 0.0 for n in names]
    p90 = [sim.municipalities[n].wait_p90_days or 0.0 for n in names]
    xs = list(range(len(names)))
    right.bar([x - 0.2 for x in xs], median, width=0.4, label=_("median"))
    right.bar([x + 0.2 for x in xs], p90, width=0.4, label="p90")
    right.set_xticks(xs, names)
    right.set_ylabel(_("days from referral to a mentor"))
    right.set_title(_("Waiting time by municipality"))
    right.legend(fontsize="small")
    runs = _("{runs} runs").format(runs=sim.settings["runs"])
    figure.suptitle(f"{sim.scenario}: {runs}")
    return png_bytes(figure)


def simulation_chart(sim: Simulation, path: Path) -> None:
    """The simulation chart (`simulation_png`) as a PNG file."""
    save_png(simulation_png(sim), path)
