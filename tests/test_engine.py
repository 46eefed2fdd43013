"""The coding engine: every rule kind in English and Indonesian, hits, magnitude, where."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.engine import code_segments, compile_for
from qualcode.errors import CodebookError
from qualcode.ingest.text import parse_text
from qualcode.model import Source
from qualcode.segment import segment_source


def make_codebook(tmp_path: Path, codes: str, language: str = "en",
                  magnitude: str = "") -> Path:
    body = f"codebook: Test\nlanguage: {language}\n{magnitude}codes:\n" + textwrap.indent(
        textwrap.dedent(codes).strip(), "  ") + "\n"
    path = tmp_path / f"cb-{abs(hash(body))}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def make_source(text: str, sid: str = "S1", technique: str = "W", role: str = "") -> Source:
    raw = parse_text(textwrap.dedent(text).strip().encode("utf-8") + b"\n")
    return Source(id=sid, path=f"{sid}.txt", text=raw.text, turns=raw.turns,
                  technique=technique, role=role, informant=sid,
                  has_speakers=raw.has_speakers)


def coded(tmp_path: Path, codes: str, text: str, language: str = "en", **kw):
    """Code one source; return {segment ordinal: {code id: Coding}} and the source."""
    codebook = load_codebook(make_codebook(tmp_path, codes, language,
                                           kw.pop("magnitude", "")))
    source = make_source(text, **kw)
    segments = segment_source(source, interviewers=("Q", "Peneliti"))
    out: dict[int, dict] = {}
    for coding in code_segments(segments, [source], codebook):
        seg = next(s for s in segments if s.id == coding.segment_id)
        out.setdefault(segments.index(seg) + 1, {})[coding.code_id] = coding
    return out, source


def codes_of(result) -> dict[int, set[str]]:
    return {k: set(v) for k, v in result.items()}


EN_TEXT = """
Q: How do you report?
A: I reported the visits and she reports them too.
Q: And the timing?
A: The timing was bad. We never had time for the reporting tool.
A: Nobody checks it without a reason.
"""


def test_keywords_match_inflected_forms_english(tmp_path):
    result, source = coded(tmp_path, """
        - id: REP
          label: Reporting
          rules:
            - keywords: [report]
    """, EN_TEXT)
    hits = [h for c in result.values() for h in c["REP"].hits]
    assert [source.text[h.start:h.end] for h in hits] == ["reported", "reports", "reporting"]
    assert all(h.term == "report" and h.kind == "keywords" for h in hits)


def test_interviewer_turns_are_skipped_unless_asked(tmp_path):
    codes = """
        - id: REP
          label: Reporting
          rules:
            - keywords: [report]
        - id: ASK
          label: Asked about reporting
          rules:
            - keywords: [report]
              where: {speaker: interviewer}
        - id: ANY
          label: Anyone
          rules:
            - keywords: [timing]
              where: {speaker: any}
    """
    result, _ = coded(tmp_path, codes, EN_TEXT)
    by_code = {code: sorted(k for k, v in result.items() if code in v)
               for code in ("REP", "ASK", "ANY")}
    assert by_code == {"REP": [2, 4], "ASK": [1], "ANY": [3, 4]}


def test_never_stem_and_exact_escape_english(tmp_path):
    result, _ = coded(tmp_path, """
        - id: TIME
          label: Time
          rules:
            - keywords: [time]
        - id: TIMING
          label: Timing
          rules:
            - keywords: ["=timing"]
    """, EN_TEXT)
    # "timing" is on the never-stem list, so it does not meet "time"
    assert codes_of(result) == {4: {"TIME", "TIMING"}}
    assert [h.term for h in result[4]["TIMING"].hits] == ["=timing"]
    assert [h.term for h in result[4]["TIME"].hits] == ["time"]


def test_none_all_min_and_prefix_english(tmp_path):
    result, _ = coded(tmp_path, """
        - id: NONE
          label: Blocked by never
          rules:
            - keywords: [report]
              none: [never]
        - id: ALL
          label: Both
          rules:
            - all: [visit, report]
        - id: MIN
          label: Two reports
          rules:
            - keywords: [report]
              min: 2
        - id: PREFIX
          label: Check prefix
          rules:
            - keywords: ["check*"]
    """, EN_TEXT)
    assert codes_of(result) == {2: {"NONE", "ALL", "MIN"}, 5: {"PREFIX"}}


def test_near_respects_its_window_english(tmp_path):
    text = "A: alpha one two beta.\nA: alpha one two three beta.\n"
    for within, expected in ((3, {1}), (4, {1, 2})):
        result, _ = coded(tmp_path, f"""
            - id: NEAR
              label: Near
              rules:
                - near: [alpha, beta]
                  within: {within}
        """, text)
        assert set(result) == expected


def test_patterns_with_lemma_and_anchors_english(tmp_path):
    result, source = coded(tmp_path, """
        - id: NEG
          label: Never had
          rules:
            - pattern: [{LOWER: never}, {LEMMA: have}]
        - id: NUM
          label: A number
          rules:
            - pattern: [{IS_DIGIT: true}, {LOWER: visits}]
    """, EN_TEXT + "A: We made 12 visits.\n")
    assert codes_of(result) == {4: {"NEG"}, 6: {"NUM"}}
    hit = result[4]["NEG"].hits[0]
    assert (source.text[hit.start:hit.end], hit.kind) == ("never had", "pattern")


PATTERN_CODES = """
    - id: NUMVISIT
      label: A number of visits
      rules:
        - pattern: [{LIKE_NUM: true}, {LOWER: visits, IS_ALPHA: true}]
    - id: YEAR
      label: A year, then a full stop
      rules:
        - pattern: [{SHAPE: dddd}, {IS_PUNCT: true}]
    - id: TITLE
      label: A title and a name
      rules:
        - pattern: [{LOWER: said}, {IS_TITLE: true}]
"""
PATTERN_TEXT = """
A: We made 12 visits in 2023.
A: Twenty-one Visits, said Dr. Smith!
A: The rate was 45 %, said dr. 2023
"""


def test_patterns_read_lexical_attributes_english(tmp_path, monkeypatch):
    """Docs for patterns are built in a vocabulary that computes only the lexical
    attributes the patterns use (``pattern_vocab``); the codings are those of the full
    vocabulary, which computes them all."""
    from qualcode.engine import match
    from qualcode.language import MatchingPipeline

    result, _ = coded(tmp_path, PATTERN_CODES, PATTERN_TEXT)
    assert codes_of(result) == {1: {"NUMVISIT", "YEAR"}, 2: {"NUMVISIT", "TITLE"}}
    assert [h.kind for h in result[2]["TITLE"].hits] == ["pattern"]
    monkeypatch.setattr(match, "_MATCHERS", {})
    monkeypatch.setattr(MatchingPipeline, "pattern_vocab", lambda self, attrs: self.vocab)
    full, _ = coded(tmp_path, PATTERN_CODES, PATTERN_TEXT)
    assert full == result


def test_a_term_spacy_splits_alone_also_matches_it_as_one_token(tmp_path):
    """spaCy splits ``dr.`` alone (``dr`` ``.``) but keeps ``Dr.`` whole before a name:
    a keyword, and a pattern anchored on the literal, match both forms."""
    result, source = coded(tmp_path, """
        - id: KW
          label: The abbreviation
          rules:
            - keywords: ["=dr."]
        - id: PAT
          label: A doctor's name
          rules:
            - pattern: [{LOWER: dr.}, {IS_TITLE: true}]
    """, "A: I asked Dr. Smith.\nA: The dr. said no.\nA: Drive on.\n")
    assert codes_of(result) == {1: {"KW", "PAT"}, 2: {"KW"}}
    hit = result[1]["PAT"].hits[0]
    assert source.text[hit.start:hit.end] == "Dr. Smith"
    assert [source.text[h.start:h.end] for h in result[2]["KW"].hits] == ["dr."]


def test_a_pattern_vocabulary_computes_only_the_attributes_asked_for():
    from spacy.attrs import IS_ALPHA, LOWER, SHAPE

    from qualcode.language import MatchingPipeline

    pipe = MatchingPipeline("en")
    vocab = pipe.pattern_vocab({"LOWER", "IS_ALPHA", "OP", "NORM"})
    assert set(vocab.lex_attr_getters) == {LOWER, IS_ALPHA}
    assert pipe.pattern_vocab({"IS_ALPHA", "LOWER"}) is vocab  # one per set, reused
    lexeme = vocab["Visits"]
    assert (lexeme.lower_, lexeme.is_alpha, lexeme.shape_) == ("visits", True, "")
    assert SHAPE in pipe.vocab.lex_attr_getters  # the full vocabulary is untouched


def test_a_pattern_needs_its_other_words_in_the_segment(tmp_path):
    # only patterns with a second literal: segments without it skip the Matcher
    result, _ = coded(tmp_path, """
        - id: NEG
          label: Never had
          rules:
            - pattern: [{LOWER: never}, {LEMMA: have}]
    """, "A: We never had time.\nA: We never went.\nA: They have never been.\n"
         "A: Never. We had none.\n")
    assert codes_of(result) == {1: {"NEG"}}


def test_magnitude_fixed_and_from_words(tmp_path):
    magnitude = "magnitude:\n  negative: [never, without]\n  positive: [always]\n"
    result, _ = coded(tmp_path, """
        - id: TIME
          label: Time
          rules:
            - keywords: [time]
        - id: REASON
          label: Reason
          rules:
            - keywords: [reason]
        - id: FIXED
          label: Fixed
          rules:
            - keywords: [visit]
              magnitude: "+"
    """, EN_TEXT, magnitude=magnitude)
    assert result[4]["TIME"].magnitude == "-"      # "never had time"
    assert result[5]["REASON"].magnitude == "-"    # "without a reason"
    assert result[2]["FIXED"].magnitude == "+"


ID_TEXT = """
Peneliti: Bagaimana pelaporan kerja sama?
Informan: Laporan dikirim tiap semester. Semua kegiatan dilaporkan ke Kemendagri.
Peneliti: Apakah pembinaan dibedakan?
Informan: Belum dibedakan, materinya sama untuk semua daerah. Tidak ada tindak lanjut.
Informan: Pemerintah daerah berbeda-beda kapasitasnya, tetapi tidak ada pelatihan.
"""


def test_keywords_match_affixed_forms_indonesian(tmp_path):
    result, source = coded(tmp_path, """
        - id: LAP
          label: Pelaporan
          rules:
            - keywords: [lapor]
        - id: BINA
          label: Pembinaan
          rules:
            - keywords: [bina]
              where: {speaker: any}
    """, ID_TEXT, language="id")
    hits = [source.text[h.start:h.end] for h in result[2]["LAP"].hits]
    assert hits == ["Laporan", "dilaporkan"]
    assert codes_of(result) == {2: {"LAP"}, 3: {"BINA"}}


def test_exact_escape_and_never_stem_indonesian(tmp_path):
    result, _ = coded(tmp_path, """
        - id: BEDA
          label: Pembedaan (key)
          rules:
            - keywords: [beda]
        - id: DIBEDAKAN
          label: Dibedakan (exact)
          rules:
            - keywords: ["=dibedakan"]
        - id: PERINTAH
          label: Perintah
          rules:
            - keywords: [perintah]
    """, ID_TEXT, language="id")
    # "berbeda-beda" is one token; pemerintah is never stemmed to perintah
    assert codes_of(result) == {4: {"BEDA", "DIBEDAKAN"}}


def test_none_near_question_and_pattern_indonesian(tmp_path):
    result, _ = coded(tmp_path, """
        - id: NONE
          label: Kapasitas tanpa pelatihan
          rules:
            - all: [kapasitas, daerah]
              none: [latih]
        - id: NEAR
          label: Materi sama
          rules:
            - near: [materi, sama]
              within: 2
        - id: STRUCT
          label: Jawaban tentang pembinaan
          rules:
            - question: [bina]
        - id: TIDAKADA
          label: Tidak ada
          rules:
            - pattern: [{LOWER: tidak}, {NORM: ada}, {NORM: tindak}]
    """, ID_TEXT, language="id")
    assert codes_of(result) == {4: {"NEAR", "STRUCT", "TIDAKADA"}, 5: {"STRUCT"}}


def test_where_filters_on_source_attributes(tmp_path):
    codes = """
        - id: OBS
          label: Observed reporting
          rules:
            - keywords: [report]
              where: {technique: O}
    """
    result, _ = coded(tmp_path, codes, "I report daily.\n", technique="O")
    assert codes_of(result) == {1: {"OBS"}}
    result, _ = coded(tmp_path, codes, "I report daily.\n", technique="D")
    assert result == {}


def test_bad_pattern_is_a_codebook_error(tmp_path):
    from dataclasses import replace

    codebook = load_codebook(make_codebook(tmp_path, """
        - id: BAD
          label: Bad
          rules:
            - pattern: [{LOWER: fine}]
    """))
    code = codebook.codes[0]
    rule = replace(code.rules[0], pattern=({"LOWER": {"NOPE": 1}},))
    codebook = replace(codebook, codes=(replace(code, rules=(rule,)),))
    with pytest.raises(CodebookError) as info:
        code_segments(segment_source(make_source("A: fine\n")), [make_source("A: fine\n")],
                      codebook)
    assert "codes(BAD).rules[0].pattern" in str(info.value)


def test_bad_codebook_never_reaches_the_engine(tmp_path):
    path = make_codebook(tmp_path, """
        - id: BAD
          label: Bad
          rules:
            - keywrds: [x]
    """)
    with pytest.raises(CodebookError, match="keywrds"):
        load_codebook(path)


def test_hit_offsets_point_into_the_source(demo_run):
    corpus = demo_run.corpus
    assert corpus.codings
    for coding in corpus.codings:
        source = corpus.source_of(coding.segment_id)
        segment = corpus.segment(coding.segment_id)
        for hit in coding.hits:
            assert segment.start <= hit.start < hit.end <= segment.end
            assert source.text[hit.start:hit.end].strip() == source.text[hit.start:hit.end]


def test_coding_without_reasons_fires_the_same_rules_with_the_same_hits(demo_copy):
    """``check_rule(why=False)`` (what coding runs) skips the explanations and stops at
    the first condition not met: on every demo segment and rule it fires exactly when
    the full check does, and a fired rule has the same conditions and hits."""
    from qualcode.engine.match import match_batch
    from qualcode.engine.rules import check_rule, context
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import load_segments

    project = load_project(demo_copy)
    codebook, sources, segments = load_segments(project, Report())
    compiled = compile_for(codebook)
    by_id = {s.id: s for s in sources}
    found = match_batch(compiled.spec, [s.text for s in segments])
    fired = kinds = 0
    question: frozenset[int] = frozenset()
    for n, (segment, matches) in enumerate(zip(segments, found)):
        if n and segment.source_id != segments[n - 1].source_id:
            question = frozenset()
        ctx = context(segment, by_id[segment.source_id], matches, question)
        for cr in compiled.rules:
            full = check_rule(cr, ctx, compiled.spec)
            quick = check_rule(cr, ctx, compiled.spec, why=False)
            assert all(c.met for c in quick) == all(c.met for c in full)
            if all(c.met for c in full):
                fired += 1
                kinds |= 1 << len({c.kind for c in full})
                assert [(c.kind, c.hits) for c in quick] == [(c.kind, c.hits) for c in full]
                assert all(c.detail for c in full)
            else:
                assert len(quick) <= len(full) and not quick[-1].met
        if segment.is_interviewer:
            question = frozenset(h.item for h in matches.terms)
    assert fired > 100 and kinds > 2  # many rules fired, with conditions of several kinds
