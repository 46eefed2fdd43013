"""Plain text and Markdown transcripts, notes and documents."""

from __future__ import annotations

from pathlib import Path

from qualcode.ingest import register
from qualcode.ingest.textutil import decode, paragraphs, speaker_turns
from qualcode.model import RawSource


@register(".txt", ".md", ".text")
def read_text(path: Path) -> RawSource:
    """Speaker turns when the text has ``Name:`` lines, else paragraphs."""
    text = decode(path.read_bytes(), str(path))
    turns = speaker_turns(text)
    if turns is None:
        return RawSource(text=text, turns=tuple(paragraphs(text)))
    return RawSource(text=text, turns=tuple(turns), has_speakers=True)
