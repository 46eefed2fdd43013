"""The evidence behind each code, gathered once per corpus and shared by every table.

Tables ask the same questions again and again (which codings carry this code, which
informants and techniques they come from, what direction they point, which of them are
negative cases). ``evidence_index`` answers them in one pass and caches the answer on
the corpus object, so building twenty tables costs one pass, not twenty.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from qualcode.errors import QualcodeError
from qualcode.model import Code, CodedCorpus, Coding, Source

OPPOSITE = {"+": "-", "-": "+"}
_CACHE_ATTR = "_qualcode_evidence"


class TableNotApplicable(QualcodeError):
    """A table needs more than the project has (two informants, dates, two cases).

    ``build_tables`` records the message as the reason the table was skipped; asked for
    by name on the command line, it is an error message like any other.
    """


@dataclass(frozen=True)
class CodeEvidence:
    """Everything the tables say about one code.

    ``direction`` is the code's prevailing magnitude (see ``polar_direction``).
    ``negatives`` are the negative cases: when the code has a direction, the codings
    with the opposite sign; then every coding of a code that declares
    ``contradicts: <this code>``.
    """

    code: Code
    codings: tuple[Coding, ...]
    informants: tuple[str, ...]
    techniques: tuple[str, ...]
    direction: str
    plus: int
    minus: int
    negatives: tuple[Coding, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.codings)


@dataclass(frozen=True)
class EvidenceIndex:
    """Codings grouped by code, source and informant, with the project's informants."""

    people: tuple[str, ...]
    by_code: dict[str, CodeEvidence]
    by_segment: dict[str, tuple[Coding, ...]]
    leaves: tuple[Code, ...]


def technique_order(techniques: set[str] | list[str]) -> tuple[str, ...]:
    """Techniques in the method's order W, O, D (unknown ones last, alphabetically)."""
    return tuple(sorted(set(techniques), key=lambda t: ("WOD".index(t) if t in "WOD"
                                                        and len(t) == 1 else 9, t)))


def interview_informants(corpus: CodedCorpus) -> tuple[str, ...]:
    """Informants who are people (interview sources), in source order, each once."""
    seen: dict[str, None] = {}
    for source in corpus.sources:
        if source.technique == "W" and source.informant:
            seen.setdefault(source.informant, None)
    return tuple(seen)


def leaf_codes(corpus: CodedCorpus, dimension: str | None = None) -> list[Code]:
    """Codable codes (no children), optionally only those under one dimension."""
    codebook = corpus.codebook
    parents = {c.parent for c in codebook.codes}
    return [c for c in codebook.codes if c.id not in parents
            and (dimension is None or codebook.dimension(c.id).id == dimension)]


def polar_direction(codings: tuple[Coding, ...] | list[Coding]) -> tuple[str, int, int]:
    """The prevailing magnitude of ``codings`` with the ``+`` and ``-`` counts.

    ``+`` or ``-`` when that sign is on more than half of the codings (neutral and
    unassessed ones count in the whole); ``mixed`` when signed codings are more than
    half but neither sign is; ``""`` otherwise (mostly neutral or not assessed).
    """
    signs = Counter(c.magnitude for c in codings)
    plus, minus, n = signs.get("+", 0), signs.get("-", 0), len(codings)
    if plus * 2 > n:
        return "+", plus, minus
    if minus * 2 > n:
        return "-", plus, minus
    return ("mixed" if (plus + minus) * 2 > n else ""), plus, minus


def _evidence(corpus: CodedCorpus, code: Code, codings: list[Coding],
              contradicting: list[Coding]) -> CodeEvidence:
    sources: list[Source] = [corpus.source_of(c.segment_id) for c in codings]
    informants: dict[str, None] = {}
    for source in sources:
        if source.technique == "W" and source.informant:
            informants.setdefault(source.informant, None)
    direction, plus, minus = polar_direction(codings)
    opposite = OPPOSITE.get(direction)
    negatives = [c for c in codings if opposite and c.magnitude == opposite]
    return CodeEvidence(code=code, codings=tuple(codings), informants=tuple(informants),
                        techniques=technique_order({s.technique for s in sources}),
                        direction=direction, plus=plus, minus=minus,
                        negatives=tuple(negatives + contradicting))


def evidence_index(corpus: CodedCorpus) -> EvidenceIndex:
    """The evidence of every code of ``corpus`` (computed once, then cached on it)."""
    cached = getattr(corpus, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    grouped: dict[str, list[Coding]] = defaultdict(list)
    by_segment: dict[str, list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        grouped[coding.code_id].append(coding)
        by_segment[coding.segment_id].append(coding)
    by_code = {}
    for code in corpus.codebook.codes:
        against = [c for other in corpus.codebook.codes if other.contradicts == code.id
                   for c in grouped.get(other.id, [])]
        by_code[code.id] = _evidence(corpus, code, grouped.get(code.id, []), against)
    index = EvidenceIndex(people=interview_informants(corpus), by_code=by_code,
                          by_segment={k: tuple(v) for k, v in by_segment.items()},
                          leaves=tuple(leaf_codes(corpus)))
    # CodedCorpus is frozen; like its own lookup tables, the cache is set past __setattr__.
    object.__setattr__(corpus, _CACHE_ATTR, index)
    return index
