"""Privacy: messages never carry a person's attribute values, `--anonymize` replaces ids
with stable pseudonyms everywhere, and `--format summary` suppresses small counts so that
they cannot be worked out from the rest."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

import matcher
from matcher.cli.app import app
from matcher.render.privacy import SMALL, _relations, _rewriter, anonymize_ids, pseudonyms, suppress
from tests.conftest import EXAMPLE_PATHS, minimal_scenario

MARK = "zqxmark"  # distinctive, and name-like so that nothing filters it for its shape


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def marked_scenario() -> dict[str, Any]:
    """The minimal scenario with the marker in (nearly) every attribute of every person."""
    data = minimal_scenario()
    for i, mentor in enumerate(data["mentors"]):
        mentor.update(
            gender=f"{MARK}g",
            age=f"{MARK}{i}",
            municipality=f"{MARK}m",
            serves=[f"{MARK}s"],
            capacity=f"{MARK}c",
            recovery_years=f"{MARK}y",
            trained=f"{MARK}t",
            substances=[f"{MARK}sub"],
            strengths=[f"{MARK}str"],
            availability=[f"{MARK}av"],
        )
    for i, person in enumerate(data["participants"]):
        person.update(
            gender=f"{MARK}g",
            age=f"{MARK}{i}",
            municipality=f"{MARK}m",
            consent=f"{MARK}c",
            referred=f"{MARK}-date",
            discharge=f"{MARK}d",
            substances=["alcohol", f"{MARK}sub"],
            goals=[f"{MARK}goal"],
            availability=[f"{MARK}av"],
            priority=[f"{MARK}p"],
            prefers={"mentor_gender": f"{MARK}pg", "max_age_gap": f"{MARK}gap"},
            exclude_mentors=[f"{MARK}x"],
        )
    data["program"]["capacity"] = f"{MARK}cap"
    data["policy"]["same_gender"] = f"{MARK}sg"
    data["pairs"][0]["since"] = f"{MARK}since"
    return data


@pytest.mark.parametrize("command", ["validate", "solve"])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_messages_carry_no_attribute_values(tmp_path: Path, command: str, suffix: str) -> None:
    data = marked_scenario()
    path = tmp_path / f"s{suffix}"
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))
    result = invoke(command, path)
    assert result.exit_code == 2
    assert "participants[2] (P3).age" in result.output  # the keys are named
    assert "mentors[0] (M1).recovery_years" in result.output
    assert MARK not in result.output


def test_cross_reference_messages_carry_no_attribute_values(tmp_path: Path) -> None:
    """The second stage (vocabularies, references) once every record has a valid shape."""
    data = minimal_scenario()
    data["participants"][0].update(
        municipality=f"{MARK}m",
        substances=[f"{MARK}sub"],
        goals=[f"{MARK}goal"],
        exclude_mentors=[f"{MARK}x"],
    )
    data["mentors"][1].update(serves=[f"{MARK}s"], strengths=[f"{MARK}str"])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke("validate", path)
    assert result.exit_code == 2
    for key in (
        "participants[0] (P1).municipality",
        "participants[0] (P1).substances[0]",
        "participants[0] (P1).goals[0]",
        "participants[0] (P1).exclude_mentors[0]",
        "mentors[1] (M2).serves[0]",
        "mentors[1] (M2).strengths[0]",
    ):
        assert key in result.output
    assert MARK not in result.output


def test_spreadsheet_messages_carry_no_cell_values(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    (folder / "mentors.csv").write_text(
        "id,gender,age,municipality,recovery_years,substances\n"
        f"M1,{MARK}g,{MARK}1,north,{MARK}y,{MARK}sub\n"
    )
    (folder / "participants.csv").write_text(
        "id,gender,age,municipality,consent,referred,goals\n"
        f"P1,female,{MARK}2,{MARK}m,{MARK}c,{MARK}-date,work; {MARK}goal\n"
    )
    result = invoke("validate", folder)
    assert result.exit_code == 2
    assert "mentors.csv, row 2 (M1), column age (C)" in result.output
    assert "participants.csv, row 2 (P1), column consent (E)" in result.output
    assert MARK not in result.output


# --- --anonymize --------------------------------------------------------------------------

ORIGINAL_ID = re.compile(r"\b[PM]\d{2}\b")  # the ids of the example scenarios


def solve_json(*args: str | Path) -> tuple[str, dict[str, Any]]:
    result = invoke("solve", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return result.stdout, json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_anonymize_replaces_every_id(name: str) -> None:
    path = EXAMPLE_PATHS[name]
    plain_text, plain = solve_json(path, "--no-explain")
    text, data = solve_json(path, "--anonymize", "--no-explain")
    assert ORIGINAL_ID.search(plain_text)
    assert not ORIGINAL_ID.search(text)
    scenario = matcher.load(path)
    secret = f"{scenario.name}\n".encode()
    expected = {
        "P-" + hmac.new(secret, p.id.encode(), hashlib.sha256).hexdigest()[:12]
        for p in scenario.participants
    }
    seen = [p["participant"] for p in data["pairs"]] + [w["participant"] for w in data["unmatched"]]
    assert sorted(seen) == sorted(expected)  # each participant once, under the pseudonym
    assert [p["participant"] for p in data["pairs"]] == sorted(
        p["participant"] for p in data["pairs"]
    )
    assert data["metrics"] == plain["metrics"]
    assert data["municipalities"] == plain["municipalities"]


def test_anonymize_rewrites_ids_in_texts() -> None:
    scenario = matcher.load(EXAMPLE_PATHS["stavanger-sola-sandnes"])
    result = matcher.solve(scenario)
    texts = [r for w in result.unmatched for r in w.reasons + w.would_match_if]
    texts += [a.summary for p in result.pairs for a in p.alternatives]
    assert any(ORIGINAL_ID.search(t) for t in texts)  # the example does name ids in texts
    _, hidden = anonymize_ids(scenario, result)
    texts = [r for w in hidden.unmatched for r in w.reasons + w.would_match_if]
    texts += [a.summary for p in hidden.pairs for a in p.alternatives]
    assert not any(ORIGINAL_ID.search(t) for t in texts)
    assert any(re.search(r"\bM-[0-9a-f]{12}\b", t) for t in texts)


def test_pseudonyms_are_stable_and_keyed() -> None:
    path = EXAMPLE_PATHS["grenland"]
    first, second = (
        solve_json(path, "--anonymize", "--no-explain")[1],
        solve_json(path, "--anonymize", "--no-explain")[1],
    )
    keyed = solve_json(path, "--anonymize", "--anonymize-key", "s3cret", "--no-explain")[1]
    ids = [p["participant"] for p in first["pairs"]]
    assert ids == [p["participant"] for p in second["pairs"]]
    assert not set(ids) & {p["participant"] for p in keyed["pairs"]}


def test_the_key_can_come_from_the_environment() -> None:
    args = ["solve", "--format", "json", "--no-explain", "--anonymize"]
    by_option = CliRunner().invoke(app, [*args, "--anonymize-key", "k1"])
    by_env = CliRunner().invoke(app, args, env={"LIKEMATCH_ANONYMIZE_KEY": "k1"})
    unkeyed = CliRunner().invoke(app, args, env={"LIKEMATCH_ANONYMIZE_KEY": ""})
    assert by_option.exit_code == by_env.exit_code == 0
    pairs = [json.loads(r.stdout)["pairs"] for r in (by_option, by_env, unkeyed)]
    assert pairs[0] == pairs[1] != pairs[2]


def test_pseudonyms_grow_rather_than_collide() -> None:
    ids = [f"P{i}" for i in range(3000)]
    names = pseudonyms(ids, "P-", b"k")
    assert len(set(names.values())) == len(ids)
    assert all(re.fullmatch(r"P-[0-9a-f]{12,64}", n) for n in names.values())


def test_rewriter_replaces_whole_ids_only() -> None:
    text = _rewriter({"P01": "P-a", "M01": "M-b", "M011": "M-c"})
    assert text("P01-M01, M01's place; M011 and P011 and xP01") == (
        "P-a-M-b, M-b's place; M-c and P011 and xP01"
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_anonymized_exports_hold_no_ids(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / ("r.xlsx" if fmt == "xlsx" else "r")
    result = invoke("solve", "--format", fmt, "--out", out, "--anonymize")
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        cells = [
            str(v)
            for ws in load_workbook(out).worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
        ]
        text = "\n".join(cells)
    else:
        text = "\n".join(p.read_text("utf-8-sig") for p in out.iterdir())
    assert "P-" in text
    assert not ORIGINAL_ID.search(text)


def test_anonymized_report_holds_no_ids(tmp_path: Path) -> None:
    out = tmp_path / "meeting.md"
    result = invoke("report", "--out", out, "--anonymize")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Mentor load" in text and "M-" in text
    assert not ORIGINAL_ID.search(text)


# --- --format summary ---------------------------------------------------------------------


def summary_rows(text: str) -> dict[str, list[str]]:
    rows = [
        line.strip("|").split("|")
        for line in text.splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_summary_suppresses_small_counts(tmp_path: Path, name: str) -> None:
    out = tmp_path / "summary.md"
    result = invoke(
        "solve", EXAMPLE_PATHS[name], "--format", "summary", "--out", out, "--no-explain"
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert not ORIGINAL_ID.search(text)
    rows = summary_rows(text)
    assert "total" in rows and len(rows) >= 4
    shown = [int(c) for cells in rows.values() for c in cells if c.isdigit()]
    assert shown and min(shown) >= SMALL
    assert any("<3" in cells for cells in rows.values())


def test_summary_counts_are_right_where_shown() -> None:
    scenario = matcher.load(EXAMPLE_PATHS["grenland"])
    result = matcher.solve(scenario, explain=False)
    result_rows = list(result.municipalities.values())
    invoke_result = invoke(
        "solve", EXAMPLE_PATHS["grenland"], "--format", "summary", "--no-explain"
    )
    rows = summary_rows(invoke_result.stdout)
    for (label, cells), row in zip(rows.items(), [*result_rows, None], strict=True):
        for cell, column in zip(cells, ("eligible", "active", "new", "waiting"), strict=True):
            value = (
                sum(getattr(r, column) for r in result_rows)
                if row is None
                else getattr(row, column)
            )
            assert cell == (str(value) if cell.isdigit() else cell), (label, column)
            assert cell != "<3" or value < SMALL


def hidden_per_relation(values: list[list[int]]) -> list[int]:
    hidden = suppress(values)
    return [
        sum(k in hidden for k in coefficients)
        for coefficients, equal in _relations(values)
        if equal
    ]


@pytest.mark.parametrize(
    "values",
    [
        [[6, 5, 3, 1], [4, 4, 3, 0], [3, 1, 1, 2], [13, 10, 7, 3]],  # the Stavanger round
        [[9, 7, 4, 2], [8, 8, 5, 0], [17, 15, 9, 2]],
        [[12, 9, 5, 3], [10, 8, 4, 2], [22, 17, 9, 5]],  # one small count among big ones
        [[0, 0, 0, 0], [5, 4, 4, 1], [5, 4, 4, 1]],
    ],
)
def test_no_suppressed_count_stands_alone_in_a_sum(values: list[list[int]]) -> None:
    """A relation with one hidden count would give it away by subtraction."""
    assert all(n != 1 for n in hidden_per_relation(values))
    hidden = suppress(values)
    assert {
        (r, c) for r, row in enumerate(values) for c, v in enumerate(row) if v < SMALL
    } <= hidden


def test_bounds_do_not_give_suppressed_counts_away() -> None:
    """Two hidden counts of 2 summing to 4 would each be pinned to 2 (both are below 3):
    a third count in that column must be hidden too."""
    values = [[5, 3, 1, 2], [5, 3, 1, 2], [8, 5, 4, 3], [18, 11, 6, 7]]
    hidden = suppress(values)
    waiting = {r for r, c in hidden if c == 3}
    assert {0, 1} <= waiting
    assert len(waiting) >= 3
