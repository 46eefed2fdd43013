"""Read a REFI-QDA project (``.qdpx``) into plain data, safely.

Everything is read into memory and checked before anything is written anywhere: the
archive through ``SafeArchive`` (names, sizes), ``project.qde`` through ``parse_xml``
(no DTD, no entities). GUIDs are compared without braces and case. A source's text is
its ``PlainTextContent`` or an ``internal://`` file from the archive's ``sources/``
folder (any case); a PDF source is read through its text ``Representation``. Paths
outside the archive are never opened: such a source is skipped with a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lxml import etree

from qualcode.errors import ExchangeError, Problem
from qualcode.exchange.refi_codes import norm_guid
from qualcode.exchange.safe import Limits, SafeArchive, parse_xml

NS = "urn:QDA-XML:project:1.0"
UNKNOWN_CODER = "unknown coder"
_SLUG = re.compile(r"[^\w.\-]+")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def slug(text: str, used: set[str], fallback: str = "x") -> str:
    """A file-safe, unique name (letters, digits, ``_.-``) for ``text``."""
    base = _SLUG.sub("_", text.strip()).strip("._-")[:60] or fallback
    name, n = base, 2
    while name.casefold() in used:
        name, n = f"{base}-{n}", n + 1
    used.add(name.casefold())
    return name


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True)
class QdpxCode:
    guid: str
    name: str
    codable: bool
    parent: str | None = None
    color: str = ""
    description: str = ""


@dataclass(frozen=True)
class QdpxSource:
    guid: str
    name: str
    text: str
    variables: Mapping[str, str] = field(default_factory=dict)
    kind: str = "text"


@dataclass(frozen=True)
class QdpxCase:
    guid: str
    name: str
    variables: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class QdpxCoding:
    """One code applied by one user to ``text[start:end]`` of a source."""

    source: str
    start: int
    end: int
    code: str
    user: str
    name: str = ""


@dataclass(frozen=True)
class QdpxProject:
    name: str
    users: Mapping[str, str]
    codes: tuple[QdpxCode, ...]
    cases: tuple[QdpxCase, ...]
    sources: tuple[QdpxSource, ...]
    codings: tuple[QdpxCoding, ...]
    description: str = ""
    problems: tuple[Problem, ...] = ()

    @property
    def source_ids(self) -> dict[str, str]:
        """A qualcode source id (file stem) for each source GUID, unique, stable."""
        used: set[str] = set()
        return {s.guid: slug(_SUFFIX.sub("", s.name), used, "source") for s in self.sources}

    def user_name(self, guid: str) -> str:
        return self.users.get(guid) or (f"user {guid[:8]}" if guid else UNKNOWN_CODER)

    def coders(self) -> list[str]:
        """The names of the users who coded something, in the order they appear."""
        out: list[str] = []
        for coding in self.codings:
            name = self.user_name(coding.user)
            if name not in out:
                out.append(name)
        return out


class _Reader:
    def __init__(self, archive: SafeArchive | None, file: str):
        self.archive = archive
        self.file = file
        self.variables: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.codings: list[QdpxCoding] = []

    def warn(self, message: str, hint: str = "") -> None:
        self.problems.append(Problem(message, file=self.file, hint=hint, severity="warning"))

    def values(self, el: etree._Element) -> dict[str, str]:
        out = {}
        for value in el.findall(_q("VariableValue")):
            ref = value.find(_q("VariableRef"))
            name = self.variables.get(norm_guid(ref.get("targetGUID")) if ref is not None
                                      else "", "")
            data = [child.text or "" for child in value if child.tag != _q("VariableRef")]
            if name and data:
                out[name] = data[0].strip()
        return out

    def codes(self, parent_el: etree._Element | None, parent: str | None,
              out: list[QdpxCode]) -> None:
        if parent_el is None:
            return
        for el in parent_el.findall(_q("Code")):
            guid = norm_guid(el.get("guid"))
            desc = el.find(_q("Description"))
            out.append(QdpxCode(guid, el.get("name") or guid, el.get("isCodable") != "false",
                                parent, el.get("color") or "",
                                (desc.text or "") if desc is not None else ""))
            self.codes(el, guid, out)

    def text_of(self, el: etree._Element, name: str) -> str | None:
        content = el.find(_q("PlainTextContent"))
        if content is not None:
            return content.text or ""
        path = (el.get("plainTextPath") or "").strip()
        if path.lower().startswith("internal://") and self.archive is not None:
            member = "sources/" + path[len("internal://"):]
            if self.archive.find(member) is None:
                self.warn(f"source '{name}': '{path}' is not in the archive",
                          "the source is skipped")
                return None
            data = self.archive.read(member)
            try:
                return data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.warn(f"source '{name}': its text is not UTF-8", "the source is skipped")
                return None
        self.warn(f"source '{name}' has no text inside the archive ({path or 'no path'})",
                  "only texts inside the .qdpx are read; the source is skipped")
        return None

    def selections(self, el: etree._Element, source: str, length: int) -> None:
        for sel in el.findall(_q("PlainTextSelection")):
            try:
                start = int(sel.get("startPosition", ""))
                end = int(sel.get("endPosition", ""))
            except ValueError:
                self.warn(f"a selection in '{source}' has no positions", "it is skipped")
                continue
            if not 0 <= start < end <= length:
                self.warn(f"selection {start}-{end} lies outside source text of length "
                          f"{length}", "it is skipped")
                continue
            default_user = norm_guid(sel.get("creatingUser"))
            for coding in sel.findall(_q("Coding")):
                self._coding(coding, source, start, end, default_user, sel.get("name") or "")
        for coding in el.findall(_q("Coding")):  # the whole source coded
            self._coding(coding, source, 0, length, norm_guid(el.get("creatingUser")), "")

    def _coding(self, el: etree._Element, source: str, start: int, end: int, user: str,
                name: str) -> None:
        ref = el.find(_q("CodeRef"))
        code = norm_guid(ref.get("targetGUID")) if ref is not None else ""
        if code:
            self.codings.append(QdpxCoding(source, start, end, code,
                                           norm_guid(el.get("creatingUser")) or user, name))

    def sources(self, root: etree._Element) -> list[QdpxSource]:
        out = []
        sources_el = root.find(_q("Sources"))
        for el in sources_el if sources_el is not None else ():
            if not isinstance(el.tag, str):
                continue
            kind = etree.QName(el).localname
            guid = norm_guid(el.get("guid"))
            name = el.get("name") or guid
            text_el = el if kind == "TextSource" else el.find(_q("Representation"))
            if kind not in ("TextSource", "PDFSource") or text_el is None:
                self.warn(f"source '{name}' ({kind}) has no text representation",
                          "only text and PDF sources with text are imported")
                continue
            text = self.text_of(text_el, name)
            if text is None:
                continue
            self.selections(text_el, guid, len(text))
            if text_el is not el:
                self.selections(el, guid, len(text))
            out.append(QdpxSource(guid, name, text, self.values(el),
                                  "pdf" if kind == "PDFSource" else "text"))
        return out


def parse_project(root: etree._Element, archive: SafeArchive | None,
                  file: str) -> QdpxProject:
    """Plain data from a parsed ``project.qde``."""
    if root.tag != _q("Project"):
        raise ExchangeError(f"the root element is <{etree.QName(root).localname}>, "
                            "not a QDA-XML <Project>", file=file,
                            hint="a .qdpx holds project.qde in the urn:QDA-XML:project:1.0 "
                                 "namespace")
    reader = _Reader(archive, file)
    users = {norm_guid(u.get("guid")): u.get("name") or u.get("id") or ""
             for u in root.iterfind(f"{_q('Users')}/{_q('User')}")}
    for var in root.iterfind(f"{_q('Variables')}/{_q('Variable')}"):
        reader.variables[norm_guid(var.get("guid"))] = var.get("name") or ""
    codes: list[QdpxCode] = []
    book = root.find(_q("CodeBook"))
    reader.codes(book.find(_q("Codes")) if book is not None else None, None, codes)
    sources = reader.sources(root)
    cases = [QdpxCase(norm_guid(c.get("guid")), c.get("name") or "", reader.values(c),
                      tuple(norm_guid(r.get("targetGUID"))
                            for r in c.findall(_q("SourceRef"))))
             for c in root.iterfind(f"{_q('Cases')}/{_q('Case')}")]
    known = {c.guid for c in codes}
    for coding in reader.codings:
        if coding.code not in known:
            reader.warn(f"a coding refers to an unknown code {coding.code}", "it is skipped")
    desc = root.find(_q("Description"))
    return QdpxProject(
        name=root.get("name") or Path(file).stem, users=users, codes=tuple(codes),
        cases=tuple(cases), sources=tuple(sources),
        codings=tuple(c for c in reader.codings if c.code in known),
        description=(desc.text or "").strip() if desc is not None else "",
        problems=tuple(reader.problems))


def read_qdpx(path: str | Path, limits: Limits | None = None) -> QdpxProject:
    """Read and check a ``.qdpx`` archive; raise ``ExchangeError`` if it is unsafe."""
    path = Path(path)
    if not path.is_file():
        raise ExchangeError("file not found", file=str(path), hint="check the path")
    with SafeArchive(path, limits) as archive:
        name = archive.find("project.qde")
        if name is None:
            raise ExchangeError("the archive has no project.qde", file=str(path),
                                hint="is this a .qdpx exported by a QDA program?")
        root = parse_xml(archive.read(name), f"{path}:project.qde")
        return parse_project(root, archive, f"{path}:project.qde")
