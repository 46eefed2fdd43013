"""``qualcode code`` as a library call: files + codebook → one row per (segment, code).

Reads the given files or folders the way a project reads its sources, segments them,
codes them, and builds the table; writing it is a separate call so that a caller can
refuse to overwrite before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import pandas as pd

from qualcode.engine.code import Progress, Workers, code_segments
from qualcode.errors import Report, UsageError
from qualcode.model import Codebook, Coding, Segment, Source

COLUMNS = ("segment_id", "source", "informant", "role", "technique", "date", "speaker",
           "unit", "start", "end", "line_start", "line_end", "code_id", "code_label",
           "parent_id", "magnitude", "rule", "matched", "hits", "text")
FORMATS = (".csv", ".xlsx", ".parquet")


@dataclass
class CodeResult:
    """What ``code_files`` produced: the table and what was read, coded and skipped."""

    frame: pd.DataFrame
    sources: int
    segments: int
    report: Report = field(default_factory=Report)


@dataclass(frozen=True)
class _Spec:
    """A path from the command line, read as a project reads a source entry."""

    path: str
    technique: str = ""
    text_column: tuple[str, ...] = ()
    id_column: str = ""
    line: int | None = None
    hint: str = "give an existing file or folder of transcripts on the command line"


def coded_frame(segments: Sequence[Segment], sources: Sequence[Source],
                codings: Sequence[Coding], codebook: Codebook) -> pd.DataFrame:
    """The coding table: one row per (segment, code), in segment then codebook order."""
    segs = {s.id: s for s in segments}
    srcs = {s.id: s for s in sources}
    codes = {c.id: c for c in codebook.codes}
    rows = []
    for coding in codings:
        seg = segs[coding.segment_id]
        src, code = srcs[seg.source_id], codes[coding.code_id]
        rows.append((seg.id, src.id, src.informant, src.role, src.technique, src.date,
                     seg.speaker, seg.unit, seg.start, seg.end, seg.line_start,
                     seg.line_end, code.id, code.label, code.parent or "", coding.magnitude,
                     coding.rule, coding.matched,
                     "; ".join(f"{h.term}@{h.start}-{h.end}" for h in coding.hits),
                     seg.text))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def check_output(path: Path, force: bool) -> None:
    """Refuse an unknown format, a missing pyarrow, or an existing file without force."""
    from qualcode.export.files import refuse_existing

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"unknown output format '{suffix or '(none)'}'", file=str(path),
                         hint="name the file .csv, .xlsx or .parquet")
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("writing .parquet needs pyarrow", file=str(path),
                             hint="pip install pyarrow, or write .csv/.xlsx") from None
    refuse_existing(path, force)


def write_coded(frame: pd.DataFrame, path: Path) -> None:
    """Write the table as CSV (UTF-8 with BOM), XLSX or Parquet, atomically."""
    from qualcode.export.files import atomic_path
    from qualcode.export.tables import write_csv, write_xlsx

    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(frame, path)
    elif suffix == ".xlsx":
        write_xlsx({"coded": frame}, path)
    else:
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)


def code_files(paths: Sequence[str | Path], codebook_path: str | Path, *,
               unit: str | None = None, language: str | None = None, jobs: int = 1,
               informants: str | Path | None = None, cache: str | Path | None = None,
               progress: Progress | None = None, technique: str = "",
               text_column: Sequence[str] = (), id_column: str = "") -> CodeResult:
    """Code files or folders with a codebook (validated first); bad files are reported.

    ``technique`` is given to sources that have none (front matter, informants table);
    ``text_column`` and ``id_column`` say where a spreadsheet's answers and
    respondents are, as in a project's source entry."""
    from qualcode.codebook import load_codebook
    from qualcode.ingest.corpus import load_sources
    from qualcode.segment import segment_sources

    codebook = load_codebook(codebook_path)
    if language and language != codebook.language:
        codebook = replace(codebook, language=language)
    report = Report()
    specs = [_Spec(str(Path(p).resolve()), technique, tuple(text_column), id_column)
             for p in paths]
    with Workers(codebook, jobs) as workers:  # forked before the sources are read
        sources = load_sources(Path.cwd(), specs, Path(informants) if informants else None,
                               report)
        segments = segment_sources(sources, {"*": unit} if unit else {})
        codings = code_segments(segments, sources, codebook, progress=progress,
                                cache=cache, report=report, workers=workers)
    return CodeResult(coded_frame(segments, sources, codings, codebook), len(sources),
                      len(segments), report)
