"""The Word report: title page, the method's headings, and every table.

Big tables are built by copying one template row (``w:tr``) with lxml and setting its
text, which is two orders of magnitude faster than python-docx's ``add_row`` or
``table.cell`` on thousands of rows. Header rows repeat on each page.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Mapping

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from qualcode.analysis import TABLES
from qualcode.analysis.labels import label
from qualcode.export.files import atomic_path
from qualcode.model import CodedCorpus

WIDE_TABLE_COLUMNS = 6


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _set_cell_text(tc, text: str) -> None:
    """Replace a template cell's text, keeping its paragraph and run properties."""
    paragraphs = tc.findall(qn("w:p"))
    for extra in paragraphs[1:]:
        tc.remove(extra)
    p = paragraphs[0]
    runs = p.findall(qn("w:r"))
    for extra in runs[1:]:
        p.remove(extra)
    run = runs[0]
    for child in list(run):
        if child.tag != qn("w:rPr"):
            run.remove(child)
    for i, line in enumerate(str(text).split("\n")):
        if i:
            run.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        run.append(t)


def add_table(document, frame: pd.DataFrame, font_size: float = 8) -> None:
    """Append ``frame`` as a table with a repeating bold header row."""
    columns = [str(c) for c in frame.columns]
    table = document.add_table(rows=2, cols=max(1, len(columns)))
    table.style = "Table Grid"
    header, template = table.rows[0], table.rows[1]
    _repeat_header(header)
    for cell, name in zip(header.cells, columns):
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(font_size)
    for cell in template.cells:
        cell.paragraphs[0].add_run("").font.size = Pt(font_size)
    tr = template._tr
    tbl = table._tbl
    for values in frame.itertuples(index=False):
        new = copy.deepcopy(tr)
        for tc, value in zip(new.findall(qn("w:tc")), values):
            _set_cell_text(tc, "" if value is None or value != value else value)
        tbl.append(new)
    tbl.remove(tr)


def _landscape(document, on: bool) -> None:
    section = document.sections[-1]
    wanted = WD_ORIENT.LANDSCAPE if on else WD_ORIENT.PORTRAIT
    if section.orientation == wanted:
        return
    from docx.enum.section import WD_SECTION

    new = document.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = wanted
    width, height = new.page_width, new.page_height
    if (on and width < height) or (not on and width > height):
        new.page_width, new.page_height = height, width


def _title_page(document, corpus: CodedCorpus, title: str) -> None:
    lang = corpus.language
    document.add_heading(title or corpus.codebook.title, level=0)
    book = corpus.codebook
    by_tech = {t: sum(1 for s in corpus.sources if s.technique == t) for t in "WOD"}
    lines = [
        f"{label('codebook', lang)}: {book.title} {book.version}".strip(),
        ("Tanggal" if lang == "id" else "Date") + f": {dt.date.today().isoformat()}",
        ", ".join(f"{label(t, lang)}: {n}" for t, n in by_tech.items()),
        f"{label('informant', lang)}: "
        f"{len({s.informant for s in corpus.sources if s.technique == 'W'})}",
        ("Kata" if lang == "id" else "Words") + f": {sum(s.words for s in corpus.sources):,}",
        f"{label('segments', lang)}: {len(corpus.segments):,}; "
        + ("koding" if lang == "id" else "codings") + f": {len(corpus.codings):,}",
    ]
    for line in lines:
        document.add_paragraph(line)


def write_report(corpus: CodedCorpus, tables: Mapping[str, pd.DataFrame], path: Path,
                 title: str = "") -> None:
    """Write the report for ``corpus`` with ``tables`` (as built by ``build_tables``)."""
    lang = corpus.language
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    _title_page(document, corpus, title or corpus.title)
    stage = None
    for name, frame in tables.items():
        group = TABLES[name][0] if name in TABLES else "display"
        wide = len(frame.columns) > WIDE_TABLE_COLUMNS
        _landscape(document, wide)
        if group != stage:
            document.add_heading(label(group, lang), level=1)
            stage = group
        document.add_heading(label(name, lang), level=2)
        add_table(document, frame)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
