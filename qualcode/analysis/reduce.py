"""Data reduction: the coding sheet (T1) and the summary per code."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from qualcode.analysis.labels import label
from qualcode.analysis.quotes import citation, condense
from qualcode.model import CodedCorpus, Coding


def _informants(corpus: CodedCorpus) -> list[str]:
    """Informants who are people (interviews), in source order."""
    seen: list[str] = []
    for source in corpus.sources:
        if source.technique == "W" and source.informant not in seen:
            seen.append(source.informant)
    return seen


def coding_sheet(corpus: CodedCorpus) -> pd.DataFrame:
    """T1: one row per coded segment and code, in segment then codebook order."""
    lang = corpus.language
    codebook = corpus.codebook
    rows = []
    codings = corpus.all_codings or corpus.codings
    for coding in codings:
        segment = corpus.segment(coding.segment_id)
        source = corpus.source(segment.source_id)
        ancestors = codebook.ancestors(coding.code_id)
        review = corpus.review_of(coding)
        rows.append({
            label("id", lang): segment.id,
            label("technique", lang): source.technique,
            label("informant", lang): source.informant,
            label("role", lang): source.role,
            label("date", lang): source.date,
            label("quote", lang): condense(segment, coding) + " " + citation(source, segment, lang),
            label("place", lang): f"{label('lines', lang)} {segment.line_start}–{segment.line_end}"
                                  f" [{segment.start}:{segment.end}]",
            label("code", lang): f"{coding.code_id} {codebook.code(coding.code_id).label}",
            label("category", lang): (ancestors[1] if len(ancestors) > 1
                                      else codebook.code(coding.code_id)).label,
            label("theme", lang): (ancestors[0] if ancestors
                                   else codebook.code(coding.code_id)).label,
            label("magnitude", lang): coding.magnitude,
            label("matched_by", lang): f"{coding.rule}: {coding.matched}",
            label("coder", lang): coding.coder,
            label("review", lang): review.decision if review else "",
            label("memo", lang): review.comment if review else "",
        })
    columns = [label(k, lang) for k in ("id", "technique", "informant", "role", "date",
                                        "quote", "place", "code", "category", "theme",
                                        "magnitude", "matched_by", "coder", "review", "memo")]
    return pd.DataFrame(rows, columns=columns)


def strongest(corpus: CodedCorpus, codings: list[Coding], n: int = 2) -> list[Coding]:
    """The codings to quote first: most distinct matched terms, then most hits, then
    one per informant before a second from the same one, then source order."""
    ranked = sorted(codings, key=lambda c: (-len({h.term for h in c.hits}), -len(c.hits),
                                            corpus.segment(c.segment_id).index))
    out: list[Coding] = []
    informants: set[str] = set()
    for coding in ranked:
        who = corpus.source_of(coding.segment_id).informant
        if who not in informants:
            out.append(coding)
            informants.add(who)
        if len(out) == n:
            return out
    for coding in ranked:
        if coding not in out and len(out) < n:
            out.append(coding)
    return out


def code_summary(corpus: CodedCorpus) -> pd.DataFrame:
    """Per code: segments, informants n/N, techniques, and its strongest quotes."""
    lang = corpus.language
    by_code: dict[str, list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        by_code[coding.code_id].append(coding)
    people = _informants(corpus)
    rows = []
    for code in corpus.codebook.codes:
        if corpus.codebook.children(code.id):
            continue
        codings = by_code.get(code.id, [])
        sources = [corpus.source_of(c.segment_id) for c in codings]
        who = {s.informant for s in sources if s.technique == "W"}
        techniques = sorted({s.technique for s in sources}, key="WOD".index)
        quotes = [condense(corpus.segment(c.segment_id), c) + " "
                  + citation(corpus.source_of(c.segment_id), corpus.segment(c.segment_id), lang)
                  for c in strongest(corpus, codings)]
        rows.append({
            label("code_id", lang): code.id, label("code", lang): code.label,
            label("theme", lang): corpus.codebook.dimension(code.id).label,
            label("segments", lang): len(codings),
            label("informants_n", lang): f"{len(who)}/{len(people)}",
            label("techniques", lang): ", ".join(techniques) or "—",
            label("quotes", lang): "\n".join(quotes) or label("no_evidence", lang),
        })
    return pd.DataFrame(rows)
