"""The tables of a folder of CSV files, as another program writes them: any of `,`, `;`
or tab as the delimiter, UTF-8 or Windows-1252. Size limits refuse a large file before
its records are built; unknown and repeated tables are reported, not read."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from matcher.io.sheets.cells import blank
from matcher.io.sheets.columns import IGNORED_SHEETS, MAX_ROWS, SHEETS, misspelt_table
from matcher.io.sheets.names import sheet_key
from matcher.io.sheets.places import SheetData, Where
from matcher.io.sheets.raw import RawTable, check_size, file_problem


def _check_rows(name: str, rows: int, place: str, source: str) -> None:
    """Refuse a table with more rows than its records may number (header not counted)."""
    limit = MAX_ROWS[name]
    if rows > limit + 1:
        raise file_problem(
            source,
            f"{place}: more than {limit} rows below the header; at most {limit} {name} are allowed",
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_folder(path: Path, sheet: SheetData) -> list[RawTable]:
    """The scenario tables of a folder of CSV files with content (any of `,;` or tab,
    UTF-8 or Windows-1252); problems go to `sheet`."""
    source = sheet.source
    raws: list[RawTable] = []
    seen: set[str] = set()
    for file in sorted(path.iterdir()):
        if not file.is_file() or file.suffix.lower() != ".csv" or file.name.startswith("."):
            continue
        name = sheet_key(file.stem)
        if name in IGNORED_SHEETS:
            continue
        if name not in SHEETS:
            near = misspelt_table(name)
            if near is not None:  # else the coordinator's own file: never read
                sheet.add(
                    Where(file.name, file.name),
                    f"unknown file; did you mean '{near}.csv'? "
                    f"(files: {', '.join(s + '.csv' for s in SHEETS)})",
                )
            continue
        if name in seen:
            sheet.add(Where(file.name, name), "a second file for this table")
            continue
        seen.add(name)
        check_size(file, source)
        try:
            text = _decode(file.read_bytes())
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
            rows: list[list[object]] = [
                list(r) for r in itertools.islice(reader, MAX_ROWS[name] + 2)
            ]
            _check_rows(name, len(rows), file.name, source)
        except (OSError, csv.Error) as error:
            sheet.add(Where(file.name, name), f"cannot read the file: {error}")
            continue
        if any(not blank(v) for row in rows for v in row):
            raws.append(RawTable(name, [list(r) for r in rows]))
    if not seen and not sheet.problems:
        raise file_problem(
            source,
            "no scenario tables in this folder; expected " + ", ".join(s + ".csv" for s in SHEETS),
        )
    if not raws and not sheet.problems:
        raise file_problem(source, "the CSV files are empty")
    return raws
