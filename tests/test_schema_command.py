"""`likematch schema` prints a valid JSON Schema that accepts the examples;
`likematch validate` reports every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from matcher.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
runner = CliRunner()


def test_schema_is_valid_json_schema_and_accepts_the_examples() -> None:
    done = runner.invoke(app, ["schema"])
    assert done.exit_code == 0
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert len(EXAMPLES) == 6  # the Norwegian words of some are in the schema too
    for path in EXAMPLES:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        assert list(validator.iter_errors(data)) == [], path.name


def test_schema_rejects_unknown_keys() -> None:
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"mentors": [], "typo": 1})


def test_validate_ok_and_all_problems_at_once(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(EXAMPLES[0])])
    assert ok.exit_code == 0
    assert "valid" in ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "mentors:\n  - {id: M1, gender: male, age: 40, municipality: a, recovery_years: 3,"
        " colour: red}\nparticipants:\n  - {id: P1, gender: male, age: 30, municipality: a}\n"
    )
    done = runner.invoke(app, ["validate", str(bad)])
    assert done.exit_code == 2
    assert "2 problems" in done.stderr
    assert "mentors[0] (M1): unknown key 'colour'" in done.stderr
    assert "participants[0] (P1): missing required key 'consent'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_result_schema_lists_every_code_and_accepts_a_result() -> None:
    done = runner.invoke(app, ["schema", "--result"])
    assert done.exit_code == 0
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "shared_substances" in schema["$defs"]["Code"]["properties"]["code"]["enum"]
    result = json.loads(runner.invoke(app, ["solve", "--format", "json"]).stdout)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(result)) == []
