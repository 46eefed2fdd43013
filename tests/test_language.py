"""Matching keys: lookup lemma, Sastrawi fallback, the never-stem list, token NORMs."""

from __future__ import annotations

import pytest

from qualcode.language import KEEP, matching_pipeline, normaliser, pipeline_signature


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
