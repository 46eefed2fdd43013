"""The plain data that flows between qualcode's stages.

Every stage is a function over these frozen dataclasses: readers make ``RawSource``,
the segmenter makes ``Segment``, the codebook loader makes ``Codebook``, the engine
makes ``Coding``. Offsets are Python string indices (Unicode code points) into
``Source.text``; ``end`` is exclusive, so ``source.text[start:end]`` is the unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

TECHNIQUES = ("W", "O", "D")
"""Data-collection techniques: interview (wawancara), observation, documentation."""

UNITS = ("turn", "paragraph", "sentence")

MAGNITUDES = ("+", "-", "0")
"""Magnitude sub-codes: positive, negative, neutral/mixed. ``""`` means not assessed."""


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Turn:
    """A stretch of a source's text as a reader found it: a speaker turn or a paragraph.

    ``speaker`` is empty for paragraphs of notes and documents.
    """

    start: int
    end: int
    speaker: str = ""
    time: str = ""
    page: int | None = None


@dataclass(frozen=True)
class RawSource:
    """What a reader returns: normalised text, the blocks it found, and metadata."""

    text: str
    turns: tuple[Turn, ...]
    metadata: Mapping[str, Any] = field(default_factory=lambda: _frozen(None))
    has_speakers: bool = False


@dataclass(frozen=True)
class Source:
    """One transcript, observation note or document with its informant metadata."""

    id: str
    path: str
    text: str
    turns: tuple[Turn, ...]
    technique: str = "W"
    informant: str = ""
    role: str = ""
    agency: str = ""
    date: str = ""
    case: str = ""
    attributes: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    has_speakers: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())

    def citation_date(self) -> str:
        """The date as theses cite it (DD-MM-YYYY), or ``""``."""
        parts = self.date.split("-")
        if len(parts) == 3 and len(parts[0]) == 4:
            return f"{parts[2]}-{parts[1]}-{parts[0]}"
        return self.date


@dataclass(frozen=True)
class Segment:
    """The unit of coding: a turn, paragraph or sentence of a source.

    ``id`` is ``<source id>:<unit letter><ordinal>`` (e.g. ``W-INF-1:t007``), stable
    as long as the source's text and the unit do not change.
    """

    id: str
    source_id: str
    unit: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str
    speaker: str = ""
    is_interviewer: bool = False
    time: str = ""
    index: int = 0
    page: int | None = None


@dataclass(frozen=True)
class Term:
    """A rule term. ``mode`` is ``norm`` (lemma/stem), ``exact`` (surface) or ``prefix``."""

    text: str
    mode: str = "norm"

    def __str__(self) -> str:
        if self.mode == "exact":
            return "=" + self.text
        if self.mode == "prefix":
            return self.text + "*"
        return self.text


@dataclass(frozen=True)
class Rule:
    """One way a code is applied. All the conditions present must hold.

    ``keywords``: any term (``min`` hits in all); ``all``: every term; ``none``: no term;
    ``near``: the terms within ``within`` tokens; ``pattern``: a spaCy Matcher pattern;
    ``question``: the interviewer turn before contains a term (structural coding);
    ``where``: filters on segment attributes (technique, role, speaker, ...).
    """

    index: int
    keywords: tuple[Term, ...] = ()
    all: tuple[Term, ...] = ()
    none: tuple[Term, ...] = ()
    near: tuple[Term, ...] = ()
    within: int = 10
    pattern: tuple[Mapping[str, Any], ...] = ()
    question: tuple[Term, ...] = ()
    min: int = 1
    where: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen(None))
    magnitude: str = ""
    line: int | None = None

    @property
    def name(self) -> str:
        kinds = [k for k in ("keywords", "all", "near", "pattern", "question")
                 if getattr(self, k)]
        return f"rules[{self.index}]:" + "+".join(kinds)

    def terms(self) -> tuple[Term, ...]:
        """Every term the rule looks for (not the ``none`` terms)."""
        return self.keywords + self.all + self.near + self.question


@dataclass(frozen=True)
class MagnitudeSpec:
    """How to derive a coding's magnitude from words around its hits."""

    negative: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    window: int = 3

    @property
    def enabled(self) -> bool:
        return bool(self.negative or self.positive)


@dataclass(frozen=True)
class Code:
    """A codebook entry with the MacQueen et al. (1998) fields plus qualcode's own."""

    id: str
    label: str
    parent: str | None = None
    brief: str = ""
    full: str = ""
    use_when: str = ""
    not_when: str = ""
    examples: tuple[str, ...] = ()
    source: str = ""
    color: str = ""
    rules: tuple[Rule, ...] = ()
    magnitude: MagnitudeSpec | None = None
    contradicts: str | None = None
    depth: int = 0
    line: int | None = None


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: codes in tree order (parents before children)."""

    title: str
    codes: tuple[Code, ...]
    version: str = ""
    language: str = "en"
    description: str = ""
    authors: tuple[str, ...] = ()
    magnitude: MagnitudeSpec = field(default_factory=MagnitudeSpec)
    path: str = ""

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def children(self, code_id: str | None) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.parent == code_id)

    def ancestors(self, code_id: str) -> tuple[Code, ...]:
        """Parents of a code from the root down (not including the code)."""
        chain: list[Code] = []
        parent = self.code(code_id).parent
        while parent is not None:
            code = self.code(parent)
            chain.append(code)
            parent = code.parent
        return tuple(reversed(chain))

    def dimension(self, code_id: str) -> Code:
        """The top-level ancestor (theme / dimension) of a code, or the code itself."""
        ancestors = self.ancestors(code_id)
        return ancestors[0] if ancestors else self.code(code_id)


@dataclass(frozen=True)
class Hit:
    """A term found in a segment: which term, and where in the source text."""

    term: str
    start: int
    end: int
    kind: str = "keywords"


@dataclass(frozen=True)
class Coding:
    """A code applied to a segment, with the reason it was applied."""

    segment_id: str
    code_id: str
    rule: str
    hits: tuple[Hit, ...] = ()
    magnitude: str = ""
    coder: str = "rules"

    @property
    def matched(self) -> str:
        seen: list[str] = []
        for hit in self.hits:
            if hit.term not in seen:
                seen.append(hit.term)
        return "; ".join(seen)


@dataclass(frozen=True)
class Review:
    """A reviewer's decision on one coding: accept, reject, or recode to another code."""

    segment_id: str
    code_id: str
    decision: str  # "accept" | "reject" | "recode" | "pending"
    new_code: str = ""
    comment: str = ""
    reviewer: str = ""
    when: str = ""
    text_hash: str = ""


@dataclass(frozen=True)
class CodedCorpus:
    """Everything the tables are built from: sources, segments, codings, codebook.

    ``codings`` are the ones in force (reviews applied); ``all_codings`` keeps rejected
    ones too, with their review, for the coding sheet. ``conclusions`` holds the
    researcher's final conclusions by code id, carried from run to run.
    """

    codebook: Codebook
    sources: tuple[Source, ...]
    segments: tuple[Segment, ...]
    codings: tuple[Coding, ...]
    reviews: tuple[Review, ...] = ()
    all_codings: tuple[Coding, ...] = ()
    language: str = "en"
    conclusions: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sources", {s.id: s for s in self.sources})
        object.__setattr__(self, "_segments", {s.id: s for s in self.segments})

    def source(self, source_id: str) -> Source:
        return self._sources[source_id]  # type: ignore[attr-defined]

    def segment(self, segment_id: str) -> Segment:
        return self._segments[segment_id]  # type: ignore[attr-defined]

    def source_of(self, segment_id: str) -> Source:
        return self.source(self.segment(segment_id).source_id)

    def review_of(self, coding: Coding) -> Review | None:
        for review in self.reviews:
            if review.segment_id == coding.segment_id and review.code_id == coding.code_id:
                return review
        return None
