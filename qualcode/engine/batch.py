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
from typing import TYPE_CHECKING, Sequence

import numpy as np
from spacy.attrs import ID, ORTH, SPACY
from spacy.tokens import Doc

from qualcode.language import MatchingPipeline

if TYPE_CHECKING:
    from qualcode.engine.match import WordMap

SEPARATOR = "\n\n"
JOIN_CHARS = 20_000  # texts tokenised as one (see tokenise)
ENTRY_FORMAT = 1


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


def tokenise(pipe: MatchingPipeline, texts: Sequence[str]) -> Batch:
    """Tokenise each text with spaCy; hold them as one ``Batch`` of orth ids, the texts
    separated by a ``SEPARATOR`` token so that no phrase runs across texts.

    spaCy's tokenizer cuts text at whitespace first and never looks across it, so texts
    that neither start nor end with whitespace (and are not empty) are tokenised in
    groups of about ``JOIN_CHARS`` characters, joined by ``SEPARATOR``: the same
    tokens, with one ``Doc`` per group instead of one per text. A group stays small
    enough for the ``Doc``'s token array to sit in a core's cache.
    """
    tokenizer = pipe.nlp.tokenizer
    sep = np.array([[pipe.strings.add(SEPARATOR), 0, pipe.nlp.vocab[SEPARATOR].rank]],
                   dtype=np.uint64)
    parts: list[np.ndarray] = []
    group: list[str] = []
    size = 0

    def add(text: str) -> None:
        if parts:
            parts.append(sep)
        parts.append(tokenizer(text).to_array([ORTH, SPACY, ID]).reshape(-1, 3))

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
