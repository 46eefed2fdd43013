"""A cache of tokenised text, so that re-coding with a revised codebook skips tokenising.

Entries hold a batch's distinct words, their matching keys, its tokens as indices into
those words and the tokens' trailing-space flags (``qualcode.engine.match.Batch``: marshal
and raw arrays, uncompressed, because writing must cost less than tokenising). They are
keyed by a hash of the texts, the language, the model and the pipeline version
(``pipeline_signature``): anything that changes tokens or keys
changes the key, so a stale entry is never read. A project keeps its cache in
``.qualcode-cache/`` beside ``qualcode.yaml``; ``qualcode code`` uses the user cache
folder. Clearing deletes only files laid out the way this module writes them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qualcode.export.files import atomic_path

PROJECT_CACHE = ".qualcode-cache"
ENTRY_SUFFIX = ".tok"
OLD_SUFFIXES = (".spacy",)  # earlier formats, still listed and cleared
TAG = "CACHEDIR.TAG"
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This folder is a cache written by qualcode; it can be deleted.\n")


def user_cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/qualcode`` or ``~/.cache/qualcode``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode"


def project_cache_dir(root: Path) -> Path:
    return Path(root) / PROJECT_CACHE


@dataclass(frozen=True)
class CacheInfo:
    """What a cache folder holds."""

    folder: Path
    entries: int
    bytes: int
    signatures: tuple[str, ...]


class TokenCache:
    """Tokenised batches of text on disk, one file per batch."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    @staticmethod
    def key(signature: str, texts: Sequence[str]) -> str:
        digest = hashlib.sha256(signature.encode("utf-8"))
        for text in texts:
            data = text.encode("utf-8")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _path(self, signature: str, key: str) -> Path:
        return self.folder / "docs" / signature / key[:2] / (key + ENTRY_SUFFIX)

    def has(self, signature: str, key: str) -> bool:
        """Whether an entry is stored for ``key`` (it may still be unreadable)."""
        return self._path(signature, key).is_file()

    def load(self, signature: str, key: str) -> bytes | None:
        """The stored bytes for ``key``, or ``None`` (a missing or unreadable entry)."""
        try:
            return self._path(signature, key).read_bytes()
        except OSError:
            return None

    def save(self, signature: str, key: str, data: bytes) -> None:
        """Store an entry atomically; a cache that cannot be written is silently skipped."""
        path = self._path(signature, key)
        try:
            self._tag()
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
        except OSError:
            pass

    def _tag(self) -> None:
        if self.folder in _TAGGED:
            return
        tag = self.folder / TAG
        if not tag.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            tag.write_text(TAG_TEXT, encoding="utf-8")
        _TAGGED.add(self.folder)

    def _entries(self) -> list[Path]:
        root = self.folder / "docs"
        if not root.is_dir():
            return []
        return sorted(p for suffix in (ENTRY_SUFFIX,) + OLD_SUFFIXES
                      for p in root.glob(f"*/*/*{suffix}") if p.is_file())

    def info(self) -> CacheInfo:
        entries = self._entries()
        signatures = sorted({p.parent.parent.name for p in entries})
        return CacheInfo(self.folder, len(entries), sum(p.stat().st_size for p in entries),
                         tuple(signatures))

    def clear(self) -> int:
        """Delete every entry (and the folders they leave empty); return how many."""
        _TAGGED.discard(self.folder)
        entries = self._entries()
        for path in entries:
            path.unlink()
        for folder in sorted({p.parent for p in entries} | {p.parent.parent for p in entries},
                             key=lambda p: len(p.parts), reverse=True):
            _rmdir_if_empty(folder)
        _rmdir_if_empty(self.folder / "docs")
        tag = self.folder / TAG
        if tag.exists() and [p.name for p in self.folder.iterdir()] == [TAG]:
            tag.unlink()
            _rmdir_if_empty(self.folder)
        return len(entries)


_TAGGED: set[Path] = set()
def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
