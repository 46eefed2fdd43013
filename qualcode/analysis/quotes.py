"""Citing and condensing quotes the way theses do: ``(W/INF-2/14-03-2024, lines 12–15)``."""

from __future__ import annotations

import re

from qualcode.analysis.labels import label
from qualcode.model import CodedCorpus, Coding, Segment, Source

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
MAX_QUOTE_CHARS = 300


def citation(source: Source, segment: Segment, language: str = "en") -> str:
    """Technique / informant / date, plus the lines of the segment."""
    parts = [source.technique, source.informant or source.id]
    if source.date:
        parts.append(source.citation_date())
    lines = (f"{segment.line_start}" if segment.line_start == segment.line_end
             else f"{segment.line_start}–{segment.line_end}")
    return f"({'/'.join(parts)}, {label('lines', language)} {lines})"


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for match in SENTENCE_END.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return [(s, e) for s, e in spans if e > s]


def condense(segment: Segment, coding: Coding | None = None,
             max_chars: int = MAX_QUOTE_CHARS) -> str:
    """The sentence(s) holding the matched terms, with ``…`` where text was cut."""
    text = segment.text
    sentences = _sentences(text)
    if coding and coding.hits:
        wanted = [(s, e) for s, e in sentences
                  if any(s <= h.start - segment.start < e for h in coding.hits)]
    else:
        wanted = sentences[:1]
    wanted = wanted or sentences[:1]
    pieces, used = [], 0
    for s, e in wanted:
        if used and used + (e - s) > max_chars:
            break
        pieces.append((s, e))
        used += e - s
    out = []
    prev_end = 0
    for s, e in pieces:
        if s > prev_end:
            out.append("…")
        out.append(text[s:e].strip())
        prev_end = e
    if prev_end < len(text.rstrip()):
        out.append("…")
    # Hard-wrapped sources break lines inside sentences; a quote reads as one line.
    quote = " ".join(" ".join(out).split()).replace("… …", "…")
    if len(quote) > max_chars + 2:
        quote = quote[:max_chars].rsplit(" ", 1)[0] + " …"
    return quote


def cited_quote(corpus: CodedCorpus, coding: Coding, max_chars: int = MAX_QUOTE_CHARS) -> str:
    """The condensed quote of ``coding`` followed by its thesis-style citation."""
    segment = corpus.segment(coding.segment_id)
    source = corpus.source(segment.source_id)
    return f"{condense(segment, coding, max_chars)} {citation(source, segment, corpus.language)}"
