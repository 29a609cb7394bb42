"""Scenarios in spreadsheets and results out: lossless round trips (.xlsx, CSV folders,
YAML, JSON), the template, problems that name sheet, row and column (never the value),
formula neutralisation, atomic writes and the `convert` / `template` commands."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import matcher
import matcher.cli.app
from matcher.cli.sheets import export_result, register
from matcher.io.spreadsheet import (
    SETTINGS,
    TABLES,
    OutputError,
    neutralise,
    read_spreadsheet,
    write_result,
    write_scenario,
    write_template,
)
from matcher.model.errors import ScenarioError
from matcher.model.scenario import Mentor, Municipality, Pair, Participant, Scenario
from matcher.model.vocabulary import CATEGORIES

Data = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    "stavanger-sola-sandnes": ROOT / "matcher" / "data" / "stavanger-sola-sandnes.yaml",
    "grenland": ROOT / "scenarios" / "grenland.yaml",
    "loland": ROOT / "scenarios" / "loland.yaml",
}
OUT = {"xlsx": "round.xlsx", "csv": "round", "yaml": "round.yaml", "json": "round.json"}


@functools.cache
def original(name: str) -> tuple[Scenario, list[tuple[str, str]]]:
    scenario = matcher.load(EXAMPLES[name])
    return scenario, pairs_of(scenario)


def pairs_of(scenario: Scenario) -> list[tuple[str, str]]:
    result = matcher.solve(scenario, explain=False)
    return sorted((p.participant, p.mentor) for p in result.pairs)


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        matcher.load(path)
    assert info.value.source == str(path)
    return [str(p) for p in info.value.problems]


def one_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def workbook(tmp_path: Path, data: Data, name: str = "round.xlsx") -> Path:
    path = tmp_path / name
    write_scenario(data, path)
    return path


def edit(path: Path, change: Callable[[Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def put(wb: Workbook, sheet: str, row: int, column: str, value: Any) -> None:
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row, header.index(column) + 1).value = value


def write_csv(folder: Path, name: str, rows: list[list[str]], delimiter: str = ",",
              encoding: str = "utf-8") -> None:
    folder.mkdir(exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    (folder / f"{name}.csv").write_bytes(buffer.getvalue().encode(encoding))


def csv_folder(tmp_path: Path, data: Data) -> Path:
    path = tmp_path / "round"
    write_scenario(data, path)
    return path


def set_csv(folder: Path, table: str, row: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[row - 1][rows[0].index(column)] = value
    write_csv(folder, table, rows)


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# --- lossless round trips ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_round_trip_with_the_same_pairs(tmp_path: Path, name: str, fmt: str) -> None:
    scenario, pairs = original(name)
    out = tmp_path / OUT[fmt]
    write_scenario(scenario, out)
    back = matcher.load(out)
    assert back == scenario
    assert pairs_of(back) == pairs
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_yaml_to_xlsx_to_yaml_and_json(tmp_path: Path, name: str) -> None:
    scenario, _ = original(name)
    write_scenario(scenario, tmp_path / "a.xlsx")
    write_scenario(matcher.load(tmp_path / "a.xlsx"), tmp_path / "b.yaml")
    write_scenario(matcher.load(tmp_path / "b.yaml"), tmp_path / "c.json")
    write_scenario(matcher.load(tmp_path / "c.json"), tmp_path / "d")
    assert matcher.load(tmp_path / "b.yaml") == scenario
    assert matcher.load(tmp_path / "c.json") == scenario
    assert matcher.load(tmp_path / "d") == scenario
    text = (tmp_path / "b.yaml").read_text(encoding="utf-8")
    assert "languages: ['no']" in text  # Norwegian stays text, not false
    assert "9.0" not in text


def test_every_field_has_a_column() -> None:
    def names(table: str) -> set[str]:
        return {c.name for c in TABLES[table]}

    assert names("mentors") == set(Mentor.model_fields)
    assert names("municipalities") == set(Municipality.model_fields)
    assert names("pairs") == set(Pair.model_fields)
    assert names("participants") == (set(Participant.model_fields) - {"prefers"}) | {
        "prefers.mentor_gender", "prefers.max_age_gap"}
    assert {"name", "date", "program.capacity", "program.position_budget", "policy.objective",
            "policy.max_age_gap", "policy.weights.age", "policy.weights.language",
            "vocabulary.substances", "vocabulary.priority"} <= set(SETTINGS)


def test_dict_data_edge_values_round_trip(tmp_path: Path, scenario_dict: Data) -> None:
    data = scenario_dict
    data["mentors"][0]["serves"] = []  # serves nobody: an explicit empty list, not "all"
    data["policy"]["objective"] = []  # every criterion left out
    data["vocabulary"] = {"substances": ["gambling"], "interests": {"padel2": "physical",
                                                                    "chess": None}}
    data["participants"][1]["substances"] = ["gambling"]
    data["participants"][0]["prefers"] = {"mentor_gender": "any", "max_age_gap": 10}
    data["participants"][0]["discharge"] = "2026-12-24"
    data["pairs"][0]["release"] = True
    data["program"]["position_budget"] = 0.35
    data["municipalities"][1]["share"] = 0.45
    scenario = matcher.validate(copy.deepcopy(data))
    for fmt in ("xlsx", "csv", "yaml", "json"):
        out = tmp_path / OUT[fmt]
        write_scenario(data, out)
        back = matcher.load(out)
        assert back == scenario, fmt
    assert back.mentors[0].serves == []
    assert back.mentors[1].serves == ["south", "north"]
    assert back.mentors[2].serves is None
    with (tmp_path / "round" / "mentors.csv").open(encoding="utf-8-sig") as handle:
        assert next(csv.DictReader(handle))["serves"] == ";"


def test_without_municipalities_sheet_they_come_from_people(tmp_path: Path,
                                                            scenario_dict: Data) -> None:
    del scenario_dict["municipalities"]
    path = workbook(tmp_path, scenario_dict)
    assert "municipalities" not in openpyxl.load_workbook(path).sheetnames
    loaded = matcher.load(path)
    assert loaded.municipalities is None
    assert [m.id for m in loaded.municipality_list()] == ["north", "south"]


# --- reading what coordinators type --------------------------------------------------


def test_cells_as_excel_gives_them(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)

    def change(wb: Workbook) -> None:
        wb["mentors"].title = "renamed"
        wb["renamed"].title = "Mentors"  # sheet names in any case
        put(wb, "Mentors", 2, "trained", "Yes")
        put(wb, "Mentors", 2, "active", 1)
        put(wb, "Mentors", 2, "age", 41.0)  # Excel numbers are floats
        put(wb, "Mentors", 2, "substances", "Alcohol ;  opioids;")
        put(wb, "Mentors", 3, "id", 1001)  # an id typed as a number
        put(wb, "participants", 2, "referred", dt.datetime(2026, 9, 1))
        put(wb, "participants", 3, "referred", "15.10.2026")
        put(wb, "participants", 5, "consent", "NEI")
        put(wb, "participants", 5, "languages", "no")  # Norwegian, not false
        put(wb, "settings", 3, "value", dt.datetime(2026, 11, 20))
        wb["Mentors"].insert_rows(3)  # an empty row is skipped
        wb.create_sheet("Sheet1")  # an empty unknown sheet does no harm
        wb.create_sheet("notes")["A1"] = "the coordinator's own notes"

    edit(path, change)
    loaded = matcher.load(path)
    m1, m2 = loaded.mentors[0], loaded.mentors[1]
    assert (m1.trained, m1.active, m1.age) == (True, True, 41)
    assert m1.substances == ["alcohol", "opioids"]
    assert m2.id == "1001"
    assert loaded.participants[0].referred == dt.date(2026, 9, 1)
    assert loaded.participants[1].referred == dt.date(2026, 10, 15)
    assert loaded.participants[3].consent is False
    assert loaded.participants[3].languages == ["no"]
    assert loaded.date == dt.date(2026, 11, 20)


def test_csv_from_norwegian_excel(tmp_path: Path) -> None:
    """Semicolon-separated, Windows-1252, decimal commas, dotted dates, ja/nei."""
    folder = tmp_path / "round"
    write_csv(folder, "municipalities", [["id", "name", "partner", "share"],
                                         ["kragero", "Kragerø", "ja", "0,25"]],
              delimiter=";", encoding="cp1252")
    write_csv(folder, "mentors", [
        ["id", "gender", "age", "municipality", "recovery_years", "substances"],
        ["M1", "male", "50", "kragero", "2,5", "alcohol;opioids"]], delimiter=";",
        encoding="cp1252")
    write_csv(folder, "participants", [
        ["id", "gender", "age", "municipality", "consent", "referred"],
        ["P1", "male", "30", "kragero", "JA", "01.09.2026"]], delimiter=";", encoding="cp1252")
    write_csv(folder, "settings", [["key", "value"], ["date", "20.11.2026"],
                                   ["policy.objective", "coverage; quality"]], delimiter=";")
    loaded = matcher.load(folder)
    assert loaded.municipalities is not None
    assert loaded.municipalities[0].name == "Kragerø"
    assert loaded.municipalities[0].share == pytest.approx(0.25)
    assert loaded.mentors[0].recovery_years == pytest.approx(2.5)
    assert loaded.mentors[0].substances == ["alcohol", "opioids"]
    assert loaded.participants[0].referred == dt.date(2026, 9, 1)
    assert loaded.date == dt.date(2026, 11, 20)
    assert loaded.policy.objective == ["coverage", "quality"]
    (folder / "README.txt").write_text("other files are ignored", encoding="utf-8")
    assert matcher.load(folder) == loaded


def test_lock_rows(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: wb["locks"].append(["Forbid", "P3", "M2"]))
    assert matcher.load(path).locks.forbid == [("P2", "M1"), ("P3", "M2")]


def test_reader_remembers_rows_and_columns(tmp_path: Path, scenario_dict: Data) -> None:
    sheet = read_spreadsheet(workbook(tmp_path, scenario_dict))
    assert sheet.problems == []
    assert sheet.data["participants"][1]["id"] == "P2"
    where = sheet.cell("participants", 1, "substances")
    assert str(where) == "sheet participants, row 3 (P2), column substances (H)"
    assert str(sheet.rows[("settings", "policy.fairness")]).startswith("sheet settings, row ")


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
        "expected id, gender,")


def test_bad_boolean_names_cell_not_value(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "consent", "perhaps"))
    problem = one_problem(path)
    assert problem == ("sheet participants, row 3 (P2), column consent (E): "
                       "expected true/false, yes/no or 1/0")


def test_unknown_vocabulary_value(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "substances", "opioids; ketamine"))
    problem = one_problem(path)
    assert problem.startswith(
        "sheet participants, row 3 (P2), column substances (H), item 2: unknown value; "
        "allowed: alcohol,")
    assert "ketamine" not in problem
    assert "settings key vocabulary.substances" in problem


def test_dangling_mentor_in_pairs(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "pairs", 2, "mentor", "M99"))
    assert one_problem(path) == "sheet pairs, row 2 (P3), column mentor (B): unknown mentor 'M99'"


@pytest.mark.parametrize(("text", "message"), [
    ("2026-13-01", "input should be a valid date"),
    ("31.02.2026", "not a valid date"),
    ("next week", "input should be a valid date"),
])
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
        "sheet settings, row 3 (date), column value (B): input should be a valid date")


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
        "pairs.csv, row 2 (P77), column participant (A): unknown participant 'P77'")


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
    assert one_problem(path).startswith("sheet mentor: unknown sheet; expected settings,")


def test_unknown_csv_file(tmp_path: Path, scenario_dict: Data) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    (folder / "mentors.csv").rename(folder / "mentor.csv")
    assert "mentor.csv: unknown file" in problems(folder)[0]


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
        "sheet locks, row 2 (P1), column kind (A): expected require or forbid")
    edit(path, lambda wb: put(wb, "locks", 2, "kind", "require"))
    edit(path, lambda wb: put(wb, "locks", 3, "mentor", "M9"))
    assert one_problem(path) == "sheet locks, row 3 (P2), column mentor (C): unknown mentor 'M9'"


def test_formula_without_saved_value_and_excel_errors(tmp_path: Path,
                                                      scenario_dict: Data) -> None:
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


@pytest.mark.parametrize(("name", "expected"), [
    ("mentors.csv", "one CSV file holds one table"),
    ("old.xls", "save the workbook as .xlsx"),
    ("round.txt", "unsupported file type '.txt'"),
])
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


# --- formula neutralisation ----------------------------------------------------------


def hostile(data: Data) -> Data:
    data["name"] = "+round"
    data["participants"][3]["id"] = '=HYPERLINK("http://x","y")'  # P4, consent false
    data["municipalities"][1]["name"] = "@SUM(A1)"
    data["mentors"][2]["interests"] = ["-dance", "hiking"]
    return data


def test_scenario_export_neutralises_formulas(tmp_path: Path, scenario_dict: Data) -> None:
    data = hostile(scenario_dict)
    path = workbook(tmp_path, data)
    wb = openpyxl.load_workbook(path)
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for c in texts if c.data_type == "f"]
    assert not [c for c in texts if str(c.value).startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert wb["participants"]["A5"].value == '\'=HYPERLINK("http://x","y")'
    folder = csv_folder(tmp_path, data)
    assert "'@SUM(A1)" in (folder / "municipalities.csv").read_text(encoding="utf-8-sig")
    expected = matcher.validate(copy.deepcopy(data))
    assert matcher.load(path) == expected == matcher.load(folder)  # read back without the '


def test_result_export_neutralises_formulas(tmp_path: Path, scenario_dict: Data) -> None:
    result = matcher.solve(matcher.validate(hostile(scenario_dict)), explain=False)
    write_result(result, tmp_path / "result.xlsx")
    write_result(result, tmp_path / "result")
    wb = openpyxl.load_workbook(tmp_path / "result.xlsx")
    assert wb.sheetnames == ["pairs", "waiting", "municipalities", "metrics"]
    waiting = [row[0] for row in wb["waiting"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x","y")' in waiting
    assert ["scenario", "'+round"] in [list(r) for r in wb["metrics"].iter_rows(values_only=True)]
    text = (tmp_path / "result" / "waiting.csv").read_text(encoding="utf-8-sig")
    assert '\'=HYPERLINK(""http://x"",""y"")' in text
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"
    assert neutralise("M01") == "M01"


def test_result_tables(tmp_path: Path, scenario_dict: Data) -> None:
    result = matcher.solve(matcher.validate(scenario_dict), explain=True)
    write_result(result, tmp_path / "result")
    with (tmp_path / "result" / "pairs.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["participant"], r["mentor"]) for r in rows} == {
        (p.participant, p.mentor) for p in result.pairs}
    assert {r["kind"] for r in rows} <= {"new", "kept"}
    with (tmp_path / "result" / "metrics.csv").open(encoding="utf-8-sig") as handle:
        metrics = {r["key"]: r["value"] for r in csv.DictReader(handle)}
    assert metrics["status"] == result.status
    assert metrics["metrics.matched"] == str(result.metrics.matched)


# --- writing safely ------------------------------------------------------------------


def test_refuses_to_overwrite_the_input(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    before = path.read_bytes()
    with pytest.raises(OutputError, match="refusing to overwrite the input"):
        write_scenario(matcher.load(path), path, protect=path)
    folder = csv_folder(tmp_path, scenario_dict)
    with pytest.raises(OutputError, match="refusing to overwrite the input"):
        write_scenario(matcher.load(folder), folder, protect=folder)
    assert path.read_bytes() == before


def test_csv_folder_is_replaced_whole_but_never_with_foreign_files(
        tmp_path: Path, scenario_dict: Data) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    scenario_dict["name"] = "second"
    write_scenario(scenario_dict, folder)
    assert matcher.load(folder).name == "second"
    assert no_temp_files(tmp_path)
    (folder / "minutes.docx").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="holds other files"):
        write_scenario(scenario_dict, folder)
    assert (folder / "minutes.docx").exists()


@pytest.mark.parametrize("name", ["round.csv", "round.txt"])
def test_bad_output_names(tmp_path: Path, scenario_dict: Data, name: str) -> None:
    with pytest.raises(OutputError):
        write_scenario(scenario_dict, tmp_path / name)
    with pytest.raises(OutputError):
        write_scenario(scenario_dict, tmp_path / "missing" / "round.xlsx")


# --- the template --------------------------------------------------------------------


def validations(ws: Worksheet) -> dict[str, DataValidation]:
    """Column letter -> the data validation on its cells below the header."""
    out: dict[str, DataValidation] = {}
    for dv in ws.data_validations.dataValidation:
        for area in str(dv.sqref).split():
            out["".join(ch for ch in area.split(":")[0] if ch.isalpha())] = dv
    return out


def column_of(ws: Worksheet, name: str) -> str:
    for cell in ws[1]:
        if cell.value == name:
            return str(cell.column_letter)
    raise AssertionError(name)


def test_template(tmp_path: Path) -> None:
    path = tmp_path / "program.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["notes", "settings", "municipalities", "mentors", "participants",
                             "pairs", "locks"]
    lists = {
        ("mentors", "gender"): "female,male,other",
        ("mentors", "trained"): "true,false",
        ("participants", "consent"): "true,false",
        ("participants", "availability"): "daytime,evenings,weekends",
        ("participants", "prefers.mentor_gender"): "same,female,male,other,any",
        ("mentors", "substances"): "alcohol,cannabis,opioids,stimulants,benzodiazepines,other",
        ("participants", "priority"): "young,in_treatment,after_prison,urgent",
        ("locks", "kind"): "require,forbid",
    }
    for (sheet, column), values in lists.items():
        ws = wb[sheet]
        dv = validations(ws)[column_of(ws, column)]
        assert dv.type == "list" and dv.formula1 == f'"{values}"', (sheet, column)
        comment = ws[f"{column_of(ws, column)}1"].comment
        assert comment is not None and comment.text
    many = validations(wb["participants"])[column_of(wb["participants"], "substances")]
    assert not many.showErrorMessage  # several values go ;-separated
    assert "separated by ;" in str(many.prompt)
    muni = validations(wb["mentors"])[column_of(wb["mentors"], "municipality")]
    assert muni.formula1 == f"municipalities!$A$2:$A${500}"
    settings = {r[0]: r[1] for r in wb["settings"].iter_rows(min_row=2, values_only=True)}
    assert set(settings) == set(SETTINGS)
    assert settings["program.mentor_capacity"] == 2
    assert settings["policy.fairness"] == "quotas"
    assert settings["policy.objective"] == "coverage; fairness; priority; quality"
    loaded = matcher.load(path)  # an empty template is a valid, empty scenario
    assert loaded.mentors == [] and loaded.municipalities is None
    with pytest.raises(OutputError):
        write_template(tmp_path / "program.csv")


# --- the command line ----------------------------------------------------------------


def sheet_apps() -> list[typer.Typer]:
    fresh = typer.Typer()
    register(fresh)
    names = {c.name or (c.callback.__name__ if c.callback else "")
             for c in matcher.cli.app.app.registered_commands}
    return [fresh, matcher.cli.app.app] if {"convert", "template"} <= names else [fresh]


@pytest.fixture(params=sheet_apps(), ids=lambda a: "main" if a is matcher.cli.app.app else "fresh")
def app(request: pytest.FixtureRequest) -> typer.Typer:
    found: typer.Typer = request.param
    return found


def test_convert_command(tmp_path: Path, app: typer.Typer) -> None:
    runner = CliRunner()
    source = EXAMPLES["loland"]
    xlsx = tmp_path / "loland.xlsx"
    done = runner.invoke(app, ["convert", str(source), str(xlsx)])
    assert done.exit_code == 0, done.output
    assert f"wrote {xlsx}" in done.stderr
    done = runner.invoke(app, ["convert", str(xlsx), str(tmp_path / "back.yaml")])
    assert done.exit_code == 0, done.output
    assert matcher.load(tmp_path / "back.yaml") == original("loland")[0]
    done = runner.invoke(app, ["convert", str(xlsx), str(xlsx)])
    assert done.exit_code == 2
    assert "refusing to overwrite the input" in done.stderr


def test_convert_bad_input_exits_2_without_traceback(tmp_path: Path, app: typer.Typer,
                                                     scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "consent", "perhaps"))
    runner = CliRunner()
    for args in (["convert", str(path), str(tmp_path / "x.yaml")],
                 ["convert", str(tmp_path / "x.yaml"), str(tmp_path / "x.xlsx")],
                 ["convert", str(EXAMPLES["loland"]), str(tmp_path / "x.txt")]):
        done = runner.invoke(app, args)
        assert done.exit_code == 2, args
        assert "Traceback" not in done.output and "error:" in done.stderr
    done = runner.invoke(app, ["convert", str(path), str(tmp_path / "x.yaml")])
    assert "sheet participants, row 3 (P2), column consent (E)" in done.stderr
    assert "perhaps" not in done.stderr


def test_template_command(tmp_path: Path, app: typer.Typer,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["template"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "program.xlsx").exists()
    done = runner.invoke(app, ["template"])
    assert done.exit_code == 2 and "--force" in done.stderr
    assert runner.invoke(app, ["template", "--force"]).exit_code == 0
    done = runner.invoke(app, ["template", "--out", "t.ods"])
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert no_temp_files(tmp_path)


def test_export_result(tmp_path: Path, scenario_dict: Data) -> None:
    result = matcher.solve(matcher.validate(scenario_dict), explain=False)
    export_result(result, tmp_path / "out.xlsx")
    export_result(result, tmp_path / "out", fmt="csv")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "metrics.csv", "municipalities.csv", "pairs.csv", "waiting.csv"]
    for out, fmt in ((tmp_path / "out.csv", "csv"), (tmp_path / "o.json", "xlsx"),
                     (tmp_path / "out.xlsx", "xlsx")):
        with pytest.raises(typer.Exit) as info:
            export_result(result, out, fmt="csv" if fmt == "csv" else "xlsx",
                          protect=tmp_path / "out.xlsx")
        assert info.value.exit_code == 2
