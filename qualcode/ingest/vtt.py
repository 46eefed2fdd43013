"""Subtitles from video calls and transcription services: WebVTT and SubRip (.srt).

Speakers come from ``<v Name>`` voice spans or a ``Name:`` at the start of a cue.
Consecutive cues of one speaker merge into one turn (a cue without a speaker goes on
the current turn). The stored text writes each turn as ``[hh:mm:ss] Name: words``
with a blank line between turns, so it reads like a typed transcript; the turn's
offsets cover the words only and its ``time`` is the start of its first cue. Line
numbers therefore refer to this stored text, not to the subtitle file.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import register
from qualcode.ingest.textutil import SPEAKER_RE, decode
from qualcode.model import RawSource, Turn

_STAMP = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
TIMING_RE = re.compile(rf"^\s*(?P<start>{_STAMP})\s*-->\s*(?P<end>{_STAMP})")
VOICE_RE = re.compile(r"<v(?:\.[\w.\-]+)?[ \t]+(?P<name>[^>\n]{1,60})>")
TAG_RE = re.compile(r"<[^>\n]{0,200}>")
PAUSE_SECONDS = 3.0
"""Without speakers, a silence this long between cues starts a new paragraph."""


@dataclass(frozen=True)
class Cue:
    start: float
    speaker: str
    words: str


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _cue_text(lines: list[str]) -> tuple[str, str]:
    """The speaker (``<v>`` span or ``Name:``) and the plain words of a cue."""
    raw = " ".join(line.strip() for line in lines if line.strip())
    voice = VOICE_RE.search(raw)
    speaker = voice.group("name").strip() if voice else ""
    words = unicodedata.normalize("NFC", " ".join(html.unescape(TAG_RE.sub("", raw)).split()))
    if not speaker:
        named = SPEAKER_RE.match(words)
        if named and not named.group("t1") and len(named.group("name").split()) <= 4:
            speaker = named.group("name").strip()
            words = words[named.end():].strip()
    return speaker, words


def parse_cues(text: str) -> list[Cue]:
    """Every cue with a timing line; NOTE, STYLE and REGION blocks are skipped."""
    cues = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        timing_at = next((i for i, line in enumerate(lines[:3]) if TIMING_RE.match(line)),
                         None)
        if timing_at is None:
            continue
        speaker, words = _cue_text(lines[timing_at + 1:])
        if words:
            start = TIMING_RE.match(lines[timing_at]).group("start")  # type: ignore[union-attr]
            cues.append(Cue(_seconds(start), speaker, words))
    return cues


def _groups(cues: list[Cue]) -> list[list[Cue]]:
    """Runs of cues that make one turn (same speaker) or one paragraph (no pause)."""
    speakers = any(c.speaker for c in cues)
    groups: list[list[Cue]] = []
    current = ""
    for cue in cues:
        if speakers:
            new = bool(cue.speaker) and cue.speaker != current
            current = cue.speaker or current
        else:
            new = bool(groups) and cue.start - groups[-1][-1].start > PAUSE_SECONDS
        if new or not groups:
            groups.append([cue])
        else:
            groups[-1].append(cue)
    return groups


def _build(cues: list[Cue]) -> RawSource:
    speakers = any(c.speaker for c in cues)
    parts: list[str] = []
    turns = []
    pos = 0
    for group in _groups(cues):
        name = next((c.speaker for c in group if c.speaker), "")
        stamp = _clock(group[0].start)
        head = f"[{stamp}] {name}: " if speakers else f"[{stamp}] "
        words = " ".join(c.words for c in group)
        turns.append(Turn(pos + len(head), pos + len(head) + len(words), name, stamp))
        parts.append(head + words)
        pos += len(head) + len(words) + 2
    return RawSource(text="\n\n".join(parts) + "\n", turns=tuple(turns),
                     has_speakers=speakers)


def _read(path: Path, kind: str) -> RawSource:
    text = decode(path.read_bytes(), str(path))
    if kind == "vtt" and not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise IngestError("not a WebVTT file: the first line must be 'WEBVTT'",
                          file=str(path), line=1,
                          hint="export the captions again, or rename an .srt file to .srt")
    cues = parse_cues(text)
    if not cues:
        raise IngestError(f"no subtitle cues found in this .{kind} file", file=str(path),
                          hint="a cue is a '00:00:01.000 --> 00:00:04.000' line "
                               "followed by its words")
    return _build(cues)


@register(".vtt")
def read_vtt(path: Path) -> RawSource:
    """WebVTT captions (Zoom, Teams, Meet, transcription services)."""
    return _read(path, "vtt")


@register(".srt")
def read_srt(path: Path) -> RawSource:
    """SubRip subtitles."""
    return _read(path, "srt")
