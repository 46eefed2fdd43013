"""Word documents: body paragraphs (and table rows) joined by blank lines."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import register
from qualcode.ingest.textutil import paragraphs, speaker_turns
from qualcode.model import RawSource


def _docx_paragraphs(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"not a readable Word file ({exc.__class__.__name__})",
                          file=str(path),
                          hint="open it in Word and save it again as .docx "
                               "(password-protected files must be saved without a password)"
                          ) from None
    out = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t"))
            out.append(text)
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row.iterchildren():
                        if cell.tag.endswith("}tc"):
                            cells.append(" ".join(
                                "".join(t.text or "" for t in p.iter() if t.tag.endswith("}t"))
                                for p in cell.iter() if p.tag.endswith("}p")).strip())
                    out.append(" | ".join(c for c in cells if c))
    return [p for p in out if p.strip()]


@register(".docx")
def read_docx(path: Path) -> RawSource:
    """Each Word paragraph becomes a block; ``Name: text`` paragraphs become turns."""
    text = unicodedata.normalize("NFC", "\n\n".join(p.strip() for p in _docx_paragraphs(path)))
    if not text.strip():
        raise IngestError("the Word file has no text", file=str(path),
                          hint="is it a scanned image? qualcode reads text only")
    turns = speaker_turns(text)
    if turns is None:
        return RawSource(text=text, turns=tuple(paragraphs(text)))
    return RawSource(text=text, turns=tuple(turns), has_speakers=True)
