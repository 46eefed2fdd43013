"""The engine end to end: jobs and cache give identical results; failures are reported;
the ``code``, ``explain`` and ``cache`` commands."""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.strings import get_string_id

import qualcode.engine.code as engine_code
from qualcode.engine import batch
from qualcode.cache import TokenCache
from qualcode.cli import main
from qualcode.codebook import load_codebook
from qualcode.engine import code_segments
from qualcode.engine.table import COLUMNS
from qualcode.errors import QualcodeError, Report
from qualcode.ingest.corpus import load_sources
from qualcode.language import matching_pipeline
from qualcode.project import load_project
from qualcode.segment import segment_sources


@pytest.fixture(scope="module")
def demo_inputs(repo_root):
    project = load_project(repo_root)
    sources = load_sources(project.root, project.sources, project.informants, Report())
    segments = segment_sources(sources, dict(project.units), project.interviewers)
    return segments, sources, load_codebook(project.codebook)


def test_jobs_and_cache_give_identical_results(demo_inputs, tmp_path, monkeypatch):
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)  # several batches per source
    plain = code_segments(segments, sources, codebook)
    assert plain
    cache = tmp_path / "cache"
    cold = code_segments(segments, sources, codebook, cache=cache)
    entries = TokenCache(cache).info().entries
    assert entries > len(sources)
    loads = []
    original = TokenCache.load
    monkeypatch.setattr(TokenCache, "load",
                        lambda self, *a: loads.append(1) or original(self, *a))
    warm = code_segments(segments, sources, codebook, cache=cache)
    assert len(loads) == entries
    two = code_segments(segments, sources, codebook, jobs=2, cache=cache)
    two_cold = code_segments(segments, sources, codebook, jobs=2)
    assert plain == cold == warm == two == two_cold


@pytest.mark.parametrize("way", ["tokens", "whole", "both"])
def test_every_way_of_sharing_the_work_gives_the_same_codings(demo_inputs, tmp_path,
                                                              monkeypatch, way):
    """A worker tokenises and this process codes ("tokens"); a worker codes its batches
    whole ("whole"); this process also tokenises batches while a slow worker has the
    next one, so the two number their words differently ("both"). Each way, jobs 2
    with a cold cache gives the codings of one process and stores every batch; with
    the cache warm, every batch is coded whole where it is loaded, to the same codings."""
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)
    expected = code_segments(segments, sources, codebook)
    tasks = len(engine_code.batches(segments))
    monkeypatch.setattr(engine_code, "AHEAD", 0 if way == "whole" else tasks)
    parent, kinds, here = os.getpid(), [], []
    finish, tokenise = engine_code._finish, engine_code._tokenise

    def tokenises(compiled, texts, cache_dir):  # counted here; slow where it is to
        if os.getpid() == parent:  # fall behind
            here.append(texts)
            time.sleep(0.02 if way == "tokens" else 0)
        elif way == "both":
            time.sleep(0.05)
        return tokenise(compiled, texts, cache_dir)

    def finishes(at, item):  # slowly when the worker is to keep ahead
        kinds.append(item and item[0])
        time.sleep(0.02 if way == "tokens" else 0)
        return finish(at, item)

    monkeypatch.setattr(engine_code, "_finish", finishes)
    monkeypatch.setattr(engine_code, "_tokenise", tokenises)
    cache = tmp_path / "cache"
    assert code_segments(segments, sources, codebook, jobs=2, cache=cache) == expected
    assert len(kinds) == tasks
    from_worker = kinds.count("prepared") - len(here)  # tokens a worker sent
    assert from_worker + kinds.count("coded") + len(here) == tasks  # each task once
    if way == "whole":
        assert from_worker == 0
    elif way == "tokens":
        assert from_worker > tasks // 2  # most: the parent takes one only while it waits
    else:
        assert from_worker > 0 and len(here) > 2
    assert TokenCache(cache).info().entries == tasks
    kinds.clear()
    loaded = []
    original = TokenCache.load

    def load(self, *args):
        data = original(self, *args)
        loaded.append(data is not None)
        return data

    monkeypatch.setattr(TokenCache, "load", load)
    assert code_segments(segments, sources, codebook, jobs=2, cache=cache) == expected
    assert kinds == ["coded"] * tasks
    assert code_segments(segments, sources, codebook, cache=cache) == expected
    assert loaded[-tasks:] == [True] * tasks


def test_a_worker_borrows_the_pieces_the_parent_learnt(demo_inputs, tmp_path,
                                                       monkeypatch):
    """The worker reads the parent's journals before each batch: held back in its
    first, it then finds the pieces of every batch the parent tokenised meanwhile, and
    takes them from its ``Lender`` instead of spaCy; the codings are those of one
    process."""
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)
    expected = code_segments(segments, sources, codebook)
    parent, held = os.getpid(), []
    real, tokens = engine_code._tokenise, batch.Lender.tokens
    borrowed = tmp_path / "borrowed"

    def held_back(compiled, texts, cache_dir):
        if os.getpid() != parent and not held:
            held.append(True)
            time.sleep(0.3)
        return real(compiled, texts, cache_dir)

    def lends(self, entries, pipe):
        with open(borrowed, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {len(entries)}\n")
        return tokens(self, entries, pipe)

    monkeypatch.setattr(engine_code, "_tokenise", held_back)
    monkeypatch.setattr(batch.Lender, "tokens", lends)
    matching_pipeline(codebook.language).chunk_table.clear()  # as in a fresh process
    assert code_segments(segments, sources, codebook, jobs=2) == expected
    by_worker = [line.split() for line in borrowed.read_text().splitlines()
                 if int(line.split()[0]) != parent]
    assert by_worker and all(int(count) > 0 for _, count in by_worker)


@pytest.mark.parametrize("how", ["killed", "raises"])
@pytest.mark.parametrize("way", ["tokens", "whole"])
def test_a_worker_that_fails_loses_nothing(demo_inputs, monkeypatch, how, way):
    """A worker killed (say, for memory) or raising in its third task, with more
    tasks waiting in its pipe: the parent does them all, to the same codings."""
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)
    monkeypatch.setattr(engine_code, "AHEAD", 0 if way == "whole" else 10**6)
    expected = code_segments(segments, sources, codebook)
    parent, calls = os.getpid(), []

    def dying(real):
        def dies(*args):
            if os.getpid() != parent:
                calls.append(1)  # the worker's own copy of the list
                if len(calls) == 3:
                    if how == "killed":
                        os._exit(9)
                    raise QualcodeError("only in the worker")  # done here again
            return real(*args)
        return dies

    monkeypatch.setattr(engine_code, "_code_texts", dying(engine_code._code_texts))
    monkeypatch.setattr(engine_code, "_tokenise", dying(engine_code._tokenise))
    assert code_segments(segments, sources, codebook, jobs=3) == expected
    assert not multiprocessing.active_children()


def test_workers_started_before_the_corpus_is_read_serve_run_after_run(repo_root, tmp_path,
                                                                        monkeypatch):
    """``Workers`` forked before the sources exist (as the CLI does) code them as one
    process does, tasks to tokenise and tasks to code whole (which need the segments
    and the sources' metadata: the codebook's rules read the technique), run after
    run; a run stopped early drops the workers that still hold its tasks, and the
    next run is right all the same."""
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)
    project = load_project(repo_root)
    codebook = load_codebook(project.codebook)
    parent, slow, code_texts = os.getpid(), tmp_path / "slow", engine_code._code_texts

    def slowly(*args):  # (the workers are forked with it, before it is needed)
        time.sleep(0.05 if os.getpid() != parent and slow.exists() else 0)
        return code_texts(*args)

    monkeypatch.setattr(engine_code, "_code_texts", slowly)
    with engine_code.Workers(codebook, 3) as workers:
        pids = [w.process.pid for w in workers.workers]
        sources = load_sources(project.root, project.sources, project.informants, Report())
        segments = segment_sources(sources, dict(project.units), project.interviewers)
        expected = code_segments(segments, sources, codebook)
        assert code_segments(segments, sources, codebook, workers=workers) == expected
        monkeypatch.setattr(engine_code, "AHEAD", 0)  # every worker task coded whole
        kinds = []
        finish = engine_code._finish
        monkeypatch.setattr(engine_code, "_finish",
                            lambda at, item: kinds.append(item and item[0]) or finish(at, item))
        assert code_segments(segments, sources, codebook, workers=workers) == expected
        assert "coded" in kinds and "prepared" not in kinds[:3]
        assert [w.process.pid for w in workers.live()] == pids  # the same processes
        job = engine_code._Job(workers.compiled, segments, {s.id: s for s in sources}, None)
        tasks = engine_code.batches(segments)
        slow.touch()  # so that the workers still have tasks when the run stops
        results = engine_code.run_all(job, tasks, 3, workers)
        next(results)
        results.close()  # stopped with tasks still out
        assert workers.live() == []
        slow.unlink()
        assert code_segments(segments, sources, codebook, workers=workers) == expected
        with pytest.raises(ValueError, match="another codebook"):
            code_segments(segments, sources, load_codebook(project.codebook),
                          workers=workers)
    assert not multiprocessing.active_children()


_KILLED_PARENT = """
import os, sys, time
import qualcode.engine.code as engine_code
from qualcode.engine import batch
from qualcode.codebook import load_codebook
from qualcode.engine import code_segments
from qualcode.errors import Report
from qualcode.ingest.corpus import load_sources
from qualcode.language import matching_pipeline
from qualcode.project import load_project
from qualcode.segment import segment_sources

project = load_project(sys.argv[1])
sources = load_sources(project.root, project.sources, project.informants, Report())
segments = segment_sources(sources, dict(project.units), project.interviewers)
engine_code.BATCH_CHARS = 300
parent, told = os.getpid(), []

def slow(real):
    def slowly(*args):  # the worker announces itself once and takes its time
        if os.getpid() != parent:
            if not told:
                told.append(print(os.getpid(), flush=True))
            time.sleep(0.2)
        return real(*args)
    return slowly

engine_code._tokenise = slow(engine_code._tokenise)
engine_code._code_texts = slow(engine_code._code_texts)
code_segments(segments, sources, load_codebook(project.codebook), jobs=2)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not reaped
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_killed_parent_leaves_no_worker_behind(repo_root):
    with subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(repo_root)],
                          stdout=subprocess.PIPE, text=True) as parent:
        try:
            worker = int(parent.stdout.readline())  # type: ignore[union-attr]
        finally:
            parent.kill()
    deadline = time.monotonic() + 10
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(worker), "the worker went on coding without its parent"


@pytest.mark.parametrize("way", ["tokens", "whole"])
def test_an_error_in_a_worker_is_raised_as_in_one_process(demo_inputs, monkeypatch, way):
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)
    monkeypatch.setattr(engine_code, "AHEAD", 0 if way == "whole" else 10**6)
    real, middle = engine_code._code_texts, segments[len(segments) // 2].id

    def refuses(compiled, texts, asked, segs, *args):  # where the batch is coded: in a
        if any(s.id == middle for s in segs):  # worker (whole) or in the parent
            raise QualcodeError("cannot read the cache entry", file="cache/x.tok")
        return real(compiled, texts, asked, segs, *args)

    monkeypatch.setattr(engine_code, "_code_texts", refuses)
    with pytest.raises(QualcodeError, match="cannot read the cache entry") as raised:
        code_segments(segments, sources, codebook, jobs=2)
    assert raised.value.problem.file == "cache/x.tok"
    assert not multiprocessing.active_children()


def test_an_idle_worker_polls_then_blocks(repo_root, monkeypatch):
    """``_idle`` returns as soon as a message (or the end of the pipe) is there, and
    after its spin when none comes; a worker left idle longer uses no CPU."""
    inbox, writer = multiprocessing.Pipe(duplex=False)
    t0 = time.monotonic()
    engine_code._idle(inbox, spin=0.2)
    assert time.monotonic() - t0 >= 0.2  # nothing came: it gave up after its spin
    writer.send(("run",))
    t0 = time.monotonic()
    engine_code._idle(inbox, spin=30)
    assert time.monotonic() - t0 < 5 and inbox.recv() == ("run",)
    writer.close()
    t0 = time.monotonic()
    engine_code._idle(inbox, spin=30)  # the parent closed its end
    assert time.monotonic() - t0 < 5
    inbox.close()

    def cpu_ticks(pid: int) -> int:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    if not os.path.exists("/proc/self/stat"):
        return
    monkeypatch.setattr(engine_code, "SPIN_WAIT", 0.3)  # (inherited by the fork)
    codebook = load_codebook(repo_root / "codebooks" / "interview-starter-en.yaml")
    with engine_code.Workers(codebook, 2) as workers:
        pid = workers.workers[0].process.pid
        time.sleep(1.0)
        before = cpu_ticks(pid)
        time.sleep(1.0)
        assert cpu_ticks(pid) - before <= 5  # blocked: at most a few clock ticks
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("room", ["known", "unknown"])
def test_an_outbox_never_waits_and_keeps_the_order(monkeypatch, room):
    """Messages are written at once while the pipe has room; once it has not, they go
    to the outbox's thread, and so do those after them until it has written them: the
    sender never waits for a reader that is not reading (two processes each writing to
    the other would wait forever), and the reader gets every message in order."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    outbox = engine_code._Outbox(writer)
    if room == "unknown":  # (not Linux): every message goes through the thread
        outbox.capacity = 0
    elif outbox.capacity == 0:
        pytest.skip("the room left in a pipe cannot be read here")
    big = "x" * 300_000  # three fit in a widened pipe, not four
    messages = [("small", n) if n % 3 else ("big", n, big) for n in range(12)]

    def send() -> None:
        for message in messages:
            outbox.put(message)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(timeout=20)
    assert not sender.is_alive()  # nothing read yet, and no put waited
    if room == "known":
        assert 0 < outbox.handed < len(messages)  # the first went at once, not all
    else:
        assert outbox.handed == len(messages)
    assert [reader.recv() for _ in messages] == messages
    outbox.close()
    outbox.join()
    assert outbox.written == outbox.handed
    with pytest.raises(EOFError):
        reader.recv()
    reader.close()


def test_stopping_early_stops_the_workers(demo_inputs, monkeypatch):
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 500)
    compiled = engine_code.compile_for(codebook)
    job = engine_code._Job(compiled, segments, {s.id: s for s in sources}, None)
    tasks = engine_code.batches(segments)
    results = engine_code.run_all(job, tasks, 2)
    first = next(results)
    assert first == engine_code._run(tasks[0])
    assert multiprocessing.active_children()
    results.close()
    assert not multiprocessing.active_children()
    assert gc.get_freeze_count() == 0


def test_an_unreadable_cache_entry_is_redone(demo_inputs, tmp_path):
    segments, sources, codebook = demo_inputs
    cache = tmp_path / "cache"
    cold = code_segments(segments, sources, codebook, cache=cache)
    entries = list((cache / "docs").glob("*/*/*.tok"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40])
    assert code_segments(segments, sources, codebook, cache=cache) == cold
    assert code_segments(segments, sources, codebook, cache=cache) == cold


def test_cached_words_are_found_by_their_hashes(demo_inputs):
    """A batch from the cache finds its words' types by the hashes stored with them:
    types made from fresh tokens before it, types it makes itself, and those a later
    cached batch shares with it, each the type of the same word."""
    from qualcode.engine.match import Matchers

    segments, _, codebook = demo_inputs
    spec = engine_code.compile_for(codebook).spec
    texts = [s.text for s in segments]
    parts = [texts[:40], texts[40:90], texts[60:]]  # the last two overlap

    def stored(part):  # as another process would store it, read back
        other = Matchers(spec, matching_pipeline(spec.language))
        fresh = batch.tokenise(other.pipe, part)
        entry = other.storable(fresh, other.resolve(fresh)).to_bytes()
        return batch.Batch.from_bytes(entry)

    here = Matchers(spec, matching_pipeline(spec.language))
    fresh = batch.tokenise(here.pipe, parts[0])
    here.resolve(fresh)  # types made from fresh tokens, not hashed yet
    made = len(here._words)
    for part in parts[1:]:
        loaded = stored(part)
        assert loaded is not None and loaded.hashes is not None
        ids = here.resolve(loaded)
        assert [here._words[i] for i in ids.tolist()] == \
            [loaded.words[i] for i in loaded.tok.tolist()]
        assert len(set(here._words)) == len(here._words)  # no word typed twice
    assert made < len(here._words)
    assert here._hash_of.tolist() == [get_string_id(w) for w in here._words]


def test_batches_across_sources_give_the_same_codings(demo_inputs, tmp_path, monkeypatch):
    segments, sources, codebook = demo_inputs
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 10**9)  # one batch for every source
    together = code_segments(segments, sources, codebook, cache=tmp_path / "c")
    assert TokenCache(tmp_path / "c").info().entries == 1
    warm = code_segments(segments, sources, codebook, cache=tmp_path / "c")
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1)  # one batch per segment
    assert together == warm == code_segments(segments, sources, codebook)


def test_a_failing_batch_is_reported_and_the_rest_coded(demo_inputs, monkeypatch):
    segments, sources, codebook = demo_inputs
    real = engine_code.match_batch

    def flaky(spec, texts, cache_dir=None):
        if any("sosialisasi" in t.lower() for t in texts) and texts is not None and \
                segments[0].text in texts:
            raise RuntimeError("boom")
        return real(spec, texts, cache_dir)

    monkeypatch.setattr(engine_code, "match_batch", flaky)
    report = Report()
    codings = code_segments(segments, sources, codebook, report=report)
    first = segments[0].source_id
    assert [p.message for p in report.errors] == ["could not be coded: RuntimeError: boom"]
    assert not any(c.segment_id.startswith(first + ":") for c in codings)
    assert codings


WORDS = ["report", "reports", "reported", "visit", "never", "time", "timing", "the", "app",
         "check", "checked", "no", "phone", "had"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), min_size=1,
                max_size=8), st.integers(min_value=1, max_value=200))
def test_batching_never_changes_the_codings(repo_root, monkeypatch, turns, batch):
    from qualcode.ingest.text import parse_text
    from qualcode.model import Source
    from qualcode.segment import segment_source

    codebook = load_codebook(repo_root / "examples" / "english" / "codebook.yaml")
    text = "".join(f"A: {' '.join(words)}.\n" for words in turns)
    raw = parse_text(text.encode("utf-8"))
    source = Source("S", "S.txt", raw.text, raw.turns, has_speakers=raw.has_speakers)
    segments = segment_source(source)
    one_by_one = [c for s in segments for c in code_segments([s], [source], codebook)]
    monkeypatch.setattr(engine_code, "BATCH_CHARS", batch)
    assert code_segments(segments, [source], codebook) == one_by_one


def test_code_command_writes_the_table(repo_root, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    out = tmp_path / "coded.csv"
    args = ["code", str(repo_root / "transcripts" / "interviews"), "--codebook",
            str(repo_root / "codebooks" / "pembinaan-pengawasan-ks.yaml"), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) > 20 and set(frame["technique"]) == {"W"}
    row = frame.iloc[0]
    assert row["text"].strip() and row["code_id"] and row["rule"].startswith("rules[")
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "--force" in again.output
    forced = CliRunner().invoke(main, args + ["--force", "--no-cache"])
    assert forced.exit_code == 0
    assert pd.read_csv(out, encoding="utf-8-sig").equals(frame)
    info = CliRunner().invoke(main, ["cache", "info", "--user"])
    assert "entries: 1" in info.output  # the seven transcripts fit in one batch
    cleared = CliRunner().invoke(main, ["cache", "clear", "--user"])
    assert "removed 1 entries" in cleared.output
    assert not (tmp_path / "xdg" / "qualcode").exists()


@pytest.mark.parametrize("command", ["code", "run"])
def test_workers_are_forked_before_the_sources_are_read(repo_root, tmp_path, monkeypatch,
                                                       command):
    """With --jobs 2 (``jobs: 2`` in a project) the worker exists when the sources are
    read, so that it does not share the corpus's memory pages; the codings are those of
    one job."""
    import qualcode.ingest.corpus as corpus
    import qualcode.run as run_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(engine_code, "BATCH_CHARS", 1500)  # several batches to share
    real, seen = corpus.load_sources, []

    def loads(*args, **kwargs):
        seen.append(len(multiprocessing.active_children()))
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus, "load_sources", loads)
    monkeypatch.setattr(run_module, "load_sources", loads)
    outputs = []
    for jobs in ("1", "2"):
        if command == "code":
            out = tmp_path / f"coded{jobs}.csv"
            args = ["code", str(repo_root / "transcripts" / "interviews"), "--codebook",
                    str(repo_root / "codebooks" / "pembinaan-pengawasan-ks.yaml"), "-o",
                    str(out), "--no-cache", "--jobs", jobs]
        else:
            project = tmp_path / f"project{jobs}"
            shutil.copytree(repo_root / "examples" / "english", project)
            with open(project / "qualcode.yaml", "a", encoding="utf-8") as file:
                file.write(f"\njobs: {jobs}\ncache: false\n")
            out = project / "out" / "coded_segments.csv"
            args = ["run", str(project)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert seen == [0, 1]  # no worker for one job; one, already forked, for two
    assert outputs[0] == outputs[1]
    assert not multiprocessing.active_children()


def test_code_command_names_a_missing_path(tmp_path, repo_root):
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(main, ["code", str(tmp_path / "missing"), "--codebook",
                                       str(repo_root / "codebooks" /
                                           "pembinaan-pengawasan-ks.yaml"),
                                       "-o", str(out), "--no-cache", "--jobs", "2"])
    assert result.exit_code == 1
    assert "no sources found at" in result.output and "missing" in result.output
    assert "command line" in result.output and "qualcode.yaml" not in result.output
    assert not out.exists() and not multiprocessing.active_children()


def test_code_command_refuses_a_bad_codebook(tmp_path, repo_root):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codebook: x\ncodes:\n  - id: A\n    label: A\n    rules:\n"
                   "      - keywrds: [x]\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(main, ["code", str(repo_root / "transcripts"), "--codebook",
                                       str(bad), "-o", str(out), "--no-cache"])
    assert result.exit_code == 1
    assert "keywrds" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_code_command_reads_a_spreadsheet_of_answers(tmp_path, repo_root):
    """``qualcode code`` takes the spreadsheet options its hint names: each row's answer
    is coded, with the respondent as informant and the technique given."""
    sheet = tmp_path / "answers.csv"
    sheet.write_text("id,age,answer\n"
                     "R1,34,The ministry guides the cooperation.\n"
                     "R2,51,We report to the province every month.\n", encoding="utf-8")
    codebook = str(repo_root / "codebooks" / "interview-starter-en.yaml")
    out = tmp_path / "o.csv"
    refused = CliRunner().invoke(main, ["code", str(sheet), "--codebook", codebook,
                                        "-o", str(out), "--no-cache"])
    assert refused.exit_code == 1 and not out.exists()
    assert "--text-column" in refused.output and "id, age, answer" in refused.output
    result = CliRunner().invoke(main, ["code", str(sheet), "--codebook", codebook,
                                       "-o", str(out), "--no-cache", "--text-column",
                                       "answer", "--id-column", "id", "--technique", "O"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    coop = rows[rows["matched"] == "cooperation"]
    assert list(coop["informant"]) == ["R1"] and list(coop["code_id"]) == ["REL"]
    assert set(rows["technique"]) == {"O"} and set(rows["informant"]) <= {"R1", "R2"}
    assert list(coop["text"]) == ["The ministry guides the cooperation."]
    missing = CliRunner().invoke(main, ["code", str(sheet), "--codebook",
                                        str(tmp_path / "nope.yaml"), "-o",
                                        str(tmp_path / "p.csv"), "--text-column", "answer"])
    assert missing.exit_code == 1 and "codebook not found" in missing.output
    assert "file's name and folder" in missing.output and "error(s)" not in missing.output
    assert "project folder" not in missing.output  # (no project is involved)


def test_explain_command_shows_hits_and_rules(demo_copy):
    result = CliRunner().invoke(main, ["explain", "W-INF-1:t006", str(demo_copy)])
    assert result.exit_code == 0, result.output
    assert "dibedakan [beda]" in result.output
    assert "FIRED  PEMB-DIF" in result.output
    assert "codes: PEMB-DIF(-)" in result.output
    wrong = CliRunner().invoke(main, ["explain", "W-INF-1:t6", str(demo_copy)])
    assert wrong.exit_code == 2 and "did you mean" in wrong.output


def test_explain_reports_nearly_fired_rules(demo_copy):
    from qualcode.engine import explain_segment

    result = explain_segment("W-INF-1:t005", demo_copy)  # the interviewer's question
    assert result.segment.is_interviewer
    nearly = [v for v in result.shown() if v.status == "nearly"]
    assert nearly and all(
        [c.kind for c in v.conditions if not c.met] == ["where"] for v in nearly)
    assert result.codings == ()


def test_run_uses_the_project_cache(demo_run):
    cache = demo_run.project.cache_dir
    assert cache is not None and TokenCache(cache).info().entries > 0
