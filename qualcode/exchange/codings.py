"""Codings as spans of source text, read from whatever a coder left behind.

``agree`` and ``evaluate`` compare codings from different places: a coded CSV written by
``qualcode run`` (``out/coded_segments.csv``: segment ``ID``, ``Place`` with
``[start:end]``, ``Code`` as ``<id> <label>``, in English or Indonesian headers), a CSV
with ``segment_id, source, start, end, code_id`` columns (``qualcode code``, or the
``codings/*.csv`` of an imported project), one user of a ``.qdpx``, or a qualcode
project folder (its rules, with reviews applied). Each becomes a ``CodingSet``: spans
``(source, start, end, code_id)``, plus the source texts when the input carries them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from qualcode.errors import ExchangeError, UsageError

CODING_COLUMNS = ("segment_id", "source", "start", "end", "code_id", "code", "coder", "text")
SYNONYMS = {
    "segment_id": ("segment_id", "segment", "id", "segment id"),
    "source": ("source", "source_id", "sumber", "document", "file"),
    "start": ("start", "start_position", "startposition", "begin"),
    "end": ("end", "end_position", "endposition"),
    "code_id": ("code_id", "code id", "id kode", "kode_id"),
    "code": ("code", "kode"),
    "place": ("place", "letak"),
    "coder": ("coder", "pengode", "user"),
    "review": ("review", "tinjauan"),
}
_PLACE = re.compile(r"\[(\d+):(\d+)\]")


@dataclass(frozen=True)
class SpanCoding:
    """A code applied to ``text[start:end]`` of a source (-1 offsets: not known yet)."""

    source: str
    start: int
    end: int
    code_id: str
    coder: str = ""
    segment_id: str = ""


@dataclass(frozen=True)
class CodingSet:
    """One coder's codings, with the texts of the sources when the input had them."""

    name: str
    codings: tuple[SpanCoding, ...]
    texts: Mapping[str, str] = field(default_factory=dict)


def _columns(header: list[str], file: str) -> dict[str, str]:
    lower = {h.strip().lower(): h for h in header if h}
    found = {}
    for key, names in SYNONYMS.items():
        for name in names:
            if name in lower:
                found[key] = lower[name]
                break
    if "code_id" not in found and "code" not in found:
        raise ExchangeError("the coded CSV has no code column", file=file, line=1,
                            hint="expected code_id (or Code/Kode as '<id> <label>')")
    has_offsets = "start" in found and "end" in found or "place" in found
    if not has_offsets and "segment_id" not in found:
        raise ExchangeError("the coded CSV says neither where nor which segment", file=file,
                            line=1, hint="expected source, start, end, or a segment ID column")
    return found


def _row(row: dict, cols: dict[str, str], file: str, line: int) -> SpanCoding | None:
    get = lambda key: (row.get(cols[key]) or "").strip() if key in cols else ""  # noqa: E731
    if get("review").lower() in ("reject", "rejected", "tolak", "ditolak"):
        return None
    code = get("code_id") or get("code").split(" ", 1)[0]
    segment = get("segment_id")
    source = get("source") or (segment.rsplit(":", 1)[0] if ":" in segment else "")
    start, end = get("start"), get("end")
    if not (start and end):
        match = _PLACE.search(get("place"))
        start, end = match.groups() if match else ("-1", "-1")
    try:
        a, b = int(float(start)), int(float(end))
    except ValueError:
        raise ExchangeError(f"offsets '{start}', '{end}' are not whole numbers", file=file,
                            line=line, hint="start and end count characters from 0") from None
    if not code or not source:
        return None
    return SpanCoding(source, a, b, code, get("coder"), segment)


def read_coded_csv(path: str | Path) -> CodingSet:
    """Codings from a coded CSV (any of the layouts in the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError("file not found", file=str(path), hint="check the path")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        cols = _columns(list(reader.fieldnames or []), str(path))
        rows = [_row(r, cols, str(path), i) for i, r in enumerate(reader, start=2)]
    codings = tuple(r for r in rows if r is not None)
    return CodingSet(path.stem, codings)


def from_qdpx(path: str | Path, coder: str | None) -> CodingSet:
    """One user's codings from a ``.qdpx``; ``coder`` may be omitted if only one coded."""
    from qualcode.exchange.qdpx import read_qdpx
    from qualcode.exchange.project import code_ids, normalise_text

    project = read_qdpx(path)
    coders = project.coders()
    if coder is None:
        if len(coders) != 1:
            raise UsageError(f"{path} has {len(coders)} coders", file=str(path),
                             hint="name one with --coders: " + ", ".join(coders))
        coder = coders[0]
    if coder not in coders:
        raise UsageError(f"no coder '{coder}' in {path}", file=str(path),
                         hint="coders there: " + (", ".join(coders) or "none"))
    ids = project.source_ids
    codes = code_ids(project.codes)
    texts, maps = {}, {}
    for source in project.sources:
        texts[ids[source.guid]], maps[source.guid] = normalise_text(source.text)
    out = [SpanCoding(ids[c.source], maps[c.source][c.start], maps[c.source][c.end],
                      codes[c.code], coder)
           for c in project.codings if project.user_name(c.user) == coder]
    return CodingSet(coder, tuple(out), texts)


def from_project(path: str | Path) -> CodingSet:
    """A project's rule codings (reviews applied), coded now, with its source texts."""
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    project = load_project(path)
    corpus = build_corpus(project, Report())
    out = []
    for coding in corpus.codings:
        seg = corpus.segment(coding.segment_id)
        out.append(SpanCoding(seg.source_id, seg.start, seg.end, coding.code_id,
                              coding.coder, seg.id))
    return CodingSet(project.title, tuple(out), {s.id: s.text for s in corpus.sources})


def load_codings(spec: str | Path, coder: str | None = None) -> CodingSet:
    """A coding set from a coded CSV, a ``.qdpx`` (one coder) or a project folder."""
    path = Path(spec)
    if path.is_dir() or path.name == "qualcode.yaml":
        return from_project(path)
    if path.suffix.lower() == ".qdpx":
        return from_qdpx(path, coder)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return read_coded_csv(path)
    raise UsageError(f"cannot read codings from '{spec}'", file=str(spec),
                     hint="give a coded .csv, a .qdpx, or a project folder")


@dataclass(frozen=True)
class Units:
    """Source texts and their segments (start, end, id), from a project or a coding set."""

    texts: Mapping[str, str]
    segments: Mapping[str, tuple[tuple[int, int, str], ...]] = field(default_factory=dict)


def project_units(path: str | Path) -> Units:
    """A project's source texts and segments, without coding them (fast)."""
    from qualcode.errors import Report
    from qualcode.ingest.corpus import load_sources
    from qualcode.project import load_project
    from qualcode.segment import segment_sources

    project = load_project(path)
    sources = load_sources(project.root, project.sources, project.informants, Report())
    segments = segment_sources(sources, dict(project.units), project.interviewers)
    by_source: dict[str, list[tuple[int, int, str]]] = {s.id: [] for s in sources}
    for seg in segments:
        if not seg.is_interviewer:
            by_source[seg.source_id].append((seg.start, seg.end, seg.id))
    return Units({s.id: s.text for s in sources},
                 {k: tuple(v) for k, v in by_source.items()})


def resolve_offsets(codings: CodingSet, units: Units) -> CodingSet:
    """Give offsets to codings known only by segment id (the run's coding sheet)."""
    where = {seg_id: (a, b) for segs in units.segments.values() for a, b, seg_id in segs}
    out = []
    for c in codings.codings:
        if c.start < 0 or c.end < 0:
            if c.segment_id not in where:
                raise ExchangeError(f"segment '{c.segment_id}' is not in the project",
                                    file=codings.name,
                                    hint="give --project: the project whose segments these are")
            a, b = where[c.segment_id]
            c = SpanCoding(c.source, a, b, c.code_id, c.coder, c.segment_id)
        out.append(c)
    return CodingSet(codings.name, tuple(out), codings.texts)
