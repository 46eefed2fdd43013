"""Open-ended survey answers in a spreadsheet (.csv, .xlsx): one source per respondent.

The project names the column(s) holding the answers (``text_column``), optionally the
column identifying the respondent (``id_column``; rows sharing an id become one
source, without it every row is a source keyed by its row number) and the columns
to keep as attributes (``attributes``; default: every other column). Column names
match case-insensitively. Each answer is a paragraph; with several text columns each
answer is preceded by its column name on a line of its own, which no segment covers.
Rows whose answers are all empty make no source and are counted in a note.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import Part, ReadOptions, register_multi
from qualcode.ingest.textutil import decode
from qualcode.model import RawSource, Turn

Row = tuple[int, dict[str, str]]


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def _csv_rows(path: Path) -> list[list[str]]:
    text = decode(path.read_bytes(), str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise IngestError(f"the CSV file cannot be parsed ({exc})", file=str(path),
                          hint="save it again from the spreadsheet program as CSV") from None


def _xlsx_rows(path: Path, sheet: str) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0":
        raise IngestError("the workbook is password-protected or in the old .xls format",
                          file=str(path), hint="save it as .xlsx without a password")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"not a readable Excel file ({exc.__class__.__name__})",
                          file=str(path), hint="save it again as .xlsx") from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise IngestError(f"no sheet named '{sheet}'", file=str(path),
                              hint="sheets: " + ", ".join(book.sheetnames))
        ws = book[sheet] if sheet else book.worksheets[0]
        return [[_clean(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _table(path: Path, options: ReadOptions) -> tuple[list[str], list[Row]]:
    """The header (as written) and the data rows with their 1-based row numbers."""
    rows = (_xlsx_rows(path, options.sheet) if path.suffix.lower() in (".xlsx", ".xlsm")
            else _csv_rows(path))
    numbered = [(i + 1, [_clean(c) for c in row]) for i, row in enumerate(rows)
                if any(_clean(c) for c in row)]
    if not numbered:
        raise IngestError("the spreadsheet is empty", file=str(path),
                          hint="the first row names the columns, one answer per row below")
    header = numbered[0][1]
    data = [(n, dict(zip(header, row))) for n, row in numbered[1:]]
    return header, data


def _column(header: list[str], wanted: str, path: Path, what: str) -> str:
    for name in header:
        if name.casefold() == wanted.strip().casefold():
            return name
    raise IngestError(f"no column '{wanted}' for the {what}", file=str(path), line=1,
                      hint="columns: " + ", ".join(h for h in header if h))


def _columns(header: list[str], options: ReadOptions,
             path: Path) -> tuple[list[str], str, list[str]]:
    if not options.text_columns:
        raise IngestError("which column holds the answers?", file=str(path), line=1,
                          hint="set text_column for this source in qualcode.yaml or pass "
                               "--text-column; columns: " + ", ".join(h for h in header if h))
    texts = [_column(header, c, path, "answers") for c in options.text_columns]
    ident = _column(header, options.id_column, path, "respondent id") \
        if options.id_column else ""
    if options.attributes:
        attrs = [_column(header, c, path, "attributes") for c in options.attributes]
    else:
        attrs = [h for h in header if h and h not in texts and h != ident]
    return texts, ident, attrs


def _source(rows: list[Row], texts: list[str], attrs: list[str]) -> RawSource | None:
    """One respondent's answers as paragraphs, with their attributes."""
    parts: list[str] = []
    turns = []
    pos = 0
    for _, row in rows:
        for column in texts:
            answer = row.get(column, "")
            if not answer:
                continue
            head = column + "\n" if len(texts) > 1 else ""
            turns.append(Turn(pos + len(head), pos + len(head) + len(answer)))
            parts.append(head + answer)
            pos += len(head) + len(answer) + 2
    if not turns:
        return None
    meta: dict[str, str] = {}
    for column in attrs:
        value = next((r.get(column, "") for _, r in rows if r.get(column, "")), "")
        if value:
            meta[column.strip().lower()] = value
    return RawSource(text="\n\n".join(parts) + "\n", turns=tuple(turns), metadata=meta)


@register_multi(".csv", ".xlsx", ".xlsm")
def read_sheet(path: Path, options: ReadOptions) -> list[Part]:
    """One ``Part`` per respondent (``id_column``) or per row."""
    header, data = _table(path, options)
    texts, ident, attrs = _columns(header, options, path)
    groups: dict[str, list[Row]] = {}
    for number, row in data:
        key = row.get(ident, "") if ident else ""
        groups.setdefault(key or f"row{number}", []).append((number, row))
    parts, empty = [], 0
    for key, rows in groups.items():
        raw = _source(rows, texts, attrs)
        if raw is None:
            empty += len(rows)
            continue
        parts.append(Part(re.sub(r"[^\w.\-]+", "_", key), raw, rows[0][0]))
    if not parts:
        raise IngestError("every answer in the text column is empty", file=str(path),
                          hint="check that text_column names the column of answers")
    if empty:
        note = f"{empty} row(s) with no answer were skipped"
        parts[0] = Part(parts[0].key, parts[0].raw, parts[0].line, (note,))
    return parts
