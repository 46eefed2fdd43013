"""Time the Word report on a synthetic corpus with about 10,000 coded segments.

Usage: .venv/bin/python benchmarks/bench_report.py [SEGMENTS]   (default 13400, which
gives about 10,000 coded segments)

Prints the time to build the tables, to compose the report (every table, highlights),
to save it, and for comparison to build the coding sheet alone with python-docx's
``add_row`` instead of the template-row path.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import synthetic  # noqa: E402  (the analysis benchmark's corpus)

from qualcode.analysis import build_tables  # noqa: E402
from qualcode.export.word import add_table, build_document  # noqa: E402
from qualcode.export.word.highlight import MatchedTerms  # noqa: E402


def _add_row_table(frame) -> float:
    """The coding sheet built the plain python-docx way, for the ratio."""
    from docx import Document

    document = Document()
    t0 = time.perf_counter()
    table = document.add_table(rows=1, cols=len(frame.columns))
    for cell, name in zip(table.rows[0].cells, frame.columns):
        cell.text = str(name)
    for values in frame.astype(str).itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 13400
    corpus = synthetic(n)
    coded = len({c.segment_id for c in corpus.codings})
    print(f"{len(corpus.sources)} sources, {len(corpus.segments):,} segments, "
          f"{coded:,} coded segments, {len(corpus.codings):,} codings")
    t0 = time.perf_counter()
    tables = build_tables(corpus)
    t1 = time.perf_counter()
    document = build_document(corpus, tables, "bench", charts={})
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.docx"
        document.save(str(path))
        size = path.stat().st_size
    t3 = time.perf_counter()
    rows = sum(len(f) for f in tables.values())
    print(f"tables: {t1 - t0:.2f} s ({len(tables)} tables, {rows:,} rows)")
    print(f"report composed: {t2 - t1:.2f} s; saved: {t3 - t2:.2f} s ({size / 1e6:.1f} MB)")
    print(f"report total (compose + save): {t3 - t1:.2f} s")
    sheet = tables["coding_sheet"]
    from docx import Document

    fast_doc = Document()
    t4 = time.perf_counter()
    add_table(fast_doc, sheet, MatchedTerms(corpus))
    fast = time.perf_counter() - t4
    slow = _add_row_table(sheet)
    print(f"coding sheet ({len(sheet):,} rows x {len(sheet.columns)} columns): template rows "
          f"with highlights {fast:.2f} s; python-docx add_row, plain text {slow:.2f} s "
          f"({slow / fast:.1f}x slower)")


if __name__ == "__main__":
    main()
