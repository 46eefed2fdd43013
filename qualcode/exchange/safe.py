"""Reading untrusted archives and XML without letting them reach outside.

A ``.qdpx`` comes from another program or another person. Before anything is read we
check every entry of the zip: no absolute names, no ``..`` steps, no drive letters, no
entry or total size past a cap, no implausible compression ratio (a zip bomb declares
small sizes or huge ratios). Reads are capped at the declared size, so a lying header
cannot make us inflate more. XML is parsed by lxml with entities unresolved and no
network, after refusing any DOCTYPE or ENTITY declaration outright.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from qualcode.errors import ExchangeError

MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 100_000
CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """Caps applied to one archive; tests lower them to exercise the checks."""

    entry_bytes: int = MAX_ENTRY_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO


def check_member_name(name: str, archive: str) -> None:
    """Refuse a zip entry name that is absolute or climbs out of the archive's folder."""
    hint = "this archive is unsafe; ask its author for a file written by a QDA program"
    clean = name.replace("\\", "/")
    if clean.startswith("/") or _DRIVE.match(clean):
        raise ExchangeError(f"the archive holds an absolute path '{name}'", file=archive,
                            hint=hint)
    if ".." in PurePosixPath(clean).parts:
        raise ExchangeError(f"the archive holds a path escaping its folder '{name}'",
                            file=archive, hint=hint)
    if "\x00" in clean:
        raise ExchangeError(f"the archive holds a name with a NUL byte {name!r}",
                            file=archive, hint=hint)


class SafeArchive:
    """A zip whose every entry was checked; members are read with a size cap."""

    def __init__(self, path: Path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ExchangeError(f"not a readable .qdpx (zip) file: {exc}", file=str(path),
                                hint="export the project again from its program") from None
        self._check()
        # Case-insensitive lookup: the standard says sources/, its example writes Sources/.
        self._names = {info.filename.replace("\\", "/").casefold(): info
                       for info in self._zip.infolist() if not info.is_dir()}

    def _check(self) -> None:
        infos = self._zip.infolist()
        where = str(self.path)
        if len(infos) > MAX_ENTRIES:
            raise ExchangeError(f"the archive has {len(infos)} entries", file=where,
                                hint=f"at most {MAX_ENTRIES} are read")
        total = 0
        for info in infos:
            check_member_name(info.filename, where)
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            # Small entries may compress well (XML does); a high ratio matters when large.
            bomb = ratio > self.limits.ratio and info.file_size > CHUNK
            if info.file_size > self.limits.entry_bytes or bomb:
                raise ExchangeError(
                    f"entry '{info.filename}' would unpack to {info.file_size:,} bytes",
                    file=where, hint="refused as a possible zip bomb")
        if total > self.limits.total_bytes:
            raise ExchangeError(f"the archive would unpack to {total:,} bytes", file=where,
                                hint="refused as a possible zip bomb")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "SafeArchive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, name: str) -> str | None:
        """The stored name matching ``name`` case-insensitively, or ``None``."""
        info = self._names.get(name.replace("\\", "/").casefold())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        """An entry's bytes, never more than its declared (already checked) size."""
        stored = self.find(name)
        if stored is None:
            raise ExchangeError(f"the archive has no '{name}'", file=str(self.path),
                                hint="a .qdpx holds project.qde and a sources/ folder")
        info = self._zip.getinfo(stored)
        out = bytearray()
        with self._zip.open(info) as handle:
            while chunk := handle.read(CHUNK):
                out.extend(chunk)
                if len(out) > info.file_size:
                    raise ExchangeError(f"entry '{stored}' unpacks past its declared size",
                                        file=str(self.path), hint="refused as a zip bomb")
        return bytes(out)


def parse_xml(data: bytes, file: str) -> etree._Element:
    """Parse untrusted XML: refuse DTDs and entity declarations, resolve nothing."""
    if _DECLARATIONS.search(data):
        raise ExchangeError("the XML declares a DTD or entities (DOCTYPE/ENTITY)", file=file,
                            hint="refused: entity declarations can read local files or "
                                 "expand without bound; QDA-XML needs none")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise ExchangeError(f"the XML is not well formed: {exc.msg}", file=file, line=line,
                            hint="export the project again from its program") from None
    if root.getroottree().docinfo.doctype:
        raise ExchangeError("the XML declares a DOCTYPE", file=file,
                            hint="refused: QDA-XML needs none")
    return root
