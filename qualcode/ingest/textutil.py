"""Decoding and normalising text, and finding speaker turns and paragraphs in it.

Every reader ends here: bytes become NFC text with ``\\n`` line endings, and the
text is cut into turns (``Name: text`` and the other forms transcripts use) or, when
it is not a transcript, into blank-line separated paragraphs. Offsets are indices
into the normalised text; ``end`` is exclusive and never covers surrounding space.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from charset_normalizer import from_bytes

from qualcode.errors import IngestError
from qualcode.model import Turn

DEFAULT_INTERVIEWERS = ("P", "Peneliti", "Pewawancara", "Interviewer", "I", "Q",
                        "Researcher", "Moderator")
"""Speaker labels that mean the person asking the questions (case-insensitive)."""

_NAME = r"(?P<name>[^\W\d_][\w.'’\- ]{0,38}?)"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
# One-line turns: "Name: text", "[00:01:23] Name: text", "00:01:23 Name: text",
# "Name (00:01:23): text"; the text may also start on the next line ("Name:" alone).
SPEAKER_RE = re.compile(
    rf"^[ \t]*(?:\[?(?P<t1>{_TIME})\]?[ \t]+)?{_NAME}"
    rf"(?:[ \t]*[(\[](?P<t2>{_TIME})[)\]])?"
    r"[ \t]*:(?:[ \t]+(?=\S)|[ \t]*$)"
)
# Two-line turns of transcription services: "Speaker 1  0:03" alone on a line,
# the words on the lines below.
HEADER_RE = re.compile(rf"^[ \t]*{_NAME}[ \t]+[(\[]?(?P<t1>{_TIME})[)\]]?[ \t]*$")
MAX_SPEAKERS = 12
# Control characters (Unicode category Cc) other than tab, line feed, CR and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_BINARY_MAGIC = {
    b"%PDF": "a PDF file", b"PK\x03\x04": "a zip package such as .docx or .xlsx",
    b"\xd0\xcf\x11\xe0": "an old-style or password-protected Office file",
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
}


def _binary(file: str, what: str = "") -> IngestError:
    found = f" (it looks like {what})" if what else ""
    return IngestError(f"this does not look like text{found}", file=file,
                       hint="give the file its real suffix, or save it as plain text")


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is NUL, as in BOM-less UTF-16."""
    if len(data) < 4:
        return None
    half = len(data) // 2
    if data[1::2].count(0) > 0.4 * half and data[0::2].count(0) == 0:
        return "utf-16-le"
    if data[0::2].count(0) > 0.4 * half and data[1::2].count(0) == 0:
        return "utf-16-be"
    return None


def _decode_bytes(data: bytes, file: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise _binary(file, what)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    if b"\x00" in data:
        raise _binary(file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: a legacy single-byte encoding. cp1252 is what Windows editors write
    # for English and Indonesian; charset-normalizer only breaks the tie for others.
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "cp1250", "cp1251",
                                          "iso8859_15", "mac_roman"]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in ("cp1252", "latin_1", "iso8859_15", "mac_roman") or best is None:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.decode(encoding)


def decode(data: bytes, file: str) -> str:
    """Bytes → NFC text with ``\\n`` line endings; BOMs and legacy encodings handled.

    Raises:
        IngestError: the file is empty or is not text (binary data).
    """
    if not data.strip():
        raise IngestError("the file is empty", file=file, hint="remove it or add its text")
    text = _decode_bytes(data, file)
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise _binary(file)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise IngestError("the file is empty", file=file, hint="remove it or add its text")
    return text


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it neither starts nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")


def paragraphs(text: str, base: int = 0, end: int | None = None,
               page: int | None = None) -> list[Turn]:
    """Blank-line separated paragraphs of ``text[base:end]`` as turns without speakers."""
    end = len(text) if end is None else end
    out = []
    pos = base
    for gap in _BLANK_LINES.finditer(text, base, end):
        s, e = strip_span(text, pos, gap.start())
        if e > s:
            out.append(Turn(s, e, page=page))
        pos = gap.end()
    s, e = strip_span(text, pos, end)
    if e > s:
        out.append(Turn(s, e, page=page))
    return out


@dataclass(frozen=True)
class _Head:
    """A line that opens a turn: where the line starts, where the words start, who.

    ``inside`` is true when the line directly follows a non-blank line, where it may
    be a hard-wrapped continuation that happens to contain ``word:``.
    """

    line: int
    words: int
    name: str
    time: str
    inside: bool = False


def _candidates(text: str, base: int) -> list[_Head]:
    heads = []
    pos = base
    previous_blank = True
    for line in text[base:].split("\n"):
        match = SPEAKER_RE.match(line)
        if match:
            heads.append(_Head(pos, pos + match.end(), match.group("name").strip(),
                               match.group("t1") or match.group("t2") or "",
                               not previous_blank))
        else:
            match = HEADER_RE.match(line)
            if match:
                heads.append(_Head(pos, pos + len(line) + 1, match.group("name").strip(),
                                   match.group("t1"), not previous_blank))
        previous_blank = not line.strip()
        pos += len(line) + 1
    return heads


def _heads(text: str, base: int) -> list[_Head]:
    """Turn lines, without one-off ``word:`` lines inside a paragraph (wrapped text)."""
    heads = _candidates(text, base)
    names = Counter(h.name.casefold() for h in heads)
    asks = {n.casefold() for n in DEFAULT_INTERVIEWERS}
    return [h for h in heads if not h.inside or names[h.name.casefold()] >= 2
            or h.name.casefold() in asks]


def _is_transcript(heads: list[_Head]) -> bool:
    """Enough turn lines, few distinct names, and someone speaks twice or asks."""
    if len(heads) < 2:
        return False
    names = Counter(h.name.casefold() for h in heads)
    if len(names) > MAX_SPEAKERS:
        return False
    asks = {n.casefold() for n in DEFAULT_INTERVIEWERS}
    return max(names.values()) >= 2 or bool(asks & set(names))


def speaker_turns(text: str, base: int = 0) -> list[Turn] | None:
    """Speaker turns of ``text[base:]`` if it is a transcript, else ``None``.

    A line opening with ``Name:`` (or a ``Name  0:03`` line) starts a turn; the lines
    after it, up to the next such line, continue it. Text before the first turn
    becomes paragraphs without a speaker.
    """
    heads = _heads(text, base)
    if not _is_transcript(heads):
        return None
    turns = paragraphs(text, base, heads[0].line)
    for i, head in enumerate(heads):
        stop = heads[i + 1].line if i + 1 < len(heads) else len(text)
        s, e = strip_span(text, min(head.words, stop), stop)
        if e > s:
            turns.append(Turn(s, e, speaker=head.name, time=head.time))
    return turns


def text_blocks(text: str, base: int = 0) -> tuple[tuple[Turn, ...], bool]:
    """Turns of a transcript, or paragraphs; and whether speakers were found."""
    turns = speaker_turns(text, base)
    if turns is None:
        return tuple(paragraphs(text, base)), False
    return tuple(turns), True
