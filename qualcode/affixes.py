"""Faster equivalents of spaCy's affix regexes, for splitting words seen the first time.

spaCy splits each new whitespace-separated chunk with three regexes: prefixes
(``^a|^b|…``, searched), suffixes (``a$|b$|…``, searched) and infixes (``finditer``).
Python's regex engine tries every branch at every position of the chunk, which made
these searches most of the cost of a new Indonesian word. Each function here reads the
regex's structure (``re._parser``) and returns a callable that gives exactly the same
matches but skips work that provably cannot match:

- prefixes: a branch anchored with ``^`` can only match at position 0, so the regex is
  matched there first; ``search`` runs only if the chunk contains the literal start of
  a branch without ``^`` (Indonesian has one, ``<a([^>]+)>``);
- suffixes: a branch ending in ``$`` can only match when the chunk's last character is
  one its match can end with, and when the chunk holds a character its match needs
  (its first character, or the one its leading look-behind asks for: a unit like
  ``km`` only after a digit);
- infixes: a match needs one of the characters any infix can start with.

Whatever the analysis cannot reason about (case-insensitive or multi-line flags, a
branch that can match the empty string, categories such as ``\\w``) leaves that regex
as it was. The property tests compare both forms on random chunks for several
languages.
"""

from __future__ import annotations

import functools
import itertools
import re
import re._parser as sre_parse
from typing import Any, Callable, Iterator

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

_C: Any = sre_parse  # the opcode constants (AT, LITERAL, IN, …) live in this module
_MAX_SET = 20_000
_ZERO_WIDTH = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT)


class _Unknown(Exception):
    """The analysis cannot bound this part of the regex."""


@functools.lru_cache(maxsize=None)
def _char(code: int) -> str:
    """``chr(code)``, one object per character however many sets hold it (a character
    past Latin-1 is a new 76-byte string each time; the suffix sets hold thousands)."""
    return chr(code)


def _class_chars(items: list[tuple[Any, Any]]) -> set[str]:
    out: set[str] = set()
    for op, arg in items:
        if op is _C.LITERAL:
            out.add(_char(arg))
        elif op is _C.RANGE and arg[1] - arg[0] <= _MAX_SET:
            out.update(map(_char, range(arg[0], arg[1] + 1)))
        else:  # NEGATE, CATEGORY, a huge range
            raise _Unknown
    return out


def _edge(ops: list[tuple[Any, Any]], last: bool) -> tuple[set[str], bool]:
    """The characters a match of ``ops`` can start (or end) with, and whether it can be
    empty (then the edge character comes from outside it)."""
    chars: set[str] = set()
    for op, arg in (reversed(ops) if last else ops):
        if op in _ZERO_WIDTH:
            continue
        if op is _C.LITERAL:
            return chars | {_char(arg)}, False
        if op is _C.IN:
            return chars | _class_chars(arg), False
        if op is _C.SUBPATTERN:
            if arg[1] & (re.IGNORECASE | re.MULTILINE):
                raise _Unknown
            found, empty = _edge(list(arg[3].data), last)
        elif op is _C.BRANCH:
            found, empty = set(), False
            for branch in arg[1]:
                part, part_empty = _edge(list(branch.data), last)
                found |= part
                empty = empty or part_empty
        elif op in _REPEATS:
            found, empty = _edge(list(arg[2].data), last)
            empty = empty or arg[0] == 0
        elif op is _C.ATOMIC_GROUP:
            found, empty = _edge(list(arg.data), last)
        else:  # ANY, NOT_LITERAL, GROUPREF, …
            raise _Unknown
        chars |= found
        if not empty:
            return chars, False
    return chars, True


def _branches(method: Callable[..., Any], name: str
              ) -> tuple[re.Pattern[str], list[list[tuple[Any, Any]]]] | None:
    """The pattern behind ``method`` (a regex's bound ``name`` method) and its top-level
    alternatives, or ``None`` if it is not such a method or not analysable."""
    pattern = getattr(method, "__self__", None)
    if not isinstance(pattern, re.Pattern) or getattr(method, "__name__", "") != name:
        return None
    if not isinstance(pattern.pattern, str) or pattern.flags & (
            re.IGNORECASE | re.MULTILINE | re.VERBOSE):
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    items = list(parsed.data)
    if len(items) == 1 and items[0][0] is _C.BRANCH:
        return pattern, [list(b.data) for b in items[0][1][1]]
    return pattern, [items]


class _Faster:
    """Stands for ``pattern.<method>``: ``__self__`` is the pattern, as for the bound
    method, so spaCy can still serialise the tokenizer; pickling gives the plain one."""

    method = ""

    def __init__(self, pattern: re.Pattern[str]):
        self.__self__ = pattern

    def __reduce__(self) -> tuple[Any, ...]:
        return getattr, (self.__self__, self.method)


class _AnchoredSearch(_Faster):
    method = "search"

    def __init__(self, pattern: re.Pattern[str], needles: tuple[str, ...]):
        super().__init__(pattern)
        self._match, self._search, self._needles = pattern.match, pattern.search, needles

    def __call__(self, text: str) -> re.Match[str] | None:
        found = self._match(text)  # where search starts, so the same match
        if found is None and any(n in text for n in self._needles):
            return self._search(text)
        return found


def _lead(ops: list[tuple[Any, Any]]) -> str:
    """The literal characters a branch starts with (a branch without ``^`` can match
    only where they occur)."""
    return "".join(chr(arg) for op, arg in
                   itertools.takewhile(lambda item: item[0] is _C.LITERAL, ops))


def anchored_search(search: Callable[[str], Any]) -> Callable[[str], Any]:
    """A prefix regex's ``search``, matched at position 0 first (see the module)."""
    found = _branches(search, "search")
    if found is None:
        return search
    pattern, branches = found
    needles: list[str] = []
    for ops in branches:
        if ops and ops[0] == (_C.AT, _C.AT_BEGINNING):
            continue  # ^ holds only at position 0 without MULTILINE
        lead = _lead(ops)
        if not lead:
            return search
        needles.append(lead)
    if not needles:
        return pattern.match
    return _AnchoredSearch(pattern, tuple(dict.fromkeys(needles)))


def _needs(ops: list[tuple[Any, Any]]) -> set[str]:
    """Characters of which a chunk must hold one for ``ops`` to match in it: what a
    leading look-behind asks for, else what the match starts with."""
    if ops and ops[0][0] is _C.ASSERT and ops[0][1][0] < 0:
        behind, empty = _edge(list(ops[0][1][1].data), last=False)
        if not empty:
            return behind
    first, empty = _edge(ops, last=False)
    if empty:
        raise _Unknown
    return first


class _SuffixSearch(_Faster):
    method = "search"

    def __init__(self, pattern: re.Pattern[str], needs: dict[str, frozenset[str]]):
        super().__init__(pattern)
        self._search, self.needs = pattern.search, needs

    def __call__(self, text: str) -> re.Match[str] | None:
        if not text or text[-1] == "\n":  # $ also matches before a final newline
            return self._search(text)
        needs = self.needs.get(text[-1])
        if needs is None or needs.isdisjoint(text):
            return None
        return self._search(text)


def _suffix_needs(branches: list[list[tuple[Any, Any]]]) -> dict[str, frozenset[str]] | None:
    """For each character a suffix match can end with, the characters of which the
    chunk must hold one for a match (see ``_needs``); ``None`` if not analysable."""
    ending: dict[str, list[int]] = {}  # last character → the branches that can end with it
    needs: list[frozenset[str]] = []
    try:
        for ops in branches:
            if not ops or ops[-1] not in ((_C.AT, _C.AT_END), (_C.AT, _C.AT_END_STRING)):
                return None
            ends, empty = _edge(ops, last=True)
            if empty:
                return None
            for char in ends:
                ending.setdefault(char, []).append(len(needs))
            needs.append(frozenset(_needs(ops)))
    except _Unknown:
        return None
    unions: dict[tuple[int, ...], frozenset[str]] = {}
    by_char = {}
    for char, group in ending.items():
        key = tuple(group)
        if key not in unions:
            unions[key] = frozenset().union(*(needs[b] for b in key))
        by_char[char] = unions[key]
    return by_char


def suffix_search(search: Callable[[str], Any]) -> Callable[[str], Any]:
    """A suffix regex's ``search`` that skips chunks no branch can match (see the module)."""
    found = _branches(search, "search")
    needs = _suffix_needs(found[1]) if found else None
    return search if found is None or needs is None else _SuffixSearch(found[0], needs)


class _InfixFinditer(_Faster):
    method = "finditer"

    def __init__(self, pattern: re.Pattern[str], starts: frozenset[str]):
        super().__init__(pattern)
        self._finditer, self.starts = pattern.finditer, starts

    def __call__(self, text: str) -> Iterator[re.Match[str]]:
        if self.starts.isdisjoint(text):
            return iter(())
        return self._finditer(text)


def _infix_starts(branches: list[list[tuple[Any, Any]]]) -> frozenset[str] | None:
    """The characters an infix match can start with; ``None`` if not analysable."""
    starts: set[str] = set()
    try:
        for ops in branches:
            first, empty = _edge(ops, last=False)
            if empty:  # an empty infix can match anywhere
                return None
            starts |= first
    except _Unknown:
        return None
    return frozenset(starts)


def infix_finditer(finditer: Callable[[str], Any]) -> Callable[[str], Any]:
    """An infix regex's ``finditer`` that skips chunks holding no character an infix
    can start with (see the module)."""
    found = _branches(finditer, "finditer")
    starts = _infix_starts(found[1]) if found else None
    return finditer if found is None or starts is None else _InfixFinditer(found[0], starts)


def _prefix_starts(branches: list[list[tuple[Any, Any]]]
                   ) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """What a prefix match needs: a first character of the chunk (branches anchored
    with ``^``), or a literal anywhere in it (the others); ``None`` if not analysable."""
    firsts: set[str] = set()
    needles: list[str] = []
    try:
        for ops in branches:
            if ops and ops[0] == (_C.AT, _C.AT_BEGINNING):
                chars, empty = _edge(ops[1:], last=False)
                if empty:
                    return None
                firsts |= chars
                continue
            lead = _lead(ops)
            if not lead:
                return None
            needles.append(lead)
    except _Unknown:
        return None
    return frozenset(firsts), tuple(dict.fromkeys(needles))


_NEVER = re.compile("a^")


class _SingleToken:
    """A ``token_match`` that says yes to chunks no affix regex can split: no prefix
    can start at their first character, no suffix end at their last, no infix start
    anywhere. spaCy then keeps such a chunk whole without calling the three affix
    functions, which is what those calls would have decided, so tokens are unchanged.
    Any other chunk is left to the language's own ``token_match`` and the regexes.

    ``__self__`` is the language's own pattern, so spaCy serialises the tokenizer as it
    would without this; pickling rebuilds it from its sets.
    """

    def __init__(self, firsts: frozenset[str], needles: tuple[str, ...],
                 ending: dict[str, frozenset[str]], infixes: frozenset[str],
                 token_match: Callable[[str], Any] | None):
        self._firsts, self._needles, self._ending = firsts, needles, ending
        self._infixes, self._other = infixes | {"\n"}, token_match
        self.__self__ = getattr(token_match, "__self__", _NEVER)

    def __call__(self, text: str) -> Any:
        needs = self._ending.get(text[-1]) if text else None
        if not text or text[0] in self._firsts or not self._infixes.isdisjoint(text) or \
                (needs is not None and not needs.isdisjoint(text)) or \
                any(n in text for n in self._needles):
            return self._other(text) if self._other is not None else None
        return True

    def __reduce__(self) -> tuple[Any, ...]:
        return _SingleToken, (self._firsts, self._needles, self._ending,
                              self._infixes - {"\n"}, self._other)


def letter_starts(token_match: Any) -> tuple[frozenset[str], Callable[[str], Any] | None
                                           ] | None:
    """For a tokenizer whose ``token_match`` is a ``_SingleToken``, what decides whether
    a word of letters only is kept whole: the letters a prefix match can start with (a
    word starting with one goes through the affix regexes), and the language's own
    ``token_match``. ``None`` when an infix can start with a letter, a needle is made of
    letters, or a suffix ending in a letter needs one: then every word goes through the
    regexes."""
    if not isinstance(token_match, _SingleToken):
        return None
    if any(map(str.isalpha, token_match._infixes)) or \
            any(needle.isalpha() for needle in token_match._needles) or \
            any(char.isalpha() and any(map(str.isalpha, needs))
                for char, needs in token_match._ending.items()):
        return None
    return frozenset(filter(str.isalpha, token_match._firsts)), token_match._other


def single_token(prefix_search: Callable[[str], Any] | None,
                 suffix_search: Callable[[str], Any] | None,
                 infix_finditer: Callable[[str], Any] | None,
                 token_match: Callable[[str], Any] | None) -> Callable[[str], Any] | None:
    """A ``token_match`` that keeps chunks no affix can split whole (``_SingleToken``),
    given the tokenizer's affix functions as this module makes them; ``None`` if one of
    them could not be analysed."""
    firsts: frozenset[str] = frozenset()
    needles: tuple[str, ...] = ()
    if prefix_search is not None:
        pattern = getattr(prefix_search, "__self__", None)  # match, search or ours
        found = _branches(pattern.search, "search") if isinstance(pattern, re.Pattern) \
            else None
        parts = _prefix_starts(found[1]) if found else None
        if parts is None:
            return None
        firsts, needles = parts
    ending: dict[str, frozenset[str]] = {}
    if suffix_search is not None:
        if not isinstance(suffix_search, _SuffixSearch):
            return None
        ending = suffix_search.needs
    infixes: frozenset[str] = frozenset()
    if infix_finditer is not None:
        if not isinstance(infix_finditer, _InfixFinditer):
            return None
        infixes = infix_finditer.starts
    return _SingleToken(firsts, needles, ending, infixes, token_match)


TOKENIZER = "qualcode.FasterAffixTokenizer.v1"


@spacy.registry.tokenizers(TOKENIZER)
def faster_affix_tokenizer(max_cache_size: int = 10_000) -> Callable[[Language], Tokenizer]:
    """spaCy's default tokenizer (``spacy.Tokenizer.v1``: the language's exceptions,
    prefixes, suffixes and infixes) with the faster, equivalent affix regexes.

    The regexes are set before the exceptions: spaCy reloads every exception each time
    an affix function changes (a second each for Indonesian's 16,000).
    """

    def create(nlp: Language) -> Tokenizer:
        defaults: Any = nlp.Defaults
        tokenizer = Tokenizer(nlp.vocab, max_cache_size=max_cache_size)
        if defaults.prefixes:
            tokenizer.prefix_search = anchored_search(
                spacy.util.compile_prefix_regex(defaults.prefixes).search)
        if defaults.suffixes:
            tokenizer.suffix_search = suffix_search(
                spacy.util.compile_suffix_regex(defaults.suffixes).search)
        if defaults.infixes:
            tokenizer.infix_finditer = infix_finditer(
                spacy.util.compile_infix_regex(defaults.infixes).finditer)
        tokenizer.token_match = single_token(
            tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer,
            defaults.token_match) or defaults.token_match
        tokenizer.url_match = defaults.url_match
        tokenizer.rules = defaults.tokenizer_exceptions
        return tokenizer

    return create


def blank(lang: str, max_cache_size: int) -> Language:
    """``spacy.blank(lang)`` whose tokenizer, if it is spaCy's default one, uses the
    faster affix regexes and remembers up to ``max_cache_size`` chunks."""
    cls = spacy.util.get_lang_class(lang)
    if cls.default_config["nlp"]["tokenizer"].get("@tokenizers") != "spacy.Tokenizer.v1":
        return spacy.blank(lang)  # a language with its own tokenizer (ja, zh, th …)
    config = {"nlp": {"tokenizer": {"@tokenizers": TOKENIZER,
                                    "max_cache_size": max_cache_size}}}
    return spacy.blank(lang, config=config)
