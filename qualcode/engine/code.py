"""``code_segments``: batches of segments → matchers → rules, here or in worker processes.

Segments are cut into batches of consecutive segments (about ``BATCH_CHARS``
characters each, so the cut never depends on ``jobs``). Each batch is tokenised or read
from the cache, then matched and coded. With more than one job, this process forks the
other workers (with the pipeline, the compiled codebook and the segments already
loaded): they tokenise batches and send word ids, this process matches and codes them
in order (see ``_forked``); a task is a range of segment indices.
Structural rules read the interviewer turn before a segment: a batch that starts inside
a source also matches that source's last interviewer turn before it. A batch that
fails is retried source by source, so that only the failing source goes uncoded.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence, cast

from qualcode.engine.batch import Batch, Journal, Lender, chunk_table
from qualcode.engine.match import (SegmentMatches, WordMap, match_batch, match_prepared,
                                   matchers_for, prepare_batch)
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
Prepared = tuple[Batch, str | None]
"""A tokenised batch, and the cache key to store it under once matched."""
Item = tuple[str, Any] | None
"""What a worker sends for a task: ``("coded", Result)``, ``("prepared", Prepared)``,
or ``None`` when the task failed there (it is run again by the parent)."""
Message = tuple[int, Item, list[str], Journal | None]
"""A worker's message: a task's index, its item, the words the worker numbered and the
pieces its chunk table learnt since its last message."""
AHEAD = 4
"""How many tokenised batches of a worker may wait for the parent (then it codes whole)."""


def _freeze() -> None:
    if _FREEZING:  # what earlier batches left (word types, strings) stays: keep the
        gc.freeze()  # collector from walking it again and again (run_all unfreezes)


def _run(task: tuple[int, int]) -> Result:
    """Match and code segments ``[a, b)``; if that fails, each source on its own."""
    a, b = task
    _freeze()
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


def _texts(a: int, b: int) -> tuple[list[str], int | None]:
    """The texts of segments ``[a, b)``, after the interviewer turn before them (if
    any; its index is returned)."""
    segments = _job().segments
    texts = [s.text for s in segments[a:b]]
    q = question_before(segments, a)
    if q is not None:
        texts.insert(0, segments[q].text)
    return texts, q


def _prepare(task: tuple[int, int]) -> Prepared:
    """A batch tokenised, or loaded from the cache (then its ``store`` key is ``None``)."""
    _freeze()
    return prepare_batch(_job().compiled.spec, _texts(*task)[0], _job().cache_dir)


def _code_prepared(task: tuple[int, int], prepared: Prepared) -> Result:
    """The result of a prepared task; done again from its text (source by source, as
    ``_run`` does) if its tokens fail."""
    _freeze()
    try:
        return _code_range(*task, prepared), []
    except Exception:  # done again from the text, which reports or raises it
        return _run(task)


def _tokenised(prepared: Prepared) -> bool:
    """Whether a prepared batch was tokenised here (not loaded from the cache)."""
    return prepared[0].wids is not None


def _code_range(a: int, b: int, prepared: Prepared | None = None) -> list[Coding]:
    """Codings of segments ``[a, b)``, from their texts or from a ``prepared`` batch."""
    job = _job()
    texts, q = _texts(a, b)
    if prepared is None:
        found = match_batch(job.compiled.spec, texts, job.cache_dir)
    else:
        found = match_prepared(job.compiled.spec, texts, *prepared, job.cache_dir)
    question = frozenset(h.item for h in found[0].terms) if q is not None else frozenset()
    return _code_batch(job.compiled, job.segments[a:b], found[1 if q is not None else 0:],
                       job.sources, question)


def _pool(jobs: int, job: _Job) -> ProcessPoolExecutor:
    # where processes cannot be forked, each worker gets the job pickled once
    return ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(job,))


_TASKS: list[tuple[int, int]] = []
"""The run's tasks, set before workers are forked (they inherit it)."""


PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
CLAIM_WAIT = 2.0
"""Seconds the parent waits for the counter's lock before it looks for a dead worker."""


def _claim(counter: Any, workers: Sequence[Any] = ()) -> int:
    """The next unclaimed task's index (past the end when all are claimed).

    A claim holds the counter's lock for a moment. If the parent waits longer than
    ``CLAIM_WAIT`` and a worker has died (killed, say, for memory), that worker died
    holding it: the parent releases it (a plain lock, not owned). Releasing it under a
    live worker could at worst give one task to two processes, which both code it the
    same way.
    """
    lock = counter.get_lock()
    while not lock.acquire(timeout=CLAIM_WAIT):
        if any(worker.exitcode not in (None, 0) for worker in workers):
            _release(lock)
    try:
        raw = counter.get_obj()  # its own accessors would take the lock again
        at = raw.value
        raw.value = at + 1
    finally:
        _release(lock)
    return int(at)


def _release(lock: Any) -> None:
    try:
        lock.release()
    except ValueError:  # released already (by the parent, or after it released it)
        pass


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when ``parent`` ends (Linux): a parent killed
    for memory or by ``kill -9`` leaves no worker coding, or waiting on the counter's
    lock, on its own."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe breaks
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(0)


def _serve(total: int, counter: Any, parent_at: Any, conn: Connection, parent: int,
           inbox: Connection | None = None) -> None:
    """A forked worker: claim the next task, do it, send a ``Message``.

    A task is only tokenised: the parent matches and codes it, so each word is met
    once, by this tokenizer and by the parent's types. But while ``AHEAD`` tokenised
    tasks of this worker wait for the parent (it codes task ``parent_at`` next), the
    parent is the slower stage, and a task is coded here whole; so is a task found in
    the cache, which needs no tokenising. The worker's word ids are its own: each
    message carries the words this process numbered since the last one.

    A thread sends the messages, so that the worker goes on while the parent is busy
    and not reading. A task that raises is sent as ``None``: the parent does it
    again itself, so that its exception (a ``QualcodeError`` with its file and field)
    is raised there as in one process.

    The pieces each process's chunk table learns go to the other (see
    ``batch.Lender``): with each message to the parent, and from the parent through
    ``inbox``, read before each task.
    """
    _die_with(parent)
    out: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send, args=(out, conn))
    sender.start()
    pipe = matchers_for(_job().compiled.spec).pipe
    words = pipe.words
    sent = len(words)
    table = chunk_table(pipe) if pipe.piecewise else None
    lender = Lender(list(words))  # the parent's words, as they were at the fork
    if table is not None:
        table.journal = ([], [], [])
        table.lenders = [lender]
    waiting: collections.deque[int] = collections.deque()  # sent tokens not yet coded
    try:
        while (at := _claim(counter)) < total:
            inbox = _read_inbox(inbox, lender)
            while waiting and waiting[0] < parent_at.value:
                waiting.popleft()
            item: Item
            try:
                if len(waiting) >= AHEAD:
                    item = ("coded", _run(_TASKS[at]))
                elif not _tokenised(prepared := _prepare(_TASKS[at])):
                    item = ("coded", _code_prepared(_TASKS[at], prepared))
                else:
                    item = ("prepared", (prepared[0].portable(), prepared[1]))
                    waiting.append(at)
            except Exception:  # done again by the parent, which raises it
                item = None
            out.put((at, item, words[sent:], table.take_journal() if table else None))
            sent = len(words)
    except KeyboardInterrupt:  # the parent stops the run; no traceback from here
        return
    finally:
        out.put(None)
        sender.join()
        conn.close()
        if inbox is not None:
            inbox.close()


def _read_inbox(inbox: Connection | None, lender: Lender) -> Connection | None:
    """Add the parent's words and pieces that have arrived to ``lender``; the inbox,
    or ``None`` once the parent has closed it."""
    if inbox is None:
        return None
    try:
        while inbox.poll():
            words, journal = inbox.recv()
            lender.words.extend(words)
            lender.add(journal)
    except (EOFError, OSError):  # the parent has finished (or gone)
        inbox.close()
        return None
    return inbox


def _send(out: queue.SimpleQueue[Any], conn: Connection) -> None:
    while (message := out.get()) is not None:
        try:
            conn.send(message)
        except OSError:  # the parent has gone
            return


def _drain(conns: dict[Connection, tuple[WordMap, Lender]], done: dict[int, Item],
           timeout: float | None) -> None:
    """Move the items that have arrived into ``done``, waiting up to ``timeout``
    seconds (``None``: until one arrives or a worker ends). Each worker's new words
    extend its ``WordMap``, and the pieces it learnt its ``Lender``. A worker that has
    ended, normally or not, is dropped."""
    while conns:
        ready = wait(list(conns), timeout)
        if not ready:
            return
        for conn in cast(list[Connection], ready):
            try:
                at, item, words, journal = conn.recv()
            except (EOFError, OSError):  # finished, or died (even in mid-message)
                conn.close()
                del conns[conn]
            else:
                wordmap, lender = conns[conn]
                wordmap.words.extend(words)
                lender.add(journal)
                if item is not None and item[0] == "prepared":
                    item[1][0].wordmap = wordmap
                done[at] = item
        timeout = 0


def _finish(at: int, item: Item) -> Result:
    """The result of task ``at`` from a worker's item: its codings, or its tokens
    matched and coded here; the task is done here from the start when the worker sent
    nothing for it."""
    if item is None:
        return _run(_TASKS[at])
    if item[0] == "coded":
        return cast(Result, item[1])
    return _code_prepared(_TASKS[at], item[1])


def _take(at: int) -> Item:
    """Task ``at``, claimed by this process: tokenised, to be coded in turn; or, found
    in the cache, coded now (there is no tokenising to share); ``None`` if tokenising
    failed (``_finish`` does it again source by source)."""
    try:
        prepared = _prepare(_TASKS[at])
    except QualcodeError:
        raise
    except Exception:  # done again in _finish, which reports the failing source
        return None
    if _tokenised(prepared):
        return "prepared", prepared
    return "coded", _code_prepared(_TASKS[at], prepared)


def _forked(tasks: list[tuple[int, int]], jobs: int) -> Iterator[Result]:
    """Results in task order from this process and ``jobs - 1`` forked workers.

    The work is split by stage: workers claim tasks in order from a shared counter
    and tokenise them; this process matches and codes every task in order. Each word
    is then met once by a tokenizer and once by the matcher's types, where splitting
    whole batches made both processes meet most words (a third of a one-process run
    was done twice). The stages balance themselves: while the next task is still with
    a worker, this process claims the next free one and tokenises it (``_take``);
    while tokenised tasks pile up, workers code theirs whole (see ``_serve``). Tasks
    found in the cache are coded whole by whoever claims them. Each worker sends
    through its own pipe; when the pipe ends (the worker finished or died), a task
    whose result did not arrive is done here.

    The pieces of text a process tokenises for the first time go to the others (see
    ``batch.Lender``), so that a piece is rarely tokenised by spaCy in two processes:
    each worker's with its messages, this process's through a second pipe per
    worker, written by a thread (``_Broadcast``) so that a full pipe never holds up
    the coding here.
    """
    global _TASKS
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0, lock=ctx.Lock())  # a lock the parent can release
    parent_at = ctx.RawValue("q", 0)  # the task this process codes next
    _TASKS = tasks
    pipe = matchers_for(_job().compiled.spec).pipe
    table = chunk_table(pipe) if pipe.piecewise else None  # (it numbers a word)
    known = list(pipe.words)  # numbered before forking
    conns: dict[Connection, tuple[WordMap, Lender]] = {}  # workers still running
    workers = []
    senders = []
    try:
        for _ in range(jobs - 1):
            reader, writer = ctx.Pipe(duplex=False)
            inbox, to_worker = ctx.Pipe(duplex=False)
            worker = ctx.Process(target=_serve, args=(len(tasks), counter, parent_at,
                                                      writer, os.getpid(), inbox),
                                 daemon=True)
            wordmap = WordMap(list(known))
            conns[reader] = (wordmap, Lender(wordmap.words))
            workers.append(worker)
            worker.start()
            writer.close()  # the worker's copy is the only one: its end is our EOF
            inbox.close()
            if table is not None:
                table.lenders.append(conns[reader][1])
                senders.append(_Broadcast(to_worker))
            else:
                to_worker.close()
        if table is not None and senders:
            table.journal = ([], [], [])
        sent = len(known)
        done: dict[int, Item] = {}
        nxt = 0
        while nxt < len(tasks):
            parent_at.value = nxt
            _drain(conns, done, 0)
            if nxt in done or not conns:  # not sent by a worker that ended: done here
                yield _finish(nxt, done.pop(nxt, None))
                nxt += 1
            elif (at := _claim(counter, workers)) < len(tasks):
                done[at] = _take(at)  # the next, or a later one while a worker has it
                journal = table.take_journal() if table is not None else None
                if journal and journal[0] and senders:  # the pieces it learnt, to them
                    message = (pipe.words[sent:], journal)
                    sent = len(pipe.words)
                    for sender in senders:
                        sender.put(message)
            else:
                _drain(conns, done, None)
    finally:
        if table is not None:
            table.lenders = []
            table.journal = None
        for sender in senders:
            sender.close()
        for conn in conns:
            conn.close()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            if worker.pid is not None:
                worker.join()
        for sender in senders:
            sender.join()
        _TASKS = []


class _Broadcast:
    """What this process sends a worker, by a thread of its own: a write to a full
    pipe waits there, not here."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.thread = threading.Thread(target=_send, args=(self.queue, conn), daemon=True)
        self.thread.start()

    def put(self, message: Any) -> None:
        self.queue.put(message)

    def close(self) -> None:
        self.queue.put(None)

    def join(self) -> None:
        self.thread.join()
        self.conn.close()


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
