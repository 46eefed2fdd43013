"""The chunk table: each distinct piece of text between single spaces is tokenised by
spaCy once, then read back as word ids (``qualcode.engine.batch.ChunkTable``)."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qualcode.engine import batch
from qualcode.engine.batch import ChunkTable, Lender, chunk_table, tokenise
from qualcode.language import WORD_BASE, MatchingPipeline, piecewise


def _words(pipe: MatchingPipeline, wids) -> list[str]:
    return [pipe.words[w] for w in wids.tolist()]


def test_pieces_of_one_token_are_word_ids_and_longer_ones_are_expanded():
    pipe = MatchingPipeline("en")
    table = ChunkTable(pipe)
    dont, cat, dog = table.learn(["don't", "cat", "(dog)."])
    assert (dont, dog) == (~0, ~1)  # the first and second entries of several tokens
    assert cat >= 0 and pipe.words[cat] == "cat"
    wids, lasts = table.expand(table.codes(["cat", "don't", "(dog).", "cat"]))
    assert _words(pipe, wids) == ["cat", "do", "n't", "(", "dog", ")", ".", "cat"]
    assert lasts.tolist() == [0, 2, 6, 7]
    assert table.codes(["cat", "bird"]).tolist() == [cat, batch.UNKNOWN]


def test_a_batch_read_from_the_table_has_spacys_spaces_and_separators():
    pipe = MatchingPipeline("en")
    found = tokenise(pipe, ["the cat", "don't (dog).", "the\tend"])
    assert _words(pipe, found.wids) == ["the", "cat", "\n\n", "do", "n't", "(", "dog",
                                        ")", ".", "\n\n", "the", "\t", "end"]
    assert found.spaces.tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    again = tokenise(pipe, ["the cat", "don't (dog).", "the\tend"])  # from the table now
    assert again.wids.tolist() == found.wids.tolist()
    assert again.spaces.tolist() == found.spaces.tolist()


def test_whitespace_inside_a_text_is_kept_as_spacy_keeps_it():
    """spaCy gives the token before a space its trailing space and goes on as if the
    text started after it: so a text is cut into pieces at the spaces that follow a
    non-space character, and more whitespace starts the next piece. Only texts with
    whitespace at an end (or empty) go to spaCy whole."""
    assert ChunkTable.even("a  b\tc\n d")
    assert not any(map(ChunkTable.even, ["", " a", "a ", "a\n"]))
    assert ChunkTable.pieces("a b") == ["a", "b"]
    assert ChunkTable.pieces("a  b\n c") == ["a", " b\n c"]
    pipe = MatchingPipeline("en")
    texts = ["one  two", "three four", "five \n six", "seven   eight"]
    found = tokenise(pipe, texts)
    assert _words(pipe, found.wids) == ["one", " ", "two", "\n\n", "three", "four", "\n\n",
                                        "five", "\n ", "six", "\n\n", "seven", "  ",
                                        "eight"]
    assert found.spaces.tolist() == [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert set(pipe.chunk_table.ids) >= {" two", "\n six", "  eight"}  # from the table
    whole = [[t.text for t in pipe.nlp.tokenizer(text)] for text in texts]
    assert sum(whole, []) == [w for w in _words(pipe, found.wids) if w != "\n\n"]


def test_a_piece_gets_the_same_tokens_whatever_it_is_learnt_with():
    """Across a single space spaCy's special-case pass can match two pieces together
    and then drop the emoticon it would find in one (``:)`` in ``:)a.m.``); pieces are
    learnt one per line, so each gets the tokens spaCy gives it alone."""
    alone = MatchingPipeline("en")
    expected = [t.text for t in alone.nlp.tokenizer(":)a.m.")]
    assert expected == [":)", "a.m."]
    spacy_whole = [t.text for t in alone.nlp.tokenizer("kerja-sama-10%:) :)a.m.")]
    assert spacy_whole[-3:] == [":", ")", "a.m."]  # spaCy, the two pieces in one Doc
    pipe = MatchingPipeline("en")
    found = tokenise(pipe, ["kerja-sama-10%:) :)a.m."])
    assert _words(pipe, found.wids)[-3:] == [":)", ":)", "a.m."]


_PIPES: dict[str, MatchingPipeline] = {}


def _pipe(lang: str) -> MatchingPipeline:
    if lang not in _PIPES:
        _PIPES[lang] = MatchingPipeline(lang)
    return _PIPES[lang]


def test_letters_only_pieces_skip_spacy_unless_a_rule_may_split_them():
    """A piece of letters that no special case, prefix, suffix or infix rule matches is
    one token without asking spaCy; the others go to spaCy (Indonesian's prefixes take
    currency codes off a word: ``Rpakai``)."""
    en, id_ = _pipe("en"), _pipe("id")
    assert en.simple_tokens(["guidance", "dont", "cannot", "cat's", "Mr.", "x2"]) == \
        [("guidance",), None, None, None, None, None]
    assert id_.simple_tokens(["pemerintah", "Rpakai", "USDabc", "masing-masing"]) == \
        [("pemerintah",), None, None, None]
    assert en.simple_tokens(["said,", "cat's", "dont.", "etc.", "x2.", "(cat", "cat?!"]) == \
        [("said", ","), None, None, ("etc", "."), None, None, None]
    assert id_.simple_tokens(["diawasi.", "Rpakai.", "USDabc,", "dll."]) == \
        [("diawasi", "."), None, None, None]
    table = ChunkTable(MatchingPipeline("id"))
    asked = []
    spacy_tokens = table._spacy_tokens
    table._spacy_tokens = lambda pieces: asked.extend(pieces) or spacy_tokens(pieces)
    codes = table.learn(["pemerintah", "Rpakai", "diawasi"])
    assert asked == ["Rpakai"]
    wids, _ = table.expand(table.codes(["Rpakai", "pemerintah", "diawasi"]))
    assert _words(table.pipe, wids) == ["Rp", "akai", "pemerintah", "diawasi"]
    assert codes[0] >= 0 and codes[1] < 0


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçßøñüöäşğıÉÅ" \
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяαβγδεζ"


_ENDS = list(".,!?;:)]}'\"%-…’”»*/&+=#@$€_~|<>") + ["", "5", "a", "'s", "n't", ".)", "?!"]


@pytest.mark.parametrize("lang", ["en", "id", "de", "fr", "ru"])
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(
    st.text(alphabet=_LETTERS, min_size=1, max_size=8),
    st.sampled_from(["Rp", "IDR", "USD", "km", "nya", "dont", "cannot", "gonna", "Im",
                     "lah", "kah", "st", "nd", "th", "mg", "Mr", "etc", "Dr", "Nr", "z",
                     "Jan", "No", "hlm", "dll", "dsb", "St", "ca", "vs", "т", "г"])),
    min_size=1, max_size=3), end=st.sampled_from(_ENDS))
@example(parts=["Rp", "akai"], end="").via("a currency code is an Indonesian prefix")
@example(parts=["Rp", "akai"], end=".").via("the same, with a suffix")
@example(parts=["USD", "abc"], end=",").via("the same, three letters")
@example(parts=["Uang"], end=".").via("a letter a prefix may start with")
def test_tokens_told_without_spacy_are_what_spacy_makes_of_a_piece(lang, parts, end):
    """Property: whenever ``simple_tokens`` tells a piece's tokens (a word, or a word
    and the character the suffix rules take off it), spaCy's tokenizer makes exactly
    those tokens of it."""
    piece = "".join(parts) + end
    pipe = _pipe(lang)
    told = pipe.simple_tokens([piece])[0]
    if told is not None:
        assert [t.text for t in pipe.nlp.tokenizer(piece)] == list(told)


def test_a_full_table_starts_again(monkeypatch):
    """A batch that finds the table full (``MAX_CHUNKS``) empties it before it reads
    any piece, so that the codes it has read stay valid: the table holds at most
    ``MAX_CHUNKS`` pieces and one batch's new ones."""
    monkeypatch.setattr(batch, "MAX_CHUNKS", 4)
    pipe = MatchingPipeline("en")
    texts = ["don't alpha", "don't beta gamma", "don't delta", "don't alpha"]
    sizes, tokens = [], []
    for text in texts:
        found = tokenise(pipe, [text])
        sizes.append(len(pipe.chunk_table.ids))
        tokens.append(" ".join(_words(pipe, found.wids)))
    assert sizes == [3, 5, 3, 4]  # with the separator; emptied before the third text
    assert tokens == ["do n't alpha", "do n't beta gamma", "do n't delta", "do n't alpha"]


def test_piecewise_unless_a_special_case_with_a_space_applies():
    """spaCy's own special cases with a space in them (Indonesian ``Dr. rer. nat.``)
    never apply; one added that does, across pieces, turns the table off."""
    assert piecewise(MatchingPipeline("id").nlp.tokenizer)
    nlp = spacy.blank("en")
    nlp.tokenizer.add_special_case("New York", [{"ORTH": "New York"}])
    assert [t.text for t in nlp.tokenizer("in New York now")] == ["in", "New York", "now"]
    assert not piecewise(nlp.tokenizer)
    assert not piecewise(spacy.blank("zh").tokenizer)  # a language's own tokenizer


def test_pieces_another_process_learnt_are_borrowed_not_tokenised_again(monkeypatch):
    """A forked worker's table keeps a journal of the pieces it learns; the parent's
    table takes them from a ``Lender`` (in its own word ids) and asks spaCy only for
    the others, and its own journal holds only those."""
    theirs_pipe = MatchingPipeline("en")
    theirs = ChunkTable(theirs_pipe)
    theirs.journal = ([], [], [])
    theirs.learn(["don't", "cat", "(dog)."])
    journal = theirs.take_journal()
    assert journal is not None
    assert journal[0] == ["cat", "don't", "(dog)."]  # (pieces taken whole come first)
    assert journal[1].tolist() == [1, 2, 4]
    assert [theirs_pipe.words[w] for w in journal[2].tolist()] == \
        ["cat", "do", "n't", "(", "dog", ")", "."]
    assert theirs.take_journal()[0] == []  # taken: the next journal starts empty
    lender = Lender(list(theirs_pipe.words))
    lender.add(journal)

    pipe = MatchingPipeline("en")
    tokenise(pipe, ["zebra yak"])  # so that this process numbers words differently
    table = chunk_table(pipe)
    table.lenders = [lender]
    table.journal = ([], [], [])
    asked: list[str] = []
    spacy_tokens = table._spacy_tokens
    monkeypatch.setattr(table, "_spacy_tokens",
                        lambda pieces: asked.extend(pieces) or spacy_tokens(pieces))
    text = "the cat don't bark?! (dog)."
    found = tokenise(pipe, [text])
    assert _words(pipe, found.wids) == [t.text for t in spacy.blank("en")(text)]
    assert asked == ["bark?!"]  # the borrowed pieces never reach spaCy, nor "the"
    assert table.take_journal()[0] == ["the", "bark?!"]

    # "cat" was numbered without a lexeme; spaCy meeting it later gives the same id
    cat = found.wids.tolist()[1]
    again = tokenise(pipe, [" cat "])  # whitespace at the ends: spaCy reads it whole
    assert again.wids.tolist()[1] == cat
    assert pipe.nlp.vocab["cat"].rank == WORD_BASE + cat


def test_a_lender_holds_at_most_max_chunks_pieces(monkeypatch):
    monkeypatch.setattr(batch, "MAX_CHUNKS", 2)
    theirs_pipe = MatchingPipeline("en")
    theirs = ChunkTable(theirs_pipe)
    theirs.journal = ([], [], [])
    lender = Lender(theirs_pipe.words)
    for pieces in (["cat", "dog"], ["don't"], ["bird"]):
        theirs.learn(pieces)
        lender.add(theirs.take_journal())
    assert set(lender.index) == {"don't", "bird"}  # emptied when full, before "don't"
    pipe = MatchingPipeline("en")
    wids, lengths = lender.tokens([lender.index["bird"]], pipe)
    assert [pipe.words[w] for w in wids.tolist()] == ["bird"] and lengths.tolist() == [1]


def test_a_lender_indexes_journals_when_first_looked_up(monkeypatch):
    """Journals wait unindexed until a piece is looked up (a parent that tokenises
    nothing more never indexes them), and at most ``MAX_CHUNKS`` pieces wait."""
    monkeypatch.setattr(batch, "MAX_CHUNKS", 4)
    theirs_pipe = MatchingPipeline("en")
    theirs = ChunkTable(theirs_pipe)
    theirs.journal = ([], [], [])
    lender = Lender(theirs_pipe.words)
    indexed = []
    take_in = lender._take_in
    monkeypatch.setattr(lender, "_take_in", lambda: indexed.append(1) or take_in())
    for pieces in (["cat"], ["dog", "don't"]):
        theirs.learn(pieces)
        lender.add(theirs.take_journal())
    assert not indexed  # three pieces wait
    assert set(lender.index) == {"cat", "dog", "don't"} and indexed == [1]
    assert set(lender.index) == {"cat", "dog", "don't"} and indexed == [1]  # once
    theirs.learn(["emu", "fox", "gnu", "hen"])
    lender.add(theirs.take_journal())  # four more wait: taken in at once
    assert indexed == [1, 1]
    assert len(lender.index) == 7  # (emptied before a journal only once full)
    theirs.learn(["ibis"])
    lender.add(theirs.take_journal())
    assert set(lender.index) == {"ibis"} and indexed == [1, 1, 1]
