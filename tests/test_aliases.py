"""The coordinators' own words (`matcher.model.aliases`): Norwegian values, any case,
accents and `_` or space, municipalities by name, and languages by name or code, all
mean the contract's values; a scenario written in Norwegian solves as its English twin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.io.sheets.cells import CellError, convert_cell
from matcher.model.aliases import canonical, fold, language_code
from solvers import NAMES, get_solver
from tests.conftest import EXAMPLE_PATHS, SCENARIOS

Data = dict[str, Any]
NORWEGIAN = SCENARIOS / "stavanger-sola-sandnes-nb.yaml"

#: The aliases the scenario format promises (docs/scenario.md), by field.
PROMISED = {
    "gender": {"kvinne": "female", "K": "female", "F": "female", "mann": "male", "M": "male",
               "annet": "other"},
    "substances": {"alkohol": "alcohol", "cannabis": "cannabis", "opioider": "opioids",
                   "sentralstimulerende": "stimulants", "amfetamin": "stimulants",
                   "benzodiazepiner": "benzodiazepines", "annet": "other"},
    "goals": {"arbeid": "work", "utdanning": "education", "bolig": "housing",
              "økonomi": "finances", "offentlige tjenester": "public_services",
              "sosialt nettverk": "social_network", "aktiviteter": "activities",
              "familie": "family", "helse": "health", "rusfri": "drug_free"},
    "availability": {"dagtid": "daytime", "kveld": "evenings", "helg": "weekends"},
    "priority": {"ung": "young", "i behandling": "in_treatment",
                 "etter soning": "after_prison", "haster": "urgent"},
    "languages": {"norsk": "no", "bokmål": "no", "nynorsk": "no", "nb": "no", "nn": "no",
                  "engelsk": "en", "arabisk": "ar", "somali": "so", "polsk": "pl",
                  "tigrinja": "ti", "Ukrainsk": "uk", "en": "en"},
    "interests": {"friluftsliv": "nature", "tur": "walking", "fjelltur": "hiking",
                  "fiske": "fishing", "jakt": "hunting", "trening": "training",
                  "svømming": "swimming", "fotball": "football", "golf": "golf",
                  "bowling": "bowling", "strikking": "knitting", "kor": "choir",
                  "musikk": "music", "snekring": "carpentry", "maling": "painting",
                  "kafé": "cafe", "kino": "films", "teater": "theatre",
                  "selvhjelpsgruppe": "self_help_groups", "frivillig arbeid": "volunteering",
                  "jobbpraksis": "work_practice", "kurs": "courses"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "word", "value"),
    [(f, w, v) for f, words in PROMISED.items() for w, v in words.items()],
)
def test_each_promised_alias_means_its_value(field: str, word: str, value: str) -> None:
    assert canonical(field, word) == value
    assert canonical(field, word.upper()) == value
    assert canonical(field, f"  {word.replace(' ', '_')} ") == value


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Self-help  Groups", "self_help_groups"),
        ("Kafé", "kafe"),
        ("ØKONOMI", "økonomi"),
        ("Bærum", "bærum"),
        ("Måsøy", "måsøy"),
    ],
)
def test_folding_drops_case_accents_and_separators_but_not_norwegian_letters(
    text: str, folded: str
) -> None:
    assert fold(text) == folded


def test_an_unknown_value_stays_as_written_for_the_checks_to_report() -> None:
    assert canonical("substances", "Kaffe") == "kaffe"
    assert language_code("klingon") is None


def test_the_norwegian_example_is_its_english_twin() -> None:
    english = matcher.load(EXAMPLE_PATHS["stavanger-sola-sandnes"])
    norwegian = matcher.load(NORWEGIAN)
    assert norwegian.model_dump(exclude={"name"}) == english.model_dump(exclude={"name"})


@pytest.mark.parametrize("solver", [n for n in NAMES if get_solver(n).exact])
def test_the_norwegian_example_gives_the_same_pairs_on_every_exact_back_end(solver: str) -> None:
    english = matcher.solve(
        matcher.load(EXAMPLE_PATHS["stavanger-sola-sandnes"]), solver, explain=False
    )
    norwegian = matcher.solve(matcher.load(NORWEGIAN), solver, explain=False)
    assert [(p.participant, p.mentor, p.score) for p in norwegian.pairs] == [
        (p.participant, p.mentor, p.score) for p in english.pairs
    ]
    assert norwegian.metrics.objective == english.metrics.objective


def test_a_norwegian_interest_and_its_english_twin_are_one_tag(scenario_dict: Data) -> None:
    scenario_dict["mentors"][0]["interests"] = ["fiske", "Strikking"]
    scenario_dict["participants"][0]["interests"] = ["fishing", "knitting"]
    norwegian = matcher.solve(matcher.validate(scenario_dict), explain=False)
    scenario_dict["mentors"][0]["interests"] = ["fishing", "knitting"]
    english = matcher.solve(matcher.validate(scenario_dict), explain=False)
    assert [p.score for p in norwegian.pairs] == [p.score for p in english.pairs]


def test_norsk_and_no_share_a_language(scenario_dict: Data) -> None:
    for person in scenario_dict["mentors"]:
        person["languages"] = ["norsk"]
    for person in scenario_dict["participants"]:
        person["languages"] = ["no"]
    result = matcher.solve(matcher.validate(scenario_dict), explain=False)
    assert any("both speak Norwegian" in reason for p in result.pairs for reason in p.reasons)
    assert {"code": "shared_languages", "params": {"languages": ["no"]}} in [
        c.model_dump() for p in result.pairs for c in p.reason_codes
    ]


def test_an_unknown_language_is_an_error_not_a_silent_mismatch(
    tmp_path: Path, scenario_dict: Data
) -> None:
    scenario_dict["participants"][0]["languages"] = ["norsk", "klingonsk"]
    with pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(scenario_dict)
    assert [str(p) for p in info.value.problems] == [
        "participants[0] (P1).languages[1]: unknown language; write its name (norsk, "
        "engelsk, arabisk) or its two-letter code (no, en, ar)"
    ]


def test_municipalities_by_id_or_name_in_any_case(scenario_dict: Data) -> None:
    first = scenario_dict["municipalities"][0]
    scenario_dict["participants"][0]["municipality"] = first["name"].upper()
    scenario_dict["mentors"][0]["serves"] = [first["id"].upper(), first["name"]]
    loaded = matcher.validate(scenario_dict)
    assert loaded.participants[0].municipality == first["id"]
    assert loaded.mentors[0].serves == [first["id"], first["id"]]


def test_undeclared_municipalities_take_their_first_spelling(scenario_dict: Data) -> None:
    scenario_dict["municipalities"] = None
    scenario_dict["mentors"][0]["municipality"] = "Sandnes"
    scenario_dict["participants"][0]["municipality"] = "SANDNES"
    loaded = matcher.validate(scenario_dict)
    assert loaded.participants[0].municipality == "Sandnes"
    assert len([m for m in loaded.municipality_list() if m.id.casefold() == "sandnes"]) == 1


@pytest.mark.parametrize(
    ("cell", "value"),
    [("ja", True), ("Ja", True), ("x", True), ("X", True), ("nei", False), ("NEI", False)],
)
def test_spreadsheet_booleans_in_norwegian(cell: str, value: bool) -> None:
    assert convert_cell(cell, "bool") is value


def test_a_spreadsheet_boolean_that_is_no_word_is_refused() -> None:
    with pytest.raises(CellError, match="expected ja/nei"):
        convert_cell("kanskje", "bool")


def test_the_norwegian_example_solves_from_the_command_line() -> None:
    result = CliRunner().invoke(app, ["solve", str(NORWEGIAN)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("cell", ["2026-09-01", "01.09.2026", "1.9.2026", "01.09.26", "1.9.26"])
def test_common_norwegian_date_forms(cell: str) -> None:
    # ISO text is left for pydantic to parse (it words the errors of impossible dates)
    assert dt.date.fromisoformat(str(convert_cell(cell, "date"))) == dt.date(2026, 9, 1)


def test_a_date_in_no_known_form_names_the_forms() -> None:
    with pytest.raises(CellError, match=r"2026-09-01, 01\.09\.2026, 1\.9\.2026, 01\.09\.26"):
        convert_cell("1/9/2026", "date")
