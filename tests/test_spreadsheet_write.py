"""Writing spreadsheets: formula neutralisation in scenario and result exports, result
tables, atomic writes that never overwrite the input, the template workbook, and the
`convert` / `template` commands."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import openpyxl
import pytest
import typer
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import matcher
import matcher.cli.app
from matcher.cli.sheets import export_result, register
from matcher.io.files import OutputError
from matcher.io.sheets.cells import neutralise
from matcher.io.sheets.columns import SETTINGS
from matcher.io.sheets.template import write_template
from matcher.io.sheets.write import write_result, write_scenario
from tests.spreadsheets import (
    EXAMPLES,
    Data,
    csv_folder,
    edit,
    no_temp_files,
    original,
    put,
    workbook,
)

# --- formula neutralisation ----------------------------------------------------------


def hostile(data: Data) -> Data:
    data["name"] = "+round"
    data["municipalities"][0]["name"] = '=HYPERLINK("http://x","y")'
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
    assert wb["municipalities"]["B2"].value == '\'=HYPERLINK("http://x","y")'
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
    assert ["scenario", "'+round"] in [list(r) for r in wb["metrics"].iter_rows(values_only=True)]
    text = (tmp_path / "result" / "metrics.csv").read_text(encoding="utf-8-sig")
    assert "scenario,'+round" in text
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"
    assert neutralise("M01") == "M01"


def test_result_tables(tmp_path: Path, scenario_dict: Data) -> None:
    result = matcher.solve(matcher.validate(scenario_dict), explain=True)
    write_result(result, tmp_path / "result")
    with (tmp_path / "result" / "pairs.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["participant"], r["mentor"]) for r in rows} == {
        (p.participant, p.mentor) for p in result.pairs
    }
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
    tmp_path: Path, scenario_dict: Data
) -> None:
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
    assert wb.sheetnames == [
        "notes",
        "settings",
        "municipalities",
        "mentors",
        "participants",
        "pairs",
        "locks",
        "history",
    ]
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
    assert muni.formula1 == f"'municipalities'!$A$2:$A${500}"  # quoted: a sheet name may hold æøå
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
    names = {
        c.name or (c.callback.__name__ if c.callback else "")
        for c in matcher.cli.app.app.registered_commands
    }
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


def test_convert_bad_input_exits_2_without_traceback(
    tmp_path: Path, app: typer.Typer, scenario_dict: Data
) -> None:
    path = workbook(tmp_path, scenario_dict)
    edit(path, lambda wb: put(wb, "participants", 3, "consent", "perhaps"))
    runner = CliRunner()
    for args in (
        ["convert", str(path), str(tmp_path / "x.yaml")],
        ["convert", str(tmp_path / "x.yaml"), str(tmp_path / "x.xlsx")],
        ["convert", str(EXAMPLES["loland"]), str(tmp_path / "x.txt")],
    ):
        done = runner.invoke(app, args)
        assert done.exit_code == 2, args
        assert "Traceback" not in done.output and "error:" in done.stderr
    done = runner.invoke(app, ["convert", str(path), str(tmp_path / "x.yaml")])
    assert "sheet participants, row 3 (P2), column consent (E)" in done.stderr
    assert "perhaps" not in done.stderr


def test_template_command(
    tmp_path: Path, app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
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
        "metrics.csv",
        "municipalities.csv",
        "pairs.csv",
        "waiting.csv",
    ]
    for out, fmt in (
        (tmp_path / "out.csv", "csv"),
        (tmp_path / "o.json", "xlsx"),
        (tmp_path / "out.xlsx", "xlsx"),
    ):
        with pytest.raises(typer.Exit) as info:
            export_result(
                result, out, fmt="csv" if fmt == "csv" else "xlsx", protect=tmp_path / "out.xlsx"
            )
        assert info.value.exit_code == 2
