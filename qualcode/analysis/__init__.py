"""The tables of the method: reduction (T1), display (T2), conclusion (T4).

Each table is a plain function from a ``CodedCorpus`` to a pandas DataFrame. ``TABLES``
names them all, in the order the report and ``matrices.xlsx`` show them.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from qualcode.analysis.conclude import conclusion_table
from qualcode.analysis.display import case_code_matrix, clustered_matrix
from qualcode.analysis.reduce import code_summary, coding_sheet
from qualcode.model import CodedCorpus

Table = Callable[[CodedCorpus], pd.DataFrame]

TABLES: dict[str, tuple[str, Table]] = {
    "coding_sheet": ("reduction", coding_sheet),
    "code_summary": ("reduction", code_summary),
    "clustered": ("display", clustered_matrix),
    "case_code": ("display", case_code_matrix),
    "conclusion_table": ("conclusion", conclusion_table),
}


def build_tables(corpus: CodedCorpus) -> dict[str, pd.DataFrame]:
    """Every table the corpus has data for, by name, in report order."""
    return {name: func(corpus) for name, (_, func) in TABLES.items()}


__all__ = ["TABLES", "build_tables", "case_code_matrix", "clustered_matrix", "code_summary",
           "coding_sheet", "conclusion_table"]
