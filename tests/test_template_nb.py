"""The workbook in bokmål: `likematch template --lang nb` writes Norwegian sheet names,
headers, notes and drop-downs, a coordinator fills it in Norwegian words, and the round
solves; English workbooks are still read, and a mix of both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.io.sheets.names import HEADERS_NB, SHEETS_NB, header_key, sheet_key

ROWS: dict[str, list[dict[str, Any]]] = {
    "kommuner": [
        {"id": "kristiansand", "navn": "Kristiansand", "samarbeidskommune": "ja", "min": 1},
        {"id": "vennesla", "navn": "Vennesla"},
    ],
    "mentorer": [
        {"id": "M01", "kjønn": "kvinne", "alder": 44, "kommune": "Kristiansand",
         "år_i_bedring": 6, "rusmidler": "alkohol; benzodiazepiner",
         "interesser": "fjelltur; strikking", "styrker": "arbeid; bolig",
         "tilgjengelig": "kveld", "språk": "norsk"},
        {"id": "M02", "kjønn": "mann", "alder": 51, "kommune": "Vennesla", "år_i_bedring": 9,
         "kapasitet": 2, "rusmidler": "opioider; sentralstimulerende",
         "interesser": "fiske; jakt", "styrker": "økonomi; rusfri",
         "tilgjengelig": "dagtid; helg", "språk": "norsk; engelsk"},
    ],
    "deltakere": [
        {"id": "P01", "kjønn": "kvinne", "alder": 29, "kommune": "kristiansand",
         "samtykke": "ja", "henvist": "01.09.2026", "rusmidler": "alkohol",
         "interesser": "tur; strikking", "mål": "arbeid", "tilgjengelig": "kveld",
         "språk": "norsk"},
        {"id": "P02", "kjønn": "mann", "alder": 35, "kommune": "Vennesla", "samtykke": "x",
         "henvist": "15.08.26", "rusmidler": "opioider", "interesser": "fiske",
         "mål": "økonomi; rusfri", "tilgjengelig": "dagtid", "språk": "norsk",
         "prioritet": "etter soning"},
        {"id": "P03", "kjønn": "mann", "alder": 40, "kommune": "Vennesla", "samtykke": "nei"},
    ],
    "par": [
        {"deltaker": "P02", "mentor": "M02", "siden": "01.10.2026", "finansiering": "nav",
         "fornyes": "01.01.2027"},
    ],
    "låste": [{"type": "utelukk", "deltaker": "P01", "mentor": "M02"}],
}  # fmt: skip


def template(tmp_path: Path, lang: str) -> Path:
    path = tmp_path / f"template-{lang}.xlsx"
    done = CliRunner().invoke(app, ["template", "--lang", lang, "--out", str(path)])
    assert done.exit_code == 0, done.output
    return path


def fill(path: Path, out: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    for sheet, rows in ROWS.items():
        ws = wb[sheet]
        head = [c.value for c in ws[1]]
        for r, row in enumerate(rows, start=2):
            for key, value in row.items():
                ws.cell(r, head.index(key) + 1).value = value
    wb.save(out)
    return out


def test_the_bokmal_template_has_norwegian_sheets_headers_notes_and_lists(
    tmp_path: Path,
) -> None:
    wb = openpyxl.load_workbook(template(tmp_path, "nb"))
    assert wb.sheetnames == [SHEETS_NB[name] for name in (
        "notes", "settings", "municipalities", "mentors", "participants", "pairs", "locks",
        "history")]  # fmt: skip
    assert [c.value for c in wb["deltakere"][1]][:5] == ["id", "kjønn", "alder", "kommune",
                                                          "samtykke"]  # fmt: skip
    assert wb["merknader"]["A1"].value == "likematch-arbeidsbok for en runde"
    lists = {dv.formula1 for dv in wb["deltakere"].data_validations.dataValidation}
    assert '"kvinne,mann,annet"' in lists and '"ja,nei"' in lists


def test_a_bokmal_template_filled_in_norwegian_solves(tmp_path: Path) -> None:
    path = fill(template(tmp_path, "nb"), tmp_path / "runde.xlsx")
    scenario = matcher.load(path)
    assert [m.id for m in scenario.municipality_list()] == ["kristiansand", "vennesla"]
    assert scenario.participants[1].municipality == "vennesla"
    assert scenario.participants[1].priority == ["after_prison"]
    assert scenario.pairs[0].funding == "nav"
    assert scenario.locks.forbid == [("P01", "M02")]
    done = CliRunner().invoke(app, ["solve", str(path), "--lang", "nb"])
    assert done.exit_code == 0, done.output
    assert "fornyelse av finansiering" in done.stdout


def test_english_and_norwegian_names_mean_the_same() -> None:
    for table, name in SHEETS_NB.items():
        assert sheet_key(name) == sheet_key(name.upper()) == sheet_key(table) == table
    for column, name in HEADERS_NB.items():
        assert header_key(name) == column
        assert header_key(column) == column
