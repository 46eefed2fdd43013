"""One table of a project, by name: what ``qualcode matrix`` shows.

Codes the project the way ``qualcode run`` does (reading the conclusions file if it
exists, never creating it) and builds only the table asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.analysis import TABLES, make_table, table_title
from qualcode.analysis.conclusions import CONCLUSIONS_FILE, read_conclusions
from qualcode.errors import Report, UsageError


@dataclass(frozen=True)
class Matrix:
    """A built table with its name, its title in the report language, and its stage."""

    name: str
    title: str
    stage: str
    frame: pd.DataFrame


def project_matrix(path: str | Path, name: str, *, dimension: str | None = None,
                   value: str | None = None) -> Matrix:
    """Build table ``name`` for the project at ``path``.

    Raises:
        UsageError: an unknown table, dimension or value.
        TableNotApplicable: the project lacks what the table needs.
    """
    if name not in TABLES:
        raise UsageError(f"unknown table '{name}'",
                         hint="run 'qualcode matrix' without a name to list the tables")
    from dataclasses import replace

    from qualcode.project import load_project
    from qualcode.run import build_corpus

    project = load_project(path)
    corpus = build_corpus(project, Report())
    conclusions, _ = read_conclusions(project.root / CONCLUSIONS_FILE, corpus.codebook)
    corpus = replace(corpus, conclusions=conclusions)
    frame = make_table(corpus, name, dimension=dimension, value=value)
    return Matrix(name, table_title(name, corpus.language), TABLES[name].stage, frame)
