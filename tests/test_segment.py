"""Segmentation: units, ids, lines, interviewer turns; properties over any text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import IngestError
from qualcode.ingest import read_source
from qualcode.ingest.text import parse_text
from qualcode.language import pipeline
from qualcode.model import Source
from qualcode.segment import segment_source, segment_sources

DATA = Path(__file__).parent / "data" / "ingest"
NLP = pipeline("xx")


def _source(name: str, sid: str = "S", technique: str = "W") -> Source:
    raw = read_source(DATA / name)
    return Source(id=sid, path=name, text=raw.text, turns=raw.turns, technique=technique,
                  has_speakers=raw.has_speakers)


def test_turn_segments_ids_lines_and_interviewers():
    segs = segment_source(_source("interview_front.txt", "W-INF-9"))
    assert [(s.id, s.speaker, s.is_interviewer, s.line_start, s.line_end, s.time)
            for s in segs] == [
        ("W-INF-9:t001", "", False, 8, 8, ""),
        ("W-INF-9:t002", "Peneliti", True, 10, 10, "00:00:05"),
        ("W-INF-9:t003", "Informan", False, 12, 14, "00:00:12"),
        ("W-INF-9:t004", "Peneliti", True, 16, 16, "00:01:40"),
        ("W-INF-9:t005", "Informan", False, 17, 17, "00:01:47"),
    ]
    assert all(s.text == s.text.strip() and s.unit == "turn" for s in segs)


def test_ids_are_stable_across_runs():
    first = segment_source(_source("interview_front.txt"), "sentence", nlp=NLP)
    again = segment_source(_source("interview_front.txt"), "sentence", nlp=NLP)
    assert first == again


def test_paragraph_and_sentence_units():
    source = _source("interview_front.txt")
    paras = segment_source(source, "paragraph")
    assert [s.id for s in paras] == ["S:p001", "S:p002", "S:p003", "S:p004", "S:p005"]
    sents = segment_source(source, "sentence", nlp=NLP)
    assert [(s.id, s.speaker, s.text) for s in sents[:4]] == [
        ("S:s001", "", "Transkrip wawancara, Bandung."),
        ("S:s002", "Peneliti", "Selamat pagi, Bu."),
        ("S:s003", "Peneliti", "Bagaimana pembinaan dari Kemendagri selama ini?"),
        ("S:s004", "Informan", "Pembinaan itu sebagian besar sosialisasi umum."),
    ]
    # A sentence that runs over a line break keeps both lines.
    wrapped = [s for s in sents if s.text.startswith("Materinya")][0]
    assert (wrapped.line_start, wrapped.line_end) == (13, 14)


def test_units_per_technique_and_extra_interviewers():
    notes = _source("notes.md", "O-1", "O")
    talk = _source("paren_times.txt", "W-1", "W")
    segs = segment_sources([notes, talk], {"O": "sentence", "W": "turn"},
                           interviewers=("Ana",), nlp=NLP)
    assert [s.id for s in segs if s.source_id == "O-1"] == [
        "O-1:s001", "O-1:s002", "O-1:s003", "O-1:s004"]
    assert [s.is_interviewer for s in segs if s.source_id == "W-1"] == [False, True] * 2
    # Turns asked of a source without speakers fall back to paragraphs.
    assert segment_source(notes, "turn")[0].id == "O-1:p001"


def test_pdf_pages_reach_segments(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in ("First page.", "Second page."):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(tmp_path / "d.pdf"))
    raw = read_source(tmp_path / "d.pdf")
    source = Source("D", "d.pdf", raw.text, raw.turns, "D")
    assert [(s.page, s.text) for s in segment_source(source)] == [
        (1, "First page."), (2, "Second page.")]


# --- properties over any text the reader accepts --------------------------------------

LINE = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.builds(lambda n, w: f"{n}: {w}", st.sampled_from(["P", "Informan", "Ana B", "I"]),
              st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)),
    st.sampled_from(["", " ", "\t", "Speaker 1  0:03", "[00:01:02] Q: yes", "---"]),
)
TEXTS = st.lists(LINE, max_size=25).map(lambda lines: "\n".join(lines))
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


def _check(text: str, segs) -> None:
    last_end = 0
    for seg in segs:
        assert 0 <= seg.start < seg.end <= len(text)
        assert seg.text == text[seg.start:seg.end]
        assert seg.text == seg.text.strip()
        assert seg.start >= last_end, "segments overlap"
        last_end = seg.end
        assert seg.line_start == text.count("\n", 0, seg.start) + 1
        assert seg.line_end == text.count("\n", 0, seg.end - 1) + 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, ENDINGS, st.sampled_from(["turn", "paragraph", "sentence"]))
def test_segments_are_the_text_at_their_offsets(body, ending, unit):
    data = body.replace("\n", ending).encode("utf-8")
    try:
        raw = parse_text(data, "p.txt")
    except IngestError:  # empty, binary-looking or bad front matter: not accepted
        return
    source = Source("S", "p.txt", raw.text, raw.turns, has_speakers=raw.has_speakers)
    _check(raw.text, segment_source(source, unit, nlp=NLP))
