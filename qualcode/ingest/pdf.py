"""PDF documents with a text layer: pages and paragraphs (or speaker turns).

pypdf's layout mode keeps vertical gaps as blank lines, which is how paragraphs are
found; horizontal padding is squeezed back to single spaces. Pages are joined by a
blank line, and every turn records its page. A PDF without any text (a scan) is
refused with a message that OCR is needed; qualcode does not do OCR.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import register
from qualcode.ingest.textutil import paragraphs, speaker_turns
from qualcode.model import RawSource, Turn

_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_MANY_BLANKS = re.compile(r"\n{3,}")


def _open(path: Path):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("the PDF is password-protected", file=str(path),
                              hint="save a copy without a password and read that")
        return reader.pages
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"not a readable PDF file ({exc.__class__.__name__})",
                          file=str(path), hint="open it and save or print it again as PDF"
                          ) from None


def _page_text(page) -> str:
    try:
        raw = page.extract_text(extraction_mode="layout")
    except Exception:  # noqa: BLE001 - layout mode fails on odd fonts; plain mode is enough
        raw = page.extract_text()
    lines = [_SPACES.sub(" ", line).strip() for line in (raw or "").splitlines()]
    text = _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()
    return unicodedata.normalize("NFC", text)


def _pages(path: Path) -> list[str]:
    # pypdf logs recoverable oddities of a file; they are not the user's concern here.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return [_page_text(page) for page in _open(path)]
    finally:
        logger.setLevel(level)


def _with_pages(turns: list[Turn], starts: list[int]) -> tuple[Turn, ...]:
    return tuple(Turn(t.start, t.end, t.speaker, t.time,
                      bisect.bisect_right(starts, t.start)) for t in turns)


@register(".pdf")
def read_pdf(path: Path) -> RawSource:
    """Read the text layer of every page; turns if it is a transcript, else paragraphs."""
    pages = _pages(path)
    if not any(pages):
        raise IngestError("the PDF has no text layer (a scanned image?)", file=str(path),
                          hint="run OCR on it first (e.g. ocrmypdf), then read the result")
    starts, parts, pos = [], [], 0
    for page in pages:
        starts.append(pos)
        parts.append(page)
        pos += len(page) + 2
    text = "\n\n".join(parts) + "\n"
    turns = speaker_turns(text)
    if turns is not None:
        return RawSource(text=text, turns=_with_pages(turns, starts), has_speakers=True)
    blocks = [p for i, start in enumerate(starts)
              for p in paragraphs(text, start, start + len(pages[i]), page=i + 1)]
    return RawSource(text=text, turns=tuple(blocks), metadata={"pages": str(len(pages))})
