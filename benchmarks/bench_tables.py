"""Time building every table, the charts and matrices.xlsx on a synthetic coded corpus.

Usage: .venv/bin/python benchmarks/bench_tables.py [SEGMENTS]   (default 20000)
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from qualcode.analysis import build_tables
from qualcode.analysis.charts import make_charts
from qualcode.export.tables import write_csvs, write_xlsx
from qualcode.model import Code, Codebook, CodedCorpus, Coding, Hit, Segment, Source, Turn

SENTENCE = "Pembinaan diberikan secara umum dan laporan belum ditindaklanjuti oleh pusat. "


def synthetic(n_segments: int, seed: int = 1) -> CodedCorpus:
    rng = random.Random(seed)
    codes = []
    for d in range(5):
        codes.append(Code(f"D{d}", f"Dimension {d}"))
        codes += [Code(f"D{d}-C{c}", f"Code {d}.{c}", parent=f"D{d}", depth=1) for c in range(6)]
    leaves = [c.id for c in codes if c.parent]
    per_source = 100
    sources, segments, codings = [], [], []
    for s in range(n_segments // per_source):
        tech = "WWWOD"[s % 5]
        text = "\n".join(SENTENCE * 2 for _ in range(per_source))
        sid = f"S{s:04d}"
        step = len(SENTENCE) * 2 + 1
        sources.append(Source(sid, f"{sid}.txt", text, (Turn(0, len(text)),), technique=tech,
                              informant=f"INF-{s % 60}" if tech == "W" else f"X-{s}",
                              role=f"Role {s % 4}", date=f"2024-{s % 12 + 1:02d}-01",
                              case=f"Case {s % 3}"))
        for i in range(per_source):
            start = i * step
            seg = Segment(f"{sid}:t{i:03d}", sid, "turn", start, start + step - 1, i + 1,
                          i + 1, text[start:start + step - 1], index=i)
            segments.append(seg)
            for code in rng.sample(leaves, rng.choice([0, 1, 1, 2])):
                codings.append(Coding(seg.id, code, "rules[0]:keywords",
                                      (Hit("lapor", start + 36, start + 43),),
                                      magnitude=rng.choice("+-0 ")[:1].strip()))
    return CodedCorpus(Codebook("bench", tuple(codes)), tuple(sources), tuple(segments),
                       tuple(codings), all_codings=tuple(codings), language="id")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    corpus = synthetic(n)
    print(f"{len(corpus.sources)} sources, {len(corpus.segments)} segments, "
          f"{len(corpus.codings)} codings, 30 codes")
    t0 = time.perf_counter()
    tables = build_tables(corpus)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        make_charts(corpus, Path(tmp))
        t2 = time.perf_counter()
        write_xlsx(tables, Path(tmp) / "m.xlsx")
        t3 = time.perf_counter()
        write_csvs(tables, Path(tmp))
        t4 = time.perf_counter()
    print(f"build_tables {t1 - t0:.2f} s; charts {t2 - t1:.2f} s; xlsx {t3 - t2:.2f} s; "
          f"csv {t4 - t3:.2f} s")


if __name__ == "__main__":
    main()
