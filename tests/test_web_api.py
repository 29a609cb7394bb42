"""The HTTP API: the same answers as the command line, problems as 422 with their
locations, and an OpenAPI description served by the app itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app as cli
from matcher.io.sheets.write import scenario_workbook
from matcher.model.scenario import scenario_schema
from matcher.web import WebSettings, create_app

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebSettings()), base_url="http://127.0.0.1")


def _cli_json(path: Path) -> dict[str, object]:
    run = CliRunner().invoke(cli, ["solve", str(path), "--format", "json", "--lang", "en"])
    assert run.exit_code in (0, 3), run.output
    data: dict[str, object] = json.loads(run.stdout)
    return data


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "version": matcher.__version__}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_solve_matches_the_command_line(client: TestClient, path: Path) -> None:
    scenario = matcher.load(path).model_dump(mode="json")
    response = client.post("/api/solve", json=scenario)
    assert response.status_code == 200
    got, expected = response.json(), _cli_json(path)
    got.pop("elapsed_s"), expected.pop("elapsed_s")
    assert got == expected


def test_solve_takes_a_file_upload(client: TestClient) -> None:
    data = scenario_workbook(matcher.load(matcher.EXAMPLE))
    response = client.post("/api/solve?lang=nb", files={"file": ("runde.xlsx", data)})
    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "optimal"
    assert result["pairs"][0]["reasons"][0] == "samme kjønn"


def test_solve_without_explanations(client: TestClient) -> None:
    response = client.post("/api/solve?explain=false", json=_example())
    assert all(p["alternatives"] == [] for p in response.json()["pairs"])


def test_infeasible_is_200_with_conflicts(client: TestClient) -> None:
    data = _example()
    data["municipalities"] = [dict(m, min=50) for m in data["municipalities"]]
    response = client.post("/api/solve", json=data)
    assert response.status_code == 200
    assert response.json()["status"] == "infeasible" and response.json()["conflicts"]


def test_invalid_input_is_422_with_every_problem(client: TestClient) -> None:
    data = _example()
    data["participants"][0]["age"] = 5
    data["mentors"][0]["gender"] = "nope"
    response = client.post("/api/solve", json=data)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert len(problems) >= 2
    assert {"location", "message"} <= set(problems[0])
    assert any(p["location"].startswith("participants[0]") for p in problems)


def test_unknown_solver_is_422(client: TestClient) -> None:
    response = client.post("/api/solve?solver=magic", json=_example())
    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"] == ["query", "solver"]


@pytest.mark.parametrize(
    "body", [b"", b"{", b"[1, 2]", b'{"a": 1, "a": 2}', b"\xff\xfe", b"[" * 5000 + b"]" * 5000]
)
def test_malformed_bodies_are_422(client: TestClient, body: bytes) -> None:
    response = client.post("/api/solve", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["problems"]


def test_validate_lists_problems(client: TestClient) -> None:
    assert client.post("/api/validate", json=_example()).json() == {"problems": []}
    data = _example()
    del data["mentors"][0]["gender"]
    problems = client.post("/api/validate?lang=nb", json=data).json()["problems"]
    assert problems and problems[0]["location"].startswith("mentors[0]")


def test_schema_is_the_scenario_schema(client: TestClient) -> None:
    assert client.get("/api/schema").json() == scenario_schema()


def test_openapi_is_served_by_the_app(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/health", "/api/solve", "/api/validate", "/api/schema"} <= set(spec["paths"])
    assert "/decide" not in spec["paths"]  # pages are not part of the API
    assert client.get("/docs").status_code == 404  # no Swagger page fetching assets


def _example() -> dict[str, Any]:
    data: dict[str, Any] = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    return data
