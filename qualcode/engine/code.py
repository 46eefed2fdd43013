"""``code_segments``: batches of segments → matchers → rules, here or in worker processes.

Segments are cut into batches of consecutive segments of one source (about
``BATCH_CHARS`` characters each, so the cut never depends on ``jobs``). Each batch is
tokenised or read from the cache, matched and coded, in this process or a worker's.
Workers are forked with the pipeline, the compiled codebook and the segments already
loaded; a task is a range of segment indices and its result the batch's codings.
Structural rules read the interviewer turn before a segment: a batch that starts inside
a source also matches that source's last interviewer turn before it.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Sequence

from qualcode.engine.match import SegmentMatches, match_batch, matchers_for
from qualcode.engine.rules import CompiledCodebook, code_context, compile_codebook, context
from qualcode.errors import Problem, QualcodeError, Report
from qualcode.language import matching_pipeline
from qualcode.model import Codebook, Coding, Segment, Source

Progress = Callable[[int], None]
BATCH_CHARS = 200_000


def compile_for(codebook: Codebook, model: str | None = None) -> CompiledCodebook:
    """Compile a codebook with its language's normaliser (patterns need keys)."""
    pipe = matching_pipeline(codebook.language, model)
    return compile_codebook(codebook, pipe.norm, model)


def batches(segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """``[start, end)`` index ranges of consecutive segments of one source."""
    out: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, seg in enumerate(segments):
        if i > start and (seg.source_id != segments[start].source_id or size > BATCH_CHARS):
            out.append((start, i))
            start, size = i, 0
        size += len(seg.text)
    if segments:
        out.append((start, len(segments)))
    return out


class _Job(NamedTuple):
    """What every batch needs, set once per process (inherited by forked workers)."""

    compiled: CompiledCodebook
    segments: Sequence[Segment]
    sources: dict[str, Source]
    cache_dir: str | None


_JOB: _Job | None = None


def _worker_init(job: _Job) -> None:
    global _JOB
    _JOB = job


def question_before(segments: Sequence[Segment], ranges: list[tuple[int, int]]
                    ) -> list[int | None]:
    """Per batch, the last interviewer turn before it in the same source (if any)."""
    out: list[int | None] = []
    last: int | None = None
    starts = {a for a, _ in ranges}
    for i, seg in enumerate(segments):
        if i in starts:
            prior = segments[last] if last is not None else None
            out.append(last if prior is not None and prior.source_id == seg.source_id
                       else None)
        if seg.is_interviewer:
            last = i
    return out


def _run(task: tuple[int, int, int | None]) -> list[Coding] | str:
    """Match and code segments ``[a, b)``; the turn ``q`` gives the first question."""
    assert _JOB is not None
    a, b, q = task
    job = _JOB
    segments = job.segments[a:b]
    texts = [s.text for s in segments]
    if q is not None:
        texts.insert(0, job.segments[q].text)
    try:
        found = match_batch(job.compiled.spec, texts, job.cache_dir)
    except QualcodeError:
        raise
    except Exception as exc:  # reported per batch; the other sources go on
        return f"{type(exc).__name__}: {exc}"
    question = frozenset(h.item for h in found[0].terms) if q is not None else frozenset()
    return _code_batch(job.compiled, segments, found[1 if q is not None else 0:],
                       job.sources, question)


def _pool(jobs: int, job: _Job) -> ProcessPoolExecutor:
    # fork shares the loaded spaCy, the matchers and the segments with the workers
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_init, initargs=(job,))


def run_all(job: _Job, tasks: list[tuple[int, int, int | None]], jobs: int
            ) -> Iterator[list[Coding] | str]:
    """Codings for each batch, in order, from this process or ``jobs`` workers."""
    if jobs <= 1 or len(tasks) <= 1:
        _worker_init(job)
        yield from map(_run, tasks)
        return
    matchers_for(job.compiled.spec)  # built once here; forked workers inherit it
    with _pool(min(jobs, len(tasks)), job) as pool:
        yield from pool.map(_run, tasks, chunksize=1)


def code_segments(segments: Sequence[Segment], sources: Sequence[Source],
                  codebook: Codebook, *, model: str | None = None,
                  progress: Progress | None = None, jobs: int = 1,
                  cache: str | Path | None = None,
                  report: Report | None = None) -> list[Coding]:
    """Apply ``codebook`` to ``segments``; one Coding per (segment, code), stable order.

    Args:
        jobs: worker processes for tokenising, matching and coding (0: one per CPU).
        cache: a folder for tokenised batches (``None``: no cache).
        report: where a batch that fails is reported; its segments get no codings.
    """
    compiled = compile_for(codebook, model)
    jobs = jobs if jobs > 0 else os.cpu_count() or 1
    ranges = batches(segments)
    tasks = [(a, b, q) for (a, b), q in zip(ranges, question_before(segments, ranges))]
    by_id = {s.id: s for s in sources}
    job = _Job(compiled, segments, by_id, str(cache) if cache else None)
    out: list[Coding] = []
    for (a, b, _), result in zip(tasks, run_all(job, tasks, jobs)):
        if isinstance(result, str):
            seg = segments[a]
            problem = Problem(f"could not be coded: {result}",
                              file=by_id[seg.source_id].path, path=seg.id)
            if report is None:
                raise QualcodeError(problem.message, file=problem.file, path=problem.path)
            report.add(problem)
        else:
            out.extend(result)
        if progress:
            progress(b - a)
    return out


def _code_batch(compiled: CompiledCodebook, segments: Sequence[Segment],
                matches: Sequence[SegmentMatches], sources: dict[str, Source],
                question: frozenset[int]) -> list[Coding]:
    out: list[Coding] = []
    for segment, found in zip(segments, matches):
        ctx = context(segment, sources[segment.source_id], found, question)
        if found.terms or found.patterns or question:
            out.extend(code_context(compiled, ctx))
        if segment.is_interviewer:
            question = frozenset(ctx.terms)
    return out
