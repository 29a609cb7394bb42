"""The one way likematch writes a file: atomically, never over the input scenario, and
with a clear `OutputError` instead of a traceback when the target cannot be written.

Every output (tables, JSON, reports, charts, workbooks, CSV folders) goes through here,
so a half-written file is never left behind and every command words a bad `--out` alike.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path


class OutputError(ValueError):
    """The output cannot be written where asked; the message starts with the path."""


def _same_file(path: Path, protect: Path | None) -> bool:
    return protect is not None and path.exists() and path.resolve() == protect.resolve()


#: Folders of devices and kernel files: never a place for an output, even through a link.
_SPECIAL = (Path("/dev"), Path("/proc"), Path("/sys"))


def _special(path: Path) -> bool:
    """A device, pipe or socket, or a path into /dev, /proc or /sys (directly or through
    a link): renaming over one would replace the device or the link, not write to it."""
    if path.exists() and not (path.is_file() or path.is_dir()):
        return True
    return any(
        place == special or special in place.parents
        for place in (path.absolute(), path.resolve())
        for special in _SPECIAL
    )


def destination(path: Path) -> Path:
    """The file a write really replaces: a link's target (so that the link stays a link)."""
    return path.resolve() if path.is_symlink() else path


def check_target(path: Path, protect: Path | None = None, folder: bool = False) -> Path:
    """Refuse a target before any work is done; returns the folder it will be written in."""
    if _special(path):
        raise OutputError(
            f"{path}: is not a regular file (a device, pipe or socket); name a file, or "
            "leave out --out to print to the screen"
        )
    path = destination(path)
    if _same_file(path, protect):
        raise OutputError(f"{path}: refusing to overwrite the input scenario")
    if folder and path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, expected a folder for the CSV files")
    if not folder and path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: folder {parent} does not exist")
    return parent


def _cannot(path: Path, error: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write: {error.strerror or error}")


def write_file(path: Path, write: Callable[[Path], None], protect: Path | None = None) -> None:
    """Let `write` fill a temporary file in the target's folder, then rename it into
    place, so that readers see the old file or the new one, never half of one."""
    parent = check_target(path, protect)
    path = destination(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot(path, error) from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot(path, error) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, protect: Path | None = None) -> None:
    """`write_file` for UTF-8 text."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_file(path, write, protect)


def write_folder(
    path: Path, files: Mapping[str, str], protect: Path | None, ours: Iterable[str]
) -> None:
    """Write CSV files into a temporary folder beside `path`, then rename it into place.
    An existing folder is replaced only if it holds nothing but files we write."""
    parent = check_target(path, protect, folder=True)
    path = destination(path)
    if path.is_dir():
        allowed = {f"{name}.csv" for name in ours}
        others = [p.name for p in path.iterdir() if p.name.lower() not in allowed]
        if others:
            raise OutputError(f"{path}: the folder holds other files; choose a new or empty folder")
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as error:
        raise _cannot(path, error) from None
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8-sig", newline="")
        if path.is_dir():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".old"))
            old.rmdir()
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _cannot(path, error) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
