"""Tokenise batches of segment texts and find every rule term and pattern in them.

A batch (consecutive segments) is tokenised segment by segment and held as arrays: each
token's word type and trailing-space flag, the segments separated by a blank-line token
so that no phrase runs across them (``Batch``). The cache stores the batch's distinct
words with their keys and the tokens as indices into them, so a warm run needs neither
the tokenizer nor a ``Doc``.

Terms are found per word *type*: each distinct word learns once, on first sight, which
terms can start with it (by key, by lower-cased surface, by prefix); tokens of such
types are then checked for the rest of the phrase. Token patterns run with spaCy's
Matcher only in windows around their anchor terms. The result per segment is compact
tuples, never Docs.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections import defaultdict
from typing import NamedTuple, Sequence, cast

import numpy as np
import numpy.ma  # noqa: F401  (see below)
from spacy.attrs import NORM
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc

from qualcode.cache import TokenCache
from qualcode.engine.batch import SEPARATOR, Batch, covering, tokenise
from qualcode.engine.spec import (UNBOUNDED, MatchSpec, PatternSpec, pattern_error,
                                  required_literals)
from qualcode.language import MatchingPipeline, matching_pipeline

# np.unique imports numpy.ma on its first call (10 ms): imported with the engine, so that
# neither a run nor each of its forked workers pays for it.

_SPACE = re.compile(r"\s")
Test = tuple[str, str]
"""A token test of a term: ``("k", key)``, ``("l", lower-case word)`` or ``("p", prefix)``."""


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


class WordType(NamedTuple):
    """What matching needs of one distinct word, computed once per process.

    The one-word terms it is (by key, lower case or prefix) are not here: they are in
    ``Matchers``' arrays, so that a batch finds them all with array operations.
    """

    word: str
    key: str
    lower: str
    phrases: tuple[tuple[int, tuple[Test, ...]], ...]  # (term, tests of the next tokens)
    signs: str  # per magnitude spec: "-" negative word, "+" positive, "." neither
    needs: tuple[tuple[int, int], ...]  # (pattern, literal token) this word can fill


class _View(NamedTuple):
    """A batch resolved to this process's word types, with its segments' bounds."""

    batch: Batch
    gtok: np.ndarray  # global type id per token
    idx: np.ndarray  # each token's character offset in the batch
    lengths: np.ndarray  # each token's length
    firsts: np.ndarray  # each segment's first token
    bases: np.ndarray  # each segment's first character
    marked: list[tuple[np.ndarray, np.ndarray]] | None  # per magnitude spec: how many
    # positive and negative words stand before each token (None: the batch has none)


class WordMap:
    """Word ids of one pipeline (this process's, or a worker's) and, once met, the word
    type of each: ``words[wid]`` is the word, ``type_of[wid]`` its type or -1."""

    def __init__(self, words: list[str]):
        self.words = words
        self.type_of = np.zeros(0, dtype=np.int64)


class Matchers:
    """The term index and pattern matchers for one ``MatchSpec``, built once per process.

    Word types get a process-wide id on first sight; per-type facts are kept in lists
    (``_words``, ``_keys``, ``_lowers``, and ``_rich`` for the few types that start a
    term, fill a pattern or are a sign) and numpy arrays, so a batch maps its tokens to
    them with one array lookup: ``_len``, ``_keyid`` (the key's string id),
    ``_phrase`` (can start a phrase), ``_needy`` (fills a pattern's literal), ``_marks``
    (per magnitude spec: 1 negative word, 2 positive, 0 neither) and the one-word terms
    each type is, as ``_nterms`` terms from ``_term_at`` on in ``_terms``.
    """

    def __init__(self, spec: MatchSpec, pipe: MatchingPipeline):
        self.spec, self.pipe = spec, pipe
        self.by_key: dict[str, list[tuple[int, tuple[Test, ...]]]] = defaultdict(list)
        self.by_lower: dict[str, list[tuple[int, tuple[Test, ...]]]] = defaultdict(list)
        self.prefixes: list[tuple[str, tuple[int, tuple[Test, ...]]]] = []
        for idx, term in enumerate(spec.terms):
            for tests in self._tests(term):
                (kind, value), entry = tests[0], (idx, tuple(tests[1:]))
                if kind == "p":
                    self.prefixes.append((value, entry))
                else:
                    (self.by_key if kind == "k" else self.by_lower)[value].append(entry)
        # the Docs patterns read compute only the lexical attributes the patterns use
        vocab = self.vocab = pipe.pattern_vocab(
            {attr.upper() for p in spec.patterns for token in json.loads(p.pattern)
             for attr in token})
        self.anchored_matcher = Matcher(vocab, validate=True)
        self.label_of: dict[int, int] = {}
        self.free: list[tuple[int, Matcher]] = []
        self.anchored: dict[int, list[int]] = {}
        for p_idx, pattern in enumerate(spec.patterns):
            if pattern.anchors:
                label = f"qualcode-pattern-{p_idx}"
                self._add_pattern(self.anchored_matcher, label, pattern)
                self.label_of[vocab.strings.add(label)] = p_idx
            else:
                self.free.append((p_idx, self._add_pattern(Matcher(vocab, validate=True),
                                                           "pattern", pattern)))
            for anchor in pattern.anchors:
                self.anchored.setdefault(anchor, []).append(p_idx)
        self.need_groups: list[list[tuple[str, frozenset[str]]]] = [
            required_literals(json.loads(p.pattern))[1:] if p.anchors else []
            for p in spec.patterns]
        # an anchored pattern with no other literal can match wherever its anchor is
        self._anchor_enough = any(p.anchors and not groups
                                  for p, groups in zip(spec.patterns, self.need_groups))
        self.needs_by_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.needs_by_lower: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for p_idx, groups in enumerate(self.need_groups):
            for g, (kind, values) in enumerate(groups):
                for value in values:
                    (self.needs_by_key if kind == "k" else self.needs_by_lower)[value].append(
                        (p_idx, g))
        self.signs = [(frozenset(w.lower() for w in m.negative),
                       frozenset(w.lower() for w in m.positive), m.window)
                      for m in spec.magnitudes]
        self._prefix_starts = tuple(prefix for prefix, _ in self.prefixes)
        self._sign_words = frozenset().union(*(neg | pos for neg, pos, _ in self.signs))
        self._no_signs = "." * len(self.signs)
        self._no_marks = (0,) * len(self.signs)
        self._special = frozenset(self.by_key).union(self.by_lower, self.needs_by_key,
                                                     self.needs_by_lower, self._sign_words)
        """Keys and lower-case forms of words that start a term, fill a pattern or sign."""
        self._words: list[str] = []  # by type id
        self._keys: list[str] = []
        self._lowers: list[str] = []
        self._rich: dict[int, WordType] = {}  # types that start a term, fill or sign
        self._own = WordMap(pipe.words)  # this process's word ids (it appends to the list)
        self._by_word: dict[str, int] = {}
        # the types' words by their string hashes (see _hashed): sorted hashes, the type
        # of each, each type's hash, and how many types are in
        self._hash_sorted = np.zeros(0, dtype=np.uint64)
        self._hash_type = np.zeros(0, dtype=np.int64)
        self._hash_of = np.zeros(0, dtype=np.uint64)
        self._hashed_types = 0
        self._new_len: list[int] = []  # new types' lengths and key ids, not yet in arrays
        self._new_keyid: list[int] = []
        self._new_rich: list[tuple[int, int, bool, bool, int, tuple[int, ...]]] = []
        self._len = np.zeros(0, dtype=np.int64)
        self._keyid = np.zeros(0, dtype=np.uint64)
        self._phrase = np.zeros(0, dtype=bool)
        self._needy = np.zeros(0, dtype=bool)
        self._marks = np.zeros((0, len(self.signs)), dtype=np.int8)
        self._nterms = np.zeros(0, dtype=np.int64)
        self._term_at = np.zeros(0, dtype=np.int64)
        self._terms = np.zeros(0, dtype=np.int64)
        self._term_list: list[int] = []  # _terms while types are being added
        # every combination of per-spec marks as its signs string (base-3 number)
        self._sign_strings = [""]
        for _ in self.signs:
            self._sign_strings = [s + c for s in self._sign_strings for c in ".-+"]

    def _tests(self, term) -> list[list[Test]]:
        """The ways ``term`` can match, each a test per token: the tokens spaCy makes of
        its text alone, and, when that splits a text without whitespace, also one token
        with the whole text. spaCy may split a text alone that it keeps whole in a
        sentence (``dr.`` alone is ``dr`` ``.``; ``Dr. Smith`` holds the token ``Dr.``), so
        the term, or a pattern's literal anchored on it, matches either way."""
        tokens = [t.text for t in self.pipe.tokenize(term.text)]
        words = [t for t in tokens if not t.isspace()]
        if not words:
            return []
        if term.mode == "prefix":
            return [[("l", t.lower()) for t in words[:-1]] + [("p", words[-1].lower())]]
        if term.mode == "norm":
            ways = [[("k", self.pipe.norm(t)) for t in tokens]]
            whole: list[Test] = [("k", self.pipe.norm(term.text))]
        else:
            ways = [[("l", t.lower()) for t in tokens]]
            whole = [("l", term.text.lower())]
        if len(tokens) > 1 and not _SPACE.search(term.text):
            ways.append(whole)
        return ways

    def _add_pattern(self, matcher: Matcher, label: str, pattern: PatternSpec) -> Matcher:
        try:
            matcher.add(label, [json.loads(pattern.pattern)])
        except (ValueError, KeyError, TypeError) as exc:
            raise pattern_error(self.spec, pattern, exc) from exc
        return matcher

    def _add_types(self, words: list[str], keys: list[str] | None = None) -> range:
        """Give distinct new ``words`` (with their ``keys``, else computed) type ids.

        Most words start no term, fill no pattern and are no sign: they only get their
        text, key and lower case in lists, their length and key id for the arrays. The
        others get a ``WordType`` (``_rich``) with what they start and fill.
        """
        if keys is None:
            keys = list(map(self.pipe.norm, words))
        lowers = list(map(str.lower, words))
        first = len(self._words)
        tids = range(first, first + len(words))
        self._words.extend(words)
        self._keys.extend(keys)
        self._lowers.extend(lowers)
        self._by_word.update(zip(words, tids))
        self._new_len.extend(map(len, words))
        self._new_keyid.extend(map(self.pipe.strings.add, keys))
        special, prefixes = self._special, self._prefix_starts
        for n, (key, lower) in enumerate(zip(keys, lowers)):
            if key in special or lower in special or lower.startswith(prefixes):
                self._enrich(first + n, words[n], key, lower)
        return tids

    def _enrich(self, tid: int, word: str, key: str, lower: str) -> None:
        starts = self.by_key.get(key, []) + self.by_lower.get(lower, [])
        if lower.startswith(self._prefix_starts):
            starts += [entry for prefix, entry in self.prefixes if lower.startswith(prefix)]
        signs = self._no_signs
        if lower in self._sign_words or key in self._sign_words:
            signs = "".join("-" if lower in neg or key in neg else "+" if lower in pos or
                            key in pos else "." for neg, pos, _ in self.signs)
        needs = tuple(self.needs_by_key.get(key, []) + self.needs_by_lower.get(lower, []))
        phrases = tuple((term, rest) for term, rest in starts if rest)
        self._rich[tid] = WordType(word, key, lower, phrases, signs, needs)
        terms = [term for term, rest in starts if not rest]
        marks = self._no_marks if signs is self._no_signs else tuple(
            ".-+".index(c) for c in signs)
        self._new_rich.append((tid, len(terms), bool(phrases), bool(needs),
                               len(self._term_list), marks))
        self._term_list.extend(terms)

    def _typed(self, wids: np.ndarray, words: WordMap) -> np.ndarray:
        """Type ids for tokens given as word ids of ``words``' pipeline, mapped through its
        ``type_of``; Python only for words not yet mapped (new types, or types met
        first under another numbering, found by their text)."""
        words.type_of = covering(words.type_of, len(words.words))
        ids = words.type_of[wids]
        if len(ids) and ids.min() < 0:
            missing = np.unique(wids[ids < 0])
            texts = _pick(words.words, missing)
            found = np.fromiter(map(self._by_word.get, texts, itertools.repeat(-1)),
                                dtype=np.int64, count=len(texts))
            new = np.flatnonzero(found < 0)
            if len(new):
                found[new] = self._add_types(_pick(texts, new))
            words.type_of[missing] = found
            ids = words.type_of[wids]
        return ids

    def resolve(self, batch: Batch) -> np.ndarray:
        """The process-wide type id of each token of the batch."""
        if batch.wids is not None:  # word ids of this process's pipeline, or a worker's
            ids = self._typed(batch.wids, batch.wordmap or self._own)
        else:
            assert batch.words is not None and batch.keys is not None and batch.tok is not None
            words = batch.words
            if batch.hashes is not None:
                local = self._hashed(batch.hashes)
            else:  # (its words' hashes are not known)
                local = np.fromiter(map(self._by_word.get, words, itertools.repeat(-1)),
                                    dtype=np.int64, count=len(words))
            new = np.flatnonzero(local < 0)
            if len(new):
                local[new] = self._add_types(_pick(words, new), _pick(batch.keys, new))
                if batch.hashes is not None:
                    self._hash_types(batch.hashes[new])
            ids = local[batch.tok]
        if self._new_len:
            self._grow()
        return ids

    def _hashed(self, hashes: np.ndarray) -> np.ndarray:
        """The type ids of words given by their string hashes (spaCy's ``ORTH`` ids), -1
        for words that have no type yet.

        A batch from the cache brings its distinct words as new string objects, each
        hashed by Python on its first dict lookup: looking them up by the hashes stored
        with them, in a sorted array, took a warm English run's lookups from about 50 ms
        to 30.
        """
        self._hash_types()
        sorted_ = self._hash_sorted
        if not len(sorted_):
            return np.full(len(hashes), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_, hashes), len(sorted_) - 1)
        return np.where(sorted_[at] == hashes, self._hash_type[at], -1)

    def _hash_types(self, hashes: np.ndarray | None = None) -> None:
        """Put the types made since the last call in the hash index: with their
        ``hashes`` when known, else hashed here (types made from fresh tokens)."""
        first, last = self._hashed_types, len(self._words)
        if first == last:
            return
        if hashes is None:
            hashes = np.fromiter(map(get_string_id, self._words[first:last]),
                                 dtype=np.uint64, count=last - first)
        assert len(hashes) == last - first
        order = np.argsort(hashes, kind="stable")
        new = hashes[order]
        at = np.searchsorted(self._hash_sorted, new)
        self._hash_sorted = np.insert(self._hash_sorted, at, new)
        self._hash_type = np.insert(self._hash_type, at, first + order)
        self._hash_of = np.concatenate([self._hash_of, hashes])
        self._hashed_types = last

    def _grow(self) -> None:
        """Put the new types' facts in the arrays (zero for all but the rich ones)."""
        count = len(self._new_len)
        self._len = np.concatenate([self._len, np.array(self._new_len, dtype=np.int64)])
        self._keyid = np.concatenate([self._keyid,
                                      np.array(self._new_keyid, dtype=np.uint64)])
        self._nterms, self._term_at, self._phrase, self._needy = (
            np.concatenate([arr, np.zeros(count, dtype=arr.dtype)]) for arr in
            (self._nterms, self._term_at, self._phrase, self._needy))
        self._marks = np.concatenate([self._marks,
                                      np.zeros((count, len(self.signs)), dtype=np.int8)])
        if self._new_rich:
            tid, nterms, phrase, needy, term_at, marks = zip(*self._new_rich)
            at = list(tid)
            self._nterms[at], self._phrase[at], self._needy[at] = nterms, phrase, needy
            self._term_at[at] = term_at
            self._marks[at] = np.array(marks, dtype=np.int8).reshape(len(at), len(self.signs))
        if len(self._term_list) > len(self._terms):
            self._terms = np.array(self._term_list, dtype=np.int64)
        self._new_len, self._new_keyid, self._new_rich = [], [], []

    def storable(self, batch: Batch, gtok: np.ndarray) -> Batch:
        """``batch`` with its distinct words, keys and local token indices filled in."""
        if batch.tok is None:
            present = np.zeros(len(self._words), dtype=bool)
            present[gtok] = True
            ids = np.flatnonzero(present)  # the batch's types, in type order (no sort)
            local = np.zeros(len(self._words), dtype=np.uint32)
            local[ids] = np.arange(len(ids), dtype=np.uint32)
            batch.words, batch.keys = _pick(self._words, ids), _pick(self._keys, ids)
            self._hash_types()
            batch.hashes = self._hash_of[ids]
            batch.tok = local[gtok]
        return batch

    def match(self, batch: Batch, starts: Sequence[int], ends: Sequence[int]
              ) -> list[SegmentMatches]:
        """Matches per segment; ``starts``/``ends`` are the segments' char spans."""
        gtok = self.resolve(batch)
        batch.gtok = gtok
        if batch.docs is None:
            batch.docs = [None] * len(starts)
        lengths = self._len[gtok]
        step = lengths + batch.spaces
        idx = np.cumsum(step) - step
        firsts = np.searchsorted(idx, starts, "left")
        lasts = np.searchsorted(idx, ends, "left")
        marks = self._marks[gtok]
        marked = [tuple(np.concatenate([[0], np.cumsum(marks[:, m] == mark)])
                        for mark in (2, 1)) for m in range(len(self.signs))
                  ] if marks.any() else None
        view = _View(batch, gtok, idx, lengths, firsts, np.asarray(starts, dtype=np.int64),
                     cast(list[tuple[np.ndarray, np.ndarray]] | None, marked))
        items, s, e = self._term_starts(gtok)
        seg = np.searchsorted(firsts, s, "right") - 1
        inside = seg >= 0
        inside[inside] = e[inside] <= lasts[seg[inside]]
        items, s, e, seg = items[inside], s[inside], e[inside], seg[inside]
        order = np.lexsort((s, items, seg))
        items, s, e, seg = items[order], s[order], e[order], seg[order]
        hits = self._raws(view, items, s, e, seg)
        bounds = np.searchsorted(seg, np.arange(len(starts) + 1)).tolist()
        filled: dict[int, set[tuple[int, int]]] = defaultdict(set)
        needy = np.flatnonzero(self._needy[gtok])
        if len(needy):
            nseg = np.searchsorted(firsts, needy, "right") - 1
            ok = nseg >= 0
            ok[ok] = needy[ok] < lasts[nseg[ok]]
            rich = self._rich
            for p, n in zip(gtok[needy[ok]].tolist(), nseg[ok].tolist()):
                filled[n].update(rich[p].needs)
        out = []
        found: list[tuple[int, int, int, int]] = []  # pattern hits: segment, pattern, span
        for n, (first, last) in enumerate(zip(firsts.tolist(), lasts.tolist())):
            a, b = bounds[n], bounds[n + 1]
            if a == b and not self.free:
                out.append(SegmentMatches((), (), last - first))
                continue
            terms = tuple(hits[a:b])
            if n in filled or self.free or self._anchor_enough:  # else no pattern can match
                found.extend((n, p, s, e) for p, s, e in
                             self._patterns(view, n, terms, filled[n], first, last))
            out.append(SegmentMatches(terms, (), last - first))
        if found:
            seg, items, s, e = (np.array(c, dtype=np.int64) for c in zip(*found))
            pats = self._raws(view, items, s, e, seg)
            at = 0
            for n, group in itertools.groupby(seg.tolist()):
                count = len(list(group))
                out[n] = out[n]._replace(patterns=tuple(pats[at:at + count]))
                at += count
        return out

    def _term_starts(self, gtok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every term that starts at a token and whose phrase follows: term, first
        token, end token (not yet checked against segment bounds)."""
        at = np.flatnonzero(self._nterms[gtok])
        counts = self._nterms[gtok[at]]
        s = np.repeat(at, counts)
        # the n-th one-word term of a token is _terms[_term_at[type] + n]
        offsets = np.repeat(self._term_at[gtok[at]] - (np.cumsum(counts) - counts), counts)
        items = self._terms[offsets + np.arange(len(s))]
        e = s + 1
        phrased = np.flatnonzero(self._phrase[gtok])
        if len(phrased):
            rich, tok = self._rich, gtok.tolist()
            more = [(term, p, p + 1 + len(rest)) for p in phrased.tolist()
                    for term, rest in rich[tok[p]].phrases
                    if _follows(self._keys, self._lowers, tok, p + 1, rest)]
            if more:
                terms, ps, es = (np.array(c, dtype=np.int64) for c in zip(*more))
                items, s, e = (np.concatenate(pair) for pair in
                               ((items, terms), (s, ps), (e, es)))
        return items, s, e

    def _doc(self, view: _View, seg: int, first: int, last: int) -> Doc:
        """Segment ``seg`` as a Doc whose NORMs are the keys (for token patterns)."""
        batch = view.batch
        assert batch.docs is not None
        doc = batch.docs[seg]
        if doc is None:
            doc = batch.docs[seg] = Doc(
                self.vocab, words=_pick(self._words, view.gtok[first:last]),
                spaces=batch.spaces[first:last].astype(bool).tolist())
        if seg not in batch.keyed:
            if last > first:
                doc.from_array([NORM], self._keyid[view.gtok[first:last]].reshape(-1, 1))
            batch.keyed.add(seg)
        return doc

    def _patterns(self, view: _View, seg: int, terms: tuple[RawHit, ...],
                  filled: set[tuple[int, int]], first: int, last: int
                  ) -> list[tuple[int, int, int]]:
        """Pattern matches of one segment, sorted (pattern, first token, end token):
        anchored patterns near their anchors' hits, the others anywhere.

        A pattern is tried only when the segment holds, besides its anchor, a word for
        each of its other literal tokens (``filled``). All anchored patterns run as one
        Matcher over the union of their windows; a match counts only inside its own
        pattern's windows.
        """
        at: dict[int, set[int]] = {}
        for hit in terms:
            for p_idx in self.anchored.get(hit.item, ()):
                at.setdefault(p_idx, set()).add(first + hit.tok)
        for p_idx in list(at):
            if any((p_idx, g) not in filled for g in range(len(self.need_groups[p_idx]))):
                del at[p_idx]
        found: set[tuple[int, int, int]] = set()
        if at:
            own = {p: _windows(sorted(s), self.spec.patterns[p].longest, first, last)
                   for p, s in at.items()}
            union = _merge(sorted(w for ws in own.values() for w in ws))
            doc = self._doc(view, seg, first, last)
            for u_start, u_end in union:
                for label, s, e in self.anchored_matcher(doc[u_start - first:u_end - first]):
                    p_idx, s, e = self.label_of[label], u_start + s, u_start + e
                    if any(a <= s and e <= b for a, b in own.get(p_idx, ())):
                        found.add((p_idx, s, e))
        if self.free and last > first:
            doc = self._doc(view, seg, first, last)
            for p_idx, matcher in self.free:
                for _, s, e in matcher(doc):
                    found.add((p_idx, first + s, first + e))
        return sorted(found)

    def _raws(self, view: _View, items: np.ndarray, s: np.ndarray, e: np.ndarray,
              seg: np.ndarray) -> list[RawHit]:
        """Hits of ``items`` over tokens ``[s, e)`` of segments ``seg``, as ``RawHit``s.

        A hit's sign for a magnitude spec is ``-`` when a negative word stands within
        the spec's window of tokens before it (in its segment), else ``+`` when a
        positive one does, else ``.``: counted with prefix sums over the batch.
        """
        if not len(s):
            return []
        first = view.firsts[seg]
        start = view.idx[s] - view.bases[seg]
        end = view.idx[e - 1] + view.lengths[e - 1] - view.bases[seg]
        code = np.zeros(len(s), dtype=np.int64)
        if view.marked is not None:
            for (_, _, window), counts in zip(self.signs, view.marked):
                lo = np.maximum(first, s - window)
                sign = np.zeros(len(s), dtype=np.int64)
                for mark, count in zip((2, 1), counts):  # a negative word wins
                    sign[count[s] > count[lo]] = mark
                code = code * 3 + sign
        strings = self._sign_strings
        signs = [strings[c] for c in code.tolist()] if code.any() else \
            [strings[0]] * len(s)
        columns = (items.tolist(), (s - first).tolist(), (e - first).tolist(),
                   start.tolist(), end.tolist(), signs)
        return list(map(tuple.__new__, itertools.repeat(RawHit), zip(*columns)))


def _pick(items: list[str], ids: np.ndarray) -> list[str]:
    """``[items[i] for i in ids]``, faster."""
    at = ids.tolist()
    return list(operator.itemgetter(*at)(items)) if len(at) > 1 else [items[i] for i in at]


def _follows(keys: list[str], lowers: list[str], tok: list[int], at: int,
             tests: tuple[Test, ...]) -> bool:
    """Whether the tokens from ``at`` on pass ``tests`` (the rest of a phrase); ``keys``
    and ``lowers`` are by type id."""
    if at + len(tests) > len(tok):
        return False
    for n, (kind, value) in enumerate(tests):
        tid = tok[at + n]
        if kind == "k":
            ok = keys[tid] == value
        elif kind == "l":
            ok = lowers[tid] == value
        else:
            ok = lowers[tid].startswith(value)
        if not ok:
            return False
    return True


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


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted windows with the overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in windows:
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


def _batch(pipe: MatchingPipeline, chars: int, texts: Sequence[str],
           cache: TokenCache | None) -> tuple[Batch, str | None]:
    """The batch from the cache, or tokenised (with the cache key to store it under)."""
    if cache is None:
        return tokenise(pipe, texts), None
    key = TokenCache.key(pipe.signature, texts)
    data = cache.load(pipe.signature, key)
    if data is not None:
        batch = Batch.from_bytes(data)
        if batch is not None and batch.chars() == chars:
            return batch, None
    return tokenise(pipe, texts), key


def prepare_batch(spec: MatchSpec, texts: Sequence[str], cache_dir: str | None = None
                  ) -> tuple[Batch, str | None]:
    """One batch of segment texts tokenised, or loaded from the cache; with the cache key
    to store it under once matched (``None``: loaded, or no cache)."""
    pipe = matchers_for(spec).pipe
    chars = max(sum(map(len, texts)) + len(SEPARATOR) * (len(texts) - 1), 0)
    return _batch(pipe, chars, texts, TokenCache(cache_dir) if cache_dir else None)


def match_prepared(spec: MatchSpec, texts: Sequence[str], batch: Batch,
                   store: str | None = None, cache_dir: str | None = None
                   ) -> list[SegmentMatches]:
    """Match a prepared batch of ``texts``; store it in the cache under ``store``."""
    matchers = matchers_for(spec)
    starts, ends, pos = [], [], 0
    for text in texts:
        starts.append(pos)
        ends.append(pos + len(text))
        pos += len(text) + len(SEPARATOR)
    found = matchers.match(batch, starts, ends)
    if cache_dir and store is not None and batch.gtok is not None:
        batch = matchers.storable(batch, batch.gtok)
        TokenCache(cache_dir).save(matchers.pipe.signature, store, batch.to_bytes())
    return found


def match_batch(spec: MatchSpec, texts: Sequence[str], cache_dir: str | None = None
                ) -> list[SegmentMatches]:
    """Tokenise (or load from the cache) and match one batch of segment texts."""
    batch, store = prepare_batch(spec, texts, cache_dir)
    return match_prepared(spec, texts, batch, store, cache_dir)
