"""Language support: a spaCy pipeline per language and a normaliser for matching keys.

The default pipeline is ``spacy.blank(lang)`` with a sentencizer: nothing is downloaded.
Every word type gets one matching key, computed once and cached: the lemma from
spacy-lookups-data's lookup table where the language has one, and for Indonesian the
Sastrawi stem for forms the table lacks (``diawasi`` → ``awas``). Keys are looked up on
the lower-cased form. Words in ``KEEP`` are never normalised, because stemming would
merge them with unrelated words (``pemerintah`` → ``perintah``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import spacy
import spacy.tokenizer
from spacy.attrs import IDS, NORM
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

from qualcode import affixes

PIPELINE_VERSION = "4"
"""Bumped whenever tokenising or normalising changes, so that cached docs are redone."""

TOKENIZER_CACHE = 4_000_000
"""Distinct whitespace-separated chunks spaCy's tokenizer remembers (the same tokens)."""
NO_RANK = 0xFFFF_FFFF_FFFF_FFFF  # a lexeme's rank when it has no vector row (spaCy's OOV)
WORD_BASE = 1 << 62  # word ids in lexemes' rank slots start here (see word_id)
PUNCT = ',.;:!?"()'
"""Punctuation blanked out to find special cases in text, such as "(don't)." (see
``special_chunks`` and ``batch.special_ends``)."""


def blank_punct(text: str) -> str:
    """``text`` with the characters of ``PUNCT`` turned into spaces."""
    for mark in PUNCT:
        text = text.replace(mark, " ")
    return text


def special_chunks(rules: Iterable[str]) -> frozenset[str]:
    """The chunks that may hold a tokenizer special case: the text of each special case
    without whitespace, its ``PUNCT`` blanked out (``dll.`` → ``dll``) where that
    leaves a single chunk."""
    out: set[str] = set()
    for key in rules:
        if not key or any(map(str.isspace, key)):
            continue
        if any(mark in key for mark in PUNCT):
            pieces = blank_punct(key).split()
            if len(pieces) == 1:
                out.add(pieces[0])
        else:
            out.add(key)
    return frozenset(out)


def piecewise(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` makes of a text what it makes of each piece between single
    spaces on its own: true of spaCy's rule-based tokenizer (it splits at whitespace
    first), unless a special case that holds a space applies across pieces. None of
    spaCy's own does: Indonesian's ``Dr. rer. nat.`` and the like never apply, because
    their first chunk (``Dr.``) is a special case itself and hides the pattern. Each
    such special case is tried between two words.
    """
    if not isinstance(tokenizer, spacy.tokenizer.Tokenizer):
        return False  # a language's own tokenizer (ja, zh, th …)
    for key in getattr(tokenizer, "rules", None) or {}:
        if any(map(str.isspace, key)) and not key.isspace():
            text = f"x {key} y"
            whole = [t.text for t in tokenizer(text)]
            if whole != [t.text for piece in text.split(" ") for t in tokenizer(piece)]:
                return False
    return True


KEEP: dict[str, frozenset[str]] = {
    "id": frozenset({"pemerintah", "pemerintahan", "kebijakan", "anggaran", "peraturan",
                     "kerja", "sama", "daerah", "provinsi", "menteri", "kementerian",
                     "perangkat", "pelaksana", "pelaksanaan", "kegiatan", "negeri",
                     "masyarakat", "bagian", "perjanjian", "pihak", "berita"}),
    "en": frozenset({"timing", "data", "news", "series", "means", "species", "us"}),
}


@functools.lru_cache(maxsize=8)
def pipeline(lang: str, model: str | None = None) -> Language:
    """A spaCy pipeline for ``lang``: a trained one if named and installed, else blank."""
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "parser", "textcat"])
        except OSError as exc:
            from qualcode.errors import ProjectError

            raise ProjectError(f"spaCy pipeline '{model}' is not installed", path="pipeline",
                               hint="install it with pip, or remove 'pipeline' to use the "
                                    "built-in blank pipeline") from exc
    else:
        nlp = spacy.blank(lang)
    if "sentencizer" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp


def _lookup_table(lang: str) -> Any:
    """spacy-lookups-data's lemma table for ``lang`` (keyed by string hash), or ``{}``."""
    try:
        from spacy.lookups import load_lookups

        lookups = load_lookups(lang, ["lemma_lookup"], strict=False)
    except (ImportError, ValueError, OSError):
        return {}
    if not lookups.has_table("lemma_lookup"):
        return {}
    return lookups.get_table("lemma_lookup")


AFFIXED = re.compile(r"^(?:di|ke|se|be|te|me|pe|ku|kau)|^[b-df-hj-np-tv-z](?:er|el|em|in)[aiueo]"
                     r"|(?:lah|kah|tah|pun|ku|mu|nya|i|kan|an)$")
"""Every prefix, infix and suffix Sastrawi's rules can strip: a word matching none of them
(or a root in its dictionary) is its own stem, so the slow rule cascade is skipped."""


def _stemmer(lang: str) -> Callable[[str], str] | None:
    if lang != "id":
        return None
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    cached = StemmerFactory().create_stemmer(isDev=False)
    inner = getattr(cached, "delegatedStemmer", None)
    roots = getattr(getattr(inner, "dictionary", None), "words", None)
    if inner is None or not isinstance(roots, dict):
        return cached.stem

    def stem(word: str) -> str:
        if not word.isascii():
            return cached.stem(word)  # Sastrawi's text filter drops non-ASCII letters
        if word in roots or not AFFIXED.search(word):
            return word
        return inner.stem_word(word)

    return stem


class Normaliser:
    """Maps a word to its matching key: lookup lemma, then stemmer, cached per type."""

    def __init__(self, lang: str):
        self.lang = lang
        self.keep = KEEP.get(lang, frozenset())
        self._table: Any = None
        self._stem: Callable[[str], str] | None = None
        self._stem_loaded = False
        self._cache: dict[str, str] = {}

    def load(self) -> None:
        """Load the lookup table and the stemmer now rather than on the first word."""
        if self._table is None:
            self._table = _lookup_table(self.lang)
        if not self._stem_loaded:
            self._stem = _stemmer(self.lang)
            self._stem_loaded = True

    def _key(self, lower: str) -> str:
        if lower in self.keep or not lower.isalpha():
            return lower
        if self._table is None:
            self._table = _lookup_table(self.lang)
        lemma = self._table.get(lower)
        lemma = lemma.lower() if isinstance(lemma, str) else None
        if lemma is not None and (lemma != lower or self.lang != "id"):
            return lemma
        if not self._stem_loaded:
            self._stem = _stemmer(self.lang)
            self._stem_loaded = True
        if self._stem is not None and len(lower) > 3:
            return self._stem(lower) or lower
        return lemma or lower

    def __call__(self, word: str) -> str:
        lower = word.lower()
        key = self._cache.get(lower)
        if key is None:
            key = self._cache[lower] = self._key(lower)
        return key

    def known(self) -> dict[str, str]:
        """The keys computed so far (lower-cased word → key), e.g. to persist them."""
        return dict(self._cache)

    def preload(self, keys: dict[str, str]) -> None:
        """Adopt keys computed earlier (by this pipeline version), skipping the stemmer."""
        for lower, key in keys.items():
            self._cache.setdefault(lower, key)


@functools.lru_cache(maxsize=8)
def normaliser(lang: str) -> Normaliser:
    """The shared, cached normaliser for a language."""
    return Normaliser(lang)


def pipeline_signature(lang: str, model: str | None = None) -> str:
    """What tokens and keys depend on: cached docs are valid only for the same signature."""
    keep = ",".join(sorted(KEEP.get(lang, ())))
    raw = f"{PIPELINE_VERSION}|{spacy.__version__}|{lang}|{model or 'blank'}|{keep}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class MatchingPipeline:
    """A tokeniser plus the normaliser that gives every token its matching key.

    Matching reads only the tokens' text, so the tokenizer's vocabulary computes no
    lexical attributes (``IS_ALPHA``, ``SHAPE`` … cost a Python call each per new word
    type). ``vocab`` has every attribute (``make_doc``); Docs that token patterns read
    are rebuilt in a ``pattern_vocab`` that computes only the attributes the patterns
    use. Keys are computed per word type by the normaliser (cached) and written into
    the tokens' NORM (one array write per doc).
    """

    def __init__(self, lang: str, model: str | None = None):
        self.lang = lang
        self.model = model
        self.signature = pipeline_signature(lang, model)
        self.norm = Normaliser(lang)
        self.norm.load()
        self.nlp = spacy.load(model) if model else affixes.blank(lang, TOKENIZER_CACHE)
        if model:
            _check_model(self.nlp, model)
        lean: Any = self.nlp.vocab  # lex_attr_getters is set at run time; stubs lack it
        self.vocab = Vocab(lex_attr_getters=dict(lean.lex_attr_getters), lookups=lean.lookups,
                           writing_system=lean.writing_system)
        lean.lex_attr_getters = {}
        self.strings = lean.strings
        self.words: list[str] = []  # by word id (see word_id)
        self._word_ids: dict[int, int] = {}
        self._ranked = WORD_BASE  # words from this id on may lack a lexeme (number_words)
        tokenizer: Any = self.nlp.tokenizer
        if hasattr(tokenizer, "max_cache_size"):  # spaCy's 10,000 re-split most chunks
            tokenizer.max_cache_size = TOKENIZER_CACHE
        self.specials = special_chunks(getattr(tokenizer, "rules", None) or {})
        """Chunks that may hold a tokenizer special case (see ``batch.tokenise``)."""
        self.unscanned = 0  # texts to tokenise before the next scan for special cases
        self.piecewise = piecewise(tokenizer)
        """Whether texts may be tokenised piece by piece (see ``batch.ChunkTable``)."""
        self._spaced_specials = frozenset(
            "".join(key.split()) for key in getattr(tokenizer, "rules", None) or {}
            if any(map(str.isspace, key)))  # special cases with whitespace, without it
        self._letter_starts = affixes.letter_starts(getattr(tokenizer, "token_match", None))
        """What decides whether a word of letters is one token (see ``simple_tokens``):
        read once, since it walks the suffix analysis's thousands of characters."""
        self.chunk_table: Any = None  # the pieces met (a ``batch.ChunkTable``)
        self._pattern_vocabs: dict[frozenset[int], Vocab] = {}

    def simple_tokens(self, pieces: Sequence[str]) -> list[tuple[str, ...] | None]:
        """For each piece (no whitespace), the tokens spaCy's tokenizer surely makes of
        it, when they can be told without asking it; else ``None``.

        Two shapes are told, which between them are nearly all the new pieces of running
        text. A word of letters only that is no special case, and that none of the
        tokenizer's prefix, suffix or infix rules match at all (even emptily), is one
        token. The rules are the tokenizer's own (in Indonesian the prefixes take ``Rp``
        off ``Rpakai``), so this holds in any language. Such a word with one more
        character at its end that the suffix rules take off on its own (``said,`` →
        ``said`` ``,``) is two: spaCy's tokenizer takes that character off first (the
        piece being no special case, and no prefix or token match), then finds nothing
        more to take off the word, and nothing inside it to split at. A special case
        with whitespace in it whose text is the piece's (or the word's) leaves it to
        spaCy.
        """
        tokenizer: Any = self.nlp.tokenizer
        prefix = getattr(tokenizer, "prefix_search", None)
        suffix = getattr(tokenizer, "suffix_search", None)
        infix = getattr(tokenizer, "infix_finditer", None)
        if prefix is None or suffix is None or infix is None:
            return [None] * len(pieces)
        rules = getattr(tokenizer, "rules", None) or {}
        spaced = self._spaced_specials
        token_match = getattr(tokenizer, "token_match", None)
        known = self._letter_starts
        if known is not None:  # the affix regexes' own analysis (qualcode.affixes): a
            firsts, token_match = known  # word of letters needs the regexes only if a
            # prefix may start with its first letter; a piece that a suffix ends is
            # left by qualcode's token match to the language's own, if any

            def word(text: str) -> bool:
                return (text.isalpha() and text not in rules and text not in spaced
                        and (text[0] not in firsts or affixless(text)))
        else:
            def word(text: str) -> bool:
                return (text.isalpha() and text not in rules and text not in spaced
                        and affixless(text))

        def affixless(text: str) -> bool:
            return (prefix(text) is None and suffix(text) is None
                    and next(infix(text), None) is None)

        out: list[tuple[str, ...] | None] = []
        for piece in pieces:
            if word(piece):
                out.append((piece,))
                continue
            head = piece[:-1]
            if (len(piece) > 1 and word(head) and piece not in rules
                    and piece not in spaced and prefix(piece) is None
                    and (token_match is None or token_match(piece) is None)
                    and (found := suffix(piece)) is not None
                    and found.end() - found.start() == 1):
                out.append((head, piece[-1]))
            else:
                out.append(None)
        return out

    def word_id(self, orth: int) -> int:
        """The pipeline's id of a word (by its orth id): words are numbered 0, 1, …
        as they are first met.

        The id is also kept in the slot of the tokenizer's lexeme that is meant for a
        vector row (``rank``; lexemes without vectors have ``NO_RANK`` there), offset by
        ``WORD_BASE``, so that ``Doc.to_array([ID])`` reads every token's word id in one
        pass. A lexeme that has a vector row keeps it and is found through a dict.
        """
        wid = self._word_ids.get(orth)
        if wid is None:
            wid = self._word_ids[orth] = len(self.words)
            self.words.append(self.strings[orth])
        elif wid >= self._ranked:  # numbered by number_words: now it has a lexeme
            pass
        else:
            return wid
        lexeme = self.nlp.vocab[orth]
        if lexeme.rank == NO_RANK:
            lexeme.rank = WORD_BASE + wid
        return wid

    def number_words(self, words: Sequence[str]) -> list[int]:
        """The word ids of ``words`` given as text, numbering the new ones without
        making lexemes (a lexeme costs more than the rest): for words met by another
        process's tokenizer. Their lexemes get the id in their rank slot when this
        process's tokenizer meets them (``word_id``)."""
        out = []
        for word in words:
            orth = get_string_id(word)
            wid = self._word_ids.get(orth)
            if wid is None:
                wid = self._word_ids[orth] = len(self.words)
                self.words.append(word)
                self._ranked = min(self._ranked, wid)
            out.append(wid)
        return out

    def word_ids(self, orths: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Each token's word id, from its orth id and its lexeme's rank."""
        ours = (ranks >= WORD_BASE) & (ranks < WORD_BASE + len(self.words))
        wids = np.where(ours, ranks - np.uint64(WORD_BASE), 0).astype(np.int64)
        if not ours.all():
            miss = ~ours
            unknown, inv = np.unique(orths[miss], return_inverse=True)
            found = [self.word_id(orth) for orth in unknown.tolist()]
            wids[miss] = np.array(found, dtype=np.int64)[inv.reshape(-1)]
        return wids

    def pattern_vocab(self, attrs: Iterable[str]) -> Vocab:
        """A vocabulary for Docs that token patterns read, whose new words get only the
        lexical attributes named in ``attrs`` (``LOWER``, ``IS_DIGIT`` …): ``vocab``
        computes some twenty for each new word, a Python call each, which cost most of
        matching the patterns. Attributes that are not lexical (``ORTH``, ``LENGTH``,
        the ``NORM`` qualcode writes per token) need no getter."""
        ids = frozenset(IDS[name] for name in attrs if name in IDS and name != "NORM")
        found = self._pattern_vocabs.get(ids)
        if found is None:
            rich: Any = self.vocab  # lex_attr_getters is set at run time; stubs lack it
            getters = {attr: get for attr, get in rich.lex_attr_getters.items()
                       if attr in ids}
            found = self._pattern_vocabs[ids] = Vocab(
                lex_attr_getters=getters, lookups=rich.lookups,
                writing_system=rich.writing_system)
        return found

    def tokenize(self, text: str) -> Doc:
        """spaCy's tokens, without lexical attributes: read only their text."""
        return self.nlp.make_doc(text)

    def set_keys(self, doc: Doc, keys: Sequence[str]) -> Doc:
        """Write ``keys`` (one per token) into the tokens' NORM."""
        if len(doc):
            add = doc.vocab.strings.add
            ids = np.fromiter((add(k) for k in keys), dtype=np.uint64, count=len(doc))
            doc.from_array([NORM], ids.reshape(-1, 1))  # type: ignore[arg-type]
        return doc

    def make_doc(self, text: str) -> Doc:
        """Tokenise one text into a Doc with every lexical attribute; NORM is the key."""
        tokens = self.tokenize(text)
        doc = Doc(self.vocab, words=[t.text for t in tokens],
                  spaces=[bool(t.whitespace_) for t in tokens])
        return self.set_keys(doc, [self.norm(t.text) for t in doc])

    def keys(self, words: Iterable[str]) -> list[str]:
        return [self.norm(w) for w in words]


def _check_model(nlp: Language, model: str) -> None:
    if not nlp.vocab.lang:
        from qualcode.errors import ProjectError

        raise ProjectError(f"spaCy pipeline '{model}' has no language", path="pipeline")


def matching_pipeline(lang: str, model: str | None = None) -> MatchingPipeline:
    """The shared matching pipeline for a language (or a named, installed trained one)."""
    return _matching_pipeline(lang, model or None)


@functools.lru_cache(maxsize=8)
def _matching_pipeline(lang: str, model: str | None) -> MatchingPipeline:
    if model:
        pipeline(lang, model)  # raises a ProjectError when the model is not installed
    return MatchingPipeline(lang, model)
