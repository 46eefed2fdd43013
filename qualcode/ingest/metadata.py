"""YAML front matter at the top of a text file: a source's own metadata.

A text source may open with a block between ``---`` lines::

    ---
    informant: INF-2
    role: Staf Biro Kerja Sama
    date: 2024-03-20
    ---

The block stays in the stored text, so line numbers in citations are the file's own
lines; the readers make no turns from it. Known keys (``FRONT_KEYS``) become the
source's fields, every other scalar key becomes an attribute. The informants table,
when it has a value for the same key, wins (``corpus.py`` reports the conflict).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from qualcode.errors import IngestError

FRONT_KEYS = ("informant", "role", "agency", "technique", "date", "case")
MAX_FRONT_LINES = 200
_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class FrontMatter:
    """The metadata found, and where the block ends in the text (0 when absent)."""

    values: Mapping[str, str]
    end: int = 0


def _scalar(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_scalar(v)}" for k, v in value.items())
    return "" if value is None else str(value).strip()


def _parse(block: str, file: str) -> dict[str, str]:
    # The safe loader builds only plain maps, lists and scalars: no Python tags.
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(block)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        raise IngestError("the front matter is not valid YAML", file=file, line=line,
                          hint="write 'key: value' lines between the two '---' lines"
                          ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise IngestError("the front matter must be 'key: value' lines", file=file, line=2,
                          hint="e.g. informant: INF-1")
    return {str(k).strip().lower(): _scalar(v) for k, v in data.items()
            if _scalar(v)}


def front_matter(text: str, file: str = "") -> FrontMatter:
    """Find and parse a front matter block at the very top of ``text``.

    Raises:
        IngestError: the block is opened but not closed, or is not a YAML mapping.
    """
    opening = _OPEN.match(text)
    if not opening:
        return FrontMatter({})
    closing = _CLOSE.search(text, opening.end())
    if closing is None or text.count("\n", 0, closing.start()) > MAX_FRONT_LINES:
        raise IngestError("the front matter opened with '---' on line 1 is never closed",
                          file=file, line=1,
                          hint="end it with a line holding only '---'")
    values = _parse(text[opening.end():closing.start()], file)
    end = closing.end() + 1 if closing.end() < len(text) else closing.end()
    return FrontMatter(values, end)
