"""Writing scenarios and results: a scenario as .xlsx, YAML, JSON or a folder of CSV
files that reads back as an equal scenario, and a result as a workbook or CSV folder
for coordinators. Every text a spreadsheet would run as a formula is neutralised, every
file goes through the atomic writer, and a workbook's bytes depend only on its content."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from matcher.explain.result import Result
from matcher.io.files import OutputError, write_file, write_folder, write_text
from matcher.io.sheets.cells import neutralise, to_cell
from matcher.io.sheets.columns import (
    INTERESTS_PREFIX,
    LOCK_COLUMNS,
    SETTINGS,
    SETTINGS_HEADER,
    SHEETS,
    TABLES,
    column_letter,
    get_value,
)
from matcher.model.scenario import Scenario
from matcher.model.validate import validate

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

#: The formats a scenario can be written in (chosen by the target path).
OutputFormat = Literal["xlsx", "csv", "yaml", "json"]
#: A table to write: its header and its rows of cell values.
SheetTable = tuple[list[str], list[list[Any]]]

#: Tables of an exported result, in the order they are written.
RESULT_SHEETS = ("pairs", "waiting", "municipalities", "metrics")
_RESULT_HEAD = ("scenario", "solver", "status", "elapsed_s")
_RESULT_TABLES = ("pairs", "unmatched", "municipalities")
#: The time of every entry of a written workbook and of its creation and last change in
#: its properties: the earliest a zip file can hold, as reproducible builds use, so
#: that the same content always gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def scenario_tables(scenario: Scenario, csv_mode: bool = False) -> dict[str, SheetTable]:
    """The scenario as tables (header, rows of cell values), in sheet order."""
    dump = scenario.model_dump(mode="python")
    tables: dict[str, SheetTable] = {}
    settings: list[list[Any]] = []
    for key, col in SETTINGS.items():
        settings.append([key, to_cell(get_value(dump, col.path), col, csv_mode)])
    for tag, category in scenario.vocabulary.interests.items():
        settings.append([neutralise(INTERESTS_PREFIX + tag), to_cell(category, None, csv_mode)])
    tables["settings"] = (list(SETTINGS_HEADER), settings)
    for name in ("municipalities", "mentors", "participants", "pairs", "history"):
        if name == "municipalities" and scenario.municipalities is None:
            continue
        if name == "history" and not scenario.history:
            continue  # most rounds have none: no empty sheet
        columns = TABLES[name]
        rows = [
            [to_cell(get_value(record, c.path), c, csv_mode) for c in columns]
            for record in dump[name]
        ]
        tables[name] = ([c.name for c in columns], rows)
    locks = [
        [to_cell(kind, None, csv_mode), to_cell(p, None, csv_mode), to_cell(m, None, csv_mode)]
        for kind in ("require", "forbid")
        for p, m in getattr(scenario.locks, kind)
    ]
    tables["locks"] = ([c.name for c in LOCK_COLUMNS], locks)
    return tables


def _tidy(value: Any) -> Any:
    """Whole floats as ints (`recovery_years: 9`, not `9.0`), recursively."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a YAML/JSON document: defaults left out, name and date kept."""
    dump = scenario.model_dump(mode="json", exclude_defaults=True)
    full = scenario.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key in Scenario.model_fields:
        if key in ("name", "date"):
            out[key] = full[key]
        elif key in dump:
            out[key] = _tidy(dump[key])
    return out


def _metrics(result: Result, sep: str) -> list[list[Any]]:
    """Every figure of the result but its tables as `key`, `value` rows, dotted keys."""
    metrics: list[list[Any]] = []

    def flat(prefix: str, value: Any) -> None:
        """Add `value` under `prefix`, nested mappings under dotted keys."""
        if isinstance(value, dict):
            for key, inner in value.items():
                flat(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            metrics.append([prefix, sep.join(str(v) for v in value)])
        else:
            metrics.append([prefix, value])

    dump = result.to_dict()
    for key in _RESULT_HEAD:
        flat(key, dump[key])
    for key, value in dump.items():
        if key not in _RESULT_HEAD and key not in _RESULT_TABLES:
            flat(key, value)
    return metrics


def result_tables(result: Result, csv_mode: bool = False) -> dict[str, SheetTable]:
    """The result as tables: pairs, waiting, municipalities, metrics."""
    sep = "; " if csv_mode else "\n"
    pairs = [
        [
            p.participant,
            p.mentor,
            "kept" if p.existing else "new",
            p.score,
            sep.join(p.reasons),
            sep.join(f"{a.mentor} (score {a.score:.2f}): {a.summary}" for a in p.alternatives),
        ]
        for p in result.pairs
    ]
    waiting = [
        [w.participant, sep.join(w.reasons), sep.join(w.would_match_if)] for w in result.unmatched
    ]
    muni_fields = (
        list(type(next(iter(result.municipalities.values()))).model_fields)
        if (result.municipalities)
        else []
    )
    municipalities = [
        [mid, *(getattr(row, f) for f in muni_fields)] for mid, row in result.municipalities.items()
    ]
    tables: dict[str, SheetTable] = {
        "pairs": (["participant", "mentor", "kind", "score", "reasons", "alternatives"], pairs),
        "waiting": (["participant", "reasons", "would_match_if"], waiting),
        "municipalities": (["municipality", *muni_fields], municipalities),
        "metrics": (["key", "value"], _metrics(result, sep)),
    }
    return {
        name: (header, [[to_cell(v, None, csv_mode) for v in row] for row in rows])
        for name, (header, rows) in tables.items()
    }


def output_format(path: Path) -> OutputFormat:
    """The format a path asks for: .xlsx, .yaml/.yml, .json, or a folder (no suffix, or an
    existing folder) of CSV files."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if path.is_dir() or not suffix:
        return "csv"
    if suffix == ".csv":
        raise OutputError(
            f"{path}: several tables go to a folder of CSV files; give a folder name without .csv"
        )
    raise OutputError(
        f"{path}: unsupported output type '{suffix}'; use .xlsx, .yaml, .json or a folder name"
    )


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def tables_workbook(tables: Mapping[str, SheetTable], wrap: Iterable[str] = ()) -> Workbook:
    """A workbook with one sheet per table: bold frozen header, dates as dates, columns
    as wide as their content; `wrap` names the `sheet.column`s whose text wraps."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    wrapped = set(wrap)
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(name)
        ws.append([neutralise(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        widths = [len(h) for h in header]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                    text = "2026-01-01"
                else:
                    text = "" if cell.value is None else str(cell.value)
                col = cell.column - 1 if isinstance(cell.column, int) else 0
                longest = max((len(line) for line in text.split("\n")), default=0)
                widths[col] = max(widths[col], min(longest, 60))
                if f"{name}.{header[col]}" in wrapped:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[column_letter(index)].width = width + 2
        ws.freeze_panes = "A2"
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """A workbook's file, so that the same content gives the same bytes, whenever and
    wherever it is saved: openpyxl stamps each zip entry with the time of saving and the
    document properties with the times of creation and saving, so both get `ZIP_TIME`
    instead (and the entries no file attributes). Entries keep openpyxl's order and
    compression. The web app sends these bytes without touching the disk."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.xml.constants import ARC_CORE
    from openpyxl.xml.functions import tostring

    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.created = wb.properties.modified = dt.datetime(*ZIP_TIME)
    core = tostring(wb.properties.to_tree())
    result = io.BytesIO()
    with zipfile.ZipFile(buffer) as saved, zipfile.ZipFile(result, "w") as out:
        for info in saved.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = info.compress_type
            entry.create_system = 0  # MS-DOS, as Excel writes: the same on every system
            out.writestr(entry, core if info.filename == ARC_CORE else saved.read(info))
    return result.getvalue()


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save a workbook with `workbook_bytes`, byte-identical for the same content."""
    _write_bytes(path, workbook_bytes(wb))


def _write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def scenario_workbook(scenario: Scenario) -> bytes:
    """A scenario as the bytes of an .xlsx workbook, which reads back as an equal
    scenario."""
    return workbook_bytes(tables_workbook(scenario_tables(scenario)))


def write_scenario(
    scenario_or_data: Scenario | Mapping[str, Any],
    path: str | Path,
    *,
    protect: str | Path | None = None,
) -> None:
    """Write a scenario as .xlsx, .yaml/.yml, .json or a folder of CSV files (chosen by
    `path`), atomically. A dict is validated first. `protect` (the input) is never
    overwritten. Reading the output back gives an equal `Scenario`."""
    path = Path(path)
    guard = Path(protect) if protect is not None else None
    scenario = (
        scenario_or_data
        if isinstance(scenario_or_data, Scenario)
        else validate(dict(scenario_or_data))
    )
    fmt = output_format(path)
    if fmt == "yaml":
        text = yaml.safe_dump(
            scenario_document(scenario),
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=None,
            width=100,
        )
        write_text(path, text, guard)
    elif fmt == "json":
        text = json.dumps(scenario_document(scenario), indent=2, ensure_ascii=False) + "\n"
        write_text(path, text, guard)
    elif fmt == "xlsx":
        data = scenario_workbook(scenario)
        write_file(path, lambda tmp: _write_bytes(tmp, data), guard)
    else:
        files = {
            f"{name}.csv": _csv_text(*table)
            for name, table in scenario_tables(scenario, csv_mode=True).items()
        }
        write_folder(path, files, guard, SHEETS)


def write_result(
    result: Result,
    path: str | Path,
    *,
    fmt: Literal["xlsx", "csv"] | None = None,
    protect: str | Path | None = None,
) -> None:
    """Export a result as .xlsx (sheets pairs, waiting, municipalities, metrics) or as a
    folder of CSV files with the same names, atomically; texts that a spreadsheet would
    run as formulas are neutralised."""
    path = Path(path)
    guard = Path(protect) if protect is not None else None
    if fmt is None:
        found = output_format(path)
        if found not in ("xlsx", "csv"):
            raise OutputError(f"{path}: a result goes to .xlsx or a folder of CSV files")
        fmt = found
    if fmt == "xlsx":
        if path.suffix.lower() != ".xlsx":
            raise OutputError(f"{path}: use a file name ending in .xlsx")
        wb = tables_workbook(
            result_tables(result),
            wrap=(
                "pairs.reasons",
                "pairs.alternatives",
                "waiting.reasons",
                "waiting.would_match_if",
            ),
        )
        write_file(path, lambda tmp: save_workbook(wb, tmp), guard)
    else:
        if path.suffix.lower() == ".csv" or (path.suffix and not path.is_dir()):
            raise OutputError(
                f"{path}: the CSV files go to a folder; give a folder name without a suffix"
            )
        files = {
            f"{name}.csv": _csv_text(*table)
            for name, table in result_tables(result, csv_mode=True).items()
        }
        write_folder(path, files, guard, RESULT_SHEETS)
