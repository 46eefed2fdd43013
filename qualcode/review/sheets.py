"""Reading a reviewed coding sheet back from ``report.docx`` or ``matrices.xlsx``.

The coding sheet is found by its header (ID, Code and Review columns, in any report
language). Each row gives a segment id, a code id, the Review cell, the Memo cell and the
comments a reviewer attached to the row (Word comments, Excel cell notes). The files
come from outside, so the package is checked before it is parsed: no paths that escape,
a bounded unpacked size, no DTDs or entities in its XML.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

from qualcode.analysis.labels import LABELS
from qualcode.errors import ExchangeError, Problem, ProjectError, UsageError
from qualcode.model import Review
from qualcode.review import (DECISIONS, Decision, load_reviews, memo_comment, now_iso,
                             parse_decision, review_path, save_reviews, text_hash)

MAX_UNPACKED = 512 * 2**20
MACHINE_AUTHORS = frozenset({"", "python-docx", "qualcode", "openpyxl"})
COLUMNS = ("id", "code", "review", "memo")


@dataclass(frozen=True)
class Marked:
    """One row of a reviewed coding sheet, as found in the file."""

    segment_id: str
    code_id: str
    cell: str
    memo: str = ""
    comment: str = ""
    reviewer: str = ""
    when: str = ""
    where: str = ""


@dataclass(frozen=True)
class Sheet:
    """The reviewed rows of a file, and who last saved it, when."""

    rows: tuple[Marked, ...]
    author: str = ""
    modified: str = ""


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    return str(value or "")


def _person(*names: Any) -> str:
    for name in names:
        if name and str(name).strip().lower() not in MACHINE_AUTHORS:
            return str(name).strip()
    return ""


def check_package(path: Path) -> None:
    """Refuse a zip package that is broken, escapes its folder, is huge, or has DTDs."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise ExchangeError("the file unpacks to more than 512 MB", file=str(path),
                                    hint="is this really a report or workbook?")
            for info in infos:
                parts = PurePosixPath(info.filename).parts
                if info.filename.startswith("/") or ".." in parts or "\\" in info.filename:
                    raise ExchangeError(f"unsafe path inside the file: {info.filename!r}",
                                        file=str(path), hint="the file is not a plain "
                                                             "Office document")
                if info.filename.endswith((".xml", ".rels")):
                    head = zf.read(info)[:4096].upper()
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise ExchangeError("the file's XML declares a DTD or entities",
                                            file=str(path), path=info.filename,
                                            hint="save it again from Word or Excel")
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExchangeError(f"not a readable Office file ({exc.__class__.__name__})",
                            file=str(path), hint="open it and save it again as .docx or "
                                                 ".xlsx") from None


def column_map(header: Sequence[Any]) -> dict[str, int]:
    """Which column holds the ID, Code, Review and Memo, in any report language."""
    names = {key: {table[key].lower() for table in LABELS.values() if key in table}
             for key in COLUMNS}
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        text = " ".join(str(value or "").split()).lower()
        for key, options in names.items():
            if text in options and key not in found:
                found[key] = index
    return found


def _row(cells: Sequence[str], cols: dict[str, int], where: str, comments: Iterable
         ) -> Marked | None:
    def get(key: str) -> str:
        i = cols.get(key)
        return str(cells[i] or "").strip() if i is not None and i < len(cells) else ""

    segment, code = get("id"), get("code").split(" ", 1)[0]
    if not segment or not code:
        return None
    notes = [c for c in comments if c[0].strip()]
    return Marked(segment, code, get("review"), get("memo"),
                  comment="\n".join(c[0].strip() for c in notes),
                  reviewer=_person(*(c[1] for c in notes)),
                  when=next((c[2] for c in notes if c[2]), ""), where=where)


def _cell_text(tc) -> str:
    from docx.oxml.ns import qn

    paragraphs = []
    for p in tc.iter(qn("w:p")):
        paragraphs.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return "\n".join(paragraphs)


def read_docx(path: Path) -> Sheet:
    """The coding sheet rows of a Word report, with the comments on each row."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    notes = {str(c.comment_id): (c.text, _person(c.author), _iso(c.timestamp))
             for c in _comments(document)}
    rows: list[Marked] = []
    for t, table in enumerate(document.tables, start=1):
        trs = table._tbl.tr_lst
        if not trs:
            continue
        cols = column_map([_cell_text(tc) for tc in trs[0].tc_lst])
        if not {"id", "code", "review"} <= cols.keys():
            continue
        for r, tr in enumerate(trs[1:], start=2):
            ids = {e.get(qn("w:id")) for tag in ("w:commentRangeStart", "w:commentReference")
                   for e in tr.iter(qn(tag))}
            marked = _row([_cell_text(tc) for tc in tr.tc_lst], cols,
                          f"table {t}, row {r}",
                          [notes[i] for i in sorted(ids, key=str) if i in notes])
            if marked:
                rows.append(marked)
    props = document.core_properties
    return Sheet(tuple(rows), _person(props.last_modified_by, props.author),
                 _iso(props.modified))


def _comments(document) -> list:
    """The document's comments; none when it has no comments part."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        document.part.part_related_by(RT.COMMENTS)
    except KeyError:
        return []
    return list(document.comments)


def read_xlsx(path: Path) -> Sheet:
    """The coding sheet rows of a workbook, with the cell notes on each row."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it does not keep
        book = openpyxl.load_workbook(str(path), data_only=True)
    rows: list[Marked] = []
    for sheet in book.worksheets:
        header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1), ())]
        cols = column_map(header)
        if not {"id", "code", "review"} <= cols.keys():
            continue
        for r, cells in enumerate(sheet.iter_rows(min_row=2), start=2):
            comments = [(c.comment.text, c.comment.author, "") for c in cells if c.comment]
            marked = _row(["" if c.value is None else str(c.value) for c in cells], cols,
                          f"sheet {sheet.title!r}, row {r}", comments)
            if marked:
                rows.append(marked)
    props = book.properties
    return Sheet(tuple(rows), _person(props.lastModifiedBy, props.creator),
                 _iso(props.modified))


def read_sheet(path: str | Path) -> Sheet:
    """Read a reviewed ``.docx`` report or ``.xlsx`` workbook."""
    path = Path(path)
    readers = {".docx": read_docx, ".xlsx": read_xlsx}
    if path.suffix.lower() not in readers:
        raise UsageError("qualcode reads reviews from .docx or .xlsx files", file=str(path),
                         hint="give the report.docx or matrices.xlsx the reviewer returned")
    if not path.is_file():
        raise UsageError("file not found", file=str(path), hint="check the path")
    check_package(path)
    sheet = readers[path.suffix.lower()](path)
    if not sheet.rows:
        raise ExchangeError("no coding sheet with ID, Code and Review columns found",
                            file=str(path), hint="import the report.docx or matrices.xlsx "
                                                 "that qualcode wrote, with its coding sheet")
    return sheet


# -- merging a sheet into the project's review file -------------------------------------

@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows read, decisions added or changed, problems found."""

    file: Path
    rows: int
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()


def _decide(mark: Marked, old: Review | None, code_ids: set[str]) -> Decision | str | None:
    """The decision a row states, ``None`` for nothing to record, or a problem text."""
    try:
        decision = parse_decision(mark.cell, code_ids)
    except ValueError:
        return (f"'{mark.cell}' is neither a decision (ok, ✓, x, ✗, reject, tolak) nor a "
                "code id of the codebook")
    comment = mark.comment or memo_comment(mark.memo)
    if decision is None:
        if not comment:
            return None
        decision = Decision(old.decision, old.new_code) if old else Decision("pending")
    if decision.decision == "recode" and not decision.new_code:
        if old and old.decision == "recode":
            return Decision("recode", old.new_code)
        return "'recode' needs the code to move to: write its id in the Review cell"
    if decision.decision == "recode" and decision.new_code == mark.code_id:
        return Decision("accept")
    return decision


def merge_marks(stored: Sequence[Review], sheet: Sheet, texts: dict[str, str],
                code_ids: set[str], reviewer: str = "", file: str = ""
                ) -> tuple[list[Review], ImportResult]:
    """Fold a sheet's rows into the stored decisions; the latest word on a row wins."""
    out = {(r.segment_id, r.code_id): r for r in stored}
    problems: list[Problem] = []
    added = changed = unchanged = 0
    for mark in sheet.rows:
        key = (mark.segment_id, mark.code_id)
        if mark.segment_id not in texts:
            problems.append(Problem(f"segment '{mark.segment_id}' no longer exists in the "
                                    "project; its decision was not imported", file=file,
                                    path=mark.where, hint="re-run, make a new report and "
                                                          "review that row again"))
            continue
        if mark.code_id not in code_ids:
            problems.append(Problem(f"code '{mark.code_id}' is not in the codebook; the "
                                    "decision was not imported", file=file, path=mark.where,
                                    hint="was the code renamed? review the row again"))
            continue
        old = out.get(key)
        decision = _decide(mark, old, code_ids)
        if isinstance(decision, str):
            problems.append(Problem(decision, file=file, path=mark.where,
                                    hint="write ok, x or a code id; see docs/report.md"))
            continue
        if decision is None:
            continue
        comment = mark.comment or memo_comment(mark.memo) or (old.comment if old else "")
        new = Review(mark.segment_id, mark.code_id, decision.decision, decision.new_code,
                     comment, reviewer or mark.reviewer or sheet.author,
                     mark.when or sheet.modified or now_iso(), text_hash(texts[mark.segment_id]))
        # The sheet repeats stored decisions in their own words ("accept"); a reviewer
        # who writes one again ("ok") has looked at the current text and confirms it.
        confirmed = " ".join(mark.cell.split()).lower() not in DECISIONS
        if old and (old.decision, old.new_code, old.comment) == (
                new.decision, new.new_code, new.comment) and (
                not confirmed or old.text_hash == new.text_hash):
            unchanged += 1
            continue
        added, changed = (added, changed + 1) if old else (added + 1, changed)
        out[key] = new
    result = ImportResult(Path(file), len(sheet.rows), added, changed, unchanged,
                          tuple(problems))
    return list(out.values()), result


def import_reviews(sheet_file: str | Path, project_dir: str | Path = ".",
                   reviewer: str = "") -> ImportResult:
    """Read a reviewed report or workbook and store its decisions in the project."""
    from qualcode.codebook import load_codebook
    from qualcode.errors import Report
    from qualcode.ingest.corpus import load_sources
    from qualcode.project import load_project
    from qualcode.segment import segment_sources

    project = load_project(project_dir)
    sheet = read_sheet(sheet_file)
    stored, problems = load_reviews(project.root)
    if problems:
        raise ProjectError("the review file cannot be read",
                           file=str(review_path(project.root)), problems=problems)
    codebook = load_codebook(project.codebook)
    sources = load_sources(project.root, project.sources, project.informants, Report())
    segments = segment_sources(sources, dict(project.units), project.interviewers)
    texts = {s.id: s.text for s in segments}
    merged, result = merge_marks(stored, sheet, texts, {c.id for c in codebook.codes},
                                 reviewer, str(sheet_file))
    path = review_path(project.root)
    if result.added or result.changed:
        save_reviews(project.root, merged)
    return ImportResult(path, result.rows, result.added, result.changed, result.unchanged,
                        result.problems)
