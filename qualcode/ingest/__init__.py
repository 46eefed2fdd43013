"""Readers, one per format, chosen through a registry by file suffix.

Two kinds of reader exist:

* a *reader* (``@register(".ext")``) takes a path and returns one ``RawSource``
  (normalised text, the turns or paragraphs it found, metadata written in the file);
* a *multi-source reader* (``@register_multi(".ext")``) takes a path and the
  ``ReadOptions`` of its source spec and returns several ``Part``s, each a
  ``RawSource`` with a key: a spreadsheet of survey answers gives one source per
  row or per respondent.

``read_parts`` hides the difference: callers get a list of parts either way. The
built-in readers register themselves the same way a plugin would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qualcode.errors import IngestError
from qualcode.model import RawSource


@dataclass(frozen=True)
class ReadOptions:
    """What a multi-source reader needs to know from the project (all optional)."""

    text_columns: tuple[str, ...] = ()
    id_column: str = ""
    attributes: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class Part:
    """One source out of a file: its key ("" for single-source files) and its text.

    ``line`` is where the part starts in the file (a spreadsheet row), if known;
    ``notes`` are things the reader passed over that the user should hear about.
    """

    key: str
    raw: RawSource
    line: int | None = None
    notes: tuple[str, ...] = ()


Reader = Callable[[Path], RawSource]
MultiReader = Callable[[Path, ReadOptions], list[Part]]
READERS: dict[str, Reader] = {}
MULTI_READERS: dict[str, MultiReader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader for file suffixes (lower case, with the dot)."""

    def wrap(func: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix.lower()] = func
        return func

    return wrap


def register_multi(*suffixes: str) -> Callable[[MultiReader], MultiReader]:
    """Register a multi-source reader (one file → many sources) for file suffixes."""

    def wrap(func: MultiReader) -> MultiReader:
        for suffix in suffixes:
            MULTI_READERS[suffix.lower()] = func
        return func

    return wrap


def _unknown(path: Path) -> IngestError:
    return IngestError(
        f"unknown file type '{path.suffix or '(none)'}'", file=str(path),
        hint="supported: " + ", ".join(sorted(set(READERS) | set(MULTI_READERS))))


def reader_for(path: Path) -> Reader:
    """The single-source reader for a file, or an ``IngestError`` naming the suffixes."""
    try:
        return READERS[path.suffix.lower()]
    except KeyError:
        raise _unknown(path) from None


def _check(raw: RawSource, path: Path) -> RawSource:
    if not raw.turns:
        raise IngestError("no text to code was found in the file", file=str(path),
                          hint="is everything in the front matter, or is the file blank?")
    return raw


def read_source(path: Path) -> RawSource:
    """Read one file with the reader registered for its suffix."""
    if not path.is_file():
        raise IngestError("file not found", file=str(path), hint="check the path")
    return _check(reader_for(path)(path), path)


def read_parts(path: Path, options: ReadOptions | None = None) -> list[Part]:
    """Read a file into one or more sources, whichever kind of reader it has."""
    if not path.is_file():
        raise IngestError("file not found", file=str(path), hint="check the path")
    multi = MULTI_READERS.get(path.suffix.lower())
    if multi is not None:
        return [Part(p.key, _check(p.raw, path), p.line, p.notes)
                for p in multi(path, options or ReadOptions())]
    return [Part("", read_source(path))]


def supported(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in READERS or suffix in MULTI_READERS


# Built-in readers register themselves on import.
from qualcode.ingest import docx as _docx  # noqa: E402,F401
from qualcode.ingest import pdf as _pdf  # noqa: E402,F401
from qualcode.ingest import sheet as _sheet  # noqa: E402,F401
from qualcode.ingest import text as _text  # noqa: E402,F401
from qualcode.ingest import vtt as _vtt  # noqa: E402,F401

__all__ = ["MULTI_READERS", "READERS", "MultiReader", "Part", "ReadOptions", "Reader",
           "read_parts", "read_source", "reader_for", "register", "register_multi",
           "supported"]
