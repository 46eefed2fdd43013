"""Decoding and normalising text, and finding speaker turns in lines of text."""

from __future__ import annotations

import re
import unicodedata

from charset_normalizer import from_bytes

from qualcode.errors import IngestError
from qualcode.model import Turn

# "Name: text", "[00:01:23] Name: text", "00:01:23 Name: text", "Name (00:01:23): text"
SPEAKER_RE = re.compile(
    r"^(?:\[?(?P<t1>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]?\s+)?"
    r"(?P<name>[^\W\d_][\w.'’\- ]{0,38}?)"
    r"(?:\s*\((?P<t2>\d{1,2}:\d{2}(?::\d{2})?)\))?"
    r"\s*:[ \t]+(?=\S)"
)
MIN_SPEAKER_LINES = 2
MAX_SPEAKERS = 12


def decode(data: bytes, file: str) -> str:
    """Bytes → NFC text with ``\\n`` line endings; BOMs and legacy encodings handled."""
    if not data.strip():
        raise IngestError("the file is empty", file=file, hint="remove it or add its text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            best = from_bytes(data).best()
            if best is None:
                raise IngestError("this does not look like text (binary data)", file=file,
                                  hint="is it a Word or PDF file with the wrong suffix?") from None
            text = str(best)
    if "\x00" in text:
        raise IngestError("this does not look like text (binary data)", file=file,
                          hint="is it a Word or PDF file with the wrong suffix?")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str, base: int = 0, end: int | None = None) -> list[Turn]:
    """Blank-line separated paragraphs of ``text[base:end]`` as turns without speakers."""
    end = len(text) if end is None else end
    out = []
    for match in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text[base:end]):
        s, e = _strip_span(text, base + match.start(), base + match.end())
        if e > s:
            out.append(Turn(s, e))
    return out


def speaker_turns(text: str) -> list[Turn] | None:
    """Speaker turns if the text is a transcript, else ``None``.

    A line opening with ``Name:`` starts a turn; the lines after it, up to the next
    such line, continue it. Text before the first speaker line becomes paragraphs.
    """
    starts = []
    pos = 0
    for line in text.split("\n"):
        match = SPEAKER_RE.match(line)
        if match:
            starts.append((pos, match))
        pos += len(line) + 1
    names = {m.group("name").strip() for _, m in starts}
    if len(starts) < MIN_SPEAKER_LINES or len(names) > MAX_SPEAKERS:
        return None
    turns = paragraphs(text, 0, starts[0][0])
    for i, (line_start, match) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        s, e = _strip_span(text, line_start + match.end(), stop)
        if e > s:
            turns.append(Turn(s, e, speaker=match.group("name").strip(),
                              time=match.group("t1") or match.group("t2") or ""))
    return turns
