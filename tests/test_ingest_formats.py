"""Word, PDF, WebVTT, SubRip and spreadsheet readers, on fixtures the tests build."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import IngestError
from qualcode.ingest import ReadOptions, read_parts, read_source

DATA = Path(__file__).parent / "data" / "ingest"


def _blocks(raw):
    return [(t.speaker, t.time, raw.text[t.start:t.end]) for t in raw.turns]


# --- Word -----------------------------------------------------------------------

def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "HEADER: Rahasia"
    document.sections[0].footer.paragraphs[0].text = "Footer: halaman 1"
    document.add_paragraph("Transkrip Wawancara INF-3")
    p = document.add_paragraph()
    p.add_run("Peneliti").bold = True
    p.add_run(" Bagaimana sosialisasi yang dilakukan?")
    p = document.add_paragraph()
    p.add_run("Informan:").bold = True
    p.add_run(" Sosialisasinya umum,")
    p.add_run(" sama untuk semua.")
    document.add_paragraph("Peneliti: Ada tindak lanjut?")
    document.add_paragraph("Informan: Belum ada.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Indikator", "Temuan"
    table.cell(1, 0).text, table.cell(1, 1).text = "Pelaporan", "Tidak ada standar"
    document.save(str(path))
    return path


def test_docx_bold_speakers_plain_speakers_tables_no_header(tmp_path):
    raw = read_source(_docx(tmp_path / "INF-3.docx"))
    assert raw.has_speakers
    assert "HEADER" not in raw.text and "Footer" not in raw.text
    assert raw.text == ("Transkrip Wawancara INF-3\n\n"
                        "Peneliti: Bagaimana sosialisasi yang dilakukan?\n\n"
                        "Informan: Sosialisasinya umum, sama untuk semua.\n\n"
                        "Peneliti: Ada tindak lanjut?\n\n"
                        "Informan: Belum ada.\n\n"
                        "Indikator | Temuan\n\nPelaporan | Tidak ada standar\n")
    assert _blocks(raw) == [
        ("", "", "Transkrip Wawancara INF-3"),
        ("Peneliti", "", "Bagaimana sosialisasi yang dilakukan?"),
        ("Informan", "", "Sosialisasinya umum, sama untuk semua."),
        ("Peneliti", "", "Ada tindak lanjut?"),
        # The table after the last turn continues it (as text lines would).
        ("Informan", "", "Belum ada.\n\nIndikator | Temuan\n\nPelaporan | Tidak ada standar"),
    ]


def test_docx_document_paragraphs(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Ringkasan peraturan.")
    document.add_paragraph("")
    document.add_paragraph("Pasal 5: laporan disampaikan setiap tahun.")
    document.save(str(tmp_path / "d.docx"))
    raw = read_source(tmp_path / "d.docx")
    assert not raw.has_speakers
    assert _blocks(raw) == [("", "", "Ringkasan peraturan."),
                            ("", "", "Pasal 5: laporan disampaikan setiap tahun.")]


def test_docx_corrupt_and_password_protected(tmp_path):
    corrupt = tmp_path / "broken.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(IngestError, match="not a readable Word file") as exc:
        read_source(corrupt)
    assert exc.value.problem.file == str(corrupt)
    locked = tmp_path / "locked.docx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(IngestError, match="password-protected"):
        read_source(locked)


# --- PDF ------------------------------------------------------------------------

def _pdf(path: Path, pages: list[list[str]], password: str = "") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for para in paragraphs:
            pdf.multi_cell(0, 6, para)
            pdf.ln(6)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.output(str(path))
    return path


LONG = ("Pembinaan dan pengawasan umum atas kerja sama daerah dengan pihak luar negeri "
        "menjadi tanggung jawab Menteri Dalam Negeri dan dijalankan oleh unit teknis.")


def test_pdf_pages_and_paragraphs(tmp_path):
    path = _pdf(tmp_path / "D-9.pdf", [[LONG, "Laporan disampaikan setiap tahun."],
                                       ["Tidak ada standar ukuran."]])
    raw = read_source(path)
    assert not raw.has_speakers
    assert [(t.page, " ".join(raw.text[t.start:t.end].split())) for t in raw.turns] == [
        (1, LONG), (1, "Laporan disampaikan setiap tahun."),
        (2, "Tidak ada standar ukuran.")]
    # The long paragraph wraps onto two lines inside one turn.
    assert "\n" in raw.text[raw.turns[0].start:raw.turns[0].end]
    assert raw.metadata["pages"] == "2"


def test_pdf_transcript_has_turns_with_pages(tmp_path):
    path = _pdf(tmp_path / "t.pdf", [["Peneliti: Bagaimana laporannya?",
                                      "Informan: Dikirim tiap tahun."],
                                     ["Peneliti: Ada tindak lanjut?", "Informan: Belum."]])
    raw = read_source(path)
    assert raw.has_speakers
    assert [(t.speaker, t.page, raw.text[t.start:t.end]) for t in raw.turns] == [
        ("Peneliti", 1, "Bagaimana laporannya?"), ("Informan", 1, "Dikirim tiap tahun."),
        ("Peneliti", 2, "Ada tindak lanjut?"), ("Informan", 2, "Belum.")]


def test_pdf_scanned_password_corrupt(tmp_path):
    with pytest.raises(IngestError, match="OCR"):
        read_source(_pdf(tmp_path / "scan.pdf", [[]]))
    with pytest.raises(IngestError, match="password-protected"):
        read_source(_pdf(tmp_path / "locked.pdf", [["Rahasia."]], password="secret"))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage without objects")
    with pytest.raises(IngestError, match="not a readable PDF") as exc:
        read_source(broken)
    assert exc.value.problem.file == str(broken)


# --- WebVTT and SubRip ------------------------------------------------------------

def test_vtt_voice_spans_merge_consecutive_cues():
    raw = read_source(DATA / "call.vtt")
    assert raw.has_speakers
    assert _blocks(raw) == [
        ("Peneliti", "00:00:01", "Selamat siang, Pak. Bagaimana pelaporan kerja sama?"),
        ("Informan", "00:00:08", "Laporan kami kirim tiap tahun, tapi <belum> ada tindak "
                                 "lanjut. Tidak ada standar ukuran."),
        ("Peneliti", "00:01:02", "Terima kasih."),
    ]
    assert raw.text.startswith("[00:00:01] Peneliti: Selamat siang, Pak.")
    assert raw.turns[0].start == len("[00:00:01] Peneliti: ")


def test_vtt_names_in_cue_text():
    raw = read_source(DATA / "zoom.vtt")
    assert [(s, t) for s, t, _ in _blocks(raw)] == [
        ("Ana", "00:00:01"), ("Ben", "00:00:03"), ("Ana", "00:00:09")]
    assert _blocks(raw)[1][2] == "Yes. Go ahead. The reports go to the ministry."


def test_srt_crlf_and_unnamed_cue_continues_the_speaker():
    raw = read_source(DATA / "call.srt")
    assert _blocks(raw) == [
        ("Interviewer", "00:00:01", "How often do you report?"),
        ("Respondent", "00:00:04", "Twice a year. We never hear back."),
        ("Interviewer", "00:00:10", "Thank you."),
    ]


def test_subtitles_without_speakers_and_bad_files(tmp_path):
    plain = tmp_path / "p.srt"
    plain.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n"
                     "00:00:02,500 --> 00:00:03,000\nStill here.\n\n3\n"
                     "00:00:09,000 --> 00:00:10,000\nAfter a pause.\n", encoding="utf-8")
    raw = read_source(plain)
    assert not raw.has_speakers
    assert _blocks(raw) == [("", "00:00:01", "Hello. Still here."),
                            ("", "00:00:09", "After a pause.")]
    notvtt = tmp_path / "x.vtt"
    notvtt.write_text("1\n00:00:01.000 --> 00:00:02.000\nHi\n", encoding="utf-8")
    with pytest.raises(IngestError, match="WEBVTT"):
        read_source(notvtt)
    nocues = tmp_path / "y.vtt"
    nocues.write_text("WEBVTT\n\nNOTE nothing here\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no subtitle cues"):
        read_source(nocues)


# --- Spreadsheets -----------------------------------------------------------------

def test_csv_one_source_per_respondent():
    parts = read_parts(DATA / "answers.csv",
                       ReadOptions(text_columns=("Answer",), id_column="respondent",
                                   attributes=("province", "role")))
    assert [(p.key, p.line) for p in parts] == [("R1", 2), ("R2", 3)]
    r1 = parts[0].raw
    assert _blocks(r1) == [("", "", "The briefing was general, the same for all regions."),
                           ("", "", "We asked for a technical session.")]
    assert dict(r1.metadata) == {"province": "Jawa Barat", "role": "staff"}
    assert parts[0].notes == ("1 row(s) with no answer were skipped",)


def test_xlsx_rows_and_several_text_columns(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Q1 guidance", "Q2 supervision", "Agency"])
    sheet.append([1, "General briefings.", "No standard.", "Biro"])
    sheet.append([2, None, "Reports only.", "Dinas"])
    book.save(tmp_path / "survey.xlsx")
    parts = read_parts(tmp_path / "survey.xlsx",
                       ReadOptions(text_columns=("Q1 guidance", "Q2 supervision")))
    assert [p.key for p in parts] == ["row2", "row3"]
    first = parts[0].raw
    assert first.text == "Q1 guidance\nGeneral briefings.\n\nQ2 supervision\nNo standard.\n"
    assert _blocks(first) == [("", "", "General briefings."), ("", "", "No standard.")]
    assert dict(first.metadata) == {"no": "1", "agency": "Biro"}


def test_sheet_needs_a_text_column():
    with pytest.raises(IngestError, match="which column holds the answers") as exc:
        read_parts(DATA / "answers.csv")
    assert "respondent, province, role, answer, comment" in exc.value.problem.hint
    with pytest.raises(IngestError, match="no column 'text'"):
        read_parts(DATA / "answers.csv", ReadOptions(text_columns=("text",)))
