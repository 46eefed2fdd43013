"""Codebooks as spreadsheets (CSV, XLSX): one code a row, and the T0 table in Word.

Written columns are ``id, parent, label, brief, full, use_when, not_when, examples,
source, color, rules`` (examples one a line; rules as JSON, which is also YAML). When
reading, headers are matched loosely, in English or Indonesian (``Kode``, ``Definisi``,
``Contoh`` …); a sheet without ``parent`` but with ``Dimension``/``Indicator`` columns
(the T0 layout) gets its hierarchy from them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any, Iterable

from qualcode.codebook.describe import rules_json
from qualcode.errors import ExchangeError, Problem
from qualcode.model import Codebook

COLUMNS = ("id", "parent", "label", "brief", "full", "use_when", "not_when", "examples",
           "source", "color", "rules")
HEADERS = {
    "id": ("id", "code id", "id kode", "kode id"),
    "parent": ("parent", "parent id", "induk"),
    "label": ("label", "code", "name", "code name", "kode", "nama", "nama kode"),
    "brief": ("brief", "brief definition", "definition", "description", "definisi",
              "definisi singkat", "deskripsi"),
    "full": ("full", "full definition", "definisi lengkap"),
    "use_when": ("use_when", "use when", "when to use", "inclusion", "digunakan bila"),
    "not_when": ("not_when", "not when", "when not to use", "exclusion",
                 "tidak digunakan bila"),
    "examples": ("examples", "example", "contoh"),
    "source": ("source", "sumber"),
    "color": ("color", "colour", "warna"),
    "rules": ("rules", "aturan"),
    "dimension": ("dimension", "dimensi", "theme", "tema", "focus", "fokus"),
    "indicator": ("indicator", "indikator", "category", "kategori"),
}
_LOOKUP = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
MAX_ZIP_BYTES = 200_000_000
MAX_ROWS = 20_000


def codebook_rows(codebook: Codebook) -> list[list[str]]:
    """The machine-readable sheet: a header row, then one row per code in tree order."""
    rows = [list(COLUMNS)]
    for code in codebook.codes:
        rows.append([code.id, code.parent or "", code.label, code.brief, code.full,
                     code.use_when, code.not_when, "\n".join(code.examples), code.source,
                     code.color, rules_json(code)])
    return rows


def write_csv(codebook: Codebook, path: Path) -> None:
    """UTF-8 CSV with a BOM, so that Excel opens accented text correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(codebook_rows(codebook))


def write_xlsx(codebook: Codebook, path: Path) -> None:
    """Two sheets: ``codebook`` (one code a row, re-importable) and ``T0`` (to read)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from qualcode.codebook.table import codebook_table

    book = Workbook()
    sheet = book.active
    sheet.title = "codebook"
    for row in codebook_rows(codebook):
        sheet.append(row)
    table = codebook_table(codebook, codebook.language)
    t0 = book.create_sheet("T0")
    t0.append([str(c) for c in table.columns])
    for values in table.itertuples(index=False):
        t0.append(list(values))
    for ws in (sheet, t0):
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)


def _header_keys(header: Iterable[Any]) -> list[str | None]:
    return [_LOOKUP.get(" ".join(str(h or "").replace("_", " ").split()).lower()
                        .split(" (")[0]) or _LOOKUP.get(str(h or "").strip().lower())
            for h in header]


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[str]]:
    # An xlsx is a zip: refuse archives that would inflate to absurd sizes.
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_ZIP_BYTES:
                raise ExchangeError("the spreadsheet is too large once unpacked",
                                    file=str(path))
    except zipfile.BadZipFile as exc:
        raise ExchangeError("not an .xlsx file (not a zip archive)", file=str(path)) from exc
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book["codebook"] if "codebook" in book.sheetnames else book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS)]
    book.close()
    return rows


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV or XLSX file, as text."""
    suffix = path.suffix.lower()
    try:
        return _read_xlsx(path) if suffix in (".xlsx", ".xlsm") else _read_csv(path)
    except UnicodeDecodeError as exc:
        raise ExchangeError("not UTF-8 text", file=str(path),
                            hint="save the CSV as UTF-8") from exc


def _hierarchy(rec: dict[str, str], by_label: dict[str, str], extra: list[dict],
               taken: set[str]) -> str | None:
    """Parent id from T0-style Dimension/Indicator columns, adding those codes once."""
    from qualcode.codebook.writer import make_id

    parent = None
    for level in ("dimension", "indicator"):
        name = rec.get(level, "").strip()
        if not name or name == rec.get("label"):
            continue
        key = f"{parent}/{name}"
        if key not in by_label:
            by_label[key] = make_id(name, taken)
            extra.append({"id": by_label[key], "parent": parent, "label": name})
        parent = by_label[key]
    return parent


def read_sheet(path: str | Path) -> tuple[list[dict], list[Problem]]:
    """Flat code records from a CSV/XLSX codebook (one code a row), with warnings."""
    from qualcode.codebook.writer import make_id

    path = Path(path)
    rows = [r for r in read_rows(path) if any(c.strip() for c in r)]
    if not rows:
        raise ExchangeError("the sheet is empty", file=str(path))
    keys = _header_keys(rows[0])
    if "label" not in keys and "id" not in keys:
        raise ExchangeError("no column for the code name", file=str(path), line=1,
                            hint="name a column 'label' (or Code, Kode, Name) and one 'id'")
    problems: list[Problem] = []
    records: list[dict] = []
    taken: set[str] = set()
    by_label: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        rec: dict[str, Any] = {k: v.strip() for k, v in zip(keys, row) if k}
        label = rec.get("label") or rec.get("id", "")
        if not label:
            continue
        rec["label"] = label
        wanted = rec.get("id", "")
        rec["id"] = wanted if wanted and wanted not in taken else make_id(wanted or label, taken)
        taken.add(rec["id"])
        if not rec.get("parent") and ("dimension" in keys or "indicator" in keys):
            rec["parent"] = _hierarchy(rec, by_label, records, taken)
        rec["examples"] = [e.strip() for e in rec.get("examples", "").replace(" | ", "\n")
                           .split("\n") if e.strip()]
        rec["rules"] = _rules(rec.get("rules", ""), path, number, problems)
        records.append(rec)
    _resolve_parents(records)
    return records, problems


def _resolve_parents(records: list[dict]) -> None:
    """A ``parent`` cell may hold the parent's label instead of its id."""
    ids = {r["id"] for r in records}
    by_label = {r["label"]: r["id"] for r in records}
    for rec in records:
        parent = rec.get("parent") or None
        rec["parent"] = parent if parent in ids or parent is None else by_label.get(parent, parent)


def _rules(text: str, path: Path, line: int, problems: list[Problem]) -> list[dict]:
    if not text:
        return []
    from qualcode.codebook.yamlio import _yaml, unsafe_nodes

    try:
        value = _yaml().load(text)
    except Exception:  # noqa: BLE001 - any YAML error makes the cell unusable
        value = None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value) \
            or unsafe_nodes(value, str(path)):
        problems.append(Problem("rules cell is not a YAML/JSON list of rules; left out",
                                file=str(path), line=line, path="rules", severity="warning",
                                hint='write e.g. [{keywords: [lapor, monev]}]'))
        return []
    from qualcode.codebook.load import plain

    return plain(value)
