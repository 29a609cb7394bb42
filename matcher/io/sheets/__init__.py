"""Scenarios in spreadsheets (an .xlsx workbook or a folder of CSV files), and results out.

Coordinators live in Excel, so the same content as a YAML scenario loads from a
workbook (one sheet per table) or from a folder with one CSV file per table.

Modules, one job each (import a name from the module that defines it):

* `columns`: the tables and their columns, derived from the scenario models, and the
  help text for each column;
* `cells`: one cell to one value and back (booleans, dates, decimal commas, lists,
  neutralising formulas);
* `raw`: the rows of each table as stored in a workbook or a CSV folder, with limits;
* `places`: where each value was read, and validation problems mapped to those places;
* `read`: rows to a validated scenario (`read_spreadsheet`, `load_spreadsheet`);
* `write`: scenarios and results to .xlsx, CSV, YAML and JSON (`write_scenario`,
  `write_result`);
* `template`: the blank workbook to fill in (`write_template`).

Layout
------
Every table has a header row (row 1) with the field names of the scenario contract;
each further row is one record. Tables (sheet names, or CSV file names without
``.csv``; case does not matter):

``mentors``, ``participants``, ``municipalities``, ``pairs``
    One column per field, named exactly as in the contract (``id``, ``gender``,
    ``age``, ``recovery_years``, ...). The nested ``prefers`` of a participant is
    two columns, ``prefers.mentor_gender`` and ``prefers.max_age_gap``. The sheet
    ``municipalities`` is optional (left out or without rows: the municipalities
    people name).
``locks`` (optional)
    Columns ``kind`` (``require`` or ``forbid``), ``participant``, ``mentor``.
``settings`` (optional)
    Columns ``key`` and ``value``: everything that is not a per-person table, with
    dotted keys: ``name``, ``date``, ``program.capacity``,
    ``program.mentor_capacity``, ``program.position_per_participant``,
    ``program.position_budget``, ``policy.objective``, ``policy.fairness``,
    ``policy.same_gender``, ``policy.min_recovery_years``, ``policy.max_age_gap``,
    ``policy.weights.age`` (and the other weights), ``vocabulary.substances`` (and
    the other vocabularies) and ``vocabulary.interests.<tag>`` with the tag's
    activity category as the value (empty: no category).
``notes`` (optional)
    Ignored: room for the coordinator's own notes (the template explains the
    columns there).

Cells
-----
* List fields (``serves``, ``substances``, ``interests``, ``strengths``,
  ``availability``, ``languages``, ``goals``, ``priority``, ``exclude_mentors``,
  ``policy.objective``, the vocabularies) are ``;``-separated: ``alcohol; opioids``.
  A lone ``;`` is an explicit empty list (a mentor who ``serves`` no municipality).
* Booleans accept ``true``/``false``, ``yes``/``no``, ``1``/``0`` and ``ja``/``nei``,
  in any case, and Excel's TRUE/FALSE.
* Dates are Excel dates, ``YYYY-MM-DD`` or ``DD.MM.YYYY``; decimals may use a comma
  in CSV files (``0,10``).
* An empty cell means "not given": the contract's default applies.
* A text that starts with ``'`` followed by ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is read without the ``'`` (exports neutralise such texts so that
  a spreadsheet never runs them as formulas).
* CSV files may be comma-, semicolon- or tab-separated (the delimiter is taken from
  the header row) and UTF-8 (with or without BOM) or Windows-1252.

A table may have as many rows as it may hold records (`columns.MAX_ROWS`: 100 000
participants, 50 000 mentors, ...); a larger one is refused before its records are
built.

Unknown sheets (with content), unknown columns and unknown settings keys are errors:
a typo must not silently drop a constraint. Every problem names the file, the sheet,
the row as Excel shows it (header = row 1), the record's id and the column, never
the value in the cell.
"""
