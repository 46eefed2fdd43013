"""``code_segments``: batches of segments → matchers (here or in worker processes) → rules.

Segments are cut into batches of consecutive segments of one source (about
``BATCH_CHARS`` characters each, so the cut never depends on ``jobs``). Each batch is
tokenised or read from the cache and matched, in this process or a worker's; workers
receive the texts and return compact hits. The rules then run here, in segment order,
because structural rules read the interviewer turn before.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, Sequence

from qualcode.engine.match import SegmentMatches, match_batch, matchers_for
from qualcode.engine.rules import CompiledCodebook, code_context, compile_codebook, context
from qualcode.engine.spec import MatchSpec
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


def _worker_init(spec: MatchSpec, cache_dir: str | None) -> None:
    global _SPEC, _CACHE
    _SPEC, _CACHE = spec, cache_dir


_SPEC: MatchSpec | None = None
_CACHE: str | None = None


def _worker(texts: tuple[str, ...]) -> list[SegmentMatches] | str:
    assert _SPEC is not None
    try:
        return match_batch(_SPEC, texts, _CACHE)
    except QualcodeError:
        raise
    except Exception as exc:  # reported per batch; the other sources go on
        return f"{type(exc).__name__}: {exc}"


def _pool(jobs: int, spec: MatchSpec, cache_dir: str | None) -> ProcessPoolExecutor:
    # fork shares the loaded spaCy and normaliser state with the workers for free
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_init, initargs=(spec, cache_dir))


def match_all(spec: MatchSpec, texts: list[tuple[str, ...]], jobs: int,
              cache_dir: str | None) -> Iterator[list[SegmentMatches] | str]:
    """Matches for each batch, in order, from this process or ``jobs`` workers."""
    if jobs <= 1 or len(texts) <= 1:
        _worker_init(spec, cache_dir)
        yield from map(_worker, texts)
        return
    matchers_for(spec)  # built once here; forked workers inherit it
    with _pool(min(jobs, len(texts)), spec, cache_dir) as pool:
        yield from pool.map(_worker, texts, chunksize=1)


def code_segments(segments: Sequence[Segment], sources: Sequence[Source],
                  codebook: Codebook, *, model: str | None = None,
                  progress: Progress | None = None, jobs: int = 1,
                  cache: str | Path | None = None,
                  report: Report | None = None) -> list[Coding]:
    """Apply ``codebook`` to ``segments``; one Coding per (segment, code), stable order.

    Args:
        jobs: worker processes for tokenising and matching (0 means one per CPU).
        cache: a folder for tokenised batches (``None``: no cache).
        report: where a batch that fails is reported; its segments get no codings.
    """
    compiled = compile_for(codebook, model)
    jobs = jobs if jobs > 0 else os.cpu_count() or 1
    ranges = batches(segments)
    texts = [tuple(s.text for s in segments[a:b]) for a, b in ranges]
    cache_dir = str(cache) if cache else None
    by_id = {s.id: s for s in sources}
    questions: dict[str, frozenset[int]] = {}
    out: list[Coding] = []
    for (a, b), result in zip(ranges, match_all(compiled.spec, texts, jobs, cache_dir)):
        if isinstance(result, str):
            seg = segments[a]
            problem = Problem(f"could not be coded: {result}",
                              file=by_id[seg.source_id].path, path=seg.id)
            if report is None:
                raise QualcodeError(problem.message, file=problem.file, path=problem.path)
            report.add(problem)
        else:
            out.extend(_code_batch(compiled, segments[a:b], result, by_id, questions))
        if progress:
            progress(b - a)
    return out


def _code_batch(compiled: CompiledCodebook, segments: Sequence[Segment],
                matches: list[SegmentMatches], sources: dict[str, Source],
                questions: dict[str, frozenset[int]]) -> list[Coding]:
    out: list[Coding] = []
    for segment, found in zip(segments, matches):
        question = questions.get(segment.source_id, frozenset())
        ctx = context(segment, sources[segment.source_id], found, question)
        if found.terms or found.patterns or question:
            out.extend(code_context(compiled, ctx))
        if segment.is_interviewer:
            questions[segment.source_id] = frozenset(ctx.terms)
    return out
