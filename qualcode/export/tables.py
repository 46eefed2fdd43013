"""Tables to CSV and to one Excel workbook (one sheet per table)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from qualcode.export.files import atomic_path

MAX_WIDTH = 60
WRAP_OVER = 40


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV with a BOM, so that Excel opens accented text correctly."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    out, n = base, 2
    while out.lower() in used:
        suffix = f" ({n})"
        out, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(out.lower())
    return out


def _format_sheet(sheet, frame: pd.DataFrame) -> None:
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = sheet.dimensions
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, column in enumerate(frame.columns, start=1):
        # Missing values (NaN, None) are measured as empty cells.
        values = ["" if pd.isna(v) else str(v) for v in frame[column].head(500)]
        longest = max([len(str(column))] + [len(v) for v in values])
        width = min(MAX_WIDTH, max(8, longest + 2))
        sheet.column_dimensions[get_column_letter(i)].width = width
        if longest > WRAP_OVER:
            for cell in sheet[get_column_letter(i)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path,
               titles: Mapping[str, str] | None = None) -> None:
    """One sheet per table: bold frozen header, filters, fitted widths, wrapped text."""
    titles = titles or {}
    used: set[str] = set()
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in tables.items():
                sheet_name = _sheet_name(titles.get(name, name), used)
                frame.to_excel(writer, sheet_name=sheet_name, index=False)
                _format_sheet(writer.sheets[sheet_name], frame)


def write_csvs(tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Every table as ``<folder>/<name>.csv``; returns the paths written."""
    paths = []
    for name, frame in tables.items():
        path = Path(folder) / f"{name}.csv"
        write_csv(frame, path)
        paths.append(path)
    return paths


def _md_cell(value: object) -> str:
    text = "" if value is None or value != value else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped, line breaks folded)."""
    columns = [_md_cell(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for values in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def to_text(frame: pd.DataFrame, max_width: int = 60) -> str:
    """A plain-text table for the terminal, long cells cut to ``max_width`` characters."""
    def cut(value: object) -> str:
        text = _md_cell(value).replace("\\|", "|")
        return text if len(text) <= max_width else text[:max_width - 1] + "…"

    shown = frame.map(cut) if len(frame) else frame
    return shown.to_string(index=False) + "\n"


def write_table(frame: pd.DataFrame, path: Path, fmt: str, title: str = "") -> None:
    """Write one table to ``path`` as ``csv``, ``xlsx``, ``md`` or ``table`` (plain text)."""
    if fmt == "csv":
        write_csv(frame, path)
    elif fmt == "xlsx":
        write_xlsx({title or "table": frame}, path)
    else:
        from qualcode.export.files import write_text

        write_text(path, to_markdown(frame) if fmt == "md" else to_text(frame))
