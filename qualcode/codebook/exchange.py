"""Export a codebook to docx/xlsx/csv/qdc, and import one from qdc/qdpx/csv/xlsx.

Each direction is one function the CLI calls. Writes are atomic and never replace an
existing file unless ``force``; an import is checked as a codebook before it is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qualcode.codebook.load import load_codebook
from qualcode.errors import Problem, UsageError
from qualcode.export.files import atomic_path, refuse_existing
from qualcode.model import Codebook

EXPORT_FORMATS = ("docx", "xlsx", "csv", "qdc")
IMPORT_SUFFIXES = (".qdc", ".qdpx", ".csv", ".xlsx")


def _write_qdc(codebook: Codebook, path: Path) -> None:
    from qualcode.codebook.qdc import codebook_to_qdc

    path.write_bytes(codebook_to_qdc(codebook))


def _writers() -> dict[str, Callable[[Codebook, Path], None]]:
    from qualcode.codebook.appendix import write_docx
    from qualcode.codebook.sheets import write_csv, write_xlsx

    return {"docx": write_docx, "xlsx": write_xlsx, "csv": write_csv, "qdc": _write_qdc}


def export_codebook(path: str | Path, fmt: str, out: str | Path, force: bool = False) -> Path:
    """Load and validate the codebook at ``path`` and write it as ``fmt`` to ``out``."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown format '{fmt}'", hint="use " + ", ".join(EXPORT_FORMATS))
    codebook = load_codebook(path)
    out = Path(out)
    refuse_existing(out, force)
    with atomic_path(out) as tmp:
        _writers()[fmt](codebook, tmp)
    return out


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote: the file, the codebook as loaded back, and warnings."""

    path: Path
    codebook: Codebook
    warnings: tuple[Problem, ...]


def import_codebook(path: str | Path, out: str | Path, force: bool = False,
                    language: str = "en", title: str = "") -> ImportResult:
    """Turn a codebook from another tool into qualcode YAML at ``out``.

    Hierarchy, names, descriptions, colours (and qualcode's own fields, when the file was
    written by qualcode) are kept; codes without rules get none.
    """
    from qualcode.codebook.qdc import read_qdc
    from qualcode.codebook.sheets import read_sheet
    from qualcode.codebook.writer import records_to_yaml, write_codebook_yaml

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise UsageError(f"cannot import '{path.suffix}' files", file=str(path),
                         hint="import " + ", ".join(IMPORT_SUFFIXES))
    if not path.is_file():
        raise UsageError("file not found", file=str(path))
    reader = read_qdc if suffix in (".qdc", ".qdpx") else read_sheet
    records, problems = reader(path)
    meta = {"codebook": title or path.stem.replace("_", " "), "version": "1",
            "language": language}
    comment = (f"Imported by qualcode from {path.name} on {dt.date.today().isoformat()}.\n"
               "Add rules to the codes you want applied automatically (docs/codebook.md).")
    text = records_to_yaml(meta, records, comment)
    codebook, warnings = write_codebook_yaml(text, Path(out), force)
    return ImportResult(Path(out), codebook, tuple(problems) + tuple(warnings))
