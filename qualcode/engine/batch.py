"""A tokenised batch of segments as arrays, and its form in the cache.

Segments are tokenised one by one (so each has exactly its own tokens) and held as
one array of word types and one of trailing-space flags, the segments separated by a
blank-line token so that no phrase runs across them. A cache entry is the batch's
distinct words, their matching keys, the tokens as indices into those words and the
space flags: marshal and raw arrays, uncompressed, because writing must cost less than
tokenising.
"""

from __future__ import annotations

import itertools
import marshal
import re
from typing import TYPE_CHECKING, Sequence, cast

import numpy as np
from spacy.attrs import ID, ORTH, SPACY
from spacy.tokens import Doc

from qualcode.language import MatchingPipeline, blank_punct

if TYPE_CHECKING:
    from qualcode.engine.match import WordMap

SEPARATOR = "\n\n"
JOIN_CHARS = 20_000  # texts tokenised as one (see tokenise)
ENTRY_FORMAT = 2
SCAN_EVERY = 8
"""After a text with no special case in it, only every ``SCAN_EVERY``-th is scanned."""
_SPACE = re.compile(r"\s")
MAX_SPECIALS = 64
"""At most this many different special chunks are looked for in one text (each is a
pass over it)."""


class Batch:
    """A tokenised batch: tokens' word types and trailing-space flags.

    Fresh from the tokenizer it holds each token's word id in the pipeline that
    tokenised it (``wids``): this process's, or a worker's, read through the
    ``WordMap`` of that worker's words (``wordmap``, set where the batch arrives). From
    the cache, it holds the distinct words with their keys and each token as an index
    into them (``words``, ``keys``, ``tok``), with the words' string hashes
    (``hashes``, spaCy's ``ORTH`` ids), which is also what is stored. ``docs`` keeps
    the per-segment Docs built for token patterns.
    """

    def __init__(self, spaces: np.ndarray, *,
                 docs: list[Doc | None] | None = None, words: list[str] | None = None,
                 keys: list[str] | None = None, tok: np.ndarray | None = None,
                 wids: np.ndarray | None = None, hashes: np.ndarray | None = None):
        self.spaces, self.docs = spaces, docs
        self.words, self.keys, self.tok, self.hashes = words, keys, tok, hashes
        self.wids = wids
        self.wordmap: WordMap | None = None
        self.keyed: set[int] = set()
        self.gtok: np.ndarray | None = None

    def portable(self) -> Batch:
        """Fresh tokens as little as another process needs: the word ids (the receiver
        learns the words from the pipeline's ``words``) and the space flags."""
        assert self.wids is not None
        return Batch(self.spaces, wids=self.wids.astype(np.uint32))

    def chars(self) -> int:
        """The length of the text the tokens cover (needs ``words``)."""
        assert self.words is not None and self.tok is not None
        lengths = np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))
        counts = np.bincount(self.tok, minlength=len(self.words))
        return int(lengths @ counts + self.spaces.sum())

    def to_bytes(self) -> bytes:
        """The cache entry: plain lists and raw arrays, no compression."""
        assert self.tok is not None and self.hashes is not None
        return marshal.dumps((ENTRY_FORMAT, self.words, self.keys,
                              self.tok.astype(np.uint32).tobytes(),
                              np.packbits(self.spaces).tobytes(), len(self.tok),
                              self.hashes.astype(np.uint64).tobytes()))

    @classmethod
    def from_bytes(cls, data: bytes) -> Batch | None:
        """A batch read back from the cache, or ``None`` if the entry is unusable."""
        try:
            fmt, words, keys, tok, spaces, n, hashed = marshal.loads(data)
            if fmt != ENTRY_FORMAT or type(words) is not list or type(keys) is not list \
                    or len(keys) != len(words):
                return None
            toks = np.frombuffer(tok, dtype=np.uint32)
            flags = np.unpackbits(np.frombuffer(spaces, dtype=np.uint8), count=n)
            hashes = np.frombuffer(hashed, dtype=np.uint64)
            if len(toks) != n or (n and int(toks.max()) >= len(words)) or \
                    len(hashes) != len(words):
                return None
        except (ValueError, EOFError, TypeError):
            return None
        return cls(flags, words=words, keys=keys, tok=toks, hashes=hashes)


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


def _by_spacy(pipe: MatchingPipeline, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text tokenised with spaCy, as the tokens' word ids and space flags, the
    texts separated by a ``SEPARATOR`` token: for the texts ``tokenise`` cannot read
    chunk by chunk from its ``ChunkTable``.

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
    return pipe.word_ids(arr[:, 0], arr[:, 2]), arr[:, 1].astype(np.uint8)


UNKNOWN = np.iinfo(np.int64).min
"""A chunk's code in ``ChunkTable.codes`` when the table does not hold it."""
MAX_CHUNKS = 1_000_000
"""Pieces a ``ChunkTable`` holds (about 100 bytes each): a batch that finds it full
empties it first, then adds its own new pieces."""
_UNEVEN = re.compile(r"\s ")
_PIECE = re.compile(r"(?<=\S) ")  # the spaces that end a piece


class _Column:
    """A growing int64 array (its capacity doubles), read as ``array[:size]``."""

    def __init__(self) -> None:
        self.array = np.zeros(64, dtype=np.int64)
        self.size = 0

    def extend(self, values: Sequence[int] | np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self.array):
            grown = np.zeros(max(end, 2 * len(self.array)), dtype=np.int64)
            grown[:self.size] = self.array[:self.size]
            self.array = grown
        self.array[self.size:end] = values
        self.size = end


Journal = tuple[list[str], np.ndarray, np.ndarray]
"""Pieces a ``ChunkTable`` has learnt, for a ``Lender``: the pieces, how many tokens
each has, and their tokens' word ids one after another."""


def covering(mapping: np.ndarray, size: int) -> np.ndarray:
    """``mapping`` (an int64 array from ids to ids, -1 where unmapped) grown to cover
    ids below ``size``: the same array if it does, else a copy at least twice as long."""
    if len(mapping) >= size:
        return mapping
    grown = np.full(max(size, 2 * len(mapping)), -1, dtype=np.int64)
    grown[:len(mapping)] = mapping
    return grown


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``starts[i], starts[i] + 1, … starts[i] + sizes[i] - 1`` for each ``i``, in one
    array."""
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + offsets


class Lender:
    """The pieces another process's ``ChunkTable`` has learnt, with its word ids, for
    this process's table to take instead of tokenising them again.

    In jobs 2 and more, each process's table keeps a ``journal`` of the pieces it
    learns (``ChunkTable.take_journal``): a worker sends it with each batch, the parent
    its own to every worker, and the receiver adds it here (``add``). A piece new to
    this process that the other has met comes from here: the same tokens, since both
    tokenise with the same pipeline, one piece at a time. Their words get this
    process's word ids (``tokens``; numbered without lexemes), which costs a dict
    lookup per piece against a pass through spaCy's affix rules.
    """

    def __init__(self, words: list[str]):
        self.words = words  # the other process's words by its word id (it grows)
        self._mine = np.zeros(0, dtype=np.int64)  # its word id -> this process's, or -1
        self._waiting: list[Journal] = []  # journals taken in, not yet indexed
        self._waiting_pieces = 0
        self.clear()

    def clear(self) -> None:
        """Forget every indexed piece (the words stay)."""
        self._index: dict[str, int] = {}  # piece -> entry
        self._start, self._length, self._flat = _Column(), _Column(), _Column()

    def add(self, journal: Journal | None) -> None:
        """Take in the pieces of another table's journal. They are indexed when this
        process first looks one up (``index``): a parent that tokenises no batch
        after the first journals arrive never spends the time (12–16 ms of a run)."""
        if not journal or not journal[0]:
            return
        self._waiting.append(journal)
        self._waiting_pieces += len(journal[0])
        if self._waiting_pieces >= MAX_CHUNKS:  # held at most that many unindexed
            self._take_in()

    @property
    def index(self) -> dict[str, int]:
        """Each piece taken in, and its entry (see ``tokens``)."""
        if self._waiting:
            self._take_in()
        return self._index

    def _take_in(self) -> None:
        for pieces, lengths, wids in self._waiting:
            if len(self._index) >= MAX_CHUNKS:
                self.clear()
            first = self._start.size
            self._start.extend(self._flat.size + np.cumsum(lengths) - lengths)
            self._length.extend(lengths)
            self._flat.extend(wids)
            self._index.update(zip(pieces, range(first, first + len(pieces))))
        self._waiting, self._waiting_pieces = [], 0

    def tokens(self, entries: list[int], pipe: MatchingPipeline
               ) -> tuple[np.ndarray, np.ndarray]:
        """The tokens of these entries as ``pipe``'s word ids, one after another, and
        how many each entry has."""
        at = np.array(entries, dtype=np.int64)
        lengths = self._length.array[at]
        theirs = self._flat.array[_ranges(self._start.array[at], lengths)]
        self._mine = covering(self._mine, len(self.words))
        mine = self._mine[theirs]
        if len(mine) and mine.min() < 0:
            missing = np.unique(theirs[mine < 0]).tolist()
            self._mine[missing] = pipe.number_words([self.words[w] for w in missing])
            mine = self._mine[theirs]
        return mine, lengths


class ChunkTable:
    """The tokens of every chunk met: what spaCy's tokenizer makes of each distinct
    piece of text (see ``pieces``), as this process's word ids.

    spaCy splits text at whitespace first and each piece on its own (see
    ``tokenise``), so a text whose pieces are all known is tokenised with one split
    and one dict lookup per piece; spaCy only sees the pieces met for the
    first time, once each. A piece's code is its word id when it is one token, else
    ``~n`` for the ``n``-th multi-token entry, whose word ids are kept flat in numpy
    arrays so that a batch expands them with array operations.
    """

    def __init__(self, pipe: MatchingPipeline):
        self.pipe = pipe
        self.sep = int(pipe.word_id(pipe.strings.add(SEPARATOR)))
        self.lenders: list[Lender] = []
        """Other processes' pieces, taken before spaCy is asked (see ``Lender``)."""
        self.journal: tuple[list[str], list[np.ndarray], list[np.ndarray]] | None = None
        """The pieces learnt since ``take_journal``, when another process borrows them."""
        self.clear()

    def clear(self) -> None:
        """Forget every piece but the separator."""
        self.ids: dict[str, int] = {SEPARATOR: self.sep}
        self._flat = _Column()  # word ids of multi-token pieces, one after another
        self._start = _Column()  # where each multi-token piece starts in _flat
        self._length = _Column()  # and how many tokens it has

    @staticmethod
    def even(text: str) -> bool:
        """Whether ``text`` is read piece by piece: not empty, no whitespace at either
        end."""
        return bool(text) and not text[0].isspace() and not text[-1].isspace()

    @staticmethod
    def pieces(text: str) -> list[str]:
        """An even text cut into pieces at each space that follows a non-space
        character: spaCy gives the token before such a space its trailing space and
        goes on as if the text started after it. So a piece never ends in whitespace,
        and more whitespace is kept at the start of the next (``a  b``: ``a``,
        `` b``)."""
        return _PIECE.split(text)

    def codes(self, pieces: list[str]) -> np.ndarray:
        """Each piece's code, ``UNKNOWN`` where the table lacks it."""
        return np.fromiter(map(self.ids.get, pieces, itertools.repeat(UNKNOWN)),
                           dtype=np.int64, count=len(pieces))

    def learn(self, pieces: list[str]) -> list[int]:
        """Tokenise distinct new ``pieces``; keep and return their codes.

        A piece another process's table has learnt is taken from its ``Lender`` (see
        ``lenders``); a piece whose tokens can be told without spaCy (a word of
        letters that no rule splits, alone or with one character the suffix rules
        take off: ``MatchingPipeline.simple_tokens``) is numbered at once, which is
        nearly every new piece and cost about 7 µs each in spaCy; the others are
        tokenised with spaCy. Pieces without whitespace
        are tokenised in groups of about ``JOIN_CHARS`` characters, one per line: the
        newline token between two pieces keeps spaCy's special-case pass
        (``Tokenizer._apply_special_cases``) from matching across them, as it can
        across a single space. A piece that holds whitespace (a newline, a tab) is
        tokenised on its own.
        """
        codes: list[int] = [0] * len(pieces)
        rest = list(range(len(pieces)))
        for lender in self.lenders:
            index = lender.index
            if not rest or not index:
                continue
            entries = list(map(index.get, [pieces[n] for n in rest],
                               itertools.repeat(-1)))
            hits = [(n, e) for n, e in zip(rest, entries) if e >= 0]
            if hits:
                wids, lengths = lender.tokens([e for _, e in hits], self.pipe)
                kept = self._keep([pieces[n] for n, _ in hits], wids, lengths, lent=True)
                for (n, _), code in zip(hits, kept):
                    codes[n] = code
                rest = [n for n, e in zip(rest, entries) if e < 0]
        if rest:
            told = self.pipe.simple_tokens([pieces[n] for n in rest])
            plain = [(n, tokens) for n, tokens in zip(rest, told) if tokens is not None]
            if plain:  # numbered without spaCy (see MatchingPipeline.simple_tokens)
                words = [word for _, tokens in plain for word in tokens]
                wids = np.array(self.pipe.number_words(words), dtype=np.int64)
                lengths = np.fromiter(map(len, (tokens for _, tokens in plain)),
                                      dtype=np.int64, count=len(plain))
                kept = self._keep([pieces[n] for n, _ in plain], wids, lengths)
                for (n, _), code in zip(plain, kept):
                    codes[n] = code
                rest = [n for n, tokens in zip(rest, told) if tokens is None]
        if rest:
            new = [pieces[n] for n in rest]
            wids, lengths = self._spacy_tokens(new)
            for n, code in zip(rest, self._keep(new, wids, lengths)):
                codes[n] = code
        return codes

    def _spacy_tokens(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """spaCy's tokens of each piece (see ``learn``): their word ids one after
        another, and how many each piece has."""
        tokenizer = self.pipe.nlp.tokenizer
        newline = self.pipe.strings.add("\n")
        texts: list[tuple[str, int]] = []  # a text, and how many pieces it joins
        group: list[str] = []
        size = 0
        for n, piece in enumerate(pieces):
            if _SPACE.search(piece):
                texts.append((piece, 1))
            else:
                group.append(piece)
                size += len(piece) + 1
            if group and (size >= JOIN_CHARS or n == len(pieces) - 1 or
                          _SPACE.search(pieces[n + 1])):
                texts.append(("\n".join(group), len(group)))
                group, size = [], 0
        arrays, lengths = [], []
        for text, count in texts:
            arr = tokenizer(text).to_array([ORTH, SPACY, ID]).reshape(-1, 3)
            if count > 1:
                breaks = np.flatnonzero(arr[:, 0] == newline)
                arr = np.delete(arr, breaks, axis=0)
                cuts = np.append(breaks - np.arange(len(breaks)), len(arr))
            else:
                cuts = np.array([len(arr)])
            if len(cuts) != count:  # cannot be: the pieces joined hold no whitespace
                raise AssertionError(f"pieces not tokenised apart: {text[:60]!r}")
            arrays.append(arr)
            lengths.append(np.diff(cuts, prepend=0))
        arr = np.concatenate(arrays)
        return self.pipe.word_ids(arr[:, 0], arr[:, 2]), np.concatenate(lengths)

    def _keep(self, pieces: list[str], wids: np.ndarray, lengths: np.ndarray,
              lent: bool = False) -> list[int]:
        """Keep ``pieces`` with their tokens (``wids`` one after another, ``lengths``
        per piece); return their codes. A ``journal`` records them too, unless they
        were ``lent`` (the process that lent them has them)."""
        lengths = np.asarray(lengths, dtype=np.int64)
        wids = np.asarray(wids, dtype=np.int64)
        starts = np.cumsum(lengths) - lengths
        codes = wids[starts]
        multi = np.flatnonzero(lengths > 1)
        if len(multi):
            codes[multi] = ~(self._start.size + np.arange(len(multi)))
            sizes = lengths[multi]
            self._start.extend(self._flat.size + np.cumsum(sizes) - sizes)
            self._length.extend(sizes)
            self._flat.extend(wids[_ranges(starts[multi], sizes)])
        out: list[int] = codes.tolist()
        self.ids.update(zip(pieces, out))
        if self.journal is not None and not lent:
            self.journal[0].extend(pieces)
            self.journal[1].append(lengths)
            self.journal[2].append(wids)
        return out

    def take_journal(self) -> Journal | None:
        """The pieces kept since the last call, for a ``Lender`` in another process
        (``None`` when this table keeps no journal)."""
        if self.journal is None:
            return None
        pieces, lengths, wids = self.journal
        self.journal = ([], [], [])
        if not pieces:
            return [], np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint32)
        return (pieces, np.concatenate(lengths).astype(np.int32),
                np.concatenate(wids).astype(np.uint32))

    def expand(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The word ids of pieces with these codes, and the index of each piece's last
        token in them."""
        multi = codes < 0
        if not multi.any():
            return codes, np.arange(len(codes))
        flat, starts, lengths = self._flat.array, self._start.array, self._length.array
        k = ~codes[multi]
        sizes = lengths[k]
        counts = np.ones(len(codes), dtype=np.int64)
        counts[multi] = sizes
        lasts = np.cumsum(counts) - 1
        out = np.repeat(codes, counts)
        out[_ranges(lasts[multi] - sizes + 1, sizes)] = flat[_ranges(starts[k], sizes)]
        return out, lasts


def _by_table(table: ChunkTable, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Even texts (``ChunkTable.even``) tokenised piece by piece from ``table``, as in
    ``_by_spacy``."""
    if any(map(_UNEVEN.search, texts)):  # more whitespace than single spaces
        pieces = list(itertools.chain.from_iterable(
            [SEPARATOR, *table.pieces(text)] if n else table.pieces(text)
            for n, text in enumerate(texts)))
    else:  # the same, at once: every piece ends at a single space
        pieces = f" {SEPARATOR} ".join(texts).split(" ")
    if len(table.ids) >= MAX_CHUNKS:
        table.clear()
    codes = table.codes(pieces)
    unknown = np.flatnonzero(codes == UNKNOWN).tolist()
    if unknown:
        new = list(dict.fromkeys([pieces[n] for n in unknown]))
        learned = dict(zip(new, table.learn(new)))
        codes[unknown] = [learned[pieces[n]] for n in unknown]
    wids, lasts = table.expand(codes)
    spaces = np.zeros(len(wids), dtype=np.uint8)
    spaces[lasts] = 1  # each piece was followed by a single space …
    seps = lasts[codes == table.sep]  # … but for the last and those around separators
    spaces[seps] = 0
    spaces[seps - 1] = 0
    spaces[-1] = 0
    return wids, spaces


def chunk_table(pipe: MatchingPipeline) -> ChunkTable:
    """The pipeline's ``ChunkTable`` (made on first use)."""
    if pipe.chunk_table is None:
        pipe.chunk_table = ChunkTable(pipe)
    return cast(ChunkTable, pipe.chunk_table)


def tokenise(pipe: MatchingPipeline, texts: Sequence[str]) -> Batch:
    """Tokenise each text as spaCy does; hold them as one ``Batch`` of word ids, the
    texts separated by a ``SEPARATOR`` token so that no phrase runs across texts.

    Runs of even texts (``ChunkTable.even``, nearly all) are read from the pipeline's
    ``ChunkTable``; the others go to spaCy whole (``_by_spacy``).
    """
    table = chunk_table(pipe) if pipe.piecewise else None
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    run: list[str] = []
    even = False

    def flush() -> None:
        if parts:
            sep = table.sep if table else pipe.word_id(pipe.strings.add(SEPARATOR))
            parts.append((np.array([sep], dtype=np.int64), np.zeros(1, dtype=np.uint8)))
        parts.append(_by_table(table, run) if table and even else _by_spacy(pipe, run))

    for text in texts:
        now = table is not None and table.even(text)
        if run and now != even:
            flush()
            run = []
        run.append(text)
        even = now
    if run:
        flush()
    if not parts:
        return Batch(np.zeros(0, dtype=np.uint8), wids=np.zeros(0, dtype=np.int64))
    return Batch(np.concatenate([s for _, s in parts]),
                 wids=np.concatenate([w for w, _ in parts]))
