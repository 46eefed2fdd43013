"""Word documents: body paragraphs and table rows, joined by blank lines.

Headers, footers, footnotes and comments are not part of the body and are ignored.
A paragraph that opens with a short bold name (``**Peneliti** Selamat pagi``) is a
speaker turn; the stored text writes it as ``Peneliti: Selamat pagi`` so that the
same turn rules apply as for typed transcripts. Table rows are read row by row, the
cells of a row joined by `` | ``. Line numbers refer to this stored text.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import register
from qualcode.ingest.textutil import text_blocks
from qualcode.model import RawSource

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_NAME_WORDS = 4
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _bold(run) -> bool:
    props = run.find(f"{W}rPr")
    flag = props.find(f"{W}b") if props is not None else None
    return flag is not None and flag.get(f"{W}val", "true") not in ("0", "false", "off")


def _runs(paragraph) -> list[tuple[str, bool]]:
    """(text, bold) for each run of a paragraph, in order, tabs and breaks kept."""
    out = []
    for run in paragraph.iter(f"{W}r"):
        parts = []
        for child in run:
            if child.tag == f"{W}t":
                parts.append(child.text or "")
            elif child.tag == f"{W}tab":
                parts.append("\t")
            elif child.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        if parts:
            out.append(("".join(parts), _bold(run)))
    return out


def _paragraph_text(paragraph) -> str:
    """The paragraph's text, with a leading bold name turned into ``Name: ``."""
    runs = _runs(paragraph)
    bold = ""
    for text, is_bold in runs:
        if not is_bold:
            break
        bold += text
    rest = "".join(text for text, _ in runs)[len(bold):]
    name = bold.strip().rstrip(":").strip()
    if name and rest.strip() and len(name.split()) <= MAX_NAME_WORDS and "\n" not in name:
        return name + ": " + rest.lstrip(" :\t")
    return bold + rest


def _row_text(row) -> str:
    cells = []
    for cell in row.iterchildren(f"{W}tc"):
        text = " ".join(_paragraph_text(p) for p in cell.iter(f"{W}p")).strip()
        if text:
            cells.append(" ".join(text.split()))
    return " | ".join(cells)


def _open(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if path.read_bytes()[:4] == _OLE_MAGIC:
        raise IngestError("the Word file is password-protected or in the old .doc format",
                          file=str(path),
                          hint="open it in Word and save it as .docx without a password")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"not a readable Word file ({exc.__class__.__name__})",
                          file=str(path),
                          hint="open it in Word and save it again as .docx") from None


def docx_blocks(path: Path) -> list[str]:
    """The text of each body paragraph and table row, in document order."""
    out = []
    for block in _open(path).element.body.iterchildren():
        if block.tag == f"{W}p":
            out.append(_paragraph_text(block))
        elif block.tag == f"{W}tbl":
            out.extend(_row_text(row) for row in block.iterchildren(f"{W}tr"))
    return [p.strip() for p in out if p.strip()]


@register(".docx")
def read_docx(path: Path) -> RawSource:
    """Each Word paragraph becomes a block; ``Name: text`` paragraphs become turns."""
    text = unicodedata.normalize("NFC", "\n\n".join(docx_blocks(path)))
    if not text.strip():
        raise IngestError("the Word file has no text", file=str(path),
                          hint="is it a scanned image? qualcode reads text only")
    text += "\n"
    turns, has_speakers = text_blocks(text)
    return RawSource(text=text, turns=turns, has_speakers=has_speakers)
