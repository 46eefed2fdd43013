"""The codebook appendix as a Word document: landscape, table T0, header row repeated.

Self-contained (it does not depend on the report writer): a codebook has at most a few
hundred rows, so a pre-sized python-docx table is fast enough.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from qualcode.analysis.labels import label
from qualcode.codebook.table import codebook_table
from qualcode.model import Codebook


def _landscape(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width


def _cell(cell, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(str(text).split("\n")):
        run = paragraph.add_run()
        run.font.size = Pt(8)
        run.bold = bold
        if i:
            run.add_break()
        run.add_text(line)


def add_table(document, frame: pd.DataFrame) -> None:
    """``frame`` as a grid table whose bold header row repeats on every page."""
    table = document.add_table(rows=len(frame) + 1, cols=len(frame.columns))
    table.style = "Table Grid"
    rows = table.rows
    header = rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    header._tr.trPr[-1].set(qn("w:val"), "true")
    for cell, name in zip(header.cells, frame.columns):
        _cell(cell, str(name), bold=True)
    for row, values in zip(list(rows)[1:], frame.itertuples(index=False)):
        for cell, value in zip(row.cells, values):
            _cell(cell, "" if value is None else str(value))


def write_docx(codebook: Codebook, path: Path, language: str = "") -> None:
    """Write ``codebook`` as a self-contained .docx (labels in the codebook's language)."""
    lang = language or codebook.language
    document = Document()
    _landscape(document)
    document.add_heading(f"{label('codebook', lang)}: {codebook.title}", level=1)
    facts = [codebook.version and f"version {codebook.version}", ", ".join(codebook.authors)]
    if any(facts):
        document.add_paragraph(" · ".join(f for f in facts if f))
    if codebook.description:
        document.add_paragraph(codebook.description)
    add_table(document, codebook_table(codebook, lang))
    document.save(str(path))
