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
from typing import Any, Callable

import spacy
from spacy.language import Language

PIPELINE_VERSION = "1"

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


def _stemmer(lang: str) -> Callable[[str], str] | None:
    if lang != "id":
        return None
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer(isDev=False).stem


class Normaliser:
    """Maps a word to its matching key: lookup lemma, then stemmer, cached per type."""

    def __init__(self, lang: str):
        self.lang = lang
        self.keep = KEEP.get(lang, frozenset())
        self._table: Any = None
        self._stem: Callable[[str], str] | None = None
        self._stem_loaded = False
        self._cache: dict[str, str] = {}

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


@functools.lru_cache(maxsize=8)
def normaliser(lang: str) -> Normaliser:
    """The shared, cached normaliser for a language."""
    return Normaliser(lang)
