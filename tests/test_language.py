"""Matching keys: lookup lemma, Sastrawi fallback, the never-stem list, token NORMs."""

from __future__ import annotations

import functools
import pickle
import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.language import (KEEP, anchored_search, matching_pipeline, normaliser,
                               pipeline_signature)


@pytest.mark.parametrize("word,key", [
    ("pembinaan", "bina"), ("Pembinaan", "bina"), ("pengawasan", "awas"),
    ("diawasi", "awas"), ("dilaporkan", "lapor"), ("dievaluasi", "evaluasi"),
    ("membimbing", "bimbing"), ("pemerintah", "pemerintah"), ("kebijakan", "kebijakan"),
    ("anggaran", "anggaran"), ("2020", "2020"),
])
def test_indonesian_keys(word, key):
    assert normaliser("id")(word) == key


@pytest.mark.parametrize("word,key", [
    ("reports", "report"), ("Reported", "report"), ("running", "run"), ("were", "be"),
    ("timing", "timing"), ("data", "data"), ("news", "news"),
])
def test_english_keys(word, key):
    assert normaliser("en")(word) == key


def test_never_stem_words_keep_their_form():
    for lang, words in KEEP.items():
        norm = normaliser(lang)
        assert all(norm(w) == w for w in words)


def test_tokens_carry_their_key_as_norm_including_exception_lexemes():
    pipe = matching_pipeline("en")
    doc = pipe.make_doc("They weren't reporting; Data were timing.")
    assert [t.norm_ for t in doc if t.is_alpha] == [
        "they", "be", "report", "data", "be", "timing"]


def test_signature_changes_with_language_and_model():
    assert pipeline_signature("id") != pipeline_signature("en")
    assert pipeline_signature("en") != pipeline_signature("en", "en_core_web_sm")
    assert pipeline_signature("en") == pipeline_signature("en")


def test_stemming_shortcut_agrees_with_sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from spacy.lookups import load_lookups

    from qualcode.language import _stemmer

    table = load_lookups("id", ["lemma_lookup"]).get_table("lemma_lookup")
    words = sorted({w.lower() for w in list(table.keys())[::7] if isinstance(w, str)
                    and w.isalpha()})
    words += ["diawasi", "dilaporkan", "dievaluasi", "kebersamaan", "gemetar", "tolong",
              "kopi", "pelajaran", "bukunya", "kinerja", "sinergi", "café"]
    fast, slow = _stemmer("id"), StemmerFactory().create_stemmer().stem
    assert fast is not None
    assert [fast(w) for w in words] == [slow(w) for w in words]


# The faster prefix search must find exactly what spaCy's own search finds.

_PIECES = ["a", "b", "Z", "é", "7", "0", "<a", "<a href=x>", "<b/>", ">", "<", "(", ")",
           "[", "\"", "'", "’", "…", "...", ".", ",", "-", "—", "$", "US$", "Rp", "€",
           "%", "°", "§", "*", "&", "?", "!", ":", ";", "/", "#", "@", "http://x.id",
           "nya", "di", "ke-", "Jan.", "km", "kg"]
_WORDS = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


@functools.lru_cache(maxsize=None)
def _blank_tokenizer(lang: str):
    return spacy.blank(lang).tokenizer


@pytest.mark.parametrize("lang", ["en", "id", "de", "fr"])
@settings(max_examples=200, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=6))
def test_anchored_prefix_search_finds_what_spacy_finds(lang, words):
    search = _blank_tokenizer(lang).prefix_search
    fast = anchored_search(search)
    for word in words:
        expected, got = search(word), fast(word)
        assert (got and got.span()) == (expected and expected.span()), word


@pytest.mark.parametrize("lang", ["en", "id"])
@settings(max_examples=100, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=12),
       gaps=st.lists(st.sampled_from([" ", "  ", "\n", " \n ", "\t"]), max_size=12))
def test_matching_tokenizer_gives_spacys_tokens(lang, words, gaps):
    text = "".join(w + (gaps[i] if i < len(gaps) else " ") for i, w in enumerate(words))
    plain = _blank_tokenizer(lang)(text)
    ours = matching_pipeline(lang).tokenize(text)
    assert [(t.text, t.whitespace_) for t in ours] == [(t.text, t.whitespace_) for t in plain]


def test_anchored_search_reasons_only_about_what_it_can():
    mixed = re.compile(r"^\(|^US\$|<a[^>]*>")
    fast = anchored_search(mixed.search)
    assert fast("(x").span() == (0, 1)
    assert fast("x<a y>").span() == (1, 6)  # the unanchored branch, past the start
    assert fast("x<b>") is None
    assert anchored_search(re.compile(r"^a|^b").search) == re.compile(r"^a|^b").match
    for pattern in (re.compile(r"^a|[bc]d"), re.compile(r"^a|^b", re.MULTILINE),
                    re.compile(r"(?i)^a|b")):
        assert anchored_search(pattern.search) == pattern.search
    tokenizer = matching_pipeline("id").nlp.tokenizer
    assert pickle.loads(pickle.dumps(tokenizer.prefix_search))("x<a y>").span() == (1, 6)
    assert tokenizer.to_bytes()  # spaCy can still serialise it
