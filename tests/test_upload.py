"""Uploads, read in memory: the same bytes give the same scenario as the file `load`
reads, whatever the form (YAML, JSON, .xlsx, a zipped folder of CSV files), and the same
limits and messages, with the upload's base name as the source. A zipped folder has
limits of its own (entries, nesting, passwords, entries that inflate without end);
arbitrary bytes under any name end in `ScenarioError`, never another exception."""

from __future__ import annotations

import functools
import io
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook

import matcher
from matcher.io.documents import MAX_FILE_BYTES
from matcher.io.load import load_upload as reexported
from matcher.io.sheets import raw
from matcher.io.sheets.folder import MAX_ZIP_ENTRIES
from matcher.io.sheets.write import write_scenario
from matcher.io.upload import load_upload, upload_name
from matcher.model.errors import ScenarioError
from tests.conftest import EXAMPLE_PATHS, SCENARIOS, Data, minimal_scenario
from tests.spreadsheets import (
    csv_folder,
    edit,
    one_problem,
    problems,
    put,
    raw_workbook,
    set_csv,
    sheet_xml,
    workbook,
    write_parts,
)
from tests.test_xlsx_limits import (
    HEADER,
    SECRET,
    minimal_parts,
    put_cell,
    strings_bomb,
    timed,
    zeros,
)

BUNDLED = sorted(SCENARIOS.glob("*.yaml"))
EXAMPLE = EXAMPLE_PATHS["stavanger-sola-sandnes"]
_MB = 1024 * 1024
TOO_LARGE = f"larger than {MAX_FILE_BYTES // _MB} MB"
DAMAGED_ZIP = (
    "not a zip file, or a damaged one; zip the folder that holds mentors.csv, "
    "participants.csv, ... again"
)
NOT_XLSX = "not a valid .xlsx workbook (open it in Excel and save it as .xlsx)"


def upload_problems(name: str, data: bytes) -> list[str]:
    """The rendered problems of an upload that must fail, within the time bound; the
    source is the upload's base name and no message shows the secret value."""
    with pytest.raises(ScenarioError) as info:
        timed(lambda: load_upload(name, data))
    assert info.value.source == upload_name(name)
    found = [str(p) for p in info.value.problems]
    assert not any(SECRET in p for p in found)
    return found


def upload_problem(name: str, data: bytes) -> str:
    """The one problem of an upload that must fail with exactly one."""
    found = upload_problems(name, data)
    assert len(found) == 1, found
    return found[0]


def zipped(folder: Path, top: str | None = None, junk: bool = False) -> bytes:
    """A folder zipped in memory as a coordinator would: its files at the top or inside
    one folder `top`, with the junk a Mac's "Compress" adds if `junk`."""
    buffer = io.BytesIO()
    prefix = f"{top}/" if top else ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if top:
            archive.writestr(prefix, b"")
        for file in sorted(folder.iterdir()):
            archive.writestr(prefix + file.name, file.read_bytes())
            if junk:
                archive.writestr(f"__MACOSX/{prefix}._{file.name}", b"\0\5\26\7 Mac OS X")
        if junk:
            archive.writestr(prefix + ".DS_Store", b"\0\0\0\1Bud1")
            archive.writestr("__MACOSX/", b"")
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A zip file of the given entries, written in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_directory(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """A zip file with one field (at `offset` in the 46-byte fixed part of an entry of
    the central directory, where zipfile reads it) changed in every entry."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start, count = archive.start_dir, len(archive.infolist())
    for _ in range(count):
        assert out[start : start + 4] == b"PK\x01\x02"
        struct.pack_into(fmt, out, start + offset, value)
        name, extra, comment = struct.unpack_from("<HHH", out, start + 28)
        start += 46 + name + extra + comment
    return bytes(out)


# --- the same scenario as from a file -------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_each_bundled_scenario_uploads_as_it_loads(path: Path) -> None:
    assert load_upload(path.name, path.read_bytes()) == matcher.load(path)


def test_json_and_any_case_and_a_client_path(tmp_path: Path) -> None:
    scenario = matcher.load(EXAMPLE)
    write_scenario(scenario, tmp_path / "round.json")
    data = (tmp_path / "round.json").read_bytes()
    assert load_upload("round.json", data) == scenario
    assert reexported("C:\\Users\\kari\\Round.JSON", data) == scenario
    assert load_upload("ROUND.YML", EXAMPLE.read_bytes()) == scenario


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_workbook_uploads_as_the_file_loads(tmp_path: Path, path: Path) -> None:
    xlsx = tmp_path / "x.xlsx"
    write_scenario(matcher.load(path), xlsx)
    assert load_upload("x.xlsx", xlsx.read_bytes()) == matcher.load(xlsx)


@pytest.mark.parametrize(
    ("top", "junk"), [(None, False), ("round", False), ("round", True), (None, True)]
)
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_zipped_folder_uploads_as_the_folder_loads(
    tmp_path: Path, path: Path, top: str | None, junk: bool
) -> None:
    folder = csv_folder(tmp_path, matcher.load(path).model_dump(mode="json"))
    assert load_upload("round.zip", zipped(folder, top, junk)) == matcher.load(folder)


# --- problems named as the file's are ---------------------------------------------------


def test_a_bad_row_in_an_uploaded_workbook_names_sheet_row_and_column(
    tmp_path: Path, scenario_dict: Data
) -> None:
    def change(wb: Workbook) -> None:
        put(wb, "participants", 3, "consent", "perhaps")
        put(wb, "mentors", 2, "age", SECRET)

    path = edit(workbook(tmp_path, scenario_dict), change)
    found = upload_problems("round.xlsx", path.read_bytes())
    assert found == problems(path)
    assert (
        "sheet participants, row 3 (P2), column consent (E): "
        "expected ja/nei, true/false, yes/no, 1/0 or x for yes"
    ) in found
    assert any(p.startswith("sheet mentors, row 2 (M1), column age") for p in found)


@pytest.mark.parametrize(
    "name", ["C:\\Users\\kari\\round.xlsx", "/home/kari/round.xlsx", "kari/round.xlsx"]
)
def test_the_source_is_the_base_name_never_the_clients_path(name: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_upload(name, b"not a workbook")
    assert info.value.source == "round.xlsx"
    assert "kari" not in str(info.value)


def test_a_bad_row_in_a_zipped_folder_names_file_row_and_column(
    tmp_path: Path, scenario_dict: Data
) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    set_csv(folder, "participants", 3, "consent", SECRET)
    found = upload_problems("round.zip", zipped(folder, "round", junk=True))
    assert found == problems(folder)
    assert found[0].startswith("participants.csv, row 3 (P2), column consent (E): expected")


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfname: [",
        b"name: \xff",
        b"!!python/object:os.system {}",
        b"a: &a [1, 2]\nb: *a\na: 3\n",
        b"[" * 200 + b"]" * 200,
        b"a: &a [" + b"1," * 100 + b"]\nb: &b [" + b"*a," * 1100 + b"]\n",
        b"",
    ],
    ids=["bom", "not utf-8", "tag", "repeated key", "deep", "alias bomb", "empty"],
)
def test_documents_give_the_path_loaders_messages(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "round.yaml"
    path.write_bytes(content)
    assert upload_problems("round.yaml", content) == problems(path)


def test_json_gives_the_path_loaders_messages(tmp_path: Path) -> None:
    for content in (b'{"a": NaN}', b'{"a": 1, "a": 2}', b"{", b"[" * 200 + b"]" * 200):
        path = tmp_path / "round.json"
        path.write_bytes(content)
        assert upload_problems("round.json", content) == problems(path)


# --- limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["round.yaml", "round.json", "round.xlsx", "round.zip"])
def test_an_oversized_upload_is_refused(name: str) -> None:
    problem = upload_problem(name, b" " * (MAX_FILE_BYTES + 1))
    assert problem.endswith(TOO_LARGE)


def test_a_zip_with_too_many_entries_is_refused() -> None:
    data = zip_of({f"notes{n}.txt": b"" for n in range(MAX_ZIP_ENTRIES + 1)})
    assert upload_problem("round.zip", data) == (
        f"the zip file holds more than {MAX_ZIP_ENTRIES} files and folders; zip only the "
        "folder that holds mentors.csv, participants.csv, ..."
    )


def bomb(size: int = MAX_FILE_BYTES + _MB) -> bytes:
    """A zipped folder whose participants.csv inflates to `size` bytes of one letter."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mentors.csv", "id\nM1\n")
        with archive.open("participants.csv", "w") as entry:
            for chunk in zeros(size):
                entry.write(chunk.replace(b"\0", b"a"))
    return buffer.getvalue()


def test_a_zip_entry_that_inflates_beyond_the_limit_is_refused() -> None:
    data = bomb()
    assert len(data) < 100_000
    assert upload_problem("round.zip", data) == f"participants.csv: {TOO_LARGE}"
    # a header that understates the size is read no further than it claims
    understated = patch_directory(data, 24, "<I", 100)
    assert upload_problem("round.zip", understated) == DAMAGED_ZIP


def test_a_damaged_zip_is_refused(tmp_path: Path, scenario_dict: Data) -> None:
    data = zipped(csv_folder(tmp_path, scenario_dict))
    assert upload_problem("round.zip", data[: len(data) // 2]) == DAMAGED_ZIP
    start = data.index(b"participants.csv") + len(b"participants.csv")
    scrambled = data[:start] + bytes(b ^ 0x5A for b in data[start : start + 40])
    assert upload_problem("round.zip", scrambled + data[start + 40 :]) == DAMAGED_ZIP


def test_an_encrypted_zip_is_refused(tmp_path: Path, scenario_dict: Data) -> None:
    data = patch_directory(zipped(csv_folder(tmp_path, scenario_dict)), 8, "<H", 1)
    assert upload_problem("round.zip", data) == (
        "the zip file is protected by a password; zip the folder without one"
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ["round/old/mentors.csv"],
            "the zip file holds folders within folders; zip the one folder that holds "
            "mentors.csv, participants.csv, ...",
        ),
        (
            ["round/old/"],
            "the zip file holds folders within folders; zip the one folder that holds "
            "mentors.csv, participants.csv, ...",
        ),
        (
            ["a/mentors.csv", "b/participants.csv"],
            "the zip file holds more than one folder; zip the one folder that holds "
            "mentors.csv, participants.csv, ...",
        ),
    ],
    ids=["nested file", "nested folder", "two folders"],
)
def test_folders_in_a_zip_are_limited(names: list[str], expected: str) -> None:
    data = zip_of({name: b"id\nM1\n" for name in names})
    assert upload_problem("round.zip", data) == expected


def test_a_zip_without_tables_is_refused_as_the_folder_is(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    (folder / "Mentor.csv").write_text("id\nM1\n")
    assert upload_problems("round.zip", zipped(folder, "round", junk=True)) == problems(folder)


def test_a_table_twice_in_a_zip_is_reported_and_notes_are_not_read(
    tmp_path: Path, scenario_dict: Data
) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    (folder / "notes.csv").write_bytes(b"\xff" * 10)
    entries = {f"round/{f.name}": f.read_bytes() for f in folder.iterdir()}
    entries["mentors.csv"] = (folder / "mentors.csv").read_bytes()
    assert upload_problem("round.zip", zip_of(entries)) == (
        "mentors.csv: a second file for this table"
    )


def test_a_workbook_without_scenario_sheets_is_refused_as_the_file_is(tmp_path: Path) -> None:
    path = raw_workbook(tmp_path / "own.xlsx", [("Ark1", sheet_xml([HEADER]))])
    assert upload_problems("own.xlsx", path.read_bytes()) == problems(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("round.xls", "'.xls' files are not read; save the workbook as .xlsx"),
        ("round.ODS", "'.ods' files are not read; save the workbook as .xlsx"),
        (
            "mentors.csv",
            "one CSV file holds one table; zip the folder that holds mentors.csv, "
            "participants.csv, ... and upload the .zip file",
        ),
        (
            "round.txt",
            "unsupported file type '.txt'; upload a .yaml, .yml, .json or .xlsx file, or a "
            "folder of CSV files zipped (.zip)",
        ),
        (
            "",
            "unsupported file type ''; upload a .yaml, .yml, .json or .xlsx file, or a "
            "folder of CSV files zipped (.zip)",
        ),
        ("random.xlsx", NOT_XLSX),
    ],
)
def test_other_files_get_clear_messages(name: str, expected: str) -> None:
    assert upload_problem(name, b"\x93\x1f random bytes \x00\xff" * 50) == expected


def _value_in_the_last_row(tmp_path: Path, data: Data) -> Path:
    return edit(workbook(tmp_path, data), put_cell("participants", 1_048_576, 1))


def _value_right_of_the_table(tmp_path: Path, data: Data) -> Path:
    return edit(workbook(tmp_path, data), put_cell("mentors", 3, 16_384))


def _too_many_parts(tmp_path: Path, data: Data) -> Path:
    parts = minimal_parts()
    parts.update({f"x/{i}": b"" for i in range(raw.MAX_PARTS)})
    return write_parts(tmp_path / "parts.xlsx", parts)


def _a_large_part(tmp_path: Path, data: Data) -> Path:
    parts = minimal_parts()
    parts["xl/media/a.bin"] = zeros(129 * _MB)
    return write_parts(tmp_path / "part.xlsx", parts)


def _nested_cell(tmp_path: Path, data: Data) -> Path:
    row = '<row r="2"><c r="A2">' + "<x>" * 100 + "</x>" * 100 + "</c></row>"
    return raw_workbook(tmp_path / "odd.xlsx", [("participants", sheet_xml([HEADER, row]))])


@pytest.mark.parametrize(
    "hostile",
    [
        lambda tmp_path, data: strings_bomb(tmp_path / "bomb.xlsx"),
        _value_in_the_last_row,
        _value_right_of_the_table,
        _too_many_parts,
        _a_large_part,
        _nested_cell,
    ],
    ids=["strings bomb", "last row", "right", "parts", "large part", "nesting"],
)
def test_hostile_workbooks_meet_the_same_limits_in_memory(
    tmp_path: Path, scenario_dict: Data, hostile: Callable[[Path, Data], Path]
) -> None:
    path = hostile(tmp_path, scenario_dict)
    assert upload_problem(path.name, path.read_bytes()) == one_problem(path)


# --- anything else is a ScenarioError -----------------------------------------------------

SUFFIXES = [".yaml", ".yml", ".json", ".xlsx", ".xlsm", ".zip", ".csv", ".xls", ".ods", ".txt"]


#: FUZZ_EXAMPLES=2000 runs a longer hunt, as in test_xlsx_fuzz.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def valid(suffix: str) -> bytes:
    """A valid upload of each form that has structure to damage."""
    if suffix in (".yaml", ".json"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"round{suffix}"
            write_scenario(minimal_scenario(), path)
            return path.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".zip":
            return zipped(csv_folder(Path(tmp), minimal_scenario()), "round", junk=True)
        return workbook(Path(tmp), minimal_scenario()).read_bytes()


def loads_or_refuses(name: str, data: bytes) -> None:
    """An upload either gives a scenario or a `ScenarioError` with a message."""
    try:
        load_upload(name, data)
    except ScenarioError as error:
        assert error.problems
        assert error.source == name


@FUZZ
@given(suffix=st.sampled_from([*SUFFIXES, ""]), data=st.binary(max_size=4096))
def test_arbitrary_bytes_are_refused_with_a_message(suffix: str, data: bytes) -> None:
    loads_or_refuses("round" + suffix.upper(), data)
    loads_or_refuses("round" + suffix, b"PK\x03\x04" + data)


@FUZZ
@given(
    suffix=st.sampled_from([".yaml", ".json", ".xlsx", ".zip"]),
    changes=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), max_size=6
    ),
    keep=st.floats(0.5, 1),
)
def test_damaged_uploads_are_refused_with_a_message(
    suffix: str, changes: list[tuple[float, bytes]], keep: float
) -> None:
    data = bytearray(valid(suffix))
    for where, new in changes:
        at = int(where * len(data))
        data[at : at + len(new)] = new
    loads_or_refuses("round" + suffix, bytes(data[: int(keep * len(data))]))
