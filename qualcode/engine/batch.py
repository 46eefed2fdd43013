"""A tokenised batch of segments as arrays, and its form in the cache.

Segments are tokenised one by one (so each has exactly its own tokens) and held as
one array of word types and one of trailing-space flags, the segments separated by a
blank-line token so that no phrase runs across them. A cache entry is the batch's
distinct words, their matching keys, the tokens as indices into those words and the
space flags: marshal and raw arrays, uncompressed, because writing must cost less than
tokenising.
"""

from __future__ import annotations

import marshal
import re
from typing import TYPE_CHECKING, Sequence

import numpy as np
from spacy.attrs import ID, ORTH, SPACY
from spacy.tokens import Doc

from qualcode.language import MatchingPipeline, blank_punct

if TYPE_CHECKING:
    from qualcode.engine.match import WordMap

SEPARATOR = "\n\n"
JOIN_CHARS = 20_000  # texts tokenised as one (see tokenise)
ENTRY_FORMAT = 1
SCAN_EVERY = 8
"""After a text with no special case in it, only every ``SCAN_EVERY``-th is scanned."""
_SPACE = re.compile(r"\s")
MAX_SPECIALS = 64
"""At most this many different special chunks are looked for in one text (each is a
pass over it)."""


class Batch:
    """A tokenised batch: tokens' word types and trailing-space flags.

    Fresh from the tokenizer it holds each token's spaCy orth id and its lexeme's rank,
    where the pipeline keeps word ids (``orths``, ``ranks``); from the
    cache, the distinct words with their keys and each token as an index into them
    (``words``, ``keys``, ``tok``), which is also what is stored. A batch a worker
    tokenised arrives as the worker's word ids (``wids``), read through the ``WordMap``
    of that worker's words (``wordmap``, set where it arrives). ``docs`` keeps the
    per-segment Docs built for token patterns.
    """

    def __init__(self, spaces: np.ndarray, *, orths: np.ndarray | None = None,
                 ranks: np.ndarray | None = None,
                 docs: list[Doc | None] | None = None, words: list[str] | None = None,
                 keys: list[str] | None = None, tok: np.ndarray | None = None,
                 wids: np.ndarray | None = None):
        self.spaces, self.orths, self.ranks, self.docs = spaces, orths, ranks, docs
        self.words, self.keys, self.tok = words, keys, tok
        self.wids = wids
        self.wordmap: WordMap | None = None
        self.keyed: set[int] = set()
        self.gtok: np.ndarray | None = None

    def portable(self, pipe: MatchingPipeline) -> Batch:
        """Fresh tokens as little as another process needs: the pipeline's word ids
        (the receiver learns the words from ``pipe.words``) and the space flags."""
        assert self.orths is not None and self.ranks is not None
        wids = pipe.word_ids(self.orths, self.ranks).astype(np.uint32)
        return Batch(self.spaces, wids=wids)

    def chars(self) -> int:
        """The length of the text the tokens cover (needs ``words``)."""
        assert self.words is not None and self.tok is not None
        lengths = np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))
        counts = np.bincount(self.tok, minlength=len(self.words))
        return int(lengths @ counts + self.spaces.sum())

    def to_bytes(self) -> bytes:
        """The cache entry: plain lists and raw arrays, no compression."""
        assert self.tok is not None
        return marshal.dumps((ENTRY_FORMAT, self.words, self.keys,
                              self.tok.astype(np.uint32).tobytes(),
                              np.packbits(self.spaces).tobytes(), len(self.tok)))

    @classmethod
    def from_bytes(cls, data: bytes) -> Batch | None:
        """A batch read back from the cache, or ``None`` if the entry is unusable."""
        try:
            fmt, words, keys, tok, spaces, n = marshal.loads(data)
            if fmt != ENTRY_FORMAT or type(words) is not list or type(keys) is not list \
                    or len(keys) != len(words):
                return None
            toks = np.frombuffer(tok, dtype=np.uint32)
            flags = np.unpackbits(np.frombuffer(spaces, dtype=np.uint8), count=n)
            if len(toks) != n or (n and int(toks.max()) >= len(words)):
                return None
        except (ValueError, EOFError, TypeError):
            return None
        return cls(flags, words=words, keys=keys, tok=toks)


def special_ends(text: str, specials: frozenset[str]) -> list[int]:
    """Where the chunks of ``text`` that may hold a tokenizer special case end (the
    offset of the whitespace after them), ascending, none at the end of the text;
    ``specials`` is the pipeline's ``special_chunks``.

    A chunk may hold one when it is a special case's text (``don't``, ``—``,
    ``masing-masing``, ``dll.``), bare or with punctuation around it (``(id.``). Found
    with set operations over the whole text, and ``str.find`` for the few that are
    there; a chunk missed (``a.m.``, which the blanking splits) or a needless end only
    costs speed (see ``tokenise``).
    """
    if not specials:
        return []
    found = sorted(specials.intersection(blank_punct(text).split()))[:MAX_SPECIALS]
    stops: list[int] = []  # where an occurrence of a special chunk ends
    for key in found:
        at = text.find(key)
        while at >= 0:
            end = at + len(key)
            if (at == 0 or not text[at - 1].isalnum()) and \
                    (end == len(text) or not text[end].isalnum()):
                stops.append(end)
            at = text.find(key, at + 1)
    ends: list[int] = []
    for stop in sorted(stops):  # the whitespace after each, in one pass over the text
        if ends and stop <= ends[-1]:
            continue
        space = _SPACE.search(text, stop)
        if space is None:
            break
        ends.append(space.start())
    return ends


def tokenise(pipe: MatchingPipeline, texts: Sequence[str]) -> Batch:
    """Tokenise each text with spaCy; hold them as one ``Batch`` of orth ids, the texts
    separated by a ``SEPARATOR`` token so that no phrase runs across texts.

    spaCy's tokenizer cuts text at whitespace first and never looks across it, so texts
    that neither start nor end with whitespace (and are not empty) are tokenised in
    groups of about ``JOIN_CHARS`` characters, joined by ``SEPARATOR``: the same
    tokens, with one ``Doc`` per group instead of one per text. A group stays small
    enough for the ``Doc``'s token array to sit in a core's cache.

    For the same reason a text is also cut into several Docs right after each chunk
    that may hold a special case (``special_ends``): once a special case is met in a
    Doc, spaCy caches no new chunk for the rest of that Doc, so in English (``don't``,
    ``—``) or Indonesian (``masing-masing``) most chunks were split again with the
    affix rules at every occurrence. A cut Doc's last token gets the space the cut
    dropped. The scan costs about a tenth of tokenising: where texts hold no special
    case, it is only run on every ``SCAN_EVERY``-th text (the tokens are the same
    either way).
    """
    tokenizer = pipe.nlp.tokenizer
    sep = np.array([[pipe.strings.add(SEPARATOR), 0, pipe.nlp.vocab[SEPARATOR].rank]],
                   dtype=np.uint64)
    parts: list[np.ndarray] = []
    group: list[str] = []
    size = 0

    def doc(text: str) -> np.ndarray:
        return tokenizer(text).to_array([ORTH, SPACY, ID]).reshape(-1, 3)

    def add(text: str) -> None:
        if parts:
            parts.append(sep)
        start, ends = 0, []
        if pipe.unscanned <= 0:
            ends = special_ends(text, pipe.specials)
            pipe.unscanned = 0 if ends else SCAN_EVERY - 1
        else:
            pipe.unscanned -= 1
        for end in ends:
            if end > start:
                parts.append(doc(text[start:end]))
                if text[end] == " ":  # what spaCy does with a single space
                    parts[-1][-1, 1] = 1
                    end += 1
                start = end
        parts.append(doc(text[start:]))

    for text in texts:
        if text and not text[0].isspace() and not text[-1].isspace():
            group.append(text)
            size += len(text)
            if size < JOIN_CHARS:
                continue
        else:
            if group:
                add(SEPARATOR.join(group))
            group = [text]
        add(SEPARATOR.join(group))
        group, size = [], 0
    if group:
        add(SEPARATOR.join(group))
    arr = np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.uint64)
    return Batch(arr[:, 1].astype(np.uint8), orths=arr[:, 0], ranks=arr[:, 2])
