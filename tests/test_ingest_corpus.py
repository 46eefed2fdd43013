"""A folder of sources: metadata from table and front matter, bad files skipped, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.errors import IngestError, ProjectError, Report
from qualcode.ingest.corpus import load_sources
from qualcode.ingest.summary import PathSpec

DATA = Path(__file__).parent / "data" / "ingest"


@pytest.fixture
def folder(tmp_path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("interview_front.txt", "paren_times.txt", "notes.md", "call.vtt"):
        shutil.copy(DATA / name, src / name)
    (src / "empty.txt").write_bytes(b"")
    (src / "fake.txt").write_bytes(b"%PDF-1.4 binary")
    (src / "bad.docx").write_bytes(b"not a zip")
    (src / "old.rtf").write_text("{\\rtf1 hello}", encoding="utf-8")
    (src / ".hidden.txt").write_text("P: a\nQ: b\n", encoding="utf-8")
    (src / "informants.csv").write_text(
        "file,informant,role,technique,date,case\n"
        "interview_front.txt,INF-9,Kepala Bagian,W,2024-03-14,Jabar\n"
        "paren_times.txt,P-2,Staff,W,14/03/2024,\n"
        "notes.md,OBS-1,,O,2024-03-12,\n"
        "gone.txt,INF-0,,W,,\n", encoding="utf-8")
    return tmp_path


def _load(root: Path, report: Report, **spec):
    return load_sources(root, [PathSpec("src", **spec)], root / "src" / "informants.csv",
                        report)


def test_folder_with_bad_files_reads_the_rest(folder):
    report = Report()
    sources = _load(folder, report)
    assert [s.id for s in sources] == ["call", "interview_front", "notes", "paren_times"]
    skipped = sorted(Path(p.file).name for p in report.errors)
    assert skipped == ["bad.docx", "empty.txt", "fake.txt", "old.rtf"]
    messages = " | ".join(str(p) for p in report.problems)
    assert "fake.txt: this does not look like text (it looks like a PDF file)" in messages
    assert "old.rtf: unknown file type '.rtf' (supported: .csv, .docx" in messages
    assert "the informants table names 'gone.txt', which does not exist" in messages
    assert "date '14/03/2024' is not YYYY-MM-DD" in messages


def test_metadata_table_wins_over_front_matter(folder):
    report = Report()
    by_id = {s.id: s for s in _load(folder, report)}
    front = by_id["interview_front"]
    assert (front.informant, front.role, front.agency, front.date, front.case,
            front.technique) == ("INF-9", "Kepala Bagian", "Biro Pemerintahan",
                                 "2024-03-14", "Jabar", "W")
    assert dict(front.attributes) == {"language_note": "wawancara tatap muka"}
    conflict = [p for p in report.warnings if p.path == "role"]
    assert len(conflict) == 1 and conflict[0].line == 2
    assert "'Kepala Bagian Kerja Sama' in the file but 'Kepala Bagian'" in conflict[0].message
    notes = by_id["notes"]
    assert (notes.technique, notes.informant, notes.has_speakers) == ("O", "OBS-1", False)
    # No row and no front matter: the spec's technique, else W for a transcript.
    assert by_id["call"].technique == "W" and by_id["call"].informant == "call"


def test_spec_technique_and_nothing_readable(folder, tmp_path):
    by_id = {s.id: s for s in _load(folder, Report(), technique="O")}
    assert by_id["call"].technique == "O"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    report = Report()
    with pytest.raises(IngestError, match="no source could be read") as exc:
        load_sources(tmp_path, [PathSpec("bad")], None, report)
    assert [Path(p.file).name for p in exc.value.problems] == ["a.txt"]
    with pytest.raises(ProjectError, match="no sources found at 'missing'"):
        load_sources(tmp_path, [PathSpec("missing")], None, Report())


def test_spreadsheet_spec_gives_a_source_per_respondent(tmp_path):
    shutil.copy(DATA / "answers.csv", tmp_path / "answers.csv")
    report = Report()
    sources = load_sources(tmp_path, [PathSpec("answers.csv", "D", ("answer",),
                                                "respondent")], None, report)
    assert [(s.id, s.informant, s.role, s.technique) for s in sources] == [
        ("answers-R1", "R1", "staff", "D"), ("answers-R2", "R2", "head", "D")]
    assert dict(sources[0].attributes) == {"province": "Jawa Barat", "comment": "ok"}
    assert [str(p) for p in report.warnings] == [
        f"warning: {tmp_path / 'answers.csv'}: 1 row(s) with no answer were skipped"]


def test_project_run_lists_skipped_file(demo_copy):
    from qualcode.run import run, run_summary

    (demo_copy / "transcripts" / "interviews" / "W-BAD.txt").write_bytes(b"\x00\x01" * 50)
    result = run(demo_copy)
    assert len(result.corpus.sources) == 12
    summary = run_summary(result)
    assert "skipped sources: 1" in summary and "W-BAD.txt" in summary


def test_cli_ingest_text_and_segments(folder):
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder / "src" / "paren_times.txt"),
                                  "--interviewer", "Ana", "--segments"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "speakers: Interviewer (2, interviewer), Ana (2, interviewer)" in out
    assert "paren_times:t001  line 1 [00:00:02]  Interviewer*: What guidance did you get?" \
        in out
    assert out.rstrip().endswith("1 sources, 4 segments")


def test_cli_ingest_json_csv_and_errors(folder):
    runner = CliRunner()
    src = folder / "src"
    result = runner.invoke(main, ["ingest", str(src), "--informants",
                                  str(src / "informants.csv"), "--format", "json",
                                  "--segments", "--unit", "sentence"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    first = {s["id"]: s for s in data["sources"]}["interview_front"]
    assert first["informant"] == "INF-9" and first["unit"] == "sentence"
    seg = first["segment_list"][1]
    assert (seg["id"], seg["speaker"], seg["text"]) == (
        "interview_front:s002", "Peneliti", "Selamat pagi, Bu.")
    assert sum(p["severity"] == "error" for p in data["problems"]) == 4
    assert "skipped:" in result.stderr and "bad.docx" in result.stderr
    result = runner.invoke(main, ["ingest", str(DATA / "notes.md"), "--format", "csv"])
    assert result.stdout.splitlines()[1].startswith("notes,")
    result = runner.invoke(main, ["ingest", str(folder / "nothing.txt")])
    assert result.exit_code == 1
    assert "nothing.txt: file not found" in result.stderr
    result = runner.invoke(main, ["ingest", str(DATA / "answers.csv")])
    assert result.exit_code == 1 and "--text-column" in result.stderr
    result = runner.invoke(main, ["ingest", str(DATA / "answers.csv"), "--text-column",
                                  "answer", "--id-column", "respondent"])
    assert result.exit_code == 0 and "answers-R1" in result.stdout


def test_project_spreadsheet_keys_and_ingest_without_paths(tmp_path):
    from qualcode.project import load_project

    shutil.copy(DATA / "answers.csv", tmp_path / "answers.csv")
    (tmp_path / "cb.yaml").write_text(
        "codebook: T\nlanguage: en\ncodes:\n  - id: A\n    label: A\n", encoding="utf-8")
    (tmp_path / "qualcode.yaml").write_text(
        "title: Survey\ncodebook: cb.yaml\nunit: sentence\nsources:\n"
        "  - path: answers.csv\n    text_column: answer\n    id_column: respondent\n"
        "    attributes: [province]\n", encoding="utf-8")
    spec = load_project(tmp_path).sources[0]
    assert (spec.text_column, spec.id_column, spec.attributes, spec.sheet) == (
        ("answer",), "respondent", ("province",), "")
    result = CliRunner().invoke(main, ["ingest", "--project", str(tmp_path), "--format",
                                       "csv", "--segments"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0].startswith("id,source,unit,start,end,line_start,line_end")
    assert rows[1].startswith("answers-R1:s001,answers-R1,sentence,0,51,1,1,")
    assert len(rows) == 1 + 3  # R1: two answers of one sentence each; R2: one
