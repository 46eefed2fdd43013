"""Safe writing: atomic replacement, and an output folder qualcode knows it owns."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from qualcode.errors import OutputError

MARKER = ".qualcode-output"


def _new_file_mode() -> int:
    """The mode ``open`` gives a new file under this process's umask (0o644 under 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


NEW_FILE_MODE = _new_file_mode()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The file gets the mode of the file it replaces, else that of a file created with
    ``open`` (``mkstemp`` alone would leave it readable by its owner only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> None:
    """Write text atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def refuse_existing(path: Path, force: bool) -> None:
    """Refuse to replace a user's file unless ``force``."""
    if path.exists() and not force:
        raise OutputError("the file exists", file=str(path),
                          hint="choose another name, or pass --force to replace it")


def prepare_output(folder: Path, force: bool = False) -> Path:
    """Make ``folder`` ready for a run; refuse a non-empty folder qualcode did not create."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError("the output path is a file, not a folder", file=str(folder),
                          hint="set 'output' in qualcode.yaml to a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists() \
            and not force:
        raise OutputError("the output folder exists and was not made by qualcode",
                          file=str(folder),
                          hint="choose another 'output' folder, or pass --force to write "
                               "into it (files with the same names are replaced)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("This folder is written by qualcode run.\n", encoding="utf-8")
    return folder
