"""The codebook appendix as a Word document: landscape, table T0, header row repeated."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT

from qualcode.analysis.labels import label
from qualcode.codebook.table import codebook_table
from qualcode.export.word import add_table
from qualcode.model import Codebook


def _landscape(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width


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
