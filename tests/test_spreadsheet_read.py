"""Scenarios in spreadsheets read back as they were written: lossless round trips
between .xlsx, CSV folders, YAML and JSON, and cells as Excel and coordinators give
them (sheet names in any case, Excel numbers and dates, Norwegian CSV files)."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

import matcher
from matcher.io.sheets.columns import SETTINGS, TABLES
from matcher.io.sheets.read import read_spreadsheet
from matcher.io.sheets.write import write_scenario
from matcher.model.scenario import Mentor, Municipality, Pair, Participant
from tests.spreadsheets import (
    EXAMPLES,
    OUT,
    Data,
    edit,
    no_temp_files,
    original,
    pairs_of,
    put,
    workbook,
    write_csv,
)

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
        "prefers.mentor_gender",
        "prefers.max_age_gap",
    }
    assert {
        "name",
        "date",
        "program.capacity",
        "program.position_budget",
        "policy.objective",
        "policy.max_age_gap",
        "policy.weights.age",
        "policy.weights.language",
        "vocabulary.substances",
        "vocabulary.priority",
    } <= set(SETTINGS)


def test_dict_data_edge_values_round_trip(tmp_path: Path, scenario_dict: Data) -> None:
    data = scenario_dict
    data["mentors"][0]["serves"] = []  # serves nobody: an explicit empty list, not "all"
    data["policy"]["objective"] = []  # every criterion left out
    data["vocabulary"] = {
        "substances": ["gambling"],
        "interests": {"padel2": "physical", "chess": None},
    }
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


def test_without_municipalities_sheet_they_come_from_people(
    tmp_path: Path, scenario_dict: Data
) -> None:
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
    write_csv(
        folder,
        "municipalities",
        [["id", "name", "partner", "share"], ["kragero", "Kragerø", "ja", "0,25"]],
        delimiter=";",
        encoding="cp1252",
    )
    write_csv(
        folder,
        "mentors",
        [
            ["id", "gender", "age", "municipality", "recovery_years", "substances"],
            ["M1", "male", "50", "kragero", "2,5", "alcohol;opioids"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    write_csv(
        folder,
        "participants",
        [
            ["id", "gender", "age", "municipality", "consent", "referred"],
            ["P1", "male", "30", "kragero", "JA", "01.09.2026"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    write_csv(
        folder,
        "settings",
        [["key", "value"], ["date", "20.11.2026"], ["policy.objective", "coverage; quality"]],
        delimiter=";",
    )
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


@pytest.mark.parametrize("header", ["notes", "Merknad", "kommentar"])
def test_a_notes_column_is_allowed_and_never_read(
    tmp_path: Path, scenario_dict: Data, header: str
) -> None:
    path = workbook(tmp_path, scenario_dict)

    def add_notes(wb: Workbook) -> None:
        ws = wb["participants"]
        column = ws.max_column + 1
        ws.cell(1, column).value = header
        ws.cell(2, column).value = "ringte 3. november, ønsker mentor med bil"

    edit(path, add_notes)
    assert matcher.load(path) == matcher.validate(scenario_dict)
