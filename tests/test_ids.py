"""The id rule (`matcher.model.ids`): what an id may hold, that case does not make two
ids differ, and that a cell or reference that is not a valid id is never echoed, in any
format and in any output, pseudonymised output included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.model.ids import MAX_ID, id_key, is_id, shown_id
from tests.spreadsheets import csv_folder, edit, problems, put, set_csv, workbook

Data = dict[str, Any]

# A name, a drug history and an address pasted into the id column.
PASTED = "Kari Nordmann, heroin og benzodiazepiner siden 2015, Storgata 1, 4006 Stavanger"
FORGED = "P07\nerror: everything is fine"


@pytest.mark.parametrize("good", ["P01", "bærum", "Ålesund", "m-07", "a.b_c", "7", "Kárášjohka"])
def test_letters_digits_and_norwegian_letters_make_ids(good: str) -> None:
    assert is_id(good) and shown_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " P01",
        "P01 ",
        "\tP07",
        "\rP09",
        "P 01",
        "P01\n",
        "\u0420\u0030\u0031",  # Cyrillic Er, then 01
        "P\u200b01",  # zero-width space
        "-P01",
        "=SUM(A1)",
        "M[bold]1",
        "P" * (MAX_ID + 1),
        "2\u00d73",  # multiplication sign
    ],
)
def test_anything_else_is_not_an_id(bad: str) -> None:
    assert not is_id(bad) and shown_id(bad) is None


@given(st.text(max_size=80))
def test_an_id_never_holds_space_or_control_characters(text: str) -> None:
    if is_id(text):
        assert text == text.strip() and text.isprintable() and len(text) <= MAX_ID
        assert all(c.isalnum() or c in "-_." for c in text)


def test_an_a_with_a_ring_typed_as_two_characters_is_the_letter(scenario_dict: Data) -> None:
    scenario_dict["participants"][0]["id"] = "A\u030a1"  # A + combining ring above
    scenario_dict["pairs"], scenario_dict["locks"] = [], {}
    assert matcher.validate(scenario_dict).participants[0].id == "\u00c51"


@pytest.mark.parametrize("bad", ["\tP07", "P07 ", "\u0420\u0030\u0031", FORGED, PASTED])
def test_a_scenario_with_a_bad_id_is_refused_without_echoing_it(
    scenario_dict: Data, bad: str
) -> None:
    scenario_dict["participants"][1]["id"] = bad
    with pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(scenario_dict)
    text = info.value.render()
    assert (
        "participants[1].id: not a valid id: an id holds only letters" in text
        or "participants[1].id: string should have at most 64 characters" in text
    )
    assert bad.strip() not in text and "heroin" not in text and "fine" not in text


def test_ids_that_differ_only_in_case_are_one_id(scenario_dict: Data) -> None:
    first = scenario_dict["participants"][0]["id"]
    scenario_dict["participants"][1]["id"] = first.lower()
    scenario_dict["locks"] = {}
    with pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(scenario_dict)
    assert [str(p) for p in info.value.problems] == [
        f"participants: duplicate id '{first}' (written {first}, {first.lower()}; "
        "case does not make ids differ)"
    ]
    assert id_key(first) == id_key(first.lower())


def test_a_reference_in_another_case_gets_a_hint(scenario_dict: Data) -> None:
    pair = scenario_dict["pairs"][0]
    pair["mentor"] = pair["mentor"].lower()
    with pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(scenario_dict)
    assert f"did you mean '{pair['mentor'].upper()}'?" in info.value.render()


@pytest.mark.parametrize("bad", [PASTED, FORGED, "P" * 300])
def test_a_bad_id_cell_is_never_echoed_from_a_workbook(
    tmp_path: Path, scenario_dict: Data, bad: str
) -> None:

    def paste(wb: Workbook) -> None:
        put(wb, "participants", 3, "id", bad)
        put(wb, "participants", 3, "age", 7)  # a second problem on the same row

    path = edit(workbook(tmp_path, scenario_dict), paste)
    found = problems(path)
    text = "\n".join(found)
    assert "sheet participants, row 3" in text
    assert bad not in text and "heroin" not in text and "fine" not in text
    assert all("\n" not in line for line in found)  # no forged line


@pytest.mark.parametrize("bad", [PASTED, FORGED])
def test_a_bad_id_cell_is_never_echoed_from_csv(
    tmp_path: Path, scenario_dict: Data, bad: str
) -> None:
    folder = csv_folder(tmp_path, scenario_dict)
    set_csv(folder, "participants", 3, "id", bad)
    set_csv(folder, "participants", 3, "age", "7")
    text = "\n".join(problems(folder))
    assert "participants.csv, row 3" in text
    assert "heroin" not in text and "fine" not in text


def test_the_cli_prints_no_forged_line(tmp_path: Path, scenario_dict: Data) -> None:
    scenario_dict["participants"][1]["id"] = FORGED
    path = tmp_path / "round.json"
    path.write_text(json.dumps(scenario_dict), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2
    assert "everything is fine" not in result.stderr


def test_previous_pairs_follow_the_id_rule(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.json"
    pair = {"participant": FORGED, "mentor": "M01", "existing": False}
    earlier.write_text(json.dumps({"pairs": [pair]}), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", "--previous", str(earlier)])
    assert result.exit_code == 2, result.output
    assert "pairs[0]: expected participant and mentor ids" in result.stderr
    assert "everything is fine" not in result.stderr


def test_anonymize_hides_people_of_the_previous_proposal_who_left(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["solve", "--format", "json", "--no-explain"])
    before = json.loads(first.stdout)
    new = [p for p in before["pairs"] if not p["existing"]]
    new.append({"participant": "Gone17", "mentor": "Left03", "existing": False})
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"pairs": new}), encoding="utf-8")
    shared = runner.invoke(
        app, ["solve", "--format", "json", "--previous", str(earlier), "--anonymize"]
    )
    assert shared.exit_code == 0, shared.output
    note = next(n for n in json.loads(shared.stdout)["notes"] if n.startswith("kept "))
    assert "changed" in note
    for real in ("Gone17", "Left03", *(p["participant"] for p in new), *(p["mentor"] for p in new)):
        assert real not in shared.stdout
