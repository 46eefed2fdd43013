"""Plain-text reading: turn forms, front matter, encodings, line endings, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import IngestError
from qualcode.ingest import read_source
from qualcode.ingest.textutil import decode, paragraphs, speaker_turns
from qualcode.segment import LineIndex

DATA = Path(__file__).parent / "data" / "ingest"


def _blocks(raw):
    return [(t.speaker, t.time, raw.text[t.start:t.end]) for t in raw.turns]


def test_front_matter_is_metadata_and_lines_stay_the_files():
    raw = read_source(DATA / "interview_front.txt")
    assert raw.has_speakers
    assert dict(raw.metadata) == {
        "informant": "INF-9", "role": "Kepala Bagian Kerja Sama",
        "agency": "Biro Pemerintahan", "date": "2024-03-14",
        "language_note": "wawancara tatap muka"}
    assert _blocks(raw) == [
        ("", "", "Transkrip wawancara, Bandung."),
        ("Peneliti", "00:00:05",
         "Selamat pagi, Bu. Bagaimana pembinaan dari Kemendagri selama ini?"),
        ("Informan", "00:00:12", "Pembinaan itu sebagian besar sosialisasi umum.\n"
         "Materinya sama untuk semua daerah,\nbelum dibedakan menurut kapasitas."),
        ("Peneliti", "00:01:40", "Apakah laporan Ibu mendapat tindak lanjut?"),
        ("Informan", "00:01:47", "Belum ada tindak lanjut tertulis."),
    ]
    # The text is the file's text: line numbers are the file's lines.
    assert raw.text == (DATA / "interview_front.txt").read_text(encoding="utf-8")
    lines = LineIndex(raw.text)
    assert [(lines.line(t.start), lines.line(t.end - 1)) for t in raw.turns] == [
        (8, 8), (10, 10), (12, 14), (16, 16), (17, 17)]
    # Offsets by hand: the first turn's words start after "[00:00:05] Peneliti: ".
    assert raw.turns[1].start == raw.text.index("[00:00:05]") + len("[00:00:05] Peneliti: ")


def test_two_line_transcription_service_form():
    raw = read_source(DATA / "service_twoline.txt")
    assert _blocks(raw) == [
        ("Speaker 1", "0:03", "Thanks for joining. How were reports handled last year?"),
        ("Speaker 2", "0:09", "We sent them every quarter.\nNobody wrote back."),
        ("Speaker 1", "1:15", "Was there any follow-up visit?"),
        ("Speaker 2", "1:20", "Only once, in 2023."),
    ]
    assert raw.turns[0].start == len("Speaker 1  0:03\n")


def test_name_with_time_in_brackets():
    raw = read_source(DATA / "paren_times.txt")
    assert [(s, t) for s, t, _ in _blocks(raw)] == [
        ("Interviewer", "00:00:02"), ("Ana", "00:00:07"), ("Interviewer", "00:00:30"),
        ("Ana", "00:00:34")]
    assert raw.turns[0].start == len("Interviewer (00:00:02): ")


@pytest.mark.parametrize("line, name, time", [
    ("Peneliti: Selamat pagi", "Peneliti", ""),
    ("[00:01:23] Informan: Ya", "Informan", "00:01:23"),
    ("00:01:23 Informan: Ya", "Informan", "00:01:23"),
    ("Informan (00:01:23): Ya", "Informan", "00:01:23"),
    ("Dr. Ana Putri: Ya", "Dr. Ana Putri", ""),
])
def test_one_line_forms(line, name, time):
    turns = speaker_turns(f"{line}\n{line}\n")
    assert turns is not None
    assert (turns[0].speaker, turns[0].time) == (name, time)
    assert f"{line}\n{line}\n"[turns[0].start:turns[0].end] == line.rsplit(": ", 1)[1]


def test_paragraphs_when_no_speakers():
    raw = read_source(DATA / "notes.md")
    assert not raw.has_speakers
    assert [raw.text[t.start:t.end] for t in raw.turns] == [
        "Observation at the ministry, 12 March 2024.",
        "The briefing started late. Eighty-six participants attended:\n"
        "provincial bureaus and several districts.",
        "Materials were identical for all participants; no session for experienced "
        "provinces.",
    ]


def test_wrapped_line_with_colon_continues_the_turn():
    text = ("Peneliti: Bagaimana laporannya?\n\nInforman: Isinya rekap kegiatan\n"
            "per mitra: kegiatan apa, kapan.\n\nPeneliti: Terima kasih.\n")
    turns = speaker_turns(text)
    assert [t.speaker for t in turns] == ["Peneliti", "Informan", "Peneliti"]
    assert text[turns[1].start:turns[1].end] == (
        "Isinya rekap kegiatan\nper mitra: kegiatan apa, kapan.")


def test_labelled_lines_of_a_document_are_not_a_transcript():
    assert speaker_turns("Tujuan: memahami pembinaan.\n\nSasaran: biro kerja sama.\n") is None


def test_paragraph_offsets_skip_blank_lines_with_spaces():
    text = "  one\n  two  \n \t \nthree\n\n\n"
    assert [(t.start, t.end) for t in paragraphs(text)] == [(2, 11), (18, 23)]


@pytest.mark.parametrize("data", [
    "Peneliti: Apa kabar?\r\nInforman: Baik.\r\n".encode("utf-8"),
    "Peneliti: Apa kabar?\rInforman: Baik.\r".encode("utf-8"),
    b"\xef\xbb\xbf" + "Peneliti: Apa kabar?\nInforman: Baik.\n".encode("utf-8"),
    "Peneliti: Apa kabar?\r\nInforman: Baik.\r\n".encode("utf-16"),
    "Peneliti: Apa kabar?\nInforman: Baik.\n".encode("utf-16-le"),
])
def test_encodings_and_line_endings(data):
    assert decode(data, "x.txt") == "Peneliti: Apa kabar?\nInforman: Baik.\n"


def test_cp1252_and_nfc():
    assert decode("Café “rapat” – résumé\n".encode("cp1252"), "x.txt") == \
        "Café “rapat” – résumé\n"
    assert decode("Cafe\u0301\n".encode("utf-8"), "x.txt") == "Caf\u00e9\n"


def test_bad_text_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n\n")
    with pytest.raises(IngestError, match="empty") as exc:
        read_source(empty)
    assert exc.value.problem.file == str(empty)
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(IngestError, match="PNG image"):
        read_source(binary)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(1, 32)) * 20)
    with pytest.raises(IngestError, match="does not look like text"):
        read_source(noise)
    with pytest.raises(IngestError, match="unknown file type '.odt'"):
        (tmp_path / "a.odt").write_text("x")
        read_source(tmp_path / "a.odt")


def test_front_matter_problems(tmp_path):
    unclosed = tmp_path / "a.txt"
    unclosed.write_text("---\ninformant: A\nP: hi\n", encoding="utf-8")
    with pytest.raises(IngestError, match="never closed"):
        read_source(unclosed)
    broken = tmp_path / "b.txt"
    broken.write_text("---\ninformant: [A\n---\nP: hi\nQ: ho\n", encoding="utf-8")
    with pytest.raises(IngestError, match="not valid YAML") as exc:
        read_source(broken)
    assert exc.value.problem.line is not None
    only = tmp_path / "c.txt"
    only.write_text("---\ninformant: A\n---\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no text to code"):
        read_source(only)
