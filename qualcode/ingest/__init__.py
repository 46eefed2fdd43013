"""Readers, one per format, chosen through a registry by file suffix.

A reader takes a path and returns a ``RawSource`` (normalised text, the turns or
paragraphs it found, and any metadata written in the file). Register a new format
with ``@register(".ext")``; the built-ins are registered the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from qualcode.errors import IngestError
from qualcode.model import RawSource

Reader = Callable[[Path], RawSource]
READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader for file suffixes (lower case, with the dot)."""

    def wrap(func: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix.lower()] = func
        return func

    return wrap


def reader_for(path: Path) -> Reader:
    """The reader for a file, or an ``IngestError`` naming the supported suffixes."""
    try:
        return READERS[path.suffix.lower()]
    except KeyError:
        raise IngestError(
            f"unknown file type '{path.suffix or '(none)'}'", file=str(path),
            hint="supported: " + ", ".join(sorted(READERS)),
        ) from None


def read_source(path: Path) -> RawSource:
    """Read one file with the reader registered for its suffix."""
    if not path.is_file():
        raise IngestError("file not found", file=str(path), hint="check the path")
    return reader_for(path)(path)


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


# Built-in readers register themselves on import.
from qualcode.ingest import docx as _docx  # noqa: E402,F401
from qualcode.ingest import text as _text  # noqa: E402,F401

__all__ = ["READERS", "read_source", "reader_for", "register", "supported"]
