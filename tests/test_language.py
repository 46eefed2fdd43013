"""Matching keys: lookup lemma, Sastrawi fallback, the never-stem list, token NORMs."""

from __future__ import annotations

import functools
import pickle
import re
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.affixes import anchored_search, infix_finditer, suffix_search
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


# The faster affix regexes must find exactly what spaCy's own regexes find.

_PIECES = ["a", "b", "Z", "é", "7", "0", "<a", "<a href=x>", "<b/>", ">", "<", "(", ")",
           "[", "\"", "'", "’", "…", "...", ".", ",", "-", "—", "$", "US$", "Rp", "€",
           "%", "°", "§", "*", "&", "?", "!", ":", ";", "/", "#", "@", "http://x.id",
           "nya", "-nya", "-Nya", "di", "ke-", "Jan.", "km", "kg", "10", "'s", "’S", "n't",
           "°C", "²", "+", "=", "^", "~", "|", "\\", "\n", "½", "Ⅳ", "ß", "İ", "ı", ""]
_WORDS = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


@functools.lru_cache(maxsize=None)
def _blank_tokenizer(lang: str):
    return spacy.blank(lang).tokenizer


@functools.lru_cache(maxsize=None)
def _affix_regexes(lang: str):
    """spaCy's prefix, suffix and infix callables for ``lang``, then the faster ones."""
    tokenizer = _blank_tokenizer(lang)
    prefix, suffix = tokenizer.prefix_search, tokenizer.suffix_search
    infix = tokenizer.infix_finditer
    return (prefix, suffix, infix, anchored_search(prefix), suffix_search(suffix),
            infix_finditer(infix))


@pytest.mark.parametrize("lang", ["en", "id", "de", "fr", "es", "nl"])
@settings(max_examples=150, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=6))
def test_faster_affix_regexes_find_what_spacys_find(lang, words):
    prefix, suffix, infix, fast_prefix, fast_suffix, fast_infix = _affix_regexes(lang)
    for word in words:
        for slow, fast in ((prefix, fast_prefix), (suffix, fast_suffix)):
            expected, got = slow(word), fast(word)
            assert (got and got.span()) == (expected and expected.span()), word
        assert [m.span() for m in fast_infix(word)] == [m.span() for m in infix(word)], word


@pytest.mark.parametrize("lang", ["en", "id"])
@settings(max_examples=60, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=12),
       gaps=st.lists(st.sampled_from([" ", "  ", "\n", " \n ", "\t"]), max_size=12))
def test_matching_tokenizer_gives_spacys_tokens(lang, words, gaps):
    text = "".join(w + (gaps[i] if i < len(gaps) else " ") for i, w in enumerate(words))
    plain = _blank_tokenizer(lang)(text)
    ours = matching_pipeline(lang).tokenize(text)
    assert [(t.text, t.whitespace_) for t in ours] == [(t.text, t.whitespace_) for t in plain]


@functools.lru_cache(maxsize=None)
def _keeps_whole(lang: str):
    from qualcode import affixes

    return affixes.blank(lang, 1000).tokenizer.token_match


@pytest.mark.parametrize("lang", ["en", "id", "de", "fr", "es", "nl"])
@settings(max_examples=150, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=6))
def test_a_chunk_kept_whole_is_one_token_for_spacy(lang, words):
    keep, tokenizer = _keeps_whole(lang), _blank_tokenizer(lang)
    if lang != "fr":  # French's infixes are beyond the analysis: its own token_match
        assert type(keep).__name__ == "_SingleToken"
    for word in words:
        if not word or any(c.isspace() for c in word) or word in tokenizer.rules:
            continue  # not a chunk, or an exception (spaCy applies those first)
        if keep(word) is True:
            assert [t.text for t in tokenizer(word)] == [word]


def test_keeping_chunks_whole_follows_each_affix_kind():
    from qualcode import affixes

    keep = affixes.single_token(
        anchored_search(re.compile(r"^\(|^US\$|<a[^>]*>").search),
        suffix_search(re.compile(r"(?<=[0-9])(?:km|m)$|\.$").search),
        infix_finditer(re.compile(r"(?<=[a-z])-(?=[a-z])").finditer), None)
    assert keep is not None and keep("anak") is True and keep("tikam") is True
    for split in ("(anak", "Usaha", "x<a y>", "10km", "Dr.", "anak-anak", "a\n"):
        assert keep(split) is None, split
    assert pickle.loads(pickle.dumps(keep))("anak") is True
    own = re.compile(r"^[a-z]+\.[a-z]+$").match  # a language's own token_match
    keep = affixes.single_token(None, suffix_search(re.compile(r"\.$").search), None, own)
    assert keep is not None and keep("anak") is True and keep("a.b") and not keep("a.")
    unknown = re.compile(r"^a|[bc]d"), re.compile(r"a?$"), re.compile(r"(?<=a)(?=b)")
    assert affixes.single_token(anchored_search(unknown[0].search), None, None, None) is None
    assert affixes.single_token(None, suffix_search(unknown[1].search), None, None) is None
    assert affixes.single_token(None, None, infix_finditer(unknown[2].finditer), None) is None


def test_affix_analysis_reasons_only_about_what_it_can():
    mixed = re.compile(r"^\(|^US\$|<a[^>]*>")
    fast = anchored_search(mixed.search)
    assert fast("(x").span() == (0, 1)
    assert fast("x<a y>").span() == (1, 6)  # the unanchored branch, past the start
    assert fast("x<b>") is None
    assert anchored_search(re.compile(r"^a|^b").search) == re.compile(r"^a|^b").match
    for pattern in (re.compile(r"^a|[bc]d"), re.compile(r"^a|^b", re.MULTILINE),
                    re.compile(r"(?i)^a|b")):
        assert anchored_search(pattern.search) == pattern.search
    units = re.compile(r"(?<=[0-9])(?:km|m)$|\.$|'s$")
    fast = suffix_search(units.search)
    assert fast("10km").span() == (2, 4) and fast("tikam") is None  # no digit, no unit
    assert fast("Dr.").span() == (2, 3) and fast("Ali's").span() == (3, 5)
    assert fast("10km\n").span() == (2, 4)  # $ before a final newline
    for pattern in (re.compile(r"\w$"), re.compile(r"a?$"), re.compile(r"ab")):
        assert suffix_search(pattern.search) == pattern.search
    hyphen = re.compile(r"(?<=[a-z])-(?=[a-z])|(?<=[0-9])[+*](?=[0-9])")
    fast = infix_finditer(hyphen.finditer)
    assert [m.span() for m in fast("anak-anak")] == [(4, 5)] and list(fast("anak")) == []
    assert infix_finditer(re.compile(r"(?<=a)(?=b)").finditer).__name__ == "finditer"
    tokenizer = matching_pipeline("id").nlp.tokenizer
    for name in ("prefix_search", "suffix_search", "infix_finditer"):
        fast = getattr(tokenizer, name)
        plain = pickle.loads(pickle.dumps(fast))  # the regex's own method
        assert plain.__name__ == name.split("_")[1] and plain.__self__.pattern == (
            fast.__self__.pattern)
    assert tokenizer.to_bytes()  # spaCy can still serialise it


def test_blank_pipeline_gets_the_faster_affixes_only_with_spacys_default_tokenizer():
    from qualcode import affixes

    tokenizer = affixes.blank("en", 1234).tokenizer
    assert tokenizer.max_cache_size == 1234
    assert type(tokenizer.infix_finditer).__name__ == "_InfixFinditer"
    assert [t.text for t in tokenizer("Ali's 10km walk (twice).")] == [
        "Ali", "'s", "10", "km", "walk", "(", "twice", ")", "."]
    chinese = affixes.blank("zh", 1234)  # its own tokenizer, left as spaCy makes it
    assert type(chinese.tokenizer).__name__ == "ChineseTokenizer"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_building_the_indonesian_pipeline_stays_small():
    # the affix analysis once kept a set per character (1.6 GB, and every fork slowed)
    import subprocess
    import sys

    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking test process
    code = ("from qualcode.language import matching_pipeline; matching_pipeline('id'); "
            "print([int(line.split()[1]) // 1024 for line in open('/proc/self/status') "
            "if line.startswith('VmHWM:')][0])")
    peak_mb = int(subprocess.run([sys.executable, "-c", code], check=True,
                                 capture_output=True, text=True).stdout.split()[-1])
    assert peak_mb < 600, f"{peak_mb} MB"


def test_word_ids_come_back_from_the_lexemes_rank_slot():
    from spacy.attrs import ID, ORTH

    from qualcode.language import MatchingPipeline, NO_RANK, WORD_BASE

    pipe = MatchingPipeline("en")
    pipe.nlp.vocab["vectorised"].rank = 7  # as if it had a vector row: left alone
    doc = pipe.tokenize("the cat saw the vectorised cat")
    first = pipe.word_ids(*doc.to_array([ORTH, ID]).T).tolist()
    assert [pipe.words[w] for w in first] == [t.text for t in doc]
    assert sorted(set(first)) == [0, 1, 2, 3] and first[0] == first[3]
    again = pipe.tokenize("cat the vectorised dog").to_array([ORTH, ID])
    wid = {t: first[i] for i, t in enumerate(["the", "cat", "saw", "the", "vectorised"])}
    assert again[:3, 1].tolist() == [WORD_BASE + wid["cat"], WORD_BASE + wid["the"], 7]
    assert again[3, 1] == NO_RANK
    assert pipe.word_ids(*again.T).tolist() == [wid["cat"], wid["the"], wid["vectorised"], 4]
    assert pipe.words[4] == "dog"
