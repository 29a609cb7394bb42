"""A scenario from an uploaded file held in memory: the web app receives files as bytes
and must never write them to disk (they hold health data), yet an upload must meet the
same limits and give the same messages as the file `likematch` reads, so every form
goes through the readers of `load` on the bytes instead of a path."""

from __future__ import annotations

from pathlib import PurePosixPath

from matcher.io.documents import parse_document
from matcher.io.sheets.read import read_upload_sheets, validate_sheets
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario
from matcher.model.validate import validate
from matcher.text.language import gettext as _

_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
#: Spreadsheet forms, read or refused with advice (one .csv: zip its folder; .xls: save
#: it as .xlsx) by `read_upload_sheets`.
_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".zip", ".csv", ".xls", ".ods", ".numbers")
#: The source of an upload without a name.
_UNNAMED = "upload"


def upload_name(filename: str) -> str:
    """The name problems give an upload: the base name only, as a browser on any system
    may send the client's whole path, which is nobody else's business."""
    return PurePosixPath(filename.replace("\\", "/")).name or _UNNAMED


def load_upload(filename: str, data: bytes) -> Scenario:
    """Load and validate a scenario from an upload's bytes, by the suffix of its file
    name (any case): YAML or JSON, an .xlsx workbook or a zipped folder of CSV files.
    Raises `ScenarioError` whose source is the file's base name."""
    source = upload_name(filename)
    suffix = PurePosixPath(source).suffix.lower()
    if suffix in _DOCUMENT_SUFFIXES:
        return validate(parse_document(data, suffix, source), source)
    if suffix in _SHEET_SUFFIXES:
        return validate_sheets(read_upload_sheets(data, suffix, source))
    unsupported = _(
        "unsupported file type '{suffix}'; upload a .yaml, .yml, .json or .xlsx file, or "
        "a folder of CSV files zipped (.zip)"
    )
    raise ScenarioError([Finding("", unsupported.format(suffix=suffix))], source)
