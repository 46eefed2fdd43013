"""The coding engine: codebook rules → matches over tokenised segments → codings.

Every token gets a matching key from the language's ``Normaliser`` (stored as the
token's NORM and LEMMA so that spaCy patterns can use them). Terms are compiled once
into token sequences on three layers: the key (``norm``), the lower-cased surface
(``exact``) and a surface prefix (``prefix``). Each coding records the rules that fired
and every hit (term and character offsets into the source), which is what ``explain``
and the report's highlighting read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from spacy.matcher import Matcher
from spacy.tokens import Doc

from qualcode.language import Normaliser, normaliser, pipeline
from qualcode.model import Code, Codebook, Coding, Hit, MagnitudeSpec, Rule, Segment, Source, Term

Progress = Callable[[int], None]


@dataclass(frozen=True)
class TermMatch:
    """A term found in a doc: token span and character span (relative to the segment)."""

    term: Term
    tok_start: int
    tok_end: int
    char_start: int
    char_end: int


@dataclass
class CompiledCodebook:
    """Terms indexed by their first key, and spaCy matchers for pattern rules."""

    codebook: Codebook
    norm: Normaliser
    by_first: dict[tuple[str, str], list[tuple[Term, tuple[str, ...]]]] = field(
        default_factory=lambda: defaultdict(list))
    prefixes: list[tuple[Term, tuple[str, ...]]] = field(default_factory=list)
    matcher: Matcher | None = None
    pattern_keys: dict[tuple[str, int], str] = field(default_factory=dict)


def _term_keys(term: Term, nlp, norm: Normaliser) -> tuple[str, ...]:
    words = [t.text for t in nlp.make_doc(term.text) if not t.is_space]
    if term.mode == "norm":
        return tuple(norm(w) for w in words)
    return tuple(w.lower() for w in words)


def compile_codebook(codebook: Codebook, nlp, norm: Normaliser) -> CompiledCodebook:
    """Index every rule term by its first token key; build one Matcher for patterns."""
    compiled = CompiledCodebook(codebook, norm)
    seen: set[Term] = set()
    for code in codebook.codes:
        for rule in code.rules:
            for term in rule.terms() + rule.none:
                if term in seen:
                    continue
                seen.add(term)
                keys = _term_keys(term, nlp, norm)
                if not keys:
                    continue
                if term.mode == "prefix":
                    compiled.prefixes.append((term, keys))
                else:
                    layer = "norm" if term.mode == "norm" else "lower"
                    compiled.by_first[(layer, keys[0])].append((term, keys))
            if rule.pattern:
                if compiled.matcher is None:
                    compiled.matcher = Matcher(nlp.vocab, validate=True)
                key = f"{code.id}#{rule.index}"
                compiled.matcher.add(key, [list(rule.pattern)])
                compiled.pattern_keys[(code.id, rule.index)] = key
    return compiled


def _find_terms(doc: Doc, lowers: list[str], keys: list[str],
                compiled: CompiledCodebook) -> dict[Term, list[TermMatch]]:
    found: dict[Term, list[TermMatch]] = defaultdict(list)
    n = len(doc)
    for i in range(n):
        for layer, seq in (("norm", keys), ("lower", lowers)):
            for term, tkeys in compiled.by_first.get((layer, seq[i]), ()):
                j = i + len(tkeys)
                if j <= n and tuple(seq[i:j]) == tkeys:
                    found[term].append(TermMatch(term, i, j, doc[i].idx,
                                                 doc[j - 1].idx + len(doc[j - 1].text)))
        for term, tkeys in compiled.prefixes:
            j = i + len(tkeys)
            if j <= n and tuple(lowers[i:j - 1]) == tkeys[:-1] and \
                    lowers[j - 1].startswith(tkeys[-1]):
                found[term].append(TermMatch(term, i, j, doc[i].idx,
                                             doc[j - 1].idx + len(doc[j - 1].text)))
    return found


@dataclass(frozen=True)
class SegmentView:
    """What rules can see of a segment: its tokens, hits, attributes and context."""

    segment: Segment
    source: Source
    doc: Doc
    found: dict[Term, list[TermMatch]]
    question: frozenset[Term]


def _where_ok(rule: Rule, view: SegmentView) -> bool:
    seg, src = view.segment, view.source
    speakers = rule.where.get("speaker", ("informant",))
    kind = "interviewer" if seg.is_interviewer else "informant"
    if "any" not in speakers and kind not in speakers:
        return False
    attrs = {"technique": src.technique, "role": src.role, "agency": src.agency,
             "informant": src.informant, "case": src.case, "unit": seg.unit}
    for key, allowed in rule.where.items():
        if key != "speaker" and attrs.get(key, "").casefold() not in {
                a.casefold() for a in allowed}:
            return False
    return True


def _near(rule: Rule, view: SegmentView) -> list[TermMatch]:
    lists = [view.found.get(t, []) for t in rule.near]
    if not all(lists):
        return []
    out: list[TermMatch] = []
    for anchor in lists[0]:
        close = []
        for others in lists[1:]:
            best = [m for m in others
                    if abs(m.tok_start - anchor.tok_start) <= rule.within]
            if not best:
                break
            close.extend(best)
        else:
            out.append(anchor)
            out.extend(close)
    return out


def evaluate_rule(rule: Rule, code: Code, view: SegmentView,
                  compiled: CompiledCodebook) -> list[TermMatch] | None:
    """The matches that make ``rule`` fire on the segment, or ``None`` if it does not."""
    if not _where_ok(rule, view):
        return None
    if rule.question and not view.question & set(rule.question):
        return None
    if any(view.found.get(t) for t in rule.none):
        return None
    hits: list[TermMatch] = []
    if rule.keywords:
        kw = [m for t in rule.keywords for m in view.found.get(t, [])]
        if not kw:
            return None
        hits.extend(kw)
    for term in rule.all:
        if not view.found.get(term):
            return None
        hits.extend(view.found[term])
    if rule.near:
        near = _near(rule, view)
        if not near:
            return None
        hits.extend(near)
    if rule.pattern:
        key = compiled.pattern_keys[(code.id, rule.index)]
        assert compiled.matcher is not None
        spans = [(s, e) for mid, s, e in compiled.matcher(view.doc)
                 if view.doc.vocab.strings[mid] == key]
        if not spans:
            return None
        hits.extend(TermMatch(Term(view.doc[s:e].text, "exact"), s, e, view.doc[s].idx,
                              view.doc[e - 1].idx + len(view.doc[e - 1].text))
                    for s, e in spans)
    if len({(h.char_start, h.char_end) for h in hits}) < rule.min:
        return None
    return hits


def _magnitude(spec: MagnitudeSpec, hits: list[TermMatch], keys: list[str],
               lowers: list[str]) -> str:
    if not spec.enabled:
        return ""
    neg = set(spec.negative)
    pos = set(spec.positive)
    signs = set()
    for hit in hits:
        before = range(max(0, hit.tok_start - spec.window), hit.tok_start)
        words = {lowers[i] for i in before} | {keys[i] for i in before}
        if words & neg:
            signs.add("-")
        elif words & pos:
            signs.add("+")
    if signs == {"-"}:
        return "-"
    if signs == {"+"}:
        return "+"
    return "0"


def _hits(matches: list[TermMatch], base: int) -> tuple[Hit, ...]:
    unique = {(m.char_start, m.char_end, str(m.term)): m for m in matches}
    return tuple(Hit(str(m.term), base + m.char_start, base + m.char_end)
                 for m in sorted(unique.values(), key=lambda m: (m.char_start, m.char_end)))


def code_view(view: SegmentView, compiled: CompiledCodebook) -> list[Coding]:
    """All codings of one segment, in codebook order."""
    codebook = compiled.codebook
    lowers = [t.lower_ for t in view.doc]
    keys = [t.norm_ for t in view.doc]
    out = []
    for code in codebook.codes:
        fired: list[Rule] = []
        matches: list[TermMatch] = []
        for rule in code.rules:
            result = evaluate_rule(rule, code, view, compiled)
            if result is not None:
                fired.append(rule)
                matches.extend(result)
        if not fired:
            continue
        fixed = [r.magnitude for r in fired if r.magnitude]
        spec = code.magnitude or codebook.magnitude
        magnitude = fixed[0] if fixed else _magnitude(spec, matches, keys, lowers)
        out.append(Coding(view.segment.id, code.id, ", ".join(r.name for r in fired),
                          _hits(matches, view.segment.start), magnitude))
    return out


def tokenise(texts: Iterable[str], nlp, norm: Normaliser) -> Iterable[Doc]:
    """Tokenise texts and give every token its matching key (as NORM and LEMMA)."""
    for doc in nlp.pipe(texts, batch_size=256):
        for token in doc:
            key = norm(token.text)
            token.norm_ = key
            token.lemma_ = key
        yield doc


def code_segments(segments: Sequence[Segment], sources: Sequence[Source],
                  codebook: Codebook, *, model: str | None = None,
                  progress: Progress | None = None) -> list[Coding]:
    """Apply ``codebook`` to ``segments``; one Coding per (segment, code), stable order."""
    nlp = pipeline(codebook.language, model)
    norm = normaliser(codebook.language)
    compiled = compile_codebook(codebook, nlp, norm)
    by_id = {s.id: s for s in sources}
    out: list[Coding] = []
    last_question: dict[str, frozenset[Term]] = {}
    docs = tokenise((s.text for s in segments), nlp, norm)
    for segment, doc in zip(segments, docs):
        lowers = [t.lower_ for t in doc]
        found = _find_terms(doc, lowers, [t.norm_ for t in doc], compiled)
        question = last_question.get(segment.source_id, frozenset())
        view = SegmentView(segment, by_id[segment.source_id], doc, found, question)
        out.extend(code_view(view, compiled))
        if segment.is_interviewer:
            last_question[segment.source_id] = frozenset(t for t, m in found.items() if m)
        if progress:
            progress(1)
    return out
