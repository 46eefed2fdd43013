"""Tokenise batches of segment texts and find every rule term and pattern in them.

A batch (consecutive segments of one source) is tokenised as one ``Doc``, the texts
joined by a blank line, which spaCy keeps as a token of its own so that no phrase runs
across segments. Terms are found by two PhraseMatchers, one on the matching key (token
NORM) and one on the lower-cased surface; prefix terms are expanded into the lower-case
matcher as new word types appear. Token patterns run only in windows around their anchor
terms. The result per segment is compact tuples, never Docs, so that worker processes
can return it cheaply and the cache can be used from any process.
"""

from __future__ import annotations

import bisect
import json
from typing import NamedTuple, Sequence

from spacy.attrs import IDX, LOWER, NORM
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, DocBin

from qualcode.cache import TokenCache
from qualcode.engine.spec import UNBOUNDED, MatchSpec, PatternSpec, pattern_error
from qualcode.language import MatchingPipeline, matching_pipeline

SEPARATOR = "\n\n"
CACHE_ATTRS = ["ORTH", "NORM", "SPACY"]


class RawHit(NamedTuple):
    """A term (or pattern) found in a segment; offsets relative to the segment.

    ``signs`` holds one character per magnitude spec of the ``MatchSpec``: ``-`` or
    ``+`` when a negative or positive word stands within its window before the hit,
    ``.`` when neither does.
    """

    item: int
    tok: int
    tok_end: int
    start: int
    end: int
    signs: str


class SegmentMatches(NamedTuple):
    """Everything the rules need from one segment's tokens."""

    terms: tuple[RawHit, ...]
    patterns: tuple[RawHit, ...]
    tokens: int


class Matchers:
    """The matchers for one ``MatchSpec``, built once per process."""

    def __init__(self, spec: MatchSpec, pipe: MatchingPipeline):
        self.spec, self.pipe = spec, pipe
        vocab = pipe.nlp.vocab
        self.by_norm = PhraseMatcher(vocab, attr="NORM")
        self.by_lower = PhraseMatcher(vocab, attr="LOWER")
        self.term_of: dict[int, int] = {}
        self.prefixes: list[tuple[int, list[str], str]] = []
        self._expanded: set[tuple[int, str]] = set()
        self._cursor = 0
        for idx, term in enumerate(spec.terms):
            self._add_term(idx, term)
        self.patterns = [self._matcher(p) for p in spec.patterns]
        self.anchored: dict[int, list[int]] = {}
        for p_idx, pattern in enumerate(spec.patterns):
            for term in pattern.anchors:
                self.anchored.setdefault(term, []).append(p_idx)
        self.free = [i for i, p in enumerate(spec.patterns) if not p.anchors]
        self.signs = [(_hashes(vocab, m.negative), _hashes(vocab, m.positive), m.window)
                      for m in spec.magnitudes]

    def _label(self, idx: int) -> str:
        label = f"qualcode-term-{idx}"
        self.term_of[self.pipe.nlp.vocab.strings.add(label)] = idx
        return label

    def _add_term(self, idx: int, term) -> None:
        doc = self.pipe.make_doc(term.text)
        words = [t for t in doc if not t.is_space]
        if not words:
            return
        if term.mode == "prefix":
            self.prefixes.append((idx, [t.lower_ for t in words[:-1]], words[-1].lower_))
            return
        matcher = self.by_norm if term.mode == "norm" else self.by_lower
        matcher.add(self._label(idx), [doc])

    def _matcher(self, pattern: PatternSpec) -> Matcher:
        matcher = Matcher(self.pipe.nlp.vocab, validate=True)
        try:
            matcher.add("pattern", [json.loads(pattern.pattern)])
        except (ValueError, KeyError, TypeError) as exc:
            raise pattern_error(self.spec, pattern, exc) from exc
        return matcher

    def expand_prefixes(self) -> None:
        """Add the word types seen since last time that start like a prefix term."""
        words = self.pipe.new_words
        if not self.prefixes or self._cursor == len(words):
            self._cursor = len(words)
            return
        starts = tuple(p for _, _, p in self.prefixes)
        vocab = self.pipe.nlp.vocab
        for word in words[self._cursor:]:
            lower = word.lower()
            if not lower.startswith(starts):
                continue
            for idx, head, prefix in self.prefixes:
                if lower.startswith(prefix) and (idx, lower) not in self._expanded:
                    self._expanded.add((idx, lower))
                    self.by_lower.add(self._label(idx), [Doc(vocab, words=head + [lower])])
        self._cursor = len(words)

    def match(self, doc: Doc, starts: Sequence[int], ends: Sequence[int]
              ) -> list[SegmentMatches]:
        """Matches per segment; ``starts``/``ends`` are the segments' char spans in doc."""
        self.expand_prefixes()
        arr = doc.to_array([IDX, LOWER, NORM])
        idx, lowers, norms = (arr[:, i].tolist() for i in range(3))
        bounds = [(bisect.bisect_left(idx, s), bisect.bisect_left(idx, e))
                  for s, e in zip(starts, ends)]
        found: list[list[tuple[int, int, int]]] = [[] for _ in bounds]
        tok_starts = [b[0] for b in bounds]
        for match_id, s, e in self.by_norm(doc) + self.by_lower(doc):
            seg = bisect.bisect_right(tok_starts, s) - 1
            if seg >= 0 and e <= bounds[seg][1]:
                found[seg].append((self.term_of[match_id], s, e))
        out = []
        for seg, (first, last) in enumerate(bounds):
            ctx = _Tokens(doc, idx, lowers, norms, first, last, starts[seg])
            terms = tuple(sorted(self._raw(ctx, i, s, e) for i, s, e in found[seg]))
            pats = self._patterns(doc, ctx, found[seg])
            out.append(SegmentMatches(terms, pats, last - first))
        return out

    def _patterns(self, doc: Doc, ctx: "_Tokens", found) -> tuple[RawHit, ...]:
        anchors: dict[int, set[int]] = {}
        for term, s, _ in found:
            for p_idx in self.anchored.get(term, ()):
                anchors.setdefault(p_idx, set()).add(s)
        for p_idx in self.free:
            anchors[p_idx] = set()
        hits: set[RawHit] = set()
        for p_idx, starts in anchors.items():
            pattern, matcher = self.spec.patterns[p_idx], self.patterns[p_idx]
            if pattern.anchors:
                windows = _windows(sorted(starts), pattern.longest, ctx.first, ctx.last)
            else:
                windows = [(ctx.first, ctx.last)] if ctx.last > ctx.first else []
            for w_start, w_end in windows:
                for _, s, e in matcher(doc[w_start:w_end]):
                    hits.add(self._raw(ctx, p_idx, w_start + s, w_start + e))
        return tuple(sorted(hits))

    def _raw(self, ctx: "_Tokens", item: int, s: int, e: int) -> RawHit:
        start = ctx.idx[s] - ctx.base
        end = ctx.idx[e - 1] + len(ctx.doc[e - 1]) - ctx.base
        signs = "".join(_sign(ctx, s, neg, pos, window) for neg, pos, window in self.signs)
        return RawHit(item, s - ctx.first, e - ctx.first, start, end, signs)


class _Tokens(NamedTuple):
    doc: Doc
    idx: list[int]
    lowers: list[int]
    norms: list[int]
    first: int
    last: int
    base: int


def _hashes(vocab, words: Sequence[str]) -> frozenset[int]:
    return frozenset(vocab.strings.add(w.lower()) for w in words)


def _sign(ctx: _Tokens, tok: int, neg: frozenset[int], pos: frozenset[int],
          window: int) -> str:
    before = range(max(ctx.first, tok - window), tok)
    if any(ctx.lowers[i] in neg or ctx.norms[i] in neg for i in before):
        return "-"
    if any(ctx.lowers[i] in pos or ctx.norms[i] in pos for i in before):
        return "+"
    return "."


def _windows(anchors: list[int], longest: int, first: int, last: int
             ) -> list[tuple[int, int]]:
    """Token windows around anchors where a match holding the anchor must lie, merged."""
    if longest >= UNBOUNDED:
        return [(first, last)] if anchors else []
    out: list[tuple[int, int]] = []
    for a in anchors:
        start, end = max(first, a - longest + 1), min(last, a + longest)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


_MATCHERS: dict[MatchSpec, Matchers] = {}


def matchers_for(spec: MatchSpec) -> Matchers:
    """The process's matchers for ``spec`` (built on first use, then reused)."""
    found = _MATCHERS.get(spec)
    if found is None:
        if len(_MATCHERS) > 4:
            _MATCHERS.clear()
        found = _MATCHERS[spec] = Matchers(spec, matching_pipeline(spec.language, spec.model))
    return found


def _tokenise(pipe: MatchingPipeline, text: str, texts: Sequence[str],
              cache: TokenCache | None) -> Doc:
    if cache is None:
        return pipe.make_doc(text)
    key = TokenCache.key(pipe.signature, texts)
    data = cache.load(pipe.signature, key)
    if data is not None:
        try:
            doc = next(iter(DocBin().from_bytes(data).get_docs(pipe.nlp.vocab)))
            if doc.text == text:
                return doc
        except (ValueError, KeyError, StopIteration, OSError):
            pass  # an unreadable entry is simply redone
    doc = pipe.make_doc(text)
    store = DocBin(attrs=CACHE_ATTRS, store_user_data=False)
    store.add(doc)
    cache.save(pipe.signature, key, store.to_bytes())
    return doc


def match_batch(spec: MatchSpec, texts: Sequence[str], cache_dir: str | None = None
                ) -> list[SegmentMatches]:
    """Tokenise (or load from the cache) and match one batch of segment texts."""
    matchers = matchers_for(spec)
    cache = TokenCache(cache_dir) if cache_dir else None
    starts, ends, pos = [], [], 0
    for text in texts:
        starts.append(pos)
        ends.append(pos + len(text))
        pos += len(text) + len(SEPARATOR)
    doc = _tokenise(matchers.pipe, SEPARATOR.join(texts), texts, cache)
    return matchers.match(doc, starts, ends)

