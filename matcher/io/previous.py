"""Reading `--previous`: the new pairs of an earlier run of the same round, so that a
re-run keeps them where the optimum allows."""

from __future__ import annotations

from pathlib import Path

from matcher.io.documents import read_document
from matcher.model.errors import ScenarioError
from matcher.model.ids import id_rule, is_id


class PreviousError(ValueError):
    """The `--previous` file is not the JSON result of an earlier run."""


def load_previous(path: Path) -> list[tuple[str, str]]:
    """The new pairs of an earlier `likematch solve --format json` result; only they matter
    for stability (its kept active pairs are constants of the round anyway)."""
    where = f"--previous {path}"
    try:
        data = read_document(path, kind=".json")
    except ScenarioError as error:
        raise PreviousError(f"{where}: " + "; ".join(map(str, error.problems))) from None
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise PreviousError(
            f"{where}: expected the JSON result of likematch solve (an object with a 'pairs' list)"
        )
    out = []
    for i, pair in enumerate(pairs):
        ok = (
            isinstance(pair, dict)
            and all(is_id(pair.get(k)) for k in ("participant", "mentor"))
            and isinstance(pair.get("existing", False), bool)
        )
        if not ok:
            raise PreviousError(
                f"{where}: pairs[{i}]: expected participant and mentor ids and existing "
                f"true/false ({id_rule()})"
            )
        if not pair.get("existing", False):
            out.append((pair["participant"], pair["mentor"]))
    return out
