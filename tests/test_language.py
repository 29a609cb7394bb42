"""Bokmål and English: the catalogue is complete and current with the source, the
language is chosen by `--lang`, `LIKEMATCH_LANG` or `LANG`, and a Norwegian run shows
no English word while JSON keys and codes stay as the contract fixes them."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.text.catalogue import extract
from matcher.text.language import CATALOGUES, LanguageError, choose, parse, speaking
from tests.conftest import EXAMPLE_PATHS, SCENARIOS

EXAMPLES = [
    *EXAMPLE_PATHS.values(),
    SCENARIOS / "stavanger-sola-sandnes-nb.yaml",
    SCENARIOS / "sogne-kristiansand.yaml",
]
#: Words that only English has: none may appear in a Norwegian table or report. (Data,
#: such as ids, municipality ids and a scenario's own tags, is shown as written.)
ENGLISH = {
    "the", "and", "both", "with", "waiting", "kept", "new", "pairs", "participant",
    "reasons", "municipality", "municipalities", "score", "capacity", "reached", "used",
    "mentors", "would", "match", "why", "feasible", "none", "coverage", "fairness",
    "together", "raised", "takes", "speak", "like", "available", "experience", "help",
    "same", "gender", "age", "apart", "active", "since", "recorded", "consent", "note",
}  # fmt: skip


Entry = tuple[str | None, str | tuple[str, ...], tuple[str, ...]]


def catalogue() -> list[Entry]:
    """(context, id, translations) of every message of the bokmål catalogue."""
    with (CATALOGUES / "nb.po").open("rb") as file:
        messages = [m for m in read_po(file, locale="nb") if m.id]
    return [
        (
            m.context,
            m.id if isinstance(m.id, str) else tuple(m.id),
            (m.string,) if isinstance(m.string, str) else tuple(m.string or ("",)),
        )
        for m in messages
    ]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_message_has_a_bokmal_translation() -> None:
    entries = catalogue()
    assert len(entries) > 200
    for context, msgid, msgstr in entries:
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        assert all(msgstr), (context, msgid)
        for text in msgstr:  # no placeholder the source does not fill
            assert fields(text) <= fields(ids[-1]), (msgid, text)


def test_the_catalogue_is_current_with_the_source() -> None:
    source = {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in extract() if m.id
    }
    assert {(context, msgid) for context, msgid, _ in catalogue()} == source, (
        "run: python -m matcher.text.catalogue, then translate the new texts"
    )


@pytest.mark.parametrize(
    ("option", "environ", "language"),
    [
        ("nb", {"LANG": "en_GB.UTF-8"}, "nb"),
        (None, {"LIKEMATCH_LANG": "nb", "LANG": "en_GB"}, "nb"),
        (None, {"LANG": "nb_NO.UTF-8"}, "nb"),
        (None, {"LANG": "nn_NO.UTF-8"}, "nb"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
        ("EN", {"LIKEMATCH_LANG": "nb"}, "en"),
    ],
)
def test_the_language_is_chosen_by_option_then_environment(
    option: str | None, environ: dict[str, str], language: str
) -> None:
    assert choose(option, environ) == language


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(LanguageError, match="choose nb"):
        parse("de")
    result = CliRunner().invoke(app, ["solve", "--lang", "de"])
    assert result.exit_code == 2
    assert "--lang: unknown language 'de'" in result.stderr


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-zæøå]+", text.lower()) if w in ENGLISH}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_norwegian_table_has_no_english_word(path: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(path), "--lang", "nb"])
    assert result.exit_code == 0, result.output
    body = result.stdout.split("\n", 1)[1]  # the first line starts with the scenario's name
    assert english_words(body) == set()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_norwegian_report_has_no_english_word(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "meeting.html"
    result = CliRunner().invoke(app, ["report", str(path), "--lang", "nb", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="nb">' in page
    text = re.sub(r"<[^>]+>|<style>.*?</style>", " ", page, flags=re.S)
    text = text.split("Koblingsmøte", 1)[1].split("\n", 1)[1]  # after the scenario's name
    settings = text.split("Innstillinger")[-1]  # configuration values are shown as written
    assert english_words(text.removesuffix(settings)) == set()


def test_a_norwegian_report_has_norwegian_dates(tmp_path: Path) -> None:
    out = tmp_path / "meeting.html"
    CliRunner().invoke(app, ["report", "--lang", "nb", "--out", str(out)])
    assert "Runde 20. november 2026" in out.read_text(encoding="utf-8")


def test_json_keys_and_codes_are_the_same_in_both_languages() -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    english = matcher.solve(scenario)
    with speaking("nb"):
        norwegian = matcher.solve(scenario)
    assert english.model_dump().keys() == norwegian.model_dump().keys()

    def codes(result: matcher.Result) -> list[object]:
        return [
            *[c.model_dump() for p in result.pairs for c in p.reason_codes],
            *[c.model_dump() for w in result.unmatched for c in w.reason_codes],
            *[c.model_dump() for w in result.unmatched for c in w.would_match_if_codes],
        ]

    assert codes(english) == codes(norwegian) != []
    assert english.pairs[0].reasons != norwegian.pairs[0].reasons
    assert len(english.unmatched[0].reasons) == len(norwegian.unmatched[0].reasons)


def test_the_result_schema_lists_the_codes() -> None:
    schema = matcher.Result.model_json_schema()
    assert "shared_substances" in schema["$defs"]["Code"]["properties"]["code"]["enum"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("age", "x"),
        ("age", 7),
        ("age", 200),
        ("age", 1.5),
        ("consent", "maybe"),
        ("referred", "next"),
        ("gender", "x"),
        ("substances", "x"),
        ("id", 5),
        ("id", "x" * 70),
        ("prefers", 5),
        ("substances", ["alcohol"] * 200),
    ],
)
def test_validation_messages_speak_the_language(field: str, value: object) -> None:
    data = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    data["participants"][0][field] = value
    with pytest.raises(matcher.ScenarioError) as english:
        matcher.validate(data)
    with speaking("nb"), pytest.raises(matcher.ScenarioError) as norwegian:
        matcher.validate(data)
    first, second = english.value.problems[0], norwegian.value.problems[0]
    assert first.loc == second.loc
    assert first.message != second.message  # translated, from pydantic's English
    assert english_words(second.message) <= {"same"}  # values such as 'female' stay


@pytest.mark.parametrize(
    "args",
    [
        ["whatif", "--capacity", "10,12", "--fairness", "quotas,none"],
        ["recruit"],
        ["simulate", "--runs", "2", "--months", "2"],
    ],
    ids=["whatif", "recruit", "simulate"],
)
def test_planning_tables_in_norwegian(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--lang", "nb", "-q"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    body = "\n".join(line for line in lines if "round 2026-11" not in line)  # the scenario name
    assert english_words(body) == set()


def test_an_unknown_value_lists_words_a_coordinator_may_write() -> None:
    data = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    data["participants"][1]["substances"] = ["tobakk"]
    with speaking("nb"), pytest.raises(matcher.ScenarioError) as info:
        matcher.validate(data)
    message = info.value.problems[0].message
    assert message.startswith("ukjent verdi; tillatt: alkohol, annet, benzodiazepiner, cannabis")
    for word in ("alkohol", "annet", "benzodiazepiner", "cannabis", "opioider"):
        data["participants"][1]["substances"] = [word]
        matcher.validate(data)  # each listed word is read
