"""The Word report: structure, header rows, highlighted terms, landscape sections, charts,
the fast table path, and a rendering check with headless LibreOffice where it exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.export.word import add_fast_table, column_widths
from qualcode.export.word.highlight import mark
from qualcode.export.word.report import frame_pieces
from qualcode.export.word.text import TEXT


@pytest.fixture(scope="module")
def report(demo_run):
    path = next(p for p in demo_run.outputs if p.name == "report.docx")
    return path, docx.Document(str(path))


def _is_header(row) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def _coding_sheet(document):
    return next(t for t in document.tables
                if [c.text for c in t.rows[0].cells][:2] == ["ID", "Informan"]
                and "Tinjauan" in [c.text for c in t.rows[0].cells])


def test_printed_coding_sheet_leaves_out_what_the_citation_says(report):
    _, document = report
    header = [c.text for c in _coding_sheet(document).rows[0].cells]
    assert header == ["ID", "Informan", "Kutipan", "Kode", "Tema", "Magnitudo",
                      "Dikenali oleh", "Tinjauan", "Memo"]


def test_headings_follow_the_method(report):
    _, document = report
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["1. Reduksi Data", "2. Penyajian Data",
                      "3. Penarikan Kesimpulan dan Verifikasi", "Lampiran A. Buku Kode"]
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert "1.1 Lembar koding" in level2 and "1.2 Ringkasan per kode" in level2
    assert document.paragraphs[0].style.name == "Title"


def test_title_page_summarises_the_corpus(report, demo_run):
    _, document = report
    summary = {r.cells[0].text: r.cells[1].text for r in document.tables[0].rows}
    corpus = demo_run.corpus
    assert summary["Segmen"] == f"{len(corpus.segments):,}"
    assert summary["Koding"] == f"{len(corpus.codings):,}"
    assert summary["Sumber data"].startswith(f"{len(corpus.sources)} (wawancara ")
    assert summary["Buku Kode"].startswith(corpus.codebook.title)


def test_contents_field_lists_every_heading(report):
    _, document = report
    body = document.element.body
    instructions = [t.text for t in body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC ") for i in instructions)
    assert sum("SEQ Table" in i for i in instructions) >= 10
    texts = [p.text for p in document.paragraphs]
    toc_at = texts.index("Daftar Isi")
    assert texts[toc_at + 2] == "1. Reduksi Data"  # after the field's first paragraph


def test_every_data_table_repeats_its_header_row(report):
    _, document = report
    for table in document.tables[1:]:
        assert _is_header(table.rows[0])
        assert not any(_is_header(r) for r in table.rows[1:3])
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"


def test_coding_sheet_has_every_coding_and_a_review_column(report, demo_run):
    _, document = report
    table = _coding_sheet(document)
    corpus = demo_run.corpus
    assert len(table.rows) - 1 == len(corpus.all_codings)
    header = [c.text for c in table.rows[0].cells]
    assert header[-2:] == ["Tinjauan", "Memo"]
    first = corpus.all_codings[0]
    assert table.rows[1].cells[0].text == first.segment_id


def test_highlighted_runs_are_the_matched_words(report, demo_run):
    _, document = report
    corpus = demo_run.corpus
    table = _coding_sheet(document)
    quote = [c.text for c in table.rows[0].cells].index("Kutipan")
    marked = 0
    for row, coding in zip(table.rows[1:], corpus.all_codings):
        seg = corpus.segment(coding.segment_id)
        words = {seg.text[h.start - seg.start:h.end - seg.start].lower() for h in coding.hits}
        for run in row.cells[quote].paragraphs[0].runs:
            if run.font.highlight_color is not None:
                assert run.bold and run.text.lower() in words
                marked += 1
    assert marked >= len(corpus.all_codings)  # at least one per quoted coding
    italic = [r for r in table.rows[1].cells[quote].paragraphs[0].runs if r.italic]
    assert italic and italic[-1].text.startswith("(W/")


def test_wide_tables_sit_in_landscape_sections(report):
    _, document = report
    orientations = [s.orientation for s in document.sections]
    assert orientations[0] == WD_ORIENT.PORTRAIT
    assert WD_ORIENT.LANDSCAPE in orientations
    for section in document.sections:
        if section.orientation == WD_ORIENT.LANDSCAPE:
            assert section.page_width > section.page_height
        else:
            assert section.page_width < section.page_height
    # the section that ends after the coding sheet is the landscape one
    body = list(document.element.body.iterchildren())
    sheet = _coding_sheet(document)._tbl
    after = body[body.index(sheet):]
    sect = next(el for el in after if el.tag == qn("w:p")
                and el.find(qn("w:pPr")) is not None
                and el.find(qn("w:pPr")).find(qn("w:sectPr")) is not None)
    size = sect.find(qn("w:pPr")).find(qn("w:sectPr")).find(qn("w:pgSz"))
    assert size.get(qn("w:orient")) == "landscape"


def test_charts_are_embedded_with_captions(report, demo_run):
    _, document = report
    assert len(document.inline_shapes) == len(demo_run.charts) > 0
    captions = [p.text for p in document.paragraphs if p.text.startswith("Gambar ")]
    assert len(captions) == len(demo_run.charts)


def test_codebook_appendix_comes_last(report, demo_run):
    _, document = report
    last = document.tables[-1]
    assert [c.text for c in last.rows[0].cells][:3] == ["Dimensi", "Indikator", "Kode"]
    applicable = [c for c in demo_run.corpus.codebook.codes
                  if c.rules or not demo_run.corpus.codebook.children(c.id)]
    assert len(last.rows) - 1 == len(applicable)


def test_mark_splits_terms_and_citations():
    text = "Setiap tahun ada Sosialisasi umum. (W/INF-1/14-02-2024, baris 7)"
    assert mark(text, frozenset({"sosialisasi"})) == [
        ("Setiap tahun ada ", ""), ("Sosialisasi", "hit"), (" umum. ", ""),
        ("(W/INF-1/14-02-2024, baris 7)", "cite")]
    # whole words only: "lapor" does not mark inside "laporan"
    assert mark("laporan dan lapor", frozenset({"lapor"})) == [
        ("laporan dan ", ""), ("lapor", "hit")]
    assert mark("no terms here", None) == [("no terms here", "")]


def test_frame_pieces_without_quotes_are_plain():
    frame = pd.DataFrame({"A": [1, 2.0, None], "B": ["x", "y", float("nan")]})
    header, texts, rows = frame_pieces(frame, None)
    assert header == ["A", "B"]
    assert texts == [["1", "x"], ["2", "y"], ["", ""]]
    assert rows[0] == [[("1", "")], [("x", "")]]


def test_fast_table_writes_rows_and_widths():
    document = docx.Document()
    rows = [[[("a", "")], [("b", "hit"), ("c", "cite")]], [[("d\ne", "")], [("", "")]]]
    table = add_fast_table(document, ["H1", "H2"], rows, [3.0, 5.0])
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["H1", "H2"], ["a", "bc"], ["d\ne", ""]]
    hit, cite = table.rows[1].cells[1].paragraphs[0].runs
    assert hit.bold and hit.font.highlight_color is not None and cite.italic
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == [1701, 2835]  # 3 cm and 5 cm in twips


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=20),
       st.floats(min_value=10, max_value=30))
def test_column_widths_fill_the_page(lengths, total):
    header = [f"col {i}" for i in range(len(lengths))]
    rows = [["w" * n for n in lengths]]
    widths = column_widths(header, rows, total, 8, {0: 1.6})
    assert sum(widths) == pytest.approx(total)
    assert all(w > 0 for w in widths)
    assert widths[0] >= 1.6 - 1e-9 or len(widths) == 1


def test_report_texts_exist_in_both_languages():
    assert TEXT["en"].keys() == TEXT["id"].keys()


def test_report_command_in_english(demo_copy, tmp_path):
    out = tmp_path / "laporan.docx"
    result = CliRunner().invoke(main, ["report", str(demo_copy), "-o", str(out),
                                       "--language", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1[0] == "1. Data reduction" and level1[-1] == "Appendix A. Codebook"
    again = CliRunner().invoke(main, ["report", str(demo_copy), "-o", str(out)])
    assert again.exit_code == 1 and "the file exists" in again.output


def _office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_office() is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install "
                           "libreoffice-writer-nogui to check the report renders")
def test_libreoffice_renders_the_report(report, tmp_path):
    path, _ = report
    profile = tmp_path / "profile"
    done = subprocess.run(
        [_office(), f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (Path(path).stem + ".pdf")
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    assert len(reader.pages) > 10
    text = "".join(page.extract_text() for page in reader.pages[:4])
    assert "Daftar Isi" in text and "Lembar koding" in text
