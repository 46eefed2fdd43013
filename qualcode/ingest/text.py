"""Plain text and Markdown transcripts, notes and documents."""

from __future__ import annotations

from pathlib import Path

from qualcode.ingest import register
from qualcode.ingest.metadata import front_matter
from qualcode.ingest.textutil import decode, text_blocks
from qualcode.model import RawSource


def parse_text(data: bytes, file: str = "") -> RawSource:
    """Bytes of a text file → ``RawSource`` (what ``read_text`` does, without a file).

    YAML front matter at the top is read as metadata and kept in the text (so line
    numbers stay the file's), but no turn is made from it.
    """
    text = decode(data, file)
    front = front_matter(text, file)
    turns, has_speakers = text_blocks(text, front.end)
    return RawSource(text=text, turns=turns, metadata=dict(front.values),
                     has_speakers=has_speakers)


@register(".txt", ".md", ".text")
def read_text(path: Path) -> RawSource:
    """Speaker turns when the text has turn lines, else paragraphs."""
    return parse_text(path.read_bytes(), str(path))
