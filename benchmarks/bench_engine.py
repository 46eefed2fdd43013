"""Benchmark the coding engine: words per second, peak memory, and the issue's ratios.

Each measurement runs in a fresh process (so caches in memory do not leak between
them) over the same generated corpus:

- ``tokenizer``: spaCy's bare pipeline, ``nlp.pipe`` over the segment texts;
- ``cold``: ``code_segments`` with an empty token cache (it fills the cache);
- ``warm``: the same with the cache filled;
- ``jobs1`` / ``jobs2``: without the cache, one and two worker processes; ``jobs2``
  starts its worker before the corpus is read, as the CLI does (``Workers``), and its
  time is the worker's start (compiling the codebook, building the matchers, forking)
  plus the coding;
- ``pair``: two ``jobs1`` runs at once, each in its own process, their timed parts
  started together; the slower one counts.
  ``2 × jobs1 / pair`` is how much two busy processes get out of this host's two cores
  at that moment (2.0 if they did not slow each other), a ceiling for ``jobs2``.

Pipeline construction (``spacy.blank``, the lookup table and stemmer) is outside the timed
part of every measurement. The machine is shared and noisy, so each mode runs ``--repeat``
times (fresh processes, modes interleaved) and the median run is reported; ratios come
from those medians.

    python benchmarks/bench_engine.py --lang en id --words 1000000
    python benchmarks/bench_engine.py --lang en --words 10000000 --only cold   # memory
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("tokenizer", "cold", "warm", "jobs1", "jobs2", "pair")


def _inputs(folder: Path, codebook=None):
    from qualcode.codebook import load_codebook
    from qualcode.errors import Report
    from qualcode.ingest.corpus import load_sources
    from qualcode.project import SourceSpec
    from qualcode.segment import segment_sources

    codebook = codebook or load_codebook(folder / "codebook.yaml")
    sources = load_sources(folder, [SourceSpec("sources")], None, Report())
    return codebook, sources, segment_sources(sources)


def _meet(barrier: Path | None, parties: int = 2) -> None:
    """Wait until ``parties`` processes have reached ``barrier`` (a folder)."""
    if barrier is None:
        return
    (barrier / str(os.getpid())).touch()
    while len(list(barrier.iterdir())) < parties:
        time.sleep(0.0005)


def measure(mode: str, folder: Path, barrier: Path | None = None) -> dict:
    """Run one measurement in this process; return its figures. With a ``barrier``
    (pair runs), the timed part starts when the other process is ready too."""
    if mode == "jobs2":
        return _measure_workers(folder, barrier)
    codebook, sources, segments = _inputs(folder)
    words = sum(len(s.text.split()) for s in segments)
    if mode == "tokenizer":
        import spacy

        nlp = spacy.blank(codebook.language)
        t0 = time.perf_counter()
        tokens = sum(len(d) for d in nlp.pipe((s.text for s in segments), batch_size=256))
        seconds = time.perf_counter() - t0
        codings = 0
    else:
        from qualcode.engine import code_segments
        from qualcode.language import matching_pipeline

        matching_pipeline(codebook.language, None)
        cache = folder / "cache" if mode in ("cold", "warm") else None
        _meet(barrier)
        t0 = time.perf_counter()
        codings = len(code_segments(segments, sources, codebook, cache=cache))
        seconds = time.perf_counter() - t0
        tokens = 0
    return _figures(mode, words, segments, seconds, codings, tokens)


def _measure_workers(folder: Path, barrier: Path | None) -> dict:
    """``jobs2`` as the CLI runs it: the worker is forked once the codebook is
    compiled, before the sources are read. Both parts are timed and added."""
    from qualcode.codebook import load_codebook
    from qualcode.engine import Workers, code_segments
    from qualcode.language import matching_pipeline

    codebook = load_codebook(folder / "codebook.yaml")
    matching_pipeline(codebook.language, None)
    t0 = time.perf_counter()
    workers = Workers(codebook, 2)
    started = time.perf_counter() - t0
    with workers:
        codebook, sources, segments = _inputs(folder, codebook)
        words = sum(len(s.text.split()) for s in segments)
        _meet(barrier)
        t0 = time.perf_counter()
        codings = len(code_segments(segments, sources, codebook, workers=workers))
        seconds = started + time.perf_counter() - t0
    return _figures("jobs2", words, segments, seconds, codings, 0)


def _figures(mode: str, words: int, segments: list, seconds: float, codings: int,
             tokens: int) -> dict:
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"mode": mode, "words": words, "segments": len(segments), "seconds": seconds,
            "words_per_s": words / seconds, "peak_mb": rss / 1024, "codings": codings,
            "tokens": tokens}


def _child(mode: str, folder: Path) -> dict:
    if mode == "pair":
        return _pair(folder)
    out = subprocess.run([sys.executable, __file__, "--measure", mode, str(folder)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pair(folder: Path) -> dict:
    """Two ``jobs1`` runs at once: what two processes get from this host.

    Each loads its inputs, then waits for the other at a barrier, so that their timed
    parts start together. The slower of the two is the figure: ``jobs2`` cannot beat it
    by more than the little work it shares."""
    with tempfile.TemporaryDirectory() as barrier:
        procs = [subprocess.Popen([sys.executable, __file__, "--measure", "jobs1",
                                   str(folder), "--barrier", barrier],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        runs = []
        for proc in procs:
            out, _ = proc.communicate()
            if proc.returncode:
                raise subprocess.CalledProcessError(proc.returncode, proc.args)
            runs.append(json.loads(out.strip().splitlines()[-1]))
    slower = max(runs, key=lambda r: r["seconds"])
    return dict(slower, mode="pair", peak_mb=max(r["peak_mb"] for r in runs))


def _median(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["seconds"])
    out = dict(ordered[len(ordered) // 2])
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    out["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    return out


def bench(lang: str, words: int, modes: tuple[str, ...], data: Path,
          repeat: int = 1) -> dict[str, dict]:
    sys.path.insert(0, str(HERE))
    from make_corpus import generate

    folder = data / f"{lang}-{words}"
    if not (folder / "codebook.yaml").exists():
        generate(lang, words, folder)
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for _ in range(repeat):
        for mode in modes:
            if mode == "cold":
                shutil.rmtree(folder / "cache", ignore_errors=True)
            runs[mode].append(_child(mode, folder))
    shutil.rmtree(folder / "cache", ignore_errors=True)
    results = {}
    for mode in modes:
        r = results[mode] = _median(runs[mode])
        print(f"{lang} {mode:9} {r['words']:>10,} words {r['seconds']:7.2f} s "
              f"{r['words_per_s'] / 1e6:6.3f} M words/s  peak {r['peak_mb']:7.0f} MB  "
              f"codings {r['codings']:,}  runs {r['all_seconds']}", flush=True)
    return results


def ratios(lang: str, r: dict[str, dict]) -> None:
    def rate(mode: str) -> float:
        return r[mode]["words_per_s"]

    if "tokenizer" in r and "cold" in r:
        print(f"{lang} cold / tokenizer throughput: {rate('cold') / rate('tokenizer'):.2f} "
              "(target >= 0.5)")
    if "cold" in r and "warm" in r:
        print(f"{lang} warm speed-up over cold:      {rate('warm') / rate('cold'):.2f} "
              "(target >= 2)")
    if "jobs1" in r and "jobs2" in r:
        print(f"{lang} jobs 2 speed-up over jobs 1:  {rate('jobs2') / rate('jobs1'):.2f} "
              "(target >= 1.6)")
    if "jobs1" in r and "pair" in r:
        print(f"{lang} two jobs-1 runs at once:      {2 * rate('pair') / rate('jobs1'):.2f} "
              "(the host's ceiling for jobs 2; 2.0 if the runs did not slow each other)")
    if "jobs1" in r and "jobs2" in r and "pair" in r:
        print(f"{lang} jobs 2 share of that ceiling:  "
              f"{rate('jobs2') / (2 * rate('pair')):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "id"])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (median)")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "FOLDER"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--barrier", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), args.barrier)))
        return
    for lang in args.lang:
        ratios(lang, bench(lang, args.words, tuple(args.only), args.data, args.repeat))


if __name__ == "__main__":
    main()
