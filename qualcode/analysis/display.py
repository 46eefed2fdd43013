"""Data display: Miles & Huberman matrices built from the coded corpus."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from qualcode.analysis.labels import label
from qualcode.analysis.quotes import citation, condense
from qualcode.analysis.reduce import strongest
from qualcode.model import CodedCorpus, Coding


def leaf_codes(corpus: CodedCorpus, dimension: str | None = None) -> list:
    """Codable codes (no children), optionally only those under one dimension."""
    codebook = corpus.codebook
    return [c for c in codebook.codes if not codebook.children(c.id)
            and (dimension is None or codebook.dimension(c.id).id == dimension)]


def clustered_matrix(corpus: CodedCorpus, dimension: str | None = None) -> pd.DataFrame:
    """Conceptually clustered matrix: informants × codes (clustered by dimension);
    cells hold the strongest condensed quote of that informant for that code."""
    lang = corpus.language
    codes = leaf_codes(corpus, dimension)
    cells: dict[tuple[str, str], list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        cells[(corpus.source_of(coding.segment_id).informant, coding.code_id)].append(coding)
    rows = []
    for source in corpus.sources:
        if source.technique != "W" or any(r[label("informant", lang)] == source.informant
                                          for r in rows):
            continue
        row = {label("informant", lang): source.informant, label("role", lang): source.role}
        for code in codes:
            best = strongest(corpus, cells.get((source.informant, code.id), []), 1)
            if best:
                seg = corpus.segment(best[0].segment_id)
                row[f"{code.id} {code.label}"] = (condense(seg, best[0], 160) + " "
                                                  + citation(corpus.source(seg.source_id), seg, lang))
            else:
                row[f"{code.id} {code.label}"] = "—"
        rows.append(row)
    return pd.DataFrame(rows)


def case_code_matrix(corpus: CodedCorpus, value: str = "count") -> pd.DataFrame:
    """Case × code: one row per source, codes as columns; counts or 0/1 presence."""
    lang = corpus.language
    codes = leaf_codes(corpus)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for coding in corpus.codings:
        counts[(corpus.segment(coding.segment_id).source_id, coding.code_id)] += 1
    rows = []
    for source in corpus.sources:
        row = {label("id", lang): source.id, label("technique", lang): source.technique,
               label("informant", lang): source.informant}
        for code in codes:
            n = counts.get((source.id, code.id), 0)
            row[code.id] = int(n > 0) if value == "presence" else n
        rows.append(row)
    return pd.DataFrame(rows)
