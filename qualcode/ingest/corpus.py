"""A project's sources: files found from the source specs, read, and given metadata.

Metadata comes from the informants table (CSV or XLSX), matched to files by path
relative to the table's folder, by file name, or by file stem. One bad file is
reported and skipped; the others are read.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qualcode.errors import IngestError, Problem, ProjectError, QualcodeError, Report
from qualcode.ingest import read_source, supported
from qualcode.model import TECHNIQUES, Source

KNOWN_COLUMNS = ("file", "informant", "role", "agency", "technique", "date", "case")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class InformantRow:
    file: str
    values: dict[str, str]
    line: int


def read_informants(path: Path) -> list[InformantRow]:
    """Rows of an informants table; ``file`` names the source each row describes."""
    if not path.is_file():
        raise ProjectError("informants table not found", file=str(path),
                           hint="check the 'informants' path in qualcode.yaml")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import pandas as pd

        frame = pd.read_excel(path, dtype=str).fillna("")
        records = frame.to_dict("records")
        lines = range(2, len(records) + 2)
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            records = list(reader)
        lines = range(2, len(records) + 2)
    rows = []
    for line, record in zip(lines, records):
        values = {str(k).strip().lower(): str(v or "").strip() for k, v in record.items() if k}
        if "file" not in values:
            raise ProjectError("the informants table has no 'file' column", file=str(path),
                               line=1, hint="columns: " + ", ".join(KNOWN_COLUMNS))
        if values["file"]:
            rows.append(InformantRow(values.pop("file"), values, line))
    return rows


def _expand(root: Path, spec_path: str) -> list[Path]:
    target = root / spec_path
    if any(ch in spec_path for ch in "*?["):
        return sorted(p for p in root.glob(spec_path) if p.is_file())
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and supported(p)
                      and not p.name.startswith((".", "~$")))
    return [target]


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


def _source_id(path: Path, used: set[str]) -> str:
    base = re.sub(r"[^\w.\-]+", "_", path.stem)
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
    meta.setdefault("technique", technique)
    if not meta.get("technique"):
        meta["technique"] = ""
    return meta


def load_sources(root: Path, specs: Iterable, informants: Path | None, report: Report,
                 progress: Callable[[int], None] | None = None) -> list[Source]:
    """Read every source the specs name; problems go to ``report``, good files go on."""
    rows = read_informants(informants) if informants else []
    base = informants.parent if informants else root
    files: list[tuple[Path, object]] = []
    for spec in specs:
        found = _expand(root, spec.path)
        if not found or not found[0].exists():
            raise ProjectError(f"no sources found at '{spec.path}'", path="sources",
                               line=spec.line,
                               hint="put transcripts there or fix the path in qualcode.yaml")
        files.extend((p, spec) for p in found)
    used: set[str] = set()
    matched: set[int] = set()
    sources = []
    for path, spec in files:
        row = _match_row(path, rows, base)
        if row:
            matched.add(id(row))
        try:
            raw = read_source(path)
        except QualcodeError as exc:
            report.add(exc.problem)
            continue
        meta = _metadata(dict(raw.metadata), row, getattr(spec, "technique", ""),
                         str(path), str(informants), report)
        technique = meta.pop("technique") or ("W" if raw.has_speakers else "D")
        if technique not in TECHNIQUES:
            report.add(Problem(f"unknown technique '{technique}'", file=str(informants or path),
                               line=row.line if row else None, path="technique",
                               hint="use W, O or D"))
            technique = "W" if raw.has_speakers else "D"
        date = meta.pop("date", "")
        if date and not DATE_RE.match(date):
            report.add(Problem(f"date '{date}' is not YYYY-MM-DD", file=str(informants or path),
                               line=row.line if row else None, path="date", severity="warning",
                               hint="write dates as 2024-03-14 so periods sort"))
        sources.append(Source(
            id=_source_id(path, used), path=str(path.relative_to(root)
                                               if path.is_relative_to(root) else path),
            text=raw.text, turns=raw.turns, technique=technique,
            informant=meta.pop("informant", "") or path.stem, role=meta.pop("role", ""),
            agency=meta.pop("agency", ""), date=date, case=meta.pop("case", ""),
            attributes=meta, has_speakers=raw.has_speakers))
        if progress:
            progress(1)
    for row in rows:
        if id(row) not in matched:
            report.add(Problem(f"the informants table names '{row.file}', which is not "
                               "among the sources", file=str(informants), line=row.line,
                               path="file", severity="warning",
                               hint="fix the file name or add the file to the sources"))
    if not sources:
        raise IngestError("no source could be read", hint="see the problems listed above",
                          problems=report.errors)
    return sources
