"""Marking the matched terms and the citations inside the quotes of a table.

A coding's hits carry source offsets; the segment's start turns them into the words as
written. A condensed quote keeps whole sentences, so those words are found again in the
quote's text (case-insensitively, as whole words); the citation that follows each quote,
``(W/INF-2/14-03-2024, lines 12–15)``, is set in italics.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Iterable, Sequence

from qualcode.export.word.fast import Piece
from qualcode.model import CodedCorpus, Coding

CITATION = re.compile(r"\([WOD]/[^()\n]{1,160}\)")
MAX_FORMS = 40


@lru_cache(maxsize=4096)
def _pattern(forms: frozenset[str]) -> re.Pattern[str] | None:
    # The forms are literal text (escaped), so the alternation cannot backtrack badly.
    ordered = sorted(forms, key=lambda f: (-len(f), f))[:MAX_FORMS]
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in ordered) + r")(?!\w)",
                      re.IGNORECASE)


def mark(text: str, forms: frozenset[str] | None) -> list[Piece]:
    """Split ``text`` into plain, matched-term (``hit``) and citation (``cite``) pieces."""
    pattern = _pattern(forms) if forms else None
    pieces: list[Piece] = []
    pos = 0
    for cite in CITATION.finditer(text):
        pieces.extend(_terms(text[pos:cite.start()], pattern))
        pieces.append((cite.group(), "cite"))
        pos = cite.end()
    pieces.extend(_terms(text[pos:], pattern))
    return pieces


def _terms(text: str, pattern: re.Pattern[str] | None) -> list[Piece]:
    if not text:
        return []
    if pattern is None:
        return [(text, "")]
    out: list[Piece] = []
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            out.append((text[pos:match.start()], ""))
        out.append((match.group(), "hit"))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


class MatchedTerms:
    """The words each coding matched, by segment and code, and by code alone."""

    def __init__(self, corpus: CodedCorpus):
        self.code_ids = frozenset(c.id for c in corpus.codebook.codes)
        by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
        by_code: dict[str, set[str]] = defaultdict(set)
        for coding in _codings(corpus):
            words = _surface(corpus, coding)
            by_key[(coding.segment_id, coding.code_id)].update(words)
            by_code[coding.code_id].update(words)
        self._by_key = {k: frozenset(v) for k, v in by_key.items()}
        self._by_code = {k: frozenset(v) for k, v in by_code.items()}

    def forms(self, segment_id: str, code_id: str) -> frozenset[str] | None:
        if segment_id:
            found = self._by_key.get((segment_id, code_id))
            if found:
                return found
        return self._by_code.get(code_id)

    def code_in(self, value: str) -> str:
        """The code id a cell starts with (``"PEMB-SOS Sosialisasi"``), or ``""``."""
        head = value.split(" ", 1)[0] if value else ""
        return head if head in self.code_ids else ""


def _codings(corpus: CodedCorpus) -> Iterable[Coding]:
    yield from corpus.all_codings or corpus.codings
    if corpus.all_codings:
        yield from corpus.codings


def _surface(corpus: CodedCorpus, coding: Coding) -> set[str]:
    segment = corpus.segment(coding.segment_id)
    words = set()
    for hit in coding.hits:
        # Hits of a structural rule may lie in the interviewer's question, outside.
        if segment.start <= hit.start < hit.end <= segment.end:
            word = segment.text[hit.start - segment.start:hit.end - segment.start].strip()
            if word:
                words.add(word)
    return words


def quote_columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> set[int]:
    """Columns whose cells hold cited quotes (judged on the first rows)."""
    out = set()
    for i in range(len(header)):
        if any(CITATION.search(r[i]) for r in rows[:60] if r[i]):
            out.add(i)
    return out
