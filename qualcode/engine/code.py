"""``code_segments``: batches of segments → matchers → rules, here or in worker processes.

Segments are cut into batches of consecutive segments (about ``BATCH_CHARS``
characters each, so the cut never depends on ``jobs``). Each batch is tokenised or read
from the cache, then matched and coded. With more than one job, worker processes
(``Workers``, forked with the pipeline and the compiled codebook, best before the
corpus is read) get batches' texts from this process, tokenise them and send word ids;
this process matches and codes them in order (see ``_forked``); a task is a range of
segment indices. Structural rules read the interviewer turn before a segment: a batch
that starts inside a source also matches that source's last interviewer turn before it.
A batch that fails is retried source by source, so that only the failing source goes
uncoded.
"""

from __future__ import annotations

import array
import collections
import ctypes
import dataclasses
import gc
import multiprocessing
import os
import queue
import signal
import threading
import time
try:  # (Linux and other Unix)
    import fcntl
    import termios
except ImportError:  # pragma: no cover - Windows: every message goes through a thread
    fcntl = None  # type: ignore[assignment]
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence, cast

from qualcode.cache import TokenCache
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
AHEAD = 10
"""How many of a worker's batches given to tokenise may wait for the parent (the one it
works on included); past that, the parent is the slower stage, and the worker gets
batches to code whole. A worker's first batches coded whole cost it about twice what
the two stages cost apart (it has made no word types yet), so the parent may fall well
behind first: it falls behind early in a run, while its own word types are new."""


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
    return _tokenise(_job().compiled, _texts(*task)[0], _job().cache_dir)


def _tokenise(compiled: CompiledCodebook, texts: list[str], cache_dir: str | None
              ) -> Prepared:
    """Texts tokenised, or loaded from the cache (in this process or a worker)."""
    return prepare_batch(compiled.spec, texts, cache_dir)


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
    return _code_texts(job.compiled, texts, q is not None, job.segments[a:b], job.sources,
                       job.cache_dir, prepared)


def _code_texts(compiled: CompiledCodebook, texts: list[str], asked: bool,
                segments: Sequence[Segment], sources: dict[str, Source],
                cache_dir: str | None, prepared: Prepared | None = None) -> list[Coding]:
    """Codings of ``segments``, whose ``texts`` come after the interviewer turn before
    them when ``asked``."""
    if prepared is None:
        found = match_batch(compiled.spec, texts, cache_dir)
    else:
        found = match_prepared(compiled.spec, texts, *prepared, cache_dir)
    question = frozenset(h.item for h in found[0].terms) if asked else frozenset()
    return _code_batch(compiled, segments, found[1 if asked else 0:], sources, question)


def _pool(jobs: int, job: _Job) -> ProcessPoolExecutor:
    # where processes cannot be forked, each worker gets the job pickled once
    return ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(job,))


_TASKS: list[tuple[int, int]] = []
"""The run's tasks (this process's)."""


PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
CLOSE_WAIT = 5.0
"""Seconds a worker has to end once its pipe is closed, before it is stopped."""
DEPTH = 3
"""Tasks given to a worker at a time: the one it works on, and the next ones already in
its pipe when it finishes (this process gives more only between its own steps, which
take 20–40 ms on batches of ``BATCH_CHARS``)."""
SPIN_WAIT = 3.0
"""Seconds an idle worker polls its pipe before it blocks (see ``_idle``): long enough
to cover reading a corpus of a few million words."""
PIPE_BYTES = 1 << 20
"""The size asked for each pipe to and from a worker (Linux's default limit for a user
without privileges): three tasks of ``BATCH_CHARS`` and their results fit, so that
messages are written at once (see ``_Outbox``)."""
PIPE_SLACK = 2 * 4096 + 16
"""Bytes of a pipe's room not counted on: the pipe holds whole pages, two of which may
be partly used, and a message has a header."""
Task = tuple[int, list[str], bool, "tuple[list[Segment], dict[str, Source]] | None",
             str | None]
"""What a worker gets for a task: its index, its texts (after the interviewer turn
before them when the flag is set), for a task to code whole its segments and the
sources it has not had yet (``None``: tokenise only), and the cache folder."""


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when ``parent`` ends (Linux): a parent killed
    for memory or by ``kill -9`` leaves no worker coding on its own."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe breaks
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(0)


def _serve(compiled: CompiledCodebook, inbox: Connection, conn: Connection,
           parent: int, ours: Sequence[Connection] = ()) -> None:
    """A forked worker: do the tasks the parent sends, send a ``Message`` for each.

    What comes through ``inbox``: ``("run",)`` when a run starts, ``("task", Task)``,
    and ``("lend", words, journal)``, the pieces the parent's chunk table learnt (see
    ``batch.Lender``), read as they arrive, before the next task. A task is tokenised
    and its word ids sent, for the parent to match and code; or, when the parent sends
    its segments, coded here whole (see ``Workers``). The worker's word ids are its
    own: each message carries the words this process numbered since the last one, and
    the pieces its chunk table learnt.

    Messages go through an ``_Outbox``, so that the worker goes on while the parent is
    busy and not reading. A task that raises is sent as ``None``: the parent does it
    again itself, so that its exception (a ``QualcodeError`` with its file and field)
    is raised there as in one process. The worker ends when the parent closes
    ``inbox``; it closes at once its copies of the parent's ends of the pipes
    (``ours``), so that closing them there is seen here, and by other workers.
    """
    for end in ours:
        end.close()
    _die_with(parent)
    gc.freeze()  # what the parent left stays out of the collector's reach (and pages)
    out = _Outbox(conn)
    pipe = matchers_for(compiled.spec).pipe
    words = pipe.words
    sent = len(words)
    table = chunk_table(pipe) if pipe.piecewise else None
    lender = Lender(list(words))  # the parent's words, as they were at the fork
    if table is not None:
        table.journal = ([], [], [])
        table.lenders = [lender]
    sources: dict[str, Source] = {}
    tasks: collections.deque[Task] = collections.deque()
    try:
        while True:
            if not tasks or inbox.poll():  # take in what has come first
                if not tasks:
                    _idle(inbox)
                try:
                    message = inbox.recv()
                except (EOFError, OSError):  # the parent has closed the pool (or gone)
                    return
                if message[0] == "task":
                    tasks.append(message[1])
                elif message[0] == "lend":
                    lender.words.extend(message[1])
                    lender.add(message[2])
                else:  # a new run: its sources come with its tasks
                    sources.clear()
                continue
            at, texts, asked, whole, cache_dir = tasks.popleft()
            item: Item
            try:
                if whole is not None:
                    sources.update(whole[1])
                    item = ("coded", (_code_texts(compiled, texts, asked, whole[0],
                                                  sources, cache_dir), []))
                elif _tokenised(prepared := _tokenise(compiled, texts, cache_dir)):
                    item = ("prepared", (prepared[0].portable(), prepared[1]))
                else:  # stored meanwhile: the parent codes it from the cache
                    item = None
            except Exception:  # done again by the parent, which raises it
                item = None
            message_out: Message = (at, item, words[sent:],
                                    table.take_journal() if table else None)
            out.put(message_out)
            sent = len(words)
            gc.freeze()  # what this task left (word types, strings): see _freeze
    except KeyboardInterrupt:  # the parent stops the run; no traceback from here
        return
    finally:
        out.close()
        out.join()
        inbox.close()


def _idle(inbox: Connection, spin: float | None = None) -> None:
    """Wait for the next message on ``inbox``: poll it for up to ``spin`` seconds
    (``SPIN_WAIT``), then leave the wait to ``recv``.

    A worker that blocks gives its CPU back, and on this kind of machine (a virtual
    one) a CPU left idle for a while runs the next work more slowly: polling keeps it
    busy while the parent reads the corpus or finishes its step. Past ``spin`` the
    worker blocks, so that one left waiting (between runs) costs nothing.
    """
    end = time.monotonic() + (SPIN_WAIT if spin is None else spin)
    while not inbox.poll():
        if time.monotonic() > end:
            return


class _Worker:
    """This process's end of one worker: its pipes, the words and pieces it has sent,
    and the tasks it has."""

    def __init__(self, process: Any, reader: Connection, writer: Connection,
                 known: list[str]):
        self.process = process
        self.reader = reader
        self.out = _Outbox(writer)
        self.wordmap = WordMap(list(known))
        self.lender = Lender(self.wordmap.words)
        self.busy: set[int] = set()  # tasks sent, their results not yet here
        self.pending: set[int] = set()  # tasks sent to tokenise, not yet coded here
        self.sources: set[str] = set()  # sources sent in this run

    def give(self, at: int, whole: bool, texts: list[str], asked: bool) -> None:
        job = _job()
        a, b = _TASKS[at]
        task: Task = (at, texts, asked, None, job.cache_dir)
        if whole:
            segments = list(job.segments[a:b])
            new = {s.source_id for s in segments} - self.sources
            self.sources |= new
            task = (at, texts, asked, (segments, {i: _bare(job.sources[i]) for i in new}),
                    job.cache_dir)
        else:
            self.pending.add(at)
        self.out.put(("task", task))
        self.busy.add(at)


def _bare(source: Source) -> Source:
    """A source as coding reads it: its metadata, without its text and turns."""
    return dataclasses.replace(source, text="", turns=())


class Workers:
    """``jobs - 1`` worker processes forked for one codebook, to code with this one.

    Start them before the corpus is read, as ``qualcode code`` and ``qualcode run``
    do. A worker forked later shares the segments' memory pages with this process,
    and every page that either process then writes is copied at a page fault: CPython
    writes an object's reference count whenever it reads it, and coding reads every
    segment: on a million English words, about 5,500 more faults in this process
    alone, and a one-process run after a fork was 3–6 % slower. A worker forked early
    shares only the pipeline and the matchers, which are built here first, and gets
    each task's texts through its pipe (and, for a task to code whole, its segments).

    ``code_segments(..., workers=w)`` uses them; without, it starts its own for the
    run. A ``Workers`` serves one run at a time, and any number of runs in turn;
    ``close`` (or leaving a ``with`` block) ends them. Where processes cannot be
    forked, none is started and ``code_segments`` uses a process pool.
    """

    def __init__(self, codebook: Codebook | CompiledCodebook, jobs: int,
                 model: str | None = None):
        self.jobs = jobs if jobs > 0 else os.cpu_count() or 1
        self.model = model
        self.compiled = (codebook if isinstance(codebook, CompiledCodebook)
                         else compile_for(codebook, model))
        self.workers: list[_Worker] = []
        self.forks = "fork" in multiprocessing.get_all_start_methods()
        if self.jobs < 2 or not self.forks:
            return
        self.pipe = matchers_for(self.compiled.spec).pipe  # built once, inherited
        self.table = chunk_table(self.pipe) if self.pipe.piecewise else None  # (it
        known = list(self.pipe.words)  # numbers a word) before the words are copied
        self.sent = len(known)  # this process's words the workers have
        ctx = multiprocessing.get_context("fork")
        thaw = gc.get_freeze_count() == 0
        gc.freeze()  # so that this process's collector does not write on shared pages
        try:
            ends: list[tuple[Any, Connection, Connection]] = []
            for _ in range(self.jobs - 1):
                reader, conn = ctx.Pipe(duplex=False)
                inbox, writer = ctx.Pipe(duplex=False)
                ours = [end for _, *pair in ends for end in pair] + [reader, writer]
                process = ctx.Process(target=_serve, daemon=True, args=(
                    self.compiled, inbox, conn, os.getpid(), ours))
                process.start()
                conn.close()  # the worker's copy is the only one: its end is our EOF
                inbox.close()
                ends.append((process, reader, writer))
            # the threads that write to the workers start once all are forked
            self.workers = [_Worker(*end, known) for end in ends]
        except BaseException:
            self.close()
            raise
        finally:
            if thaw:
                gc.unfreeze()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def live(self) -> list[_Worker]:
        return [w for w in self.workers if not w.reader.closed]

    def cached(self, texts: list[str]) -> bool:
        """Whether the cache holds these texts' tokens (a worker then codes them whole)."""
        folder = _job().cache_dir
        if not folder:
            return False
        signature = self.pipe.signature
        return TokenCache(folder).has(signature, TokenCache.key(signature, texts))

    def lend(self) -> None:
        """Send the workers the pieces this process's table learnt since the last time."""
        journal = self.table.take_journal() if self.table is not None else None
        if journal and journal[0]:
            message = ForkingPickler.dumps(("lend", self.pipe.words[self.sent:], journal))
            self.sent = len(self.pipe.words)
            for worker in self.live():
                worker.out.put_bytes(message)

    def drop(self, worker: _Worker) -> None:
        """Stop using a worker that ended or that holds tasks of a run that stopped."""
        if not worker.reader.closed:
            worker.reader.close()
        worker.busy.clear()
        worker.pending.clear()
        if worker.process.is_alive():
            worker.process.terminate()

    def close(self) -> None:
        """End the workers: each ends when its pipe closes (or is stopped)."""
        for worker in self.workers:
            worker.out.close()
        for worker in self.workers:
            worker.out.thread.join(timeout=CLOSE_WAIT)  # sends what was queued
            if worker.out.thread.is_alive():  # a worker no longer reading its pipe
                worker.process.terminate()
            worker.out.join()  # and closes the pipe: the worker's end of input
            worker.process.join(timeout=CLOSE_WAIT)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()
            if not worker.reader.closed:
                worker.reader.close()
        self.workers = []


def _drain(conns: dict[Connection, _Worker], done: dict[int, Item],
           timeout: float | None) -> None:
    """Move the items that have arrived into ``done``, waiting up to ``timeout``
    seconds (``None``: until one arrives or a worker ends). Each worker's new words
    extend its ``WordMap``, and the pieces it learnt its ``Lender``. A worker that has
    ended, normally or not, is dropped: its tasks are done here."""
    while conns:
        ready = wait(list(conns), timeout)
        if not ready:
            return
        for conn in cast(list[Connection], ready):
            worker = conns[conn]
            try:
                at, item, words, journal = conn.recv()
            except (EOFError, OSError):  # finished, or died (even in mid-message)
                del conns[conn]
                conn.close()
                worker.busy.clear()
            else:
                worker.wordmap.words.extend(words)
                worker.lender.add(journal)
                if item is not None and item[0] == "prepared":
                    item[1][0].wordmap = worker.wordmap
                worker.busy.discard(at)
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
    """Task ``at``, taken by this process: tokenised, to be coded in turn; or, found
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


def _give(conns: dict[Connection, _Worker], workers: Workers, free: int) -> int:
    """Give each worker tasks from ``free`` on, up to ``DEPTH`` each; the next free
    task. A task goes to be coded whole when the cache holds it (there is no
    tokenising to share) or when ``AHEAD`` of the worker's tokenised tasks wait for
    this process (then this process is the slower stage)."""
    for worker in conns.values():
        while len(worker.busy) < DEPTH and free < len(_TASKS):
            texts, q = _texts(*_TASKS[free])
            whole = len(worker.pending) >= AHEAD or workers.cached(texts)
            worker.give(free, whole, texts, q is not None)
            free += 1
    return free


def _forked(tasks: list[tuple[int, int]], workers: Workers) -> Iterator[Result]:
    """Results in task order from this process and its forked ``workers``.

    The work is split by stage: this process gives the workers tasks in order, they
    tokenise them, and it matches and codes every task in order. Each word is then met
    once by a tokenizer and once by the matcher's types, where splitting whole batches
    made both processes meet most words (a third of a one-process run was done twice).
    The stages balance themselves: while the next task is still with a worker, this
    process takes the next free one and tokenises it (``_take``); while tokenised tasks
    pile up, workers get tasks to code whole (see ``_give``), as they do tasks found
    in the cache. Each worker sends through its own pipe; when the pipe ends (the
    worker finished or died), a task whose result did not arrive is done here.

    The pieces of text a process tokenises for the first time go to the others (see
    ``batch.Lender``), so that a piece is rarely tokenised by spaCy in two processes:
    each worker's with its messages, this process's after each task it tokenises
    (``Workers.lend``), through the pipe that carries the tasks.
    """
    global _TASKS
    _TASKS = tasks
    live = workers.live()
    conns = {w.reader: w for w in live}
    table = workers.table
    for worker in live:
        worker.sources.clear()
        worker.out.put(("run",))
    if table is not None and live:
        table.journal = ([], [], [])
        table.lenders = [w.lender for w in live]
    done: dict[int, Item] = {}
    nxt = free = 0
    try:
        free = _give(conns, workers, free)
        time.sleep(0)  # the threads that send the first tasks get the GIL now: the
        # workers start about 6 ms sooner than at the next switch interval
        while nxt < len(tasks):
            _drain(conns, done, 0)
            free = _give(conns, workers, free)
            if nxt in done or not any(nxt in w.busy for w in conns.values()):
                free = max(free, nxt + 1)  # (no worker was left to give it to)
                for worker in conns.values():
                    worker.pending.discard(nxt)
                yield _finish(nxt, done.pop(nxt, None))
                nxt += 1
            elif free < len(tasks):
                done[free] = _take(free)  # a later one, while a worker has the next
                free += 1
                workers.lend()
            else:
                _drain(conns, done, None)
    finally:
        if table is not None:
            table.lenders = []
            table.journal = None
        for worker in live:
            if worker.busy or worker.reader.closed:  # stopped early: its results
                workers.drop(worker)  # would reach the next run
            worker.pending.clear()
        _TASKS = []


class _Outbox:
    """Messages to another process through a pipe, in order, each written at once when
    the pipe has room for it, else by a thread of its own.

    A write to a full pipe waits until the other process reads, and a process waiting
    so while the other waits to write to it would never go on: a message the pipe may
    not hold goes to the thread (and every message after it, until the thread has
    written them). Writing from the thread costs a handover of the interpreter's lock
    for every message, which made jobs 2 a few per cent slower; the pipes are widened
    (``_pipe_size``) so that it is rarely needed. Where the room left in a pipe cannot be
    read (not Linux), every message goes through the thread.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        self.capacity = _pipe_size(conn)
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.handed = 0  # messages given to the thread (written here only) …
        self.written = 0  # … and written by it (written there only)
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def put(self, message: Any) -> None:
        self.put_bytes(ForkingPickler.dumps(message))

    def put_bytes(self, data: Any) -> None:
        """Send a message pickled with ``ForkingPickler``."""
        if self.handed == self.written and len(data) + PIPE_SLACK <= self._room():
            try:
                self.conn.send_bytes(data)
            except OSError:  # the other end has gone: the reader sees it
                pass
            return
        self.handed += 1
        self.queue.put(data)

    def _room(self) -> int:
        """Bytes the pipe can take now without a wait (0 if unknown)."""
        if not self.capacity:
            return 0
        held = array.array("i", [0])
        try:
            fcntl.ioctl(self.conn.fileno(), termios.FIONREAD, held, True)
        except OSError:
            return 0
        return self.capacity - held[0]

    def _write(self) -> None:
        while (data := self.queue.get()) is not None:
            try:
                self.conn.send_bytes(data)
            except OSError:  # the other end has gone
                return
            self.written += 1

    def close(self) -> None:
        """No more messages: the thread ends once it has written those it holds."""
        self.queue.put(None)

    def join(self) -> None:
        self.thread.join()
        self.conn.close()


def _pipe_size(conn: Connection) -> int:
    """The pipe's capacity in bytes, widened to ``PIPE_BYTES`` if it can be (Linux);
    0 where it cannot be read."""
    if fcntl is None or not hasattr(fcntl, "F_GETPIPE_SZ"):
        return 0
    try:
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # over the system's limit for this user: keep the size it has
        pass
    try:
        return int(fcntl.fcntl(conn.fileno(), fcntl.F_GETPIPE_SZ))
    except OSError:
        return 0


def run_all(job: _Job, tasks: list[tuple[int, int]], jobs: int,
            workers: Workers | None = None) -> Iterator[Result]:
    """Codings for each batch, in order, from this process alone or with workers.

    With ``jobs`` > 1 this process codes batches with ``workers`` (forked now when
    none are given, and ended after the run). The objects that exist before coding
    (segments, sources, spaCy's vocabulary) are moved out of the garbage collector's
    reach while it runs (``gc.freeze``): otherwise each full collection walks them
    all again, which cost a tenth of a one-process run. What each batch leaves (new
    word types) is frozen in turn before the next.
    """
    parallel = jobs > 1 and len(tasks) > 1
    own = Workers(job.compiled, jobs) if parallel and workers is None else None
    workers = workers or own
    global _FREEZING
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
        _FREEZING = True
    try:
        _worker_init(job)
        if not parallel or workers is None:
            yield from map(_run, tasks)
        elif workers.forks:
            yield from _forked(tasks, workers)
        else:
            with _pool(min(jobs, len(tasks)), job) as pool:
                yield from pool.map(_run, tasks, chunksize=1)
    finally:
        if frozen:
            _FREEZING = False
            gc.unfreeze()
        if own is not None:
            own.close()


def code_segments(segments: Sequence[Segment], sources: Sequence[Source],
                  codebook: Codebook, *, model: str | None = None,
                  progress: Progress | None = None, jobs: int = 1,
                  cache: str | Path | None = None,
                  report: Report | None = None,
                  workers: Workers | None = None) -> list[Coding]:
    """Apply ``codebook`` to ``segments``; one Coding per (segment, code), stable order.

    Args:
        jobs: worker processes for tokenising, matching and coding (0: one per CPU).
        cache: a folder for tokenised batches (``None``: no cache).
        report: where a source that fails is reported; its segments get no codings.
        workers: processes started for this codebook before the segments were read
            (see ``Workers``); they set ``jobs``.
    """
    if workers is not None:
        if workers.compiled.codebook is not codebook or workers.model != model:
            raise ValueError("these workers were started for another codebook or model")
        compiled, jobs = workers.compiled, workers.jobs
    else:
        compiled = compile_for(codebook, model)
        jobs = jobs if jobs > 0 else os.cpu_count() or 1
    tasks = batches(segments)
    by_id = {s.id: s for s in sources}
    job = _Job(compiled, segments, by_id, str(cache) if cache else None)
    out: list[Coding] = []
    for (a, b), (codings, failed) in zip(tasks, run_all(job, tasks, jobs, workers)):
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
