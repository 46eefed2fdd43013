"""``code_segments``: batches of segments → matchers → rules, here or in worker processes.

Segments are cut into batches of consecutive segments (about ``BATCH_CHARS``
characters each, so the cut never depends on ``jobs``). Each batch is
tokenised or read from the cache, matched and coded, in this process or a worker's.
With more than one job, this process forks the other workers (with the pipeline, the
compiled codebook and the segments already loaded) and codes batches too; a task is a
range of segment indices and its result the batch's codings.
Structural rules read the interviewer turn before a segment: a batch that starts inside
a source also matches that source's last interviewer turn before it. A batch that
fails is retried source by source, so that only the failing source goes uncoded.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence, cast

from qualcode.engine.match import SegmentMatches, match_batch, matchers_for
from qualcode.engine.rules import (CompiledCodebook, candidates, code_context,
                                   compile_codebook, context)
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
    """``[start, end)`` index ranges of consecutive segments, about ``BATCH_CHARS`` each."""
    out: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, seg in enumerate(segments):
        if i > start and size > BATCH_CHARS:
            out.append((start, i))
            start, size = i, 0
        size += len(seg.text)
    if segments:
        out.append((start, len(segments)))
    return out


def by_source(segments: Sequence[Segment], a: int, b: int) -> list[tuple[int, int]]:
    """``[a, b)`` cut where the source changes."""
    out, start = [], a
    for i in range(a + 1, b):
        if segments[i].source_id != segments[i - 1].source_id:
            out.append((start, i))
            start = i
    return out + [(start, b)] if b > a else out


class _Job(NamedTuple):
    """What every batch needs, set once per process (inherited by forked workers)."""

    compiled: CompiledCodebook
    segments: Sequence[Segment]
    sources: dict[str, Source]
    cache_dir: str | None


_JOB: _Job | None = None
_FREEZING = False  # set while run_all keeps the heap frozen


def _worker_init(job: _Job) -> None:
    global _JOB
    _JOB = job


def question_before(segments: Sequence[Segment], at: int) -> int | None:
    """The last interviewer turn before segment ``at`` in the same source, if any."""
    source = segments[at].source_id if at < len(segments) else None
    for i in range(at - 1, -1, -1):
        if segments[i].source_id != source:
            return None
        if segments[i].is_interviewer:
            return i
    return None


Result = tuple[list[Coding], list[tuple[int, str]]]
"""A batch's codings, and the sources that failed (first segment index, error)."""


def _run(task: tuple[int, int]) -> Result:
    """Match and code segments ``[a, b)``; if that fails, each source on its own."""
    a, b = task
    if _FREEZING:  # what earlier batches left (word types, strings) stays: keep the
        gc.freeze()  # collector from walking it again and again (run_all unfreezes)
    try:
        return _code_range(a, b), []
    except QualcodeError:
        raise
    except Exception as exc:  # retried per source below; failing sources are reported
        parts = by_source(_job().segments, a, b)
        if len(parts) == 1:
            return [], [(a, f"{type(exc).__name__}: {exc}")]
    codings: list[Coding] = []
    failed: list[tuple[int, str]] = []
    for start, end in parts:
        try:
            codings.extend(_code_range(start, end))
        except QualcodeError:
            raise
        except Exception as exc:  # reported; the other sources go on
            failed.append((start, f"{type(exc).__name__}: {exc}"))
    return codings, failed


def _job() -> _Job:
    assert _JOB is not None
    return _JOB


def _code_range(a: int, b: int) -> list[Coding]:
    job = _job()
    segments = job.segments[a:b]
    texts = [s.text for s in segments]
    q = question_before(job.segments, a)
    if q is not None:
        texts.insert(0, job.segments[q].text)
    found = match_batch(job.compiled.spec, texts, job.cache_dir)
    question = frozenset(h.item for h in found[0].terms) if q is not None else frozenset()
    codings = _code_batch(job.compiled, segments, found[1 if q is not None else 0:],
                          job.sources, question)
    return codings


def _pool(jobs: int, job: _Job) -> ProcessPoolExecutor:
    # where processes cannot be forked, each worker gets the job pickled once
    return ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(job,))


_TASKS: list[tuple[int, int]] = []
"""The run's tasks, set before workers are forked (they inherit it)."""


def _claim(counter: Any) -> int:
    """The next unclaimed task's index (past the end when all are claimed)."""
    with counter.get_lock():
        at = counter.value
        counter.value = at + 1
    return int(at)


def _serve(total: int, counter: Any, conn: Connection) -> None:
    """A forked worker: claim the next task, run it, send ``(index, result)``.

    A thread sends the results, so that the worker goes on while the parent is busy
    coding and not reading. A task that raises is sent as ``(index, None)`` and the
    worker stops: the parent runs that task again itself, so that its exception (a
    ``QualcodeError`` with its file and field) is raised there as in one process.
    """
    out: queue.SimpleQueue[tuple[int, Result | None] | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send, args=(out, conn))
    sender.start()
    try:
        while (at := _claim(counter)) < total:
            try:
                result = _run(_TASKS[at])
            except Exception:  # run again by the parent, which raises it
                out.put((at, None))
                return
            out.put((at, result))
    except KeyboardInterrupt:  # the parent stops the run; no traceback from here
        return
    finally:
        out.put(None)
        sender.join()
        conn.close()


def _send(out: queue.SimpleQueue[tuple[int, Result | None] | None], conn: Connection
          ) -> None:
    while (item := out.get()) is not None:
        try:
            conn.send(item)
        except OSError:  # the parent has gone
            return


def _drain(conns: set[Connection], done: dict[int, Result | None],
           timeout: float | None) -> None:
    """Move the results that have arrived into ``done``, waiting up to ``timeout``
    seconds (``None``: until one arrives or a worker ends). A worker that has ended,
    normally or not, is dropped from ``conns``."""
    while conns:
        ready = wait(list(conns), timeout)
        if not ready:
            return
        for conn in cast(list[Connection], ready):
            try:
                at, result = conn.recv()
            except (EOFError, OSError):  # finished, or died (even in mid-message)
                conn.close()
                conns.discard(conn)
            else:
                done[at] = result
        timeout = 0


def _result(result: Result | None, at: int) -> Result:
    """A worker's result, or the task run here when the worker sent none."""
    return _run(_TASKS[at]) if result is None else result


def _forked(tasks: list[tuple[int, int]], jobs: int) -> Iterator[Result]:
    """Results in task order from this process and ``jobs - 1`` forked workers.

    Every process claims the next task from a shared counter, so the work balances
    itself, and this process codes too instead of waiting for a pool. Each worker
    sends its results through its own pipe; when the pipe ends (the worker finished or
    died), a task whose result did not arrive is run here.
    """
    global _TASKS
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    _TASKS = tasks
    conns: set[Connection] = set()  # the reading ends of the workers still running
    workers = []
    try:
        for _ in range(jobs - 1):
            reader, writer = ctx.Pipe(duplex=False)
            worker = ctx.Process(target=_serve, args=(len(tasks), counter, writer),
                                 daemon=True)
            conns.add(reader)
            workers.append(worker)
            worker.start()
            writer.close()  # the worker's copy is the only one: its end is our EOF
        done: dict[int, Result | None] = {}
        nxt = 0
        while (at := _claim(counter)) < len(tasks):
            done[at] = _run(tasks[at])
            _drain(conns, done, 0)
            while nxt in done:
                yield _result(done.pop(nxt), nxt)
                nxt += 1
        while nxt < len(tasks):
            while nxt not in done and conns:
                _drain(conns, done, None)
            yield _result(done.pop(nxt, None), nxt)  # lost with its worker: run here
            nxt += 1
    finally:
        for conn in conns:
            conn.close()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            if worker.pid is not None:
                worker.join()
        _TASKS = []


def run_all(job: _Job, tasks: list[tuple[int, int]], jobs: int) -> Iterator[Result]:
    """Codings for each batch, in order, from this process alone or with workers.

    With ``jobs`` > 1 this process forks ``jobs - 1`` workers and codes batches too.
    The objects that exist before coding (segments, sources, spaCy's vocabulary) are
    moved out of the garbage collector's reach while it runs (``gc.freeze``):
    otherwise each full collection walks them all again, which cost a tenth of a
    one-process run, and in forked workers it would also copy the pages they sit on.
    What each batch leaves (new word types) is frozen in turn before the next.
    """
    parallel = jobs > 1 and len(tasks) > 1
    if parallel:
        matchers_for(job.compiled.spec)  # built once here; forked workers inherit it
    global _FREEZING
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
        _FREEZING = True
    try:
        _worker_init(job)
        if not parallel:
            yield from map(_run, tasks)
        elif "fork" in multiprocessing.get_all_start_methods():
            yield from _forked(tasks, min(jobs, len(tasks)))
        else:
            with _pool(min(jobs, len(tasks)), job) as pool:
                yield from pool.map(_run, tasks, chunksize=1)
    finally:
        if frozen:
            _FREEZING = False
            gc.unfreeze()


def code_segments(segments: Sequence[Segment], sources: Sequence[Source],
                  codebook: Codebook, *, model: str | None = None,
                  progress: Progress | None = None, jobs: int = 1,
                  cache: str | Path | None = None,
                  report: Report | None = None) -> list[Coding]:
    """Apply ``codebook`` to ``segments``; one Coding per (segment, code), stable order.

    Args:
        jobs: worker processes for tokenising, matching and coding (0: one per CPU).
        cache: a folder for tokenised batches (``None``: no cache).
        report: where a source that fails is reported; its segments get no codings.
    """
    compiled = compile_for(codebook, model)
    jobs = jobs if jobs > 0 else os.cpu_count() or 1
    tasks = batches(segments)
    by_id = {s.id: s for s in sources}
    job = _Job(compiled, segments, by_id, str(cache) if cache else None)
    out: list[Coding] = []
    for (a, b), (codings, failed) in zip(tasks, run_all(job, tasks, jobs)):
        for at, error in failed:
            seg = segments[at]
            problem = Problem(f"could not be coded: {error}",
                              file=by_id[seg.source_id].path, path=seg.id)
            if report is None:
                raise QualcodeError(problem.message, file=problem.file, path=problem.path)
            report.add(problem)
        out.extend(codings)
        if progress:
            progress(b - a)
    return out


def _code_batch(compiled: CompiledCodebook, segments: Sequence[Segment],
                matches: Sequence[SegmentMatches], sources: dict[str, Source],
                question: frozenset[int]) -> list[Coding]:
    out: list[Coding] = []
    source = segments[0].source_id if segments else ""
    for segment, found in zip(segments, matches):
        if segment.source_id != source:
            source, question = segment.source_id, frozenset()
        if not (found.terms or found.patterns or question):
            if segment.is_interviewer:
                question = frozenset()
            continue  # nothing can fire
        terms = {hit.item for hit in found.terms}
        rules = candidates(compiled, segment, terms, {hit.item for hit in found.patterns},
                           question)
        if rules:
            ctx = context(segment, sources[segment.source_id], found, question)
            out.extend(code_context(compiled, ctx, rules))
        if segment.is_interviewer:
            question = frozenset(terms)
    return out
