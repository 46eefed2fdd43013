"""T0: the codebook table a supervisor reads (the thesis appendix), as a DataFrame.

One row per code that can be applied (a leaf, or a parent with rules of its own), with
the labels of its dimension (top level) and indicator (second level; a second-level
code is its own indicator) beside it. Column
names come from ``qualcode.analysis.labels`` in the report's language.
"""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.labels import label
from qualcode.codebook.describe import rules_text
from qualcode.model import Code, Codebook

T0_KEYS = ("dimension", "indicator", "code", "brief", "use_when", "not_when", "example",
           "rules")


def _applied(codebook: Codebook, code: Code) -> bool:
    return bool(code.rules) or not codebook.children(code.id)


def _levels(codebook: Codebook, code: Code) -> tuple[str, str]:
    chain = list(codebook.ancestors(code.id)) + [code]
    dimension = chain[0].label if len(chain) > 1 else ""
    indicator = chain[1].label if len(chain) > 1 else ""
    return dimension, indicator


def codebook_table(codebook: Codebook, language: str = "en") -> pd.DataFrame:
    """T0 for ``codebook`` with column labels in ``language`` (``en`` or ``id``)."""
    rows = []
    for code in codebook.codes:
        if not _applied(codebook, code):
            continue
        dimension, indicator = _levels(codebook, code)
        rows.append([dimension, indicator, f"{code.id} {code.label}", code.brief,
                     code.use_when, code.not_when, "\n".join(code.examples),
                     rules_text(code)])
    return pd.DataFrame(rows, columns=[label(k, language) for k in T0_KEYS])
