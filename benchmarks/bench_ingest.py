"""Ingest speed: 100 synthetic transcripts of 5,000 words, read and segmented.

Run: ``.venv/bin/python benchmarks/bench_ingest.py [--files 100] [--words 5000]``.
Writes the corpus into a temporary folder, then times reading (decode, turn finding)
and segmenting by turn, paragraph and sentence (blank spaCy sentencizer).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from qualcode.errors import Report
from qualcode.ingest.corpus import load_sources
from qualcode.ingest.summary import PathSpec
from qualcode.language import pipeline
from qualcode.segment import segment_sources

WORDS = ("pembinaan pengawasan kerja sama daerah laporan sosialisasi provinsi kami "
         "itu tidak ada standar tindak lanjut Kemendagri biro dinas mitra tahun "
         "kegiatan ya jadi eh program evaluasi monitoring").split()


def transcript(rng: random.Random, words: int) -> str:
    """Alternating interviewer/informant turns, some hard-wrapped, ~``words`` words."""
    out, count, turn = [], 0, 0
    while count < words:
        n = rng.randint(8, 25) if turn % 2 == 0 else rng.randint(40, 160)
        body = " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.07 else "")
                        for _ in range(n)) + "."
        if turn % 4 == 3:  # a wrapped answer
            body = "\n".join(body[i:i + 100] for i in range(0, len(body), 100))
        out.append(f"{'Peneliti' if turn % 2 == 0 else 'Informan'}: {body}")
        count += n
        turn += 1
    return "\n\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--words", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"W-{i:03d}.txt").write_text(transcript(rng, args.words), "utf-8")
        t0 = time.perf_counter()
        sources = load_sources(Path(tmp), [PathSpec("corpus")], None, Report())
        read = time.perf_counter() - t0
        words = sum(s.words for s in sources)
        print(f"{len(sources)} files, {words:,} words")
        print(f"read (decode + turns): {read:.2f} s  ({words / read:,.0f} words/s)")
        nlp = pipeline("id")
        for unit in ("turn", "paragraph", "sentence"):
            t0 = time.perf_counter()
            segs = segment_sources(sources, {"*": unit}, nlp=nlp)
            took = time.perf_counter() - t0
            print(f"segment by {unit}: {took:.2f} s, {len(segs):,} segments")


if __name__ == "__main__":
    main()
