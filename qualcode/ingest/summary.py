"""What ``qualcode ingest`` shows: sources read from paths (or a project), segmented.

``ingest_paths`` is the one library call behind the command; ``source_record`` and
``segment_record`` turn the results into plain dicts for JSON and CSV output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from qualcode.errors import IngestError, Problem, Report
from qualcode.ingest.corpus import load_sources
from qualcode.model import Segment, Source
from qualcode.segment import DEFAULT_INTERVIEWERS, segment_sources


@dataclass(frozen=True)
class PathSpec:
    """A path given on the command line, with the spreadsheet options for it."""

    path: str
    technique: str = ""
    text_column: tuple[str, ...] = ()
    id_column: str = ""
    attributes: tuple[str, ...] = ()
    sheet: str = ""
    line: int | None = None


@dataclass
class Ingested:
    """Sources and their segments, and every problem met on the way."""

    sources: list[Source]
    segments: list[Segment]
    report: Report = field(default_factory=Report)
    interviewers: tuple[str, ...] = DEFAULT_INTERVIEWERS

    def segments_of(self, source_id: str) -> list[Segment]:
        return [s for s in self.segments if s.source_id == source_id]


def _existing(paths: Sequence[str], report: Report) -> list[str]:
    kept = []
    for path in paths:
        if any(ch in path for ch in "*?[") or Path(path).exists():
            kept.append(path)
        else:
            report.add(Problem("file not found", file=path, hint="check the path"))
    return kept


def ingest_paths(paths: Sequence[str], *, informants: Path | None = None,
                 unit: str | None = None, technique: str = "",
                 text_column: Sequence[str] = (), id_column: str = "",
                 attributes: Sequence[str] = (),
                 interviewers: Iterable[str] = ()) -> Ingested:
    """Read files, folders or globs and segment them, as ``qualcode ingest`` shows.

    Raises:
        IngestError: nothing could be read (the problems are attached).
    """
    report = Report()
    kept = _existing(paths, report)
    if not kept:
        raise IngestError("no source could be read", problems=report.errors,
                          hint="give existing files or folders")
    specs = [PathSpec(p, technique, tuple(text_column), id_column, tuple(attributes))
             for p in kept]
    sources = load_sources(Path("."), specs, informants, report, warn_unused=False)
    asked = DEFAULT_INTERVIEWERS + tuple(interviewers)
    segments = segment_sources(sources, {"*": unit} if unit else None, asked)
    return Ingested(sources, segments, report, asked)


def ingest_project(folder: Path, unit: str | None = None) -> Ingested:
    """Read and segment a project's sources with its own settings."""
    from qualcode.project import load_project

    project = load_project(folder)
    report = Report()
    sources = load_sources(project.root, project.sources, project.informants, report)
    units = {"*": unit} if unit else dict(project.units)
    segments = segment_sources(sources, units, project.interviewers)
    return Ingested(sources, segments, report, project.interviewers)


def speakers(segments: Iterable[Segment]) -> list[tuple[str, int, bool]]:
    """Each speaker with the number of segments and whether they are the interviewer."""
    counts: Counter[str] = Counter()
    asks: dict[str, bool] = {}
    for seg in segments:
        if seg.speaker:
            counts[seg.speaker] += 1
            asks[seg.speaker] = seg.is_interviewer
    return [(name, n, asks[name]) for name, n in counts.items()]


def source_record(source: Source, segments: Sequence[Segment]) -> dict[str, Any]:
    """A source as a flat dict (attributes as a nested dict for JSON)."""
    return {
        "id": source.id, "path": source.path, "technique": source.technique,
        "informant": source.informant, "role": source.role, "agency": source.agency,
        "date": source.date, "case": source.case, "attributes": dict(source.attributes),
        "words": source.words, "characters": len(source.text),
        "speakers": [name for name, _, _ in speakers(segments)],
        "interviewers": [name for name, _, asks in speakers(segments) if asks],
        "unit": segments[0].unit if segments else "",
        "segments": len(segments),
        "coded_segments": sum(1 for s in segments if not s.is_interviewer),
    }


def segment_record(segment: Segment) -> dict[str, Any]:
    """A segment as a flat dict: id, place (offsets, lines, time, page), speaker, text."""
    return {
        "id": segment.id, "source": segment.source_id, "unit": segment.unit,
        "start": segment.start, "end": segment.end, "line_start": segment.line_start,
        "line_end": segment.line_end, "time": segment.time, "page": segment.page,
        "speaker": segment.speaker, "interviewer": segment.is_interviewer,
        "text": segment.text,
    }
