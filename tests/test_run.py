"""The whole demo, run in-process: real content in every output."""

from __future__ import annotations

import csv

import docx
import openpyxl
import pytest

from qualcode.run import run


def test_demo_run_writes_the_three_outputs(demo_run):
    names = {p.name for p in demo_run.outputs}
    assert {"coded_segments.csv", "matrices.xlsx", "report.docx"} <= names
    for path in demo_run.outputs:
        assert path.stat().st_size > 0


def test_demo_reads_every_source_with_its_metadata(demo_run):
    corpus = demo_run.corpus
    techniques = [s.technique for s in corpus.sources]
    assert techniques.count("W") >= 6
    assert techniques.count("O") >= 2
    assert techniques.count("D") >= 2
    assert not demo_run.report.errors
    for source in corpus.sources:
        assert source.informant and source.date, source.id


def test_coded_segments_reference_real_text(demo_run):
    corpus = demo_run.corpus
    assert corpus.codings
    for coding in corpus.codings:
        segment = corpus.segment(coding.segment_id)
        source = corpus.source(segment.source_id)
        assert segment.text == source.text[segment.start:segment.end]
        for hit in coding.hits:
            assert segment.start <= hit.start < hit.end <= segment.end
            assert source.text[hit.start:hit.end].strip()


def test_interviewer_turns_are_not_coded(demo_run):
    corpus = demo_run.corpus
    asked = [s for s in corpus.segments if s.is_interviewer]
    assert asked, "the demo interviews have interviewer turns"
    coded = {c.segment_id for c in corpus.codings}
    assert not coded & {s.id for s in asked}


def test_coded_csv_rows_match_the_codings(demo_run):
    path = next(p for p in demo_run.outputs if p.name == "coded_segments.csv")
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(demo_run.corpus.all_codings or demo_run.corpus.codings)
    ids = {s.id for s in demo_run.corpus.segments}
    assert all(row["ID"] in ids for row in rows)


def test_report_opens_and_holds_the_tables(demo_run):
    path = next(p for p in demo_run.outputs if p.name == "report.docx")
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any("Reduksi" in h for h in headings)
    assert any("Penyajian" in h for h in headings)
    assert any("Kesimpulan" in h for h in headings)
    assert len(document.tables) >= 3
    first_ids = {row.cells[0].text for row in document.tables[0].rows[1:]} \
        if document.tables else set()
    assert first_ids or len(document.tables) > 1


def test_workbook_has_one_sheet_per_table(demo_run):
    path = next(p for p in demo_run.outputs if p.name == "matrices.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert len(book.sheetnames) >= 3


def test_sources_are_never_modified(demo_copy):
    before = {p: p.read_bytes() for p in (demo_copy / "transcripts").rglob("*") if p.is_file()}
    run(demo_copy)
    after = {p: p.read_bytes() for p in (demo_copy / "transcripts").rglob("*") if p.is_file()}
    assert before == after


def test_rerun_into_own_output_folder_is_allowed(tmp_path):
    from tests.test_cli import make_project

    project = make_project(tmp_path)
    first = run(project)
    second = run(project)
    assert [c.segment_id for c in first.corpus.codings] == \
        [c.segment_id for c in second.corpus.codings]


@pytest.mark.parametrize("unit", ["paragraph", "sentence"])
def test_other_units_keep_offsets(tmp_path, unit):
    from tests.test_cli import make_project

    project = make_project(tmp_path, unit=unit)
    result = run(project)
    for segment in result.corpus.segments:
        source = result.corpus.source(segment.source_id)
        assert source.text[segment.start:segment.end] == segment.text
        assert segment.unit == unit


def test_final_conclusions_are_carried_into_the_conclusion_table(demo_run):
    table = demo_run.tables["conclusion_table"]
    final = dict(zip(table["Indikator"].str.split(" ").str[0], table["Kesimpulan akhir"]))
    assert final["PENG-TL"].startswith("Laporan kerja sama umumnya tidak ditindaklanjuti")
    assert final["PENG-LAP"] == ""


def test_english_example_runs_with_english_labels(tmp_path, repo_root):
    import shutil

    project = tmp_path / "english"
    shutil.copytree(repo_root / "examples" / "english", project)
    result = run(project)
    corpus = result.corpus
    assert [s.informant for s in corpus.sources] == ["P-1", "P-2", "P-3"]
    assert "Indicator" in result.tables["conclusion_table"].columns
    # inflected forms meet their keyword: the codebook says "report", the text varies
    matched = {corpus.source(corpus.segment(c.segment_id).source_id).text[h.start:h.end].lower()
               for c in corpus.codings if c.code_id == "ADOPT-REPORT" for h in c.hits}
    assert len({m for m in matched if m.startswith("report")}) >= 2, matched


def test_outputs_are_readable_as_files_open_makes_them(demo_run, tmp_path):
    """Outputs are written to a temporary file and moved into place; they get the mode
    of a file made with open() under the umask (not the owner-only mode of a temporary
    file), and a replaced file keeps its own."""
    import os
    import stat

    from qualcode.export.files import write_text

    mask = os.umask(0)
    os.umask(mask)
    for name in ("report.docx", "coded_segments.csv", "matrices.xlsx", "run.log"):
        assert stat.S_IMODE((demo_run.project.output_dir / name).stat().st_mode) == \
            0o666 & ~mask, name
    kept = tmp_path / "kept.txt"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    write_text(kept, "new")
    assert kept.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
