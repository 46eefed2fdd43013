"""Sources → segments: speaker turns, paragraphs or sentences, with offsets and lines.

Segment ids are ``<source id>:<letter><ordinal>``: the letter is ``t`` (turn), ``p``
(paragraph) or ``s`` (sentence), the ordinal counts segments of that source from 1,
zero-padded to three digits (``W-INF-1:t007``; the 1000th is ``…:t1000``). Cutting
the same text with the same unit always gives the same segments in the same order,
so ids are stable across runs; editing a source renumbers the segments after the
edit. Offsets index ``Source.text``; ``end`` is exclusive; segments never overlap and
never start or end with white space; line numbers are 1-based lines of that text.
"""

from __future__ import annotations

import bisect
from typing import Iterable, Sequence

from qualcode.ingest.textutil import DEFAULT_INTERVIEWERS, paragraphs, strip_span
from qualcode.model import UNITS, Segment, Source, Turn

UNIT_LETTER = {"turn": "t", "paragraph": "p", "sentence": "s"}

__all__ = ["DEFAULT_INTERVIEWERS", "LineIndex", "UNIT_LETTER", "default_unit",
           "segment_source", "segment_sources"]


class LineIndex:
    """Maps character offsets of a text to 1-based line numbers."""

    def __init__(self, text: str):
        self._starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            self._starts.append(pos + 1)
            pos = find("\n", pos + 1)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def default_unit(source: Source) -> str:
    """Speaker turns for transcripts with speakers, paragraphs for everything else."""
    return "turn" if source.has_speakers else "paragraph"


def _blocks(source: Source, unit: str) -> list[Turn]:
    """Turns as the reader found them, or those turns cut at blank lines."""
    if unit == "turn" or not source.has_speakers and unit == "paragraph":
        return list(source.turns)
    out: list[Turn] = []
    for turn in source.turns:
        for para in paragraphs(source.text, turn.start, turn.end):
            out.append(Turn(para.start, para.end, turn.speaker, turn.time, turn.page))
    return out


def _sentences(source: Source, blocks: list[Turn], nlp) -> list[Turn]:
    out: list[Turn] = []
    texts = (source.text[b.start:b.end] for b in blocks)
    for block, doc in zip(blocks, nlp.pipe(texts)):
        for sent in doc.sents:
            start, end = strip_span(source.text, block.start + sent.start_char,
                                    block.start + sent.end_char)
            if end > start:
                out.append(Turn(start, end, block.speaker, block.time, block.page))
    return out


def segment_source(source: Source, unit: str | None = None,
                   interviewers: Iterable[str] = DEFAULT_INTERVIEWERS,
                   nlp=None) -> list[Segment]:
    """Cut one source into segments of ``unit`` (default: turn or paragraph).

    A source without speakers asked for turns gets paragraphs. ``nlp`` (a spaCy
    pipeline with a sentencizer) is needed only for sentences; without it the
    blank multi-language pipeline is used.
    """
    unit = unit or default_unit(source)
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if unit == "turn" and not source.has_speakers:
        unit = "paragraph"
    blocks = _blocks(source, unit)
    if unit == "sentence":
        if nlp is None:
            from qualcode.language import pipeline

            nlp = pipeline("xx")
        blocks = _sentences(source, blocks, nlp)
    lines = LineIndex(source.text)
    asked = {name.casefold() for name in interviewers}
    letter = UNIT_LETTER[unit]
    return [
        Segment(
            id=f"{source.id}:{letter}{i + 1:03d}", source_id=source.id, unit=unit,
            start=b.start, end=b.end, line_start=lines.line(b.start),
            line_end=lines.line(max(b.start, b.end - 1)), text=source.text[b.start:b.end],
            speaker=b.speaker, is_interviewer=b.speaker.casefold() in asked,
            time=b.time, index=i, page=b.page,
        )
        for i, b in enumerate(blocks)
    ]


def segment_sources(sources: Sequence[Source], units: dict[str, str] | None = None,
                    interviewers: Iterable[str] = DEFAULT_INTERVIEWERS,
                    nlp=None) -> list[Segment]:
    """Segment many sources; ``units`` maps technique (W/O/D) or ``*`` to a unit."""
    units = units or {}
    interviewers = tuple(interviewers)
    out: list[Segment] = []
    for source in sources:
        unit = units.get(source.technique) or units.get("*")
        out.extend(segment_source(source, unit, interviewers, nlp))
    return out
