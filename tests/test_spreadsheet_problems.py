"""Problems in spreadsheets name the file, sheet, row (with the record's id) and column,
never the value in the cell; the reader's and the validator's problems are reported
together, in sheet order."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl.workbook.workbook import Workbook

import matcher
from matcher.io.sheets.columns import SETTINGS
from matcher.model.errors import ScenarioError
from matcher.model.vocabulary import CATEGORIES
from tests.spreadsheets import (
    Data,
    csv_folder,
    edit,
    one_problem,
    problems,
    put,
    set_csv,
    workbook,
    write_csv,
)

# --- problems name sheet, row and column ---------------------------------------------


def test_unknown_column(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def change(wb: Workbook) -> None:
        ws = wb["participants"]
        ws.cell(1, ws.max_column + 1).value = "substance"
        ws.cell(3, ws.max_column).value = "opioids"

    problem = one_problem(edit(path, change))
    assert problem.startswith(
        "sheet participants, row 1, column substance (Q): unknown column 'substance'; "
        "expected id, gender,"
    )


def test_bad_boolean_names_cell_not_value(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "consent", "perhaps"))
    problem = one_problem(path)
    assert problem == (
        "sheet participants, row 3 (P2), column consent (E): "
        "expected ja/nei, true/false, yes/no, 1/0 or x for yes"
    )


def test_unknown_vocabulary_value(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "substances", "opioids; ketamine"))
    problem = one_problem(path)
    assert problem.startswith(
        "sheet participants, row 3 (P2), column substances (H), item 2: unknown value; "
        "allowed: alcohol,"
    )
    assert "ketamine" not in problem
    assert "settings key vocabulary.substances" in problem


def test_dangling_mentor_in_pairs(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "pairs", 2, "mentor", "M99"))
    assert one_problem(path) == "sheet pairs, row 2 (P3), column mentor (B): unknown mentor 'M99'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13-01", "input should be a valid date"),
        ("31.02.2026", "not a valid date"),
        ("next week", "expected a date such as 2026-09-01, 01.09.2026, 1.9.2026, 01.09.26"),
    ],
)
def test_bad_date(tmp_path: Path, scenario_dict: Data, text: str, message: str) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 2, "referred", text))
    problem = one_problem(path)
    assert problem.startswith(f"sheet participants, row 2 (P1), column referred (F): {message}")
    assert text not in problem


def test_bad_round_date_in_settings(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "settings", 3, "value", "2026-02-30"))
    assert one_problem(path).startswith(
        "sheet settings, row 3 (date), column value (B): input should be a valid date"
    )


def test_several_problems_at_once_in_sheet_order(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def change(wb: Workbook) -> None:
        put(wb, "participants", 5, "age", "forty")
        put(wb, "participants", 3, "consent", "maybe")
        put(wb, "mentors", 3, "gender", "unknown")
        wb["settings"].append(["policy.fairnes", "none"])

    found = problems(edit(path, change))
    assert [p.split(":")[0] for p in found] == [
        f"sheet settings, row {len(SETTINGS) + 2} (policy.fairnes), column key (A)",
        "sheet mentors, row 3 (M2), column gender (B)",
        "sheet participants, row 3 (P2), column consent (E)",
        "sheet participants, row 5 (P4), column age (C)",
    ]
    rendered = "\n".join(found)
    assert "forty" not in rendered and "maybe" not in rendered
    assert "unknown settings key" in found[0]


def test_problems_in_csv_name_the_file(tmp_path: Path, scenario_dict: Data) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    set_csv(folder, "participants", 3, "consent", "perhaps")
    set_csv(folder, "pairs", 2, "participant", "P77")
    with pytest.raises(ScenarioError) as info:
        matcher.load(folder)
    text = info.value.render()
    # reported together: a bad cell, and a dangling reference in another file
    assert text.splitlines()[0] == f"{folder}: invalid scenario (2 problems)"
    assert f"{folder}: participants.csv, row 3 (P2), column consent (E): expected" in text
    assert f"{folder}: pairs.csv, row 2 (P77), column participant (A): unknown" in text
    set_csv(folder, "participants", 3, "consent", "true")
    assert one_problem(folder) == (
        "pairs.csv, row 2 (P77), column participant (A): unknown participant 'P77'"
    )


def test_missing_required_column_is_one_problem(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: wb["participants"].delete_cols(3))  # age
    assert one_problem(path) == "sheet participants: missing required column 'age'"


def test_empty_required_cell(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "mentors", 4, "age", None))
    assert one_problem(path) == "sheet mentors, row 4 (M3), column age (C): required value is empty"


def test_duplicate_ids_name_the_rows(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "mentors", 4, "id", "M1"))
    assert "sheet mentors: duplicate id 'M1' (rows 2, 4)" in problems(path)


def test_unknown_sheet_with_content(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: wb.create_sheet("mentor")["A1"].__setattr__("value", "id"))
    assert one_problem(path).startswith("sheet mentor: unknown sheet; did you mean 'mentors'?")


def test_a_sheet_that_names_no_table_is_never_read(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: wb.create_sheet("Ark1")["A1"].__setattr__("value", "my own list"))
    assert matcher.load(path) == matcher.validate(scenario_dict)


def test_unknown_csv_file(tmp_path: Path, scenario_dict: Data) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    (folder / "mentors.csv").rename(folder / "mentor.csv")
    assert "mentor.csv: unknown file; did you mean 'mentors.csv'?" in problems(folder)[0]


def test_settings_problems(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def change(wb: Workbook) -> None:
        wb["settings"].append(["program.capacity", 3])  # a second time
        wb["settings"].append(["vocabulary.interests", "chess"])
        wb["settings"].append(["vocabulary.interests.chess", "boardgames"])
        wb["settings"].append([None, "orphan"])

    rows = len(SETTINGS) + 1
    assert problems(edit(path, change)) == [
        f"sheet settings, row {rows + 1} (program.capacity), column value (B): key repeated "
        "(first in row 4)",
        f"sheet settings, row {rows + 2} (vocabulary.interests), column key (A): unknown "
        "settings key; write one row per tag: vocabulary.interests.TAG",
        f"sheet settings, row {rows + 3} (vocabulary.interests.chess), column value (B): "
        "unknown category; allowed: " + ", ".join(CATEGORIES),
        f"sheet settings, row {rows + 4}, column key (A): a value without a key",
    ]


def test_bad_lock_kind_and_unknown_lock_mentor(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "locks", 2, "kind", "always"))
    assert one_problem(path) == (
        "sheet locks, row 2 (P1), column kind (A): expected require or forbid"
    )
    edit(path, lambda wb: put(wb, "locks", 2, "kind", "require"))
    edit(path, lambda wb: put(wb, "locks", 3, "mentor", "M9"))
    assert one_problem(path) == "sheet locks, row 3 (P2), column mentor (C): unknown mentor 'M9'"


def test_formula_without_saved_value_and_excel_errors(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def change(wb: Workbook) -> None:
        put(wb, "mentors", 2, "age", "=30+10")  # openpyxl saves no result for it
        put(wb, "mentors", 3, "age", "#N/A")

    assert problems(edit(path, change)) == [
        "sheet mentors, row 2 (M1), column age (C): a formula without a saved result; open "
        "and save the file in Excel, or paste the values",
        "sheet mentors, row 3 (M2), column age (C): the cell shows an Excel error; enter a value",
    ]


def test_header_row_missing(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    write_csv(folder, "mentors", [["M1", "female", "40", "north", "5"]])
    assert one_problem(folder).startswith("mentors.csv, row 1: row 1 must hold the column names")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mentors.csv", "one CSV file holds one table"),
        ("old.xls", "save the workbook as .xlsx"),
        ("round.txt", "unsupported file type '.txt'"),
    ],
)
def test_files_that_are_not_scenarios(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("id\n", encoding="utf-8")
    assert expected in one_problem(path)


def test_damaged_workbook_and_empty_folder(tmp_path: Path) -> None:
    path = tmp_path / "round.xlsx"
    path.write_bytes(b"not a zip file")
    assert "not a valid .xlsx workbook" in one_problem(path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert one_problem(empty).startswith("no scenario tables in this folder")


def test_yaml_and_json_loading_is_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "round.yaml"
    folder.mkdir()
    assert "is a folder" in one_problem(folder)
    assert one_problem(tmp_path / "absent.xlsx") == "no such file"


def test_every_problem_of_a_row_at_once(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def spoil(wb: Workbook) -> None:
        put(wb, "participants", 2, "gender", "alien")
        put(wb, "participants", 2, "age", 7)
        put(wb, "participants", 2, "substances", "tobacco;alkohol")

    found = problems(edit(path, spoil))
    assert [p.split(": ", 1)[0] for p in found] == [
        "sheet participants, row 2 (P1), column gender (B)",
        "sheet participants, row 2 (P1), column age (C)",
        "sheet participants, row 2 (P1), column substances (H), item 1",
    ]
    assert found[0].endswith("(or in Norwegian: kvinne, mann, annet)")
