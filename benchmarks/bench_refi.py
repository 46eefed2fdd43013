"""Speed of .qdpx export, reading, import, and agreement on a synthetic corpus.

Run: .venv/bin/python benchmarks/bench_refi.py [SOURCES] [PARAGRAPHS]
Not a test: prints seconds per step for one run.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from qualcode.analysis.agreement import compare
from qualcode.exchange.codings import CodingSet, SpanCoding, Units
from qualcode.exchange.project import import_qdpx
from qualcode.exchange.qdpx import read_qdpx
from qualcode.export.refi import write_qdpx
from qualcode.model import Code, Codebook, CodedCorpus, Coding, Segment, Source, Turn

WORDS = ("laporan pembinaan pengawasan kerja sama daerah provinsi sosialisasi evaluasi "
         "tindak lanjut standar ukuran kementerian biro dinas").split()


def corpus(n_sources: int, n_paras: int, seed: int = 1) -> CodedCorpus:
    rng = random.Random(seed)
    codes = (Code("DIM", "Dimension"),) + tuple(
        Code(f"C{i}", f"Code {i}", parent="DIM", depth=1) for i in range(10))
    sources, segments, codings = [], [], []
    for s in range(n_sources):
        paras = [" ".join(rng.choice(WORDS) for _ in range(40)) for _ in range(n_paras)]
        text = "\n\n".join(paras)
        turns, pos = [], 0
        for p, para in enumerate(paras):
            turns.append(Turn(pos, pos + len(para)))
            seg = Segment(f"S{s}:p{p + 1:03d}", f"S{s}", "paragraph", pos, pos + len(para),
                          2 * p + 1, 2 * p + 1, para, index=p)
            segments.append(seg)
            for code in rng.sample(range(10), 2):
                codings.append(Coding(seg.id, f"C{code}", "rules[0]:keywords"))
            pos += len(para) + 2
        sources.append(Source(f"S{s}", f"S{s}.txt", text, tuple(turns), technique="D",
                              informant=f"INF-{s % 20}"))
    return CodedCorpus(Codebook("Bench", codes), tuple(sources), tuple(segments),
                       tuple(codings), all_codings=tuple(codings), title="Bench")


def main() -> None:
    n_sources = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    n_paras = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    data = corpus(n_sources, n_paras)
    chars = sum(len(s.text) for s in data.sources)
    print(f"{n_sources} sources, {len(data.segments)} segments, {len(data.codings)} codings, "
          f"{chars:,} characters")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.qdpx"
        t0 = time.perf_counter()
        write_qdpx(data, path)
        t1 = time.perf_counter()
        project = read_qdpx(path)
        t2 = time.perf_counter()
        import_qdpx(path, Path(tmp) / "imported")
        t3 = time.perf_counter()
        print(f"export {t1 - t0:.2f} s ({path.stat().st_size / 1e6:.1f} MB), "
              f"read {t2 - t1:.2f} s, import to a project {t3 - t2:.2f} s")
    rng = random.Random(2)
    a = CodingSet("A", tuple(SpanCoding(data.segment(c.segment_id).source_id,
                                        data.segment(c.segment_id).start,
                                        data.segment(c.segment_id).end, c.code_id)
                             for c in data.codings))
    b = CodingSet("B", tuple(c for c in a.codings if rng.random() < 0.8))
    units = Units({s.id: s.text for s in data.sources},
                  {s.id: tuple((g.start, g.end, g.id) for g in data.segments
                               if g.source_id == s.id) for s in data.sources})
    t0 = time.perf_counter()
    result = compare(a, b, units)
    t1 = time.perf_counter()
    print(f"agreement ({len(result.by_code_source)} code × source rows, alpha over "
          f"{len(data.segments)} segments): {t1 - t0:.2f} s; "
          f"kappa {result.overall.iloc[0]['kappa_weighted']:.3f}")
    assert len(project.codings) == len(data.codings)


if __name__ == "__main__":
    main()
