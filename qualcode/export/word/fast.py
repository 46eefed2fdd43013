"""Building Word tables fast, straight in WordprocessingML.

python-docx's ``add_row`` and ``table.cell`` slow down badly on big tables (``cell`` is
quadratic), so the data rows are written as WordprocessingML text and parsed by lxml in
chunks, which is faster still than deep-copying a template row for each row (the
"lxml row template" path, measured in docs/performance.md). Column widths are fixed
(``w:tblLayout`` fixed, ``w:gridCol`` and every ``w:tcW``) so that Word and LibreOffice
lay out a table of 10,000 rows without measuring its content; header rows repeat on
every page (``w:tblHeader``) and never split across pages (``w:cantSplit``).
"""

from __future__ import annotations

import copy
import re
from typing import Iterator, Mapping, Sequence

from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt
from lxml import etree

HEADER_FILL = "D9E2F3"
HIGHLIGHT = "yellow"
TWIPS_PER_CM = 567
MIN_COLUMN_CM = 0.9
NEED_SHARE = 0.8
CHUNK_ROWS = 2000
_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

Piece = tuple[str, str]
"""A stretch of cell text and its look: ``""`` plain, ``"hit"`` a matched term (bold,
highlighted), ``"cite"`` a citation (italic)."""


def _el(parent, tag: str, **attrs: str):
    child = etree.SubElement(parent, qn(tag))
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), value)
    return child


def _first(parent, tag: str):
    found = parent.find(qn(tag))
    return found if found is not None else _el(parent, tag)


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], total_cm: float,
                  font_size: float = 8, minimum: Mapping[int, float] | None = None
                  ) -> list[float]:
    """Widths (cm) that share ``total_cm`` by what each column holds.

    Each column first gets room for its longest word (header or cells, capped), so that
    ids and short values do not break mid-word; the space left goes to the columns by
    how much more text they hold (a typical cell's length to the power 0.75 damps long
    quotes, so that the short columns stay readable).
    """
    char_cm = 0.022 * font_size  # a wide font (DejaVu Sans where Calibri is missing)
    sample = rows[:300]
    need, want = [], []
    for i, name in enumerate(header):
        cells = [str(r[i]) for r in sample]
        words = [len(w) for c in cells for w in c.split()[:40]] or [1]
        longest = max(min(max(words), 13), min(max((len(w) for w in str(name).split()),
                                                   default=2), 9))
        lengths = sorted(len(c) for c in cells) or [0]
        typical = lengths[int(len(lengths) * 0.8)]
        need.append(max(MIN_COLUMN_CM, (minimum or {}).get(i, 0.0), longest * char_cm + 0.45))  # + cell margins
        want.append(max(need[-1], max(typical, 1) ** 0.75 * char_cm * 2.5))
    if sum(need) > total_cm * NEED_SHARE:
        # Too many columns for every word to fit: shrink the minimums, keep room for text.
        need = [n * total_cm * NEED_SHARE / sum(need) for n in need]
    spare = total_cm - sum(need)
    extra = [w - n for w, n in zip(want, need)]
    if sum(extra) <= 0:
        widths = [n + spare / len(need) for n in need]
    else:
        widths = [n + spare * e / sum(extra) for n, e in zip(need, extra)]
    return _keep_minimum(widths, minimum or {}, total_cm)


def _keep_minimum(widths: list[float], minimum: Mapping[int, float], total_cm: float
                  ) -> list[float]:
    """Give the columns in ``minimum`` their width, taken evenly from the others."""
    fixed = {i: max(widths[i], w) for i, w in minimum.items() if i < len(widths)}
    rest = [i for i in range(len(widths)) if i not in fixed]
    if not rest:
        return widths
    room = total_cm - sum(fixed.values())
    scale = room / sum(widths[i] for i in rest)
    return [fixed[i] if i in fixed else widths[i] * scale for i in range(len(widths))]


def _fix_layout(tbl, widths_cm: Sequence[float]) -> None:
    tbl_pr = tbl.tblPr
    tbl_w = _first(tbl_pr, "w:tblW")
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(widths_cm) * TWIPS_PER_CM)))
    tbl_pr.get_or_add_tblLayout().set(qn("w:type"), "fixed")
    grid = tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(width * TWIPS_PER_CM)))


def _cell_width(tc, width_cm: float) -> None:
    tc_w = tc.get_or_add_tcPr().get_or_add_tcW()
    tc_w.set(qn("w:type"), "dxa")
    tc_w.set(qn("w:w"), str(int(width_cm * TWIPS_PER_CM)))


def _run_props(parent, size: float, bold: bool = False):
    r_pr = _el(parent, "w:rPr")
    if bold:
        _el(r_pr, "w:b")
    half_points = str(int(round(size * 2)))
    _el(r_pr, "w:sz", val=half_points)
    _el(r_pr, "w:szCs", val=half_points)
    return r_pr


def _compact_paragraph(p) -> None:
    p_pr = p.find(qn("w:pPr"))
    if p_pr is None:
        p_pr = etree.Element(qn("w:pPr"))
        p.insert(0, p_pr)
    _el(p_pr, "w:spacing", before="0", after="0", line="240", lineRule="auto")


def _write_text(run, text: str) -> None:
    for i, line in enumerate(text.split("\n")):
        if i:
            _el(run, "w:br")
        t = _el(run, "w:t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = line


def fill_cell(p, r_pr, pieces: Sequence[Piece]) -> None:
    """Write ``pieces`` as runs of paragraph ``p``, each starting from ``r_pr``."""
    for text, look in pieces:
        if not text:
            continue
        run = _el(p, "w:r")
        props = copy.deepcopy(r_pr)
        if look == "hit":
            props.insert(0, etree.Element(qn("w:b")))
            _el(props, "w:highlight", val=HIGHLIGHT)
        elif look == "cite":
            props.insert(0, etree.Element(qn("w:i")))
        run.append(props)
        _write_text(run, text)


_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LOOKS = {"": "", "hit": "<w:b/>", "cite": "<w:i/>"}


def _escape(text: str) -> str:
    text = _INVALID_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _runs_xml(pieces: Sequence[Piece], size_xml: str) -> str:
    out = []
    for text, look in pieces:
        if not text:
            continue
        highlight = f'<w:highlight w:val="{HIGHLIGHT}"/>' if look == "hit" else ""
        body = "<w:br/>".join(f'<w:t xml:space="preserve">{_escape(line)}</w:t>'
                              for line in text.split("\n"))
        out.append(f"<w:r><w:rPr>{_LOOKS.get(look, '')}{size_xml}{highlight}</w:rPr>"
                   f"{body}</w:r>")
    return "".join(out)


def _rows_xml(rows: Sequence[Sequence[Sequence[Piece]]], widths_cm: Sequence[float],
              font_size: float) -> Iterator[str]:
    """The ``w:tr`` elements of ``rows`` as text, in chunks (one string per chunk)."""
    half_points = int(round(font_size * 2))
    size_xml = f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    cell_open = [f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{int(w * TWIPS_PER_CM)}"/>'
                 f'</w:tcPr><w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" '
                 f'w:lineRule="auto"/></w:pPr>' for w in widths_cm]
    chunk: list[str] = []
    for cells in rows:
        chunk.append("<w:tr>" + "".join(
            f"{head}{_runs_xml(pieces, size_xml)}</w:p></w:tc>"
            for head, pieces in zip(cell_open, cells)) + "</w:tr>")
        if len(chunk) == CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def add_fast_table(document, header: Sequence[str], rows: Sequence[Sequence[Sequence[Piece]]],
                   widths_cm: Sequence[float], font_size: float = 8):
    """Append a table: a shaded, repeating header row and ``rows`` of cell pieces.

    The data rows are written as WordprocessingML text and parsed in chunks: lxml's
    parser builds them far faster than creating the elements one call at a time.
    """
    from docx.oxml.parser import parse_xml

    table = document.add_table(rows=1, cols=max(1, len(header)))
    table.style = "Table Grid"
    tbl = table._tbl
    _fix_layout(tbl, widths_cm)
    header_tr = tbl.tr_lst[0]
    tr_pr = header_tr.get_or_add_trPr()
    _el(tr_pr, "w:cantSplit")
    _el(tr_pr, "w:tblHeader")
    for tc, name, width in zip(header_tr.tc_lst, header, widths_cm):
        _cell_width(tc, width)
        _el(tc.get_or_add_tcPr(), "w:shd", val="clear", color="auto", fill=HEADER_FILL)
        p = tc.find(qn("w:p"))
        _compact_paragraph(p)
        fill_cell(p, _run_props(etree.Element("x"), font_size, bold=True), [(name, "")])
    for chunk in _rows_xml(rows, widths_cm, font_size):
        holder = parse_xml(f"<w:tbl {_W_NS}>{chunk}</w:tbl>")
        tbl.extend(list(holder))
    return table


def add_field(paragraph, instruction: str, cached: str = "") -> None:
    """A Word field (TOC, SEQ, PAGE …) with ``cached`` as its last computed result."""
    p = paragraph._p
    begin_field(paragraph, instruction)
    _write_text(_el(p, "w:r"), cached)
    _el(_el(p, "w:r"), "w:fldChar", fldCharType="end")


def begin_field(paragraph, instruction: str) -> None:
    """The start of a field whose result spans several paragraphs (a TOC)."""
    p = paragraph._p
    _el(_el(p, "w:r"), "w:fldChar", fldCharType="begin")
    instr = _el(_el(p, "w:r"), "w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    _el(_el(p, "w:r"), "w:fldChar", fldCharType="separate")


def end_field(paragraph) -> None:
    _el(_el(paragraph._p, "w:r"), "w:fldChar", fldCharType="end")


def usable_width_cm(section) -> float:
    """The text width of a section in cm."""
    return Emu(section.page_width - section.left_margin - section.right_margin).cm


__all__ = ["Cm", "Pt", "add_fast_table", "add_field", "begin_field", "column_widths",
           "end_field", "fill_cell", "usable_width_cm"]
