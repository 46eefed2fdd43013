"""Data reduction: the coding sheet (T1) and the summary per code."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from qualcode.analysis.evidence import CodeEvidence, evidence_index
from qualcode.analysis.labels import label
from qualcode.analysis.quotes import citation, cited_quote, condense
from qualcode.model import CodedCorpus, Coding, Review, Segment

QUOTES_PER_CODE = 2


def place(segment: Segment, lang: str) -> str:
    """Lines and character offsets of a segment: ``lines 12–15 [340:910]``."""
    lines = (str(segment.line_start) if segment.line_start == segment.line_end
             else f"{segment.line_start}–{segment.line_end}")
    return f"{label('lines', lang)} {lines} [{segment.start}:{segment.end}]"


def coding_sheet(corpus: CodedCorpus) -> pd.DataFrame:
    """T1: one row per coded segment and code, in segment then codebook order."""
    lang = corpus.language
    codebook = corpus.codebook
    rows = []
    codings = corpus.all_codings or corpus.codings
    reviews: dict[tuple[str, str], Review] = {(r.segment_id, r.code_id): r
                                              for r in corpus.reviews}
    for coding in codings:
        segment = corpus.segment(coding.segment_id)
        source = corpus.source(segment.source_id)
        ancestors = codebook.ancestors(coding.code_id)
        review = reviews.get((coding.segment_id, coding.code_id))
        rows.append({
            label("id", lang): segment.id,
            label("technique", lang): source.technique,
            label("informant", lang): source.informant,
            label("role", lang): source.role,
            label("date", lang): source.date,
            label("quote", lang): condense(segment, coding) + " " + citation(source, segment, lang),
            label("place", lang): place(segment, lang),
            label("code", lang): f"{coding.code_id} {codebook.code(coding.code_id).label}",
            label("code_id", lang): coding.code_id,
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
                                        "quote", "place", "code", "code_id", "category", "theme",
                                        "magnitude", "matched_by", "coder", "review", "memo")]
    return pd.DataFrame(rows, columns=columns)


def strongest(corpus: CodedCorpus, codings: list[Coding], n: int = 2) -> list[Coding]:
    """The codings to quote first.

    Rank by the most distinct matched terms, then the most hits, then source order
    (the project's source order, then the segment's place in its source); take one per
    informant (or per source, for notes and documents) before a second from the same
    one. Deterministic, so the same corpus always shows the same quotes.
    """
    order = {s.id: i for i, s in enumerate(corpus.sources)}

    def rank(c: Coding) -> tuple[int, int, int, int]:
        seg = corpus.segment(c.segment_id)
        return (-len({h.term for h in c.hits}), -len(c.hits), order[seg.source_id],
                seg.index)

    ranked = sorted(codings, key=rank)
    out: list[Coding] = []
    voices: set[str] = set()
    for coding in ranked:
        source = corpus.source_of(coding.segment_id)
        voice = source.informant or source.id
        if voice not in voices:
            out.append(coding)
            voices.add(voice)
        if len(out) == n:
            return out
    for coding in ranked:
        if coding not in out and len(out) < n:
            out.append(coding)
    return out


def condensed_statement(evidence: CodeEvidence, people: int, lang: str) -> str:
    """One line a reader can take in: segments, informants n/N, techniques, direction."""
    if not evidence.n:
        return label("no_evidence", lang)
    techniques = ", ".join(label(t, lang).lower() for t in evidence.techniques)
    if lang == "id":
        text = (f"{evidence.n} segmen dari {len(evidence.informants)} dari {people} "
                f"informan; {techniques}")
    else:
        text = (f"{evidence.n} segment{'s' if evidence.n != 1 else ''} from "
                f"{len(evidence.informants)} of {people} informants; {techniques}")
    direction = direction_text(evidence, lang)
    return text + (f"; {direction}" if direction else "")


def direction_text(evidence: CodeEvidence, lang: str) -> str:
    """The code's direction in words with the ``+``/``-`` counts, or ``""`` when no
    coding carries a magnitude sign."""
    if not (evidence.plus or evidence.minus):
        return ""
    key = {"+": "dir+", "-": "dir-", "mixed": "mixed"}.get(evidence.direction, "dir0")
    return f"{label(key, lang)} (+{evidence.plus}/−{evidence.minus})"


def code_summary(corpus: CodedCorpus) -> pd.DataFrame:
    """Per code: segments, informants n/N, techniques, a condensed statement and the
    strongest quotes (chosen by ``strongest``). Codes with no segments show zeros."""
    lang = corpus.language
    index = evidence_index(corpus)
    people = len(index.people)
    rows = []
    for code in index.leaves:
        ev = index.by_code[code.id]
        quotes = [cited_quote(corpus, c) for c in strongest(corpus, list(ev.codings),
                                                            QUOTES_PER_CODE)]
        rows.append({
            label("code_id", lang): code.id, label("code", lang): code.label,
            label("theme", lang): corpus.codebook.dimension(code.id).label,
            label("segments", lang): ev.n,
            label("informants_n", lang): f"{len(ev.informants)}/{people}",
            label("techniques", lang): ", ".join(ev.techniques) or "—",
            label("condensed", lang): condensed_statement(ev, people, lang),
            label("quotes", lang): "\n".join(quotes) or label("no_evidence", lang),
        })
    return pd.DataFrame(rows)
