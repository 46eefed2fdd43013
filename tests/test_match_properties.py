"""Term matching over whole batches agrees with a plain token-by-token reading.

``match_batch`` finds hits and magnitude signs with array operations over a batch of
segments; the reference below walks each segment's spaCy tokens one at a time. For
any segments drawn from a small vocabulary (so that terms, phrases and magnitude words
meet often, next to each other and at segment edges), both must give the same hits,
token spans, character offsets and signs.
"""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.codebook import load_codebook
from qualcode.engine import compile_for
from qualcode.engine.match import match_batch
from qualcode.language import matching_pipeline

CODEBOOK = """\
codebook: Signs
language: en
magnitude:
  negative: [never, without]
  positive: [always]
  window: 3
codes:
  - id: TIME
    label: Time
    rules:
      - keywords: [time, supported, good plan]
  - id: PLAN
    label: Plan
    magnitude:
      negative: [not]
      positive: [good]
      window: 1
    rules:
      - keywords: [plan, =Time, sup*]
"""

WORDS = ["never", "without", "always", "not", "good", "plan", "plans", "time", "Time",
         "times", "support", "supports", "supported", "the", "a", "we", ",", ".", "had"]

segment_text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)


def _spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("cb") / "codebook.yaml"
    path.write_text(textwrap.dedent(CODEBOOK), encoding="utf-8")
    return compile_for(load_codebook(path)).spec


def _reference(spec, text: str) -> list[tuple]:
    """Every term hit in ``text``, one token at a time, as RawHit fields."""
    pipe = matching_pipeline(spec.language, spec.model)
    tokens = list(pipe.tokenize(text))
    lower = [t.text.lower() for t in tokens]
    keys = [pipe.norm(t.text) for t in tokens]
    out = []
    for item, term in enumerate(spec.terms):
        words = term.text.split()
        for s in range(len(tokens) - len(words) + 1):
            ok = True
            for n, word in enumerate(words):
                at = s + n
                if term.mode == "exact":
                    ok &= lower[at] == word.lower()
                elif term.mode == "prefix":
                    ok &= lower[at].startswith(word.lower()) if n == len(words) - 1 \
                        else lower[at] == word.lower()
                else:
                    ok &= keys[at] == pipe.norm(word)
            if not ok:
                continue
            e = s + len(words)
            signs = ""
            for mag in spec.magnitudes:
                neg = {w.lower() for w in mag.negative}
                pos = {w.lower() for w in mag.positive}
                marks = {"-" if lower[i] in neg or keys[i] in neg else
                         "+" if lower[i] in pos or keys[i] in pos else "."
                         for i in range(max(0, s - mag.window), s)}
                signs += "-" if "-" in marks else "+" if "+" in marks else "."
            end = tokens[e - 1].idx + len(tokens[e - 1].text)
            out.append((item, s, e, tokens[s].idx, end, signs))
    return sorted(out)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(segment_text, min_size=1, max_size=6))
def test_batch_matching_equals_token_by_token_reading(tmp_path_factory, texts):
    spec = _spec(tmp_path_factory)
    found = match_batch(spec, texts)
    assert len(found) == len(texts)
    for text, seg in zip(texts, found):
        assert [tuple(h) for h in seg.terms] == _reference(spec, text), text
        for hit in seg.terms:
            assert isinstance(hit.start, int) and isinstance(hit.tok, int)


def test_reference_sees_signs_and_phrases(tmp_path_factory):
    """The property above is not vacuous: signs, a phrase and a prefix term occur."""
    spec = _spec(tmp_path_factory)
    hits = _reference(spec, "we never had good plan , not supported time")
    names = {spec.names[h[0]] for h in hits}
    assert {"good plan", "sup*", "time", "plan", "supported"} <= names
    by_name = {spec.names[h[0]]: h for h in hits}
    assert by_name["good plan"][5] == "-."       # "never" 2 tokens before, window 3
    assert by_name["supported"][5] == ".-"       # "not" right before, window 1
    assert by_name["time"][5] == ".."            # "not" is 3 tokens back: window 1
    assert by_name["plan"][5] == "-+"            # "good" right before "plan"


# words, affixes, hyphens, quotes, numbers, an e-mail, a URL, inner whitespace, and
# special cases of the tokenizers (English "id", "don't", "—"; Indonesian
# "masing-masing", "dll."), bare and with punctuation around them
PIECES = ["kerja", "sama", "kerja-sama", "(", ")", '"', "'", ",", ".", "...", "Dr.", "3,5",
          "10%", "can't", "e-mail@x.id", "https://x.id/a?b=1", "-", "—", " ", "  ", "\n",
          "\n\n", "\t", "ü", "über", "dilaporkan", "Pemprov", ":", "?!", "id", "don't",
          "masing-masing", "dll.", ":)", "wed", "a.m."]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
                      .map(lambda t: t if len(t) % 3 else t.strip()), max_size=6),
       lang=st.sampled_from(["en", "id"]), join=st.sampled_from([1, 8, 30, 20_000]),
       scan=st.sampled_from([1, 8]))
def test_texts_tokenised_in_batches_give_spacy_s_tokens(texts, lang, join, scan):
    """Texts read piece by piece from the chunk table (pieces learnt in groups of
    ``join`` characters or so), the others tokenised whole, in groups, and cut after
    chunks that may hold a special case (scanning every text, or one in ``scan``):
    the tokens are spaCy's, for each piece alone or for each text alone."""
    from qualcode.engine import batch

    pipe = matching_pipeline(lang)
    saved = batch.JOIN_CHARS, batch.SCAN_EVERY
    batch.JOIN_CHARS, batch.SCAN_EVERY, pipe.unscanned = join, scan, 0
    try:
        grouped = batch.tokenise(pipe, texts)
    finally:
        batch.JOIN_CHARS, batch.SCAN_EVERY = saved
    assert grouped.wids is not None
    assert [pipe.words[w] for w in grouped.wids.tolist()] == _spacy_tokens(pipe, texts)
    assert grouped.spaces.tolist() == _spacy_tokens(pipe, texts, spaces=True)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from([p for p in PIECES if p != ":)"]),
                               max_size=12).map("".join), max_size=6),
       lang=st.sampled_from(["en", "id"]))
def test_batches_give_the_tokens_of_one_doc_per_text(texts, lang):
    """Read piece by piece or not, a batch has the tokens spaCy gives each whole text.
    (Not with ``:)``: there spaCy's special-case pass can match across a space and
    leave the emoticon split in the whole text; see docs/architecture.md.)"""
    from qualcode.engine import batch

    pipe = matching_pipeline(lang)
    found = batch.tokenise(pipe, texts)
    assert [pipe.words[w] for w in found.wids.tolist()] == _spacy_tokens(pipe, texts,
                                                                         whole=True)
    assert found.spaces.tolist() == _spacy_tokens(pipe, texts, spaces=True, whole=True)


def _spacy_tokens(pipe, texts, spaces=False, whole=False) -> list:
    """spaCy's tokens of each text, the texts separated by a blank-line token: for a
    text with no whitespace at its ends, of each piece on its own, cut at the spaces
    that follow a non-space character (each piece but the last followed by a space);
    else (or if ``whole``) of the whole text."""
    import re

    from qualcode.engine.batch import SEPARATOR

    out: list = []
    for n, text in enumerate(texts):
        if n:
            out.append(0 if spaces else SEPARATOR)
        if whole or text.strip() != text or not text:
            out.extend(int(bool(t.whitespace_)) if spaces else t.text
                       for t in pipe.tokenize(text))
            continue
        pieces = re.split(r"(?<=\S) ", text)
        for k, piece in enumerate(pieces):
            tokens = list(pipe.tokenize(piece))
            for j, token in enumerate(tokens):
                last = j == len(tokens) - 1 and k < len(pieces) - 1
                out.append(int(last) if spaces else token.text)
    return out


def test_a_text_is_cut_after_each_chunk_that_may_hold_a_special_case():
    """English special cases (``id``, ``don't``, ``—``): found bare or with punctuation
    around them, not inside a longer word; the cut is at the whitespace after the
    chunk, never at the end of the text."""
    from qualcode.engine.batch import _by_spacy, special_ends

    pipe = matching_pipeline("en")
    text = "idea (id.) valid don't\n\nso — yes don't"
    #       0123456789012345678901 2 3456789012345678
    assert special_ends(text, pipe.specials) == [10, 22, 28]
    assert special_ends("nothing special here", pipe.specials) == []
    indonesian = matching_pipeline("id").specials
    text = "kertas, pena, dll. lalu masing-masing, pulang"
    #       0123456789012345678901234567890123456789
    assert special_ends(text, indonesian) == [18, 38]
    pipe.unscanned = 0
    wids, spaces = _by_spacy(pipe, [text])
    assert [pipe.words[w] for w in wids.tolist()] == _spacy_tokens(pipe, [text], whole=True)
    assert spaces.tolist() == _spacy_tokens(pipe, [text], spaces=True, whole=True)


def test_finding_special_cases_takes_one_pass_over_a_long_chunk():
    """200,000 occurrences of a special case inside one chunk: the whitespace after
    them is looked for once, not once per occurrence (which would take minutes)."""
    import signal

    from qualcode.engine.batch import special_ends

    pipe = matching_pipeline("en")
    text = "id " + "(id)" * 200_000 + " end"
    signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.alarm(60)
    try:
        assert special_ends(text, pipe.specials) == [2, len(text) - 4]
    finally:
        signal.alarm(0)


def test_chunks_after_a_special_case_are_split_once():
    """spaCy caches no new chunk of a Doc after a special case (here ``id``), so without
    the cut the affix rules (``token_match`` first) ran on ``zorbleflax`` again at every
    occurrence; with it, its second occurrence comes from the tokenizer's cache."""
    from qualcode.engine.batch import _by_spacy
    from qualcode.language import MatchingPipeline

    pipe = MatchingPipeline("en")  # its own tokenizer: the spy below flushes its cache
    tokenizer = pipe.nlp.tokenizer
    inner, asked = tokenizer.token_match, []

    def spy(chunk):
        asked.append(chunk)
        return inner(chunk)

    tokenizer.token_match = spy
    _by_spacy(pipe, ["id zorbleflax wumpfish"])
    assert "zorbleflax" in asked  # split the first time
    asked.clear()
    _by_spacy(pipe, ["so id zorbleflax wumpfish"])
    assert "zorbleflax" not in asked and "wumpfish" not in asked


def test_texts_with_outer_whitespace_are_tokenised_one_by_one():
    from qualcode.engine.batch import tokenise

    pipe = matching_pipeline("en")
    texts = ["ends with a newline\n", "", " starts with a space"]
    found = tokenise(pipe, texts)
    assert found.wids is not None
    words = [pipe.words[w] for w in found.wids.tolist()]
    assert words == _spacy_tokens(pipe, texts) and words.count("\n\n") == 2
