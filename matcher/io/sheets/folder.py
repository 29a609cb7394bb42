"""The tables of a folder of CSV files, as another program writes them: any of `,`, `;`
or tab as the delimiter, UTF-8 or Windows-1252. Size limits refuse a large file before
its records are built; unknown and repeated tables are reported, not read.

The same folder zipped (an upload) is read in memory only, entry by entry with a bounded
read, through the same choice of tables; a Mac's `__MACOSX/` and `.DS_Store` are junk."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path, PurePath

from matcher.io.documents import MAX_FILE_BYTES
from matcher.io.sheets.cells import blank
from matcher.io.sheets.columns import IGNORED_SHEETS, MAX_ROWS, SHEETS, misspelt_table
from matcher.io.sheets.names import sheet_key
from matcher.io.sheets.places import SheetData, Where
from matcher.io.sheets.raw import RawTable, check_size, file_problem
from matcher.model.errors import ScenarioError
from matcher.text.language import gettext as _


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


#: A CSV file: its name and how to read its bytes, called only for a scenario table, so
#: that the coordinator's own files next to the tables are never read.
CsvFile = tuple[str, Callable[[], bytes]]


def read_csv_folder(path: Path, sheet: SheetData) -> list[RawTable]:
    """The scenario tables of a folder of CSV files with content (any of `,;` or tab,
    UTF-8 or Windows-1252); problems go to `sheet`."""
    files = [f for f in path.iterdir() if f.is_file()]
    return read_csv_files([(f.name, partial(_read_file, f, sheet.source)) for f in files], sheet)


def _read_file(file: Path, source: str) -> bytes:
    """A table's bytes, once its size is known to be within the limit."""
    check_size(file, source)  # before reading: the file may be huge
    return file.read_bytes()


def read_csv_files(files: Iterable[CsvFile], sheet: SheetData) -> list[RawTable]:
    """The scenario tables among CSV files given by name, from a folder or a zip file;
    one place decides which files are tables, so that both forms read alike."""
    source = sheet.source
    raws: list[RawTable] = []
    seen: set[str] = set()
    for file_name, read in sorted(files, key=lambda file: file[0]):
        file = PurePath(file_name)
        if file.suffix.lower() != ".csv" or file.name.startswith("."):
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
        try:
            text = _decode(read())
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


#: Entries a zipped folder may hold: a folder of tables holds a handful of files, and a
#: Mac adds a `__MACOSX/` twin of each and a `.DS_Store` or two.
MAX_ZIP_ENTRIES = 64
_ENCRYPTED = 0x1  # bit 0 of a zip entry's general purpose flags


def _damaged(source: str) -> ScenarioError:
    """One message for every kind of damage: which byte is wrong helps no coordinator."""
    return file_problem(
        source,
        _(
            "not a zip file, or a damaged one; zip the folder that holds mentors.csv, "
            "participants.csv, ... again"
        ),
    )


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, leaf: str, source: str) -> bytes:
    """One entry's bytes, read no further than one byte more than a CSV file may have,
    whatever its header claims, so that an entry which inflates without end (a zip bomb)
    costs no more than the largest file allowed."""
    check_size(info.file_size, source, leaf)  # a claim too large: refused before inflating
    try:
        with archive.open(info) as entry:
            data = entry.read(MAX_FILE_BYTES + 1)
    except Exception:  # zipfile and zlib raise several kinds of errors on damage
        raise _damaged(source) from None
    check_size(len(data), source, leaf)
    return data


def _zip_files(archive: zipfile.ZipFile, source: str) -> list[CsvFile]:
    """The files of a zipped folder by name: at its top or in one folder there, without
    the junk a Mac adds; refused if encrypted, too many or in folders within folders."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        many = _(
            "the zip file holds more than {count} files and folders; zip only the folder "
            "that holds mentors.csv, participants.csv, ..."
        )
        raise file_problem(source, many.format(count=MAX_ZIP_ENTRIES))
    folders: set[str] = set()
    files: list[CsvFile] = []
    for info in infos:
        if info.flag_bits & _ENCRYPTED:
            locked = _("the zip file is protected by a password; zip the folder without one")
            raise file_problem(source, locked)
        parts = [part for part in info.filename.replace("\\", "/").split("/") if part]
        if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue  # a Mac's resource forks and folder settings
        folder = parts if info.is_dir() else parts[:-1]
        if len(folder) > 1:
            nested = _(
                "the zip file holds folders within folders; zip the one folder that holds "
                "mentors.csv, participants.csv, ..."
            )
            raise file_problem(source, nested)
        folders.update(folder)
        if not info.is_dir():
            files.append((parts[-1], partial(_read_entry, archive, info, parts[-1], source)))
    if len(folders) > 1:
        several = _(
            "the zip file holds more than one folder; zip the one folder that holds "
            "mentors.csv, participants.csv, ..."
        )
        raise file_problem(source, several)
    return files


def read_csv_zip(data: bytes, sheet: SheetData) -> list[RawTable]:
    """The scenario tables of a zipped folder of CSV files (an upload), read in memory
    and never written anywhere, with the folder's limits and a few of the zip's own;
    problems go to `sheet`."""
    source = sheet.source
    check_size(len(data), source, PurePath(source).name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # zipfile raises several kinds of errors on a damaged file
        raise _damaged(source) from None
    with archive:
        return read_csv_files(_zip_files(archive, source), sheet)
