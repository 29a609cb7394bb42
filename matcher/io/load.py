"""One entry for every scenario file: YAML and JSON documents, .xlsx workbooks and
folders of CSV files all end in the same validated `Scenario`; `load_upload` does the
same for a file's bytes held in memory (the web app's uploads)."""

from __future__ import annotations

from pathlib import Path

from matcher.io.documents import read_document
from matcher.io.sheets.read import load_spreadsheet
from matcher.io.upload import load_upload
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario
from matcher.model.validate import validate

__all__ = ["load", "load_upload"]

_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls", ".ods")


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario: a YAML or JSON file, an .xlsx workbook or a folder
    of CSV files (see `matcher.io.sheets` for the layout)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.exists() and suffix not in _DOCUMENT_SUFFIXES:
        if path.is_dir() or suffix in _SPREADSHEET_SUFFIXES:
            return load_spreadsheet(path)
        raise ScenarioError(
            [
                Finding(
                    "",
                    f"unsupported file type '{suffix}'; use .yaml, .yml, .json, .xlsx "
                    "or a folder of CSV files",
                )
            ],
            str(path),
        )
    return validate(read_document(path), str(path))
