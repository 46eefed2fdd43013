"""The Word report (``report.docx``): see ``report.py`` for its structure, ``fast.py`` for
how big tables are built quickly, ``highlight.py`` for the marked terms in quotes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Mapping

import pandas as pd

from qualcode.export.files import atomic_path
from qualcode.export.word.fast import add_fast_table, column_widths
from qualcode.export.word.report import add_table, build_document, codebook_frame
from qualcode.model import CodedCorpus


def write_report(corpus: CodedCorpus, tables: Mapping[str, pd.DataFrame], path: Path,
                 title: str = "", charts: Mapping[str, Path] | None = None) -> Path:
    """Write the report for ``corpus`` with ``tables`` (as ``build_tables`` made them).

    ``charts`` maps chart names to PNG files; when it is ``None`` the charts are drawn
    here (into a temporary folder) so that the report always has them.
    """
    path = Path(path)
    if charts is None:
        from qualcode.analysis.charts import make_charts

        with tempfile.TemporaryDirectory(prefix="qualcode-charts-") as folder:
            document = build_document(corpus, tables, title,
                                      make_charts(corpus, Path(folder)))
    else:
        document = build_document(corpus, tables, title, charts)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path


__all__ = ["add_fast_table", "add_table", "build_document", "codebook_frame",
           "column_widths", "write_report"]
