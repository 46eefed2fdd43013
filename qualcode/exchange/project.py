"""A REFI-QDA project → a qualcode project folder that ``qualcode run`` can run.

The folder gets ``qualcode.yaml``, ``codebooks/<name>.yaml``, ``sources/<name>.txt``,
``informants.csv`` (cases and variables) and ``codings/<coder>.csv``, one per user who
coded: that person's (or program's) coding, in the columns ``qualcode agree`` and
``qualcode evaluate --gold`` read. Texts are written as qualcode reads them (LF line
ends, NFC); offsets are moved with the text when that changes it. Nothing is written
until the whole archive has been read and checked, and only inside the target folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from qualcode.codebook.yamlio import dump_yaml
from qualcode.errors import OutputError, Problem
from qualcode.exchange.codings import CODING_COLUMNS
from qualcode.exchange.qdpx import QdpxCode, QdpxProject, read_qdpx, slug
from qualcode.exchange.refi_codes import parse_code_description
from qualcode.export.files import write_text

KNOWN = ("informant", "role", "agency", "technique", "date", "case")
_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def normalise_text(text: str) -> tuple[str, list[int]]:
    """The text as qualcode's reader sees it, and where each old offset lands.

    ``mapping[i]`` is the new offset of old offset ``i`` (``len(text) + 1`` entries).
    """
    out: list[str] = []
    mapping: list[int] = []
    i = 0
    while i < len(text):  # CRLF and lone CR become LF, as qualcode.ingest.textutil does
        mapping.append(len(out))
        if text[i] == "\r":
            out.append("\n")
            if i + 1 < len(text) and text[i + 1] == "\n":
                mapping.append(len(out) - 1)
                i += 1
        else:
            out.append(text[i])
        i += 1
    mapping.append(len(out))
    flat = "".join(out)
    nfc = unicodedata.normalize("NFC", flat)
    if nfc == flat:
        return flat, mapping
    moved = _composed_offsets(flat, nfc)
    return nfc, [moved[m] for m in mapping]


def _composed_offsets(flat: str, nfc: str) -> list[int]:
    """Where each offset of ``flat`` lands in ``nfc``, its NFC form.

    NFC composes a character with the combining marks after it, so the text is cut
    before every character that starts a new cluster and each cluster is composed on
    its own; an offset inside a cluster lands inside (or at the end of) its composed
    form. A few scripts compose across such cuts (Hangul jamo, some Indic vowel
    signs); there the offsets are aligned by difference instead.
    """
    moved = [0] * (len(flat) + 1)
    parts: list[str] = []
    size = start = 0
    for end in range(1, len(flat) + 1):
        if end < len(flat) and unicodedata.combining(flat[end]):
            continue
        part = unicodedata.normalize("NFC", flat[start:end])
        for k in range(start, end):
            moved[k] = size + min(k - start, len(part))
        parts.append(part)
        size += len(part)
        start = end
    moved[len(flat)] = size
    if "".join(parts) == nfc:
        return moved
    for tag, a0, a1, b0, b1 in SequenceMatcher(None, flat, nfc, autojunk=False).get_opcodes():
        for k in range(a0, a1):
            moved[k] = b0 + min(k - a0, b1 - b0) if tag != "equal" else b0 + (k - a0)
    moved[len(flat)] = len(nfc)
    for k in range(1, len(moved)):  # keep them in order whatever the alignment did
        moved[k] = max(moved[k], moved[k - 1])
    return moved


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote and what it had to leave out."""

    folder: Path
    sources: int
    cases: int
    codes: int
    coders: dict[str, int]
    problems: tuple[Problem, ...]


def code_ids(codes: tuple[QdpxCode, ...]) -> dict[str, str]:
    """A qualcode code id for each REFI code GUID: its own id if qualcode wrote it, else
    one made from its name (upper case, unique)."""
    used: set[str] = set()
    out = {}
    for code in codes:
        wanted = parse_code_description(code.description).id
        if not (wanted and _ID_OK.match(wanted) and wanted.casefold() not in used):
            wanted = slug(code.name.upper().replace(" ", "-"), set(used), "CODE")
        used.add(wanted.casefold())
        out[code.guid] = wanted
    return out


def _code_node(code: QdpxCode, ids: dict[str, str],
               children: dict[str | None, list[QdpxCode]]) -> dict:
    fields = parse_code_description(code.description)
    node: dict = {"id": ids[code.guid], "label": code.name.strip() or ids[code.guid]}
    for key in ("brief", "full", "use_when", "not_when", "source"):
        if getattr(fields, key):
            node[key] = getattr(fields, key)
    if fields.examples:
        node["examples"] = list(fields.examples)
    if re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color or ""):
        node["color"] = code.color
    if fields.rules:
        node["rules"] = [dict(r) for r in fields.rules]
    kids = [_code_node(c, ids, children) for c in children.get(code.guid, [])]
    if kids:
        node["children"] = kids
    return node


def codebook_yaml(project: QdpxProject, ids: dict[str, str], language: str) -> str:
    """The codebook as YAML: codes nested as in the REFI code tree."""
    children: dict[str | None, list[QdpxCode]] = defaultdict(list)
    for code in project.codes:
        children[code.parent].append(code)
    doc = {"codebook": project.name or "Imported codebook", "version": "1",
           "language": language,
           "codes": [_code_node(c, ids, children) for c in children.get(None, [])]}
    return "# Imported from a REFI-QDA project by `qualcode import qdpx`.\n" + dump_yaml(doc)


def _csv(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _informants(project: QdpxProject, files: dict[str, str]) -> str:
    case_of = {g: case for case in project.cases for g in case.sources}
    rows: list[dict[str, str]] = []
    extra: list[str] = []
    for source in project.sources:
        if source.guid not in files:
            continue
        case = case_of.get(source.guid)
        values = {**(dict(case.variables) if case else {}), **dict(source.variables)}
        values = {k.strip().lower(): v for k, v in values.items() if k.strip()}
        values.setdefault("informant", case.name if case else Path(files[source.guid]).stem)
        if values.get("technique", "").upper() in ("W", "O", "D"):
            values["technique"] = values["technique"].upper()
        else:
            values.pop("technique", None)
        extra.extend(k for k in values if k not in KNOWN and k not in extra and k != "file")
        rows.append({"file": files[source.guid], **values})
    return _csv(["file", *KNOWN, *extra], rows)


UNITS = {"W": "turn", "O": "paragraph", "D": "paragraph"}


def _segment_ids(source_id: str, text: str, technique: str) -> list[tuple[int, int, str]]:
    from qualcode.ingest.textutil import paragraphs, speaker_turns
    from qualcode.model import Source
    from qualcode.segment import segment_source

    turns = speaker_turns(text)
    src = Source(source_id, "", text, tuple(turns or paragraphs(text)),
                 has_speakers=turns is not None)
    return [(s.start, s.end, s.id) for s in segment_source(src, UNITS.get(technique))]


def _technique(project: QdpxProject, guid: str) -> str:
    values = {k.lower(): v for s in project.sources if s.guid == guid
              for k, v in s.variables.items()}
    for case in project.cases:
        if guid in case.sources:
            values = {**{k.lower(): v for k, v in case.variables.items()}, **values}
    return values.get("technique", "").upper()


def _codings(project: QdpxProject, texts: dict[str, tuple[str, str, list[int]]],
             ids: dict[str, str]) -> dict[str, list[dict]]:
    labels = {c.guid: c.name for c in project.codes}
    segments = {g: _segment_ids(sid, text, _technique(project, g))
                for g, (sid, text, _) in texts.items()}
    out: dict[str, list[dict]] = defaultdict(list)
    for c in project.codings:
        if c.source not in texts:
            continue
        sid, text, mapping = texts[c.source]
        start, end = mapping[c.start], mapping[c.end]
        seg = next((s for a, b, s in segments[c.source] if a <= start < b), "")
        out[project.user_name(c.user)].append({
            "segment_id": seg, "source": sid, "start": start, "end": end,
            "code_id": ids[c.code], "code": labels[c.code],
            "coder": project.user_name(c.user), "text": text[start:end]})
    return out


def _check_target(folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError("the target is a file, not a folder", file=str(folder),
                          hint="give a new folder name with -o")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OutputError("the target folder exists and is not empty", file=str(folder),
                          hint="give a new folder with -o, or pass --force to write into it")


def _project_yaml(project: QdpxProject, book: str, language: str,
                  coders: list[str]) -> str:
    lines = ["# Imported from a REFI-QDA project by `qualcode import qdpx`.",
             f"title: {json.dumps(project.name or 'Imported project', ensure_ascii=False)}",
             f"language: {language}", f"codebook: codebooks/{book}",
             "sources: [sources]", "informants: informants.csv",
             "unit: {W: turn, O: paragraph, D: paragraph}", "output: out"]
    if project.description:
        lines.append(f"description: {json.dumps(project.description, ensure_ascii=False)}")
    lines += [f"# gold: codings/{c}  (evaluate the rules against this coder)" for c in coders]
    return "\n".join(lines) + "\n"


def import_qdpx(path: str | Path, folder: str | Path, *, language: str = "en",
                force: bool = False) -> ImportSummary:
    """Turn a ``.qdpx`` into a qualcode project folder; return what was written."""
    project = read_qdpx(path)
    folder = Path(folder)
    _check_target(folder, force)
    problems = list(project.problems)
    texts: dict[str, tuple[str, str, list[int]]] = {}
    files: dict[str, str] = {}
    sids = project.source_ids
    for source in project.sources:
        if not source.text.strip():
            problems.append(Problem(f"source '{source.name}' is empty", severity="warning",
                                    hint="it is left out"))
            continue
        sid = sids[source.guid]
        text, mapping = normalise_text(source.text)
        texts[source.guid] = (sid, text, mapping)
        files[source.guid] = f"sources/{sid}.txt"
    ids = code_ids(project.codes)
    codings = _codings(project, texts, ids)
    coder_files = {}
    names: set[str] = set()
    for coder in codings:
        coder_files[coder] = slug(coder, names, "coder") + ".csv"
    book = slug(project.name or "codebook", set(), "codebook").lower() + ".yaml"
    for guid, (sid, text, _) in texts.items():
        write_text(folder / files[guid], text)
    write_text(folder / "codebooks" / book, codebook_yaml(project, ids, language))
    write_text(folder / "informants.csv", _informants(project, files))
    for coder, rows in codings.items():
        write_text(folder / "codings" / coder_files[coder], _csv(list(CODING_COLUMNS), rows))
    write_text(folder / "qualcode.yaml",
               _project_yaml(project, book, language, list(coder_files.values())))
    return ImportSummary(folder, len(texts), len(project.cases), len(project.codes),
                         {c: len(r) for c, r in codings.items()}, tuple(problems))

