"""Reading `--previous`: the new pairs of an earlier run of the same round, so that a
re-run keeps them where the optimum allows."""

from __future__ import annotations

import json
from pathlib import Path


class PreviousError(ValueError):
    """The `--previous` file is not the JSON result of an earlier run."""


def load_previous(path: Path) -> list[tuple[str, str]]:
    """The new pairs of an earlier `likematch solve --format json` result; only they matter
    for stability (its kept active pairs are constants of the round anyway)."""
    where = f"--previous {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreviousError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PreviousError(f"{where}: cannot read the file ({type(error).__name__})") from None
    except json.JSONDecodeError as error:
        raise PreviousError(
            f"{where}: not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise PreviousError(
            f"{where}: expected the JSON result of likematch solve (an object with a 'pairs' list)"
        )
    out = []
    for i, pair in enumerate(pairs):
        ok = (
            isinstance(pair, dict)
            and all(isinstance(pair.get(k), str) for k in ("participant", "mentor"))
            and isinstance(pair.get("existing", False), bool)
        )
        if not ok:
            raise PreviousError(
                f"{where}: pairs[{i}]: expected participant and mentor ids and existing true/false"
            )
        if not pair.get("existing", False):
            out.append((pair["participant"], pair["mentor"]))
    return out
