"""A project's sources: files found from the source specs, read, and given metadata.

Metadata comes from the file itself (front matter, spreadsheet attributes) and from
the informants table (CSV or XLSX), matched to files by path relative to the table's
folder, by file name, or by file stem; the table wins, and a conflict is reported.
One bad file is reported and skipped; the others are read. A multi-source file (a
spreadsheet of answers) gives one ``Source`` per part, with id ``<stem>-<key>``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from qualcode.errors import IngestError, Problem, ProjectError, QualcodeError, Report
from qualcode.ingest import Part, ReadOptions, read_parts
from qualcode.ingest.textutil import decode
from qualcode.model import TECHNIQUES, Source

KNOWN_COLUMNS = ("file", "informant", "role", "agency", "technique", "date", "case")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class InformantRow:
    file: str
    values: dict[str, str]
    line: int


def _table_records(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import pandas as pd

        try:
            frame = pd.read_excel(path, dtype=str).fillna("")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one message
            raise ProjectError(f"the informants table cannot be read "
                               f"({exc.__class__.__name__})", file=str(path),
                               hint="save it again as .xlsx or .csv") from None
        return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
    text = decode(path.read_bytes(), str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def read_informants(path: Path) -> list[InformantRow]:
    """Rows of an informants table; ``file`` names the source each row describes."""
    if not path.is_file():
        raise ProjectError("informants table not found", file=str(path),
                           hint="check the 'informants' path in qualcode.yaml")
    rows = []
    for line, record in enumerate(_table_records(path), start=2):
        values = {str(k).strip().lower(): str(v or "").strip() for k, v in record.items() if k}
        if "file" not in values:
            raise ProjectError("the informants table has no 'file' column", file=str(path),
                               line=1, hint="columns: " + ", ".join(KNOWN_COLUMNS))
        if values["file"]:
            rows.append(InformantRow(values.pop("file"), values, line))
    return rows


def _expand(root: Path, spec_path: str, skip: Path | None) -> list[Path]:
    target = root / spec_path
    if any(ch in spec_path for ch in "*?["):
        pattern = Path(spec_path)
        if pattern.is_absolute():  # Path.glob takes relative patterns only
            root, spec_path = Path(pattern.anchor), str(pattern.relative_to(pattern.anchor))
        found = sorted(p for p in root.glob(spec_path) if p.is_file())
    elif target.is_dir():
        found = sorted(p for p in target.rglob("*") if p.is_file()
                       and not p.name.startswith((".", "~$")))
    else:
        return [target]
    # The informants table is metadata, not a source, even when it sits among them.
    return [p for p in found if skip is None or p.resolve() != skip.resolve()]


def _match_row(path: Path, rows: Sequence[InformantRow], base: Path) -> InformantRow | None:
    try:
        rel = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        rel = path.name
    for test in (lambda r: r.file == rel, lambda r: r.file == path.name,
                 lambda r: Path(r.file).stem == path.stem):
        for row in rows:
            if test(row):
                return row
    return None


def _source_id(base: str, used: set[str]) -> str:
    base = re.sub(r"[^\w.\-]+", "_", base)
    sid, n = base, 2
    while sid in used:
        sid, n = f"{base}-{n}", n + 1
    used.add(sid)
    return sid


def _metadata(raw_meta: dict, row: InformantRow | None, technique: str, file: str,
              table: str, report: Report) -> dict[str, str]:
    meta = {k: str(v) for k, v in raw_meta.items()}
    if row:
        for key, value in row.values.items():
            if value and meta.get(key) and meta[key] != value:
                report.add(Problem(
                    f"'{key}' is '{meta[key]}' in the file but '{value}' in the table; "
                    "using the table", file=table, line=row.line, path=key,
                    severity="warning", hint=f"make them agree in {file}"))
            if value:
                meta[key] = value
    if not meta.get("technique"):
        meta["technique"] = technique
    return meta


@dataclass(frozen=True)
class _Found:
    """A file to read, its spec, and its row in the informants table (if any)."""

    path: Path
    spec: Any
    row: InformantRow | None


def _options(spec: Any) -> ReadOptions:
    columns = getattr(spec, "text_column", "") or ()
    if isinstance(columns, str):
        columns = (columns,)
    return ReadOptions(text_columns=tuple(columns), id_column=getattr(spec, "id_column", ""),
                       attributes=tuple(getattr(spec, "attributes", ()) or ()),
                       sheet=getattr(spec, "sheet", ""))


def _make_source(found: _Found, part: Part, meta: dict[str, str], root: Path,
                 where: str, used: set[str], report: Report) -> Source:
    raw, path, row = part.raw, found.path, found.row
    technique = meta.pop("technique") or ("W" if raw.has_speakers else "D")
    if technique not in TECHNIQUES:
        report.add(Problem(f"unknown technique '{technique}'", file=where,
                           line=row.line if row else None, path="technique",
                           hint="use W, O or D"))
        technique = "W" if raw.has_speakers else "D"
    date = meta.pop("date", "")
    if date and not DATE_RE.match(date):
        report.add(Problem(f"date '{date}' is not YYYY-MM-DD", file=where,
                           line=row.line if row else None, path="date", severity="warning",
                           hint="write dates as 2024-03-14 so periods sort"))
    stem = f"{path.stem}-{part.key}" if part.key else path.stem
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return Source(
        id=_source_id(stem, used), path=str(shown), text=raw.text, turns=raw.turns,
        technique=technique, informant=meta.pop("informant", "") or part.key or path.stem,
        role=meta.pop("role", ""), agency=meta.pop("agency", ""), date=date,
        case=meta.pop("case", ""), attributes=meta, has_speakers=raw.has_speakers)


def _find(root: Path, specs: Iterable, informants: Path | None,
          rows: list[InformantRow]) -> list[_Found]:
    """The files the specs name, each with its informants row."""
    base = informants.parent if informants else root
    files: list[_Found] = []
    for spec in specs:
        found = _expand(root, spec.path, informants)
        if not found or not found[0].exists():
            raise ProjectError(f"no sources found at '{spec.path}'", path="sources",
                               line=getattr(spec, "line", None),
                               hint=getattr(spec, "hint", None) or
                               "put transcripts there or fix the path in qualcode.yaml")
        # Files of an unknown type are kept: reading them reports them, not a silent skip.
        files.extend(_Found(p, spec, _match_row(p, rows, base)) for p in found)
    return files


def load_sources(root: Path, specs: Iterable, informants: Path | None, report: Report,
                 progress: Callable[[int], None] | None = None, *,
                 warn_unused: bool = True) -> list[Source]:
    """Read every source the specs name; problems go to ``report``, good files go on.

    Rows of the informants table that name a missing file are always reported;
    rows naming an existing file that no spec selected only when ``warn_unused``.

    Raises:
        ProjectError: a spec names nothing, or the informants table is unreadable.
        IngestError: not one source could be read.
    """
    rows = read_informants(informants) if informants else []
    table = str(informants or "")
    used: set[str] = set()
    matched: set[int] = set()
    sources = []
    for found in _find(root, specs, informants, rows):
        if found.row:
            matched.add(id(found.row))
        try:
            parts = read_parts(found.path, _options(found.spec))
        except QualcodeError as exc:
            report.add(exc.problem)
            continue
        for part in parts:
            for note in part.notes:
                report.add(Problem(note, file=str(found.path), severity="warning"))
            meta = _metadata(dict(part.raw.metadata), found.row,
                             getattr(found.spec, "technique", ""), str(found.path), table,
                             report)
            sources.append(_make_source(found, part, meta, root, table or str(found.path),
                                        used, report))
        if progress:
            progress(1)
    _report_rows([r for r in rows if id(r) not in matched],
                 informants.parent if informants else root, table, warn_unused, report)
    if not sources:
        raise IngestError("no source could be read", hint="see the problems listed below",
                          problems=report.errors)
    return sources


def _report_rows(rows: list[InformantRow], base: Path, table: str, warn_unused: bool,
                 report: Report) -> None:
    """Warn about informants rows that described no source that was read."""
    for row in rows:
        if not (base / row.file).exists():
            report.add(Problem(f"the informants table names '{row.file}', which does not "
                               "exist", file=table, line=row.line, path="file",
                               severity="warning", hint="fix the file name in the table"))
        elif warn_unused:
            report.add(Problem(f"the informants table names '{row.file}', which is not "
                               "among the sources", file=table, line=row.line,
                               path="file", severity="warning",
                               hint="add its folder to 'sources' in qualcode.yaml"))
