"""Reviewers' decisions: parsing the Review column, the review file, applying decisions,
and the round trip report → supervisor's edits → import → re-run."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment as CellComment

from qualcode.cli import main
from qualcode.errors import ExchangeError, UsageError
from qualcode.model import Coding, Hit, Review, Segment
from qualcode.review import (CHANGED_NOTE, Decision, apply_reviews, load_reviews,
                             memo_comment, parse_decision, save_reviews, status_rows,
                             text_hash)
from qualcode.review.sheets import Marked, Sheet, merge_marks, read_sheet

CODES = ("PEMB-SOS", "PEMB-KONS", "PENG-LAP")


@pytest.mark.parametrize("cell, expected", [
    ("ok", Decision("accept")), ("✓", Decision("accept")), (" OK. ", Decision("accept")),
    ("terima", Decision("accept")), ("x", Decision("reject")), ("✗", Decision("reject")),
    ("tolak", Decision("reject")), ("Reject", Decision("reject")),
    ("?", Decision("pending")), ("peng-lap", Decision("recode", "PENG-LAP")),
    ("recode → PEMB-KONS", Decision("recode", "PEMB-KONS")),
    ("→ PEMB-KONS", Decision("recode", "PEMB-KONS")), ("recode", Decision("recode")),
    ("", None), ("   ", None),
])
def test_parse_decision(cell, expected):
    assert parse_decision(cell, CODES) == expected


def test_parse_decision_refuses_unknown_words():
    with pytest.raises(ValueError):
        parse_decision("maybe later", CODES)


def test_memo_comment_drops_qualcode_notes():
    memo = f"{CHANGED_NOTE}\n→ PENG-LAP\nBukan sosialisasi."
    assert memo_comment(memo) == "Bukan sosialisasi."


def _segments() -> list[Segment]:
    return [Segment("S:t001", "S", "turn", 0, 20, 1, 1, "Ada sosialisasi rutin"),
            Segment("S:t002", "S", "turn", 21, 40, 2, 2, "Laporan dikirim tiap"),
            Segment("S:t003", "S", "turn", 41, 60, 3, 3, "Konsultasi naskah MoU")]


def _codings() -> list[Coding]:
    return [Coding("S:t001", "PEMB-SOS", "rules[0]", (Hit("sosialisasi", 4, 15),)),
            Coding("S:t002", "PENG-LAP", "rules[0]", (Hit("lapor", 21, 28),)),
            Coding("S:t003", "PEMB-KONS", "rules[0]", (Hit("konsultasi", 41, 51),)),
            Coding("S:t003", "PEMB-SOS", "rules[0]")]


def _review(seg: str, code: str, decision: str, new: str = "", text: str | None = None,
            comment: str = "") -> Review:
    texts = {s.id: s.text for s in _segments()}
    return Review(seg, code, decision, new, comment, "Dr. Sari", "2024-05-01T10:00:00",
                  text_hash(texts.get(seg, "") if text is None else text))


def test_apply_rejects_recodes_and_keeps_the_sheet_whole():
    reviews = [_review("S:t001", "PEMB-SOS", "reject", comment="basa-basi"),
               _review("S:t002", "PENG-LAP", "recode", "PEMB-KONS"),
               _review("S:t003", "PEMB-KONS", "accept"),
               _review("S:t003", "PEMB-SOS", "recode", "PEMB-KONS")]  # duplicate target
    applied = apply_reviews(_codings(), reviews, _segments(), CODES)
    assert [(c.segment_id, c.code_id, c.coder) for c in applied.effective] == [
        ("S:t002", "PEMB-KONS", "Dr. Sari"), ("S:t003", "PEMB-KONS", "rules")]
    assert len(applied.all_codings) == 4  # rejected and recoded rows stay in the sheet
    shown = {(r.segment_id, r.code_id): r.comment for r in applied.reviews}
    assert shown[("S:t001", "PEMB-SOS")] == "basa-basi"
    assert shown[("S:t002", "PENG-LAP")] == "→ PEMB-KONS"
    assert applied.problems == () and applied.flagged == ()


def test_apply_flags_changed_text_and_reports_what_it_cannot_apply():
    reviews = [_review("S:t001", "PEMB-SOS", "accept", text="older wording"),
               _review("S:t002", "PENG-LAP", "recode", "GONE"),
               _review("S:t999", "PEMB-SOS", "reject")]
    applied = apply_reviews(_codings(), reviews, _segments(), CODES)
    assert [r.segment_id for r in applied.flagged] == ["S:t001"]
    assert {(c.segment_id, c.code_id) for c in applied.effective} >= {
        ("S:t001", "PEMB-SOS"), ("S:t002", "PENG-LAP")}  # bad recode keeps the coding
    messages = " | ".join(p.message for p in applied.problems)
    assert "no longer has" in messages and "no longer exists" in messages
    assert "text changed" in messages
    shown = {r.segment_id: r.comment for r in applied.reviews}
    assert shown["S:t001"].startswith(CHANGED_NOTE)


def test_accepted_coding_survives_a_codebook_that_no_longer_makes_it():
    reviews = [_review("S:t002", "PEMB-SOS", "accept")]
    applied = apply_reviews(_codings(), reviews, _segments(), CODES)
    kept = [c for c in applied.effective if c.segment_id == "S:t002"]
    assert [(c.code_id, c.rule) for c in kept] == [("PENG-LAP", "rules[0]"),
                                                  ("PEMB-SOS", "review")]


def test_review_file_round_trip(tmp_path):
    reviews = [_review("S:t002", "PENG-LAP", "recode", "PEMB-KONS", comment="two\nlines"),
               _review("S:t001", "PEMB-SOS", "reject")]
    path = save_reviews(tmp_path, reviews)
    text = path.read_text(encoding="utf-8")
    assert text.index("S:t001") < text.index("S:t002")  # sorted, diff-friendly
    assert "comment: |-\n      two\n      lines" in text
    loaded, problems = load_reviews(tmp_path)
    assert problems == [] and sorted(loaded, key=lambda r: r.segment_id) == sorted(
        reviews, key=lambda r: r.segment_id)


def test_review_file_errors_have_lines(tmp_path):
    (tmp_path / "reviews.yaml").write_text(
        "reviews:\n  - {segment: a, code: B, decision: maybe}\n  - 7\n", encoding="utf-8")
    _, problems = load_reviews(tmp_path)
    assert [(p.line, p.path) for p in problems] == [(2, "reviews[0].decision"),
                                                    (3, "reviews[1]")]


def test_merge_reports_unknown_segments_codes_and_words():
    sheet = Sheet((Marked("S:t001", "PEMB-SOS", "x", comment="no"),
                   Marked("S:t404", "PEMB-SOS", "ok", where="row 3"),
                   Marked("S:t002", "NOPE", "ok"),
                   Marked("S:t002", "PENG-LAP", "PEMB-XYZ"),
                   Marked("S:t003", "PEMB-KONS", "", memo="nice quote"),
                   Marked("S:t003", "PEMB-SOS", "")), author="Dr. Sari", modified="2024-05-02")
    texts = {s.id: s.text for s in _segments()}
    merged, result = merge_marks([], sheet, texts, set(CODES))
    assert (result.added, result.changed, len(result.problems)) == (2, 0, 3)
    by = {(r.segment_id, r.code_id): r for r in merged}
    assert by[("S:t001", "PEMB-SOS")].decision == "reject"
    assert by[("S:t001", "PEMB-SOS")].reviewer == "Dr. Sari"
    assert by[("S:t003", "PEMB-KONS")] .decision == "pending"
    assert by[("S:t003", "PEMB-KONS")].comment == "nice quote"
    # the same sheet again changes nothing; a new word on a row changes it
    _, again = merge_marks(merged, sheet, texts, set(CODES))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)


def test_status_counts_per_code(demo_run):
    corpus = demo_run.corpus
    first = corpus.all_codings[0]
    rows = status_rows(corpus.codebook, corpus.all_codings,
                       [Review(first.segment_id, first.code_id, "reject")])
    assert sum(r.total for r in rows) == len(corpus.all_codings)
    assert sum(r.rejected for r in rows) == 1
    assert next(r for r in rows if r.code_id == first.code_id).rejected == 1


def test_unsafe_or_wrong_files_are_refused(tmp_path):
    bad = tmp_path / "evil.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../escape.xml", "<a/>")
    with pytest.raises(ExchangeError, match="unsafe path"):
        read_sheet(bad)
    dtd = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(dtd, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    with pytest.raises(ExchangeError, match="DTD"):
        read_sheet(dtd)
    with pytest.raises(UsageError):
        read_sheet(tmp_path / "notes.txt")
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(ExchangeError, match="no coding sheet"):
        read_sheet(empty)


def _sheet_rows(document):
    table = next(t for t in document.tables
                 if "Tinjauan" in [c.text for c in t.rows[0].cells])
    header = [c.text for c in table.rows[0].cells]
    return table, header


def _supervise_docx(report: Path, target: Path) -> tuple[list[tuple[str, str]], str]:
    """Mark rows as a supervisor would in Word: reject row 1 with a comment, recode row 2,
    accept row 3. Returns the (segment, code) keys touched and the recode target."""
    document = docx.Document(str(report))
    table, header = _sheet_rows(document)
    review, code = header.index("Tinjauan"), header.index("Kode")
    rows = table.rows[1:4]
    keys = [(r.cells[0].text, r.cells[code].text.split(" ", 1)[0]) for r in rows]
    target_code = "PENG-LAP" if keys[1][1] != "PENG-LAP" else "PEMB-SOS"
    for row, word in zip(rows, ["✗", target_code, "ok"]):
        row.cells[review].paragraphs[0].add_run(word)
    quote = header.index("Kutipan")
    document.add_comment(rows[0].cells[quote].paragraphs[0].runs[0],
                         text="Ini basa-basi, bukan sosialisasi.", author="Dr. Sari",
                         initials="DS")
    document.save(str(target))
    return keys, target_code


def test_round_trip_through_word(demo_run, demo_copy, tmp_path):
    runner = CliRunner()
    # the session's demo run is the same project: its report is what a supervisor gets
    first = next(p for p in demo_run.outputs if p.name == "report.docx").parent
    out = demo_copy / "out"
    keys, target_code = _supervise_docx(first / "report.docx", tmp_path / "reviewed.docx")
    before = pd.read_csv(first / "tables" / "code_summary.csv") if (
        first / "tables" / "code_summary.csv").exists() else None

    imported = runner.invoke(main, ["review", "import", str(tmp_path / "reviewed.docx"),
                                    "-p", str(demo_copy)])
    assert imported.exit_code == 0, imported.output
    assert "3 new" in imported.output
    stored = {(r.segment_id, r.code_id): r for r in load_reviews(demo_copy)[0]}
    assert stored[keys[0]].decision == "reject"
    assert stored[keys[0]].comment == "Ini basa-basi, bukan sosialisasi."
    assert stored[keys[0]].reviewer == "Dr. Sari"
    assert (stored[keys[1]].decision, stored[keys[1]].new_code) == ("recode", target_code)
    assert stored[keys[2]].decision == "accept"

    assert runner.invoke(main, ["run", str(demo_copy), "--force"]).exit_code == 0
    sheet = pd.read_csv(out / "coded_segments.csv", encoding="utf-8-sig").fillna("")
    row = sheet[(sheet["ID"] == keys[0][0]) & (sheet["ID Kode"] == keys[0][1])].iloc[0]
    assert row["Tinjauan"] == "reject" and row["Memo"] == "Ini basa-basi, bukan sosialisasi."
    document = docx.Document(str(out / "report.docx"))
    table, header = _sheet_rows(document)
    assert len(table.rows) - 1 == len(sheet)  # rejected rows stay in the sheet
    if before is not None:
        after = pd.read_csv(out / "tables" / "code_summary.csv")
        assert after.iloc[:, 3].sum() == before.iloc[:, 3].sum() - 1  # one coding fewer
    status = runner.invoke(main, ["review", "status", str(demo_copy)])
    assert status.exit_code == 0, status.output
    assert "3 decisions" in status.output

    # a source edited after the review: the decision on it is flagged, not trusted
    segment_id = keys[0][0]
    source = next(p for p in (demo_copy / "transcripts").rglob("*.txt")
                  if p.stem == segment_id.split(":")[0])
    text = source.read_text(encoding="utf-8")
    quote = row["Kutipan"].split(" … ")[0].strip("… ")[:25]
    assert quote in text
    source.write_text(text.replace(quote, quote + " (diubah)", 1), encoding="utf-8")
    assert runner.invoke(main, ["run", str(demo_copy), "--force"]).exit_code == 0
    log = (out / "run.log").read_text(encoding="utf-8")
    assert f"{segment_id} {keys[0][1]}" in log and "text changed" in log


def test_import_from_excel_with_a_cell_note(demo_run, tmp_path, demo_copy):
    xlsx = next(p for p in demo_run.outputs if p.name == "matrices.xlsx")
    book = openpyxl.load_workbook(str(xlsx))
    sheet = next(s for s in book.worksheets if "Tinjauan" in [c.value for c in s[1]])
    header = [c.value for c in sheet[1]]
    review = header.index("Tinjauan") + 1
    sheet.cell(row=2, column=review, value="tolak")
    sheet.cell(row=2, column=review).comment = CellComment("Salah kode.", "Prof. Budi")
    sheet.cell(row=3, column=review, value="???")
    book.save(str(tmp_path / "reviewed.xlsx"))
    result = CliRunner().invoke(main, ["review", "import", str(tmp_path / "reviewed.xlsx"),
                                       "-p", str(demo_copy)])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "1 not imported" in result.output
    (stored,), _ = load_reviews(demo_copy)
    assert (stored.decision, stored.reviewer) == ("reject", "Prof. Budi")
    assert stored.comment == "Salah kode."
    assert stored.segment_id == sheet.cell(row=2, column=1).value
