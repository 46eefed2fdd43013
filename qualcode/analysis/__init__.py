"""The tables of the method: reduction (T1), display (T2), triangulation (T3) and
conclusion (T4).

Each table is a plain function from a ``CodedCorpus`` to a pandas DataFrame. ``TABLES``
names them all, in the order the report and ``matrices.xlsx`` show them; each entry is a
``TableSpec`` (stage, function, title label key, wide?). ``build_tables`` builds every
table the corpus has data for and says why it skipped the others.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, NamedTuple

import pandas as pd

from qualcode.analysis.conclude import conclusion_table
from qualcode.analysis.display import (case_code_matrix, case_meta_matrix, checklist_matrix,
                                       clustered_matrix, cooccurrence_matrix,
                                       cooccurrence_sources, role_ordered_matrix,
                                       time_ordered_matrix)
from qualcode.analysis.evidence import TableNotApplicable, evidence_index
from qualcode.analysis.labels import label
from qualcode.analysis.reduce import code_summary, coding_sheet
from qualcode.analysis.triangulate import source_triangulation, technique_triangulation
from qualcode.errors import UsageError
from qualcode.model import CodedCorpus

Table = Callable[..., pd.DataFrame]


class TableSpec(NamedTuple):
    """One table: its stage, the function that builds it, the label key of its title,
    and whether it is wide (the report sets it on a landscape page)."""

    stage: str
    func: Table
    title: str
    wide: bool = False


STAGE_TITLES = {"reduction": "reduction", "display": "display",
                "triangulation": "triangulation_stage", "conclusion": "conclusion"}
"""Stage → label key of the stage's heading (``label(STAGE_TITLES[stage], lang)``)."""

TABLES: dict[str, TableSpec] = {
    "coding_sheet": TableSpec("reduction", coding_sheet, "coding_sheet", True),
    "code_summary": TableSpec("reduction", code_summary, "code_summary", True),
    "clustered": TableSpec("display", clustered_matrix, "clustered", True),
    "role_ordered": TableSpec("display", role_ordered_matrix, "role_ordered", True),
    "checklist": TableSpec("display", checklist_matrix, "checklist", True),
    "case_code": TableSpec("display", case_code_matrix, "case_code", True),
    "cooccurrence": TableSpec("display", cooccurrence_matrix, "cooccurrence", True),
    "cooccurrence_sources": TableSpec("display", cooccurrence_sources,
                                      "cooccurrence_sources", True),
    "time_ordered": TableSpec("display", time_ordered_matrix, "time_ordered", True),
    "case_meta": TableSpec("display", case_meta_matrix, "case_meta", False),
    "technique_triangulation": TableSpec("triangulation", technique_triangulation,
                                         "technique_triangulation", False),
    "source_triangulation": TableSpec("triangulation", source_triangulation,
                                      "source_triangulation", True),
    "conclusion_table": TableSpec("conclusion", conclusion_table, "conclusion_table", True),
}


class Tables(dict):
    """The built tables by name (a plain ``dict[str, DataFrame]`` in report order), plus
    ``skipped``: the tables that could not be built, by name, with the reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skipped: dict[str, str] = {}


def table_title(name: str, language: str = "en") -> str:
    """The title of table ``name`` in the report language."""
    spec = TABLES.get(name)
    return label(spec.title if spec else name, language)


def make_table(corpus: CodedCorpus, name: str, **options: Any) -> pd.DataFrame:
    """Build one table by name. ``options`` (``dimension``, ``value``) go to the tables
    that take them and are ignored by the others.

    Raises:
        UsageError: an unknown table name or option value.
        TableNotApplicable: the project lacks what the table needs.
    """
    spec = TABLES.get(name)
    if spec is None:
        raise UsageError(f"unknown table '{name}'", hint="choose one of: " + ", ".join(TABLES))
    accepted = inspect.signature(spec.func).parameters
    kwargs = {k: v for k, v in options.items() if v is not None and k in accepted}
    return spec.func(corpus, **kwargs)


def build_tables(corpus: CodedCorpus) -> Tables:
    """Every table the corpus has data for, by name, in report order; the others are in
    ``.skipped`` with the reason (one informant, no dates, one case …)."""
    evidence_index(corpus)  # one pass over the codings, shared by every table
    tables = Tables()
    for name, spec in TABLES.items():
        try:
            tables[name] = spec.func(corpus)
        except TableNotApplicable as exc:
            tables.skipped[name] = str(exc)
    return tables


__all__ = ["STAGE_TITLES", "TABLES", "TableNotApplicable", "TableSpec", "Tables",
           "build_tables", "case_code_matrix", "case_meta_matrix", "checklist_matrix",
           "clustered_matrix", "code_summary", "coding_sheet", "conclusion_table",
           "cooccurrence_matrix", "cooccurrence_sources", "make_table",
           "role_ordered_matrix", "source_triangulation", "table_title",
           "technique_triangulation", "time_ordered_matrix"]
