"""``qualcode run``: ingest → segment → code → reduce → display → conclude → export.

Each stage is a plain function; this module only chains them and writes the outputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Protocol

import pandas as pd

from qualcode.analysis import build_tables
from qualcode.analysis.labels import label
from qualcode.codebook import load_codebook
from qualcode.engine import Workers, code_segments
from qualcode.errors import Report
from qualcode.export.files import prepare_output, write_text
from qualcode.export.tables import write_csv, write_xlsx
from qualcode.export.word import write_report
from qualcode.ingest.corpus import load_sources
from qualcode.model import Codebook, CodedCorpus, Segment, Source
from qualcode.project import Project, load_project
from qualcode.segment import segment_sources


class ProgressFactory(Protocol):
    def __call__(self, stage: str, total: int) -> ContextManager[Callable[[int], None]]: ...


class _NoProgress:
    def __call__(self, stage: str, total: int):
        from contextlib import nullcontext

        return nullcontext(lambda n: None)


@dataclass
class RunResult:
    """What a run produced: the coded corpus, its tables, the files, the problems."""

    project: Project
    corpus: CodedCorpus
    tables: dict[str, pd.DataFrame]
    outputs: list[Path] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    seconds: dict[str, float] = field(default_factory=dict)
    charts: dict[str, Path] = field(default_factory=dict)


def load_segments(project: Project, report: Report, progress: ProgressFactory | None = None
                  ) -> tuple[Codebook, list[Source], list[Segment]]:
    """The project's codebook (in the project's language), sources and segments."""
    codebook = project_codebook(project)
    return (codebook, *read_segments(project, report, progress))


def project_codebook(project: Project) -> Codebook:
    """The project's codebook, in the project's language."""
    codebook = load_codebook(project.codebook)
    language = project.language or codebook.language
    if language != codebook.language:
        from dataclasses import replace

        codebook = replace(codebook, language=language)
    return codebook


def read_segments(project: Project, report: Report, progress: ProgressFactory | None = None
                  ) -> tuple[list[Source], list[Segment]]:
    """The project's sources, and their segments."""
    progress = progress or _NoProgress()
    with progress("reading sources", 0) as tick:
        sources = load_sources(project.root, project.sources, project.informants, report,
                               progress=tick)
    return sources, segment_sources(sources, dict(project.units), project.interviewers)


def build_corpus(project: Project, report: Report,
                 progress: ProgressFactory | None = None,
                 seconds: dict[str, float] | None = None) -> CodedCorpus:
    """Load the codebook and sources, segment and code them.

    With more than one job, the workers are forked once the codebook is compiled,
    before the sources are read (see ``qualcode.engine.Workers``)."""
    progress = progress or _NoProgress()
    seconds = {} if seconds is None else seconds
    t0 = time.perf_counter()
    codebook = project_codebook(project)
    with Workers(codebook, project.jobs, project.pipeline) as workers:
        sources, segments = read_segments(project, report, progress)
        seconds["ingest"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with progress("coding segments", len(segments)) as tick:
            codings = code_segments(segments, sources, codebook, model=project.pipeline,
                                    progress=tick, cache=project.cache_dir, report=report,
                                    workers=workers)
    seconds["code"] = time.perf_counter() - t0
    applied = _apply_reviews(project, codebook, codings, segments, report)
    return CodedCorpus(codebook=codebook, sources=tuple(sources), segments=tuple(segments),
                       codings=applied.effective, all_codings=applied.all_codings,
                       reviews=applied.reviews,
                       language=project.report_language, title=project.title)


def _apply_reviews(project: Project, codebook, codings, segments, report: Report):
    """The stored reviewers' decisions applied to the rules' codings (see review.py)."""
    from qualcode.review import apply_reviews, load_reviews, review_path

    reviews, problems = load_reviews(project.root)
    if problems:
        from qualcode.errors import ProjectError

        raise ProjectError("the review file cannot be read",
                           file=str(review_path(project.root)), problems=problems)
    applied = apply_reviews(codings, reviews, segments, [c.id for c in codebook.codes],
                            file=str(review_path(project.root)))
    for problem in applied.problems:
        report.add(problem)
    return applied


def run(path: str | Path = ".", *, force: bool = False,
        progress: ProgressFactory | None = None) -> RunResult:
    """Run a project end to end and write its outputs; return what was made."""
    project = load_project(path)
    output = project.output_dir
    prepare_output(output, force=force)
    report = Report()
    seconds: dict[str, float] = {}
    corpus = build_corpus(project, report, progress, seconds)
    corpus = _with_conclusions(project, corpus, report)
    t0 = time.perf_counter()
    tables = build_tables(corpus)
    seconds["tables"] = time.perf_counter() - t0
    result = RunResult(project, corpus, tables, report=report, seconds=seconds)
    t0 = time.perf_counter()
    _write_outputs(result, output)
    seconds["export"] = time.perf_counter() - t0
    return result


def make_report(path: str | Path = ".", *, output: str | Path | None = None,
                language: str | None = None, force: bool = False) -> Path:
    """Write only the Word report (``qualcode report``), reviews applied; return its path.

    Without ``output`` it goes to the project's output folder as ``report.docx``; a file
    named by the user is replaced only with ``force``. ``language`` (id/en) overrides
    the project's ``report_language``.
    """
    from dataclasses import replace

    from qualcode.export.files import refuse_existing

    project = load_project(path)
    report = Report()
    corpus = _with_conclusions(project, build_corpus(project, report), report)
    if language:
        corpus = replace(corpus, language=language)
    if output:
        target = Path(output)
        refuse_existing(target, force)
    else:
        target = prepare_output(project.output_dir, force=force) / "report.docx"
    return write_report(corpus, build_tables(corpus), target, title=project.title)


def _with_conclusions(project: Project, corpus: CodedCorpus, report: Report) -> CodedCorpus:
    """The researcher's final conclusions (conclusions.yaml, created on the first run)."""
    from qualcode.analysis.conclusions import load_conclusions

    corpus, _, _, problems = load_conclusions(project.root, corpus)
    for problem in problems:
        report.add(problem)
    return corpus


def _write_outputs(result: RunResult, output: Path) -> None:
    corpus, tables = result.corpus, result.tables
    lang = corpus.language
    coded = output / "coded_segments.csv"
    write_csv(tables["coding_sheet"], coded)
    xlsx = output / "matrices.xlsx"
    write_xlsx(tables, xlsx, {name: label(name, lang) for name in tables})
    from qualcode.analysis.charts import make_charts
    from qualcode.export.tables import write_csvs

    result.outputs.extend(write_csvs(tables, output / "tables"))
    result.charts.update(make_charts(corpus, output / "charts"))
    result.outputs.extend(result.charts.values())
    docx = output / "report.docx"
    write_report(corpus, tables, docx, title=result.project.title, charts=result.charts)
    log = output / "run.log"
    write_text(log, run_summary(result))
    result.outputs.extend([coded, xlsx, docx, log])


def run_summary(result: RunResult) -> str:
    """A plain-text account of the run: what was read, coded, skipped, and problems."""
    corpus = result.corpus
    lines = [
        f"project: {result.project.file}",
        f"codebook: {corpus.codebook.title} {corpus.codebook.version} ({corpus.codebook.path})",
        f"sources: {len(corpus.sources)}  segments: {len(corpus.segments)}  "
        f"codings: {len(corpus.codings)}",
    ]
    skipped = result.report.errors
    if skipped:
        lines.append(f"skipped sources: {len(skipped)}")
        lines.extend(f"  {p}" for p in skipped)
    if result.report.warnings:
        lines.append("warnings:")
        lines.extend(f"  {p}" for p in result.report.warnings)
    not_built = getattr(result.tables, "skipped", {})
    if not_built:
        lines.append("tables not built:")
        lines.extend(f"  {reason}" for reason in not_built.values())
    lines.append("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
    return "\n".join(lines) + "\n"
