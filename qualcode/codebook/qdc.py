"""REFI-QDA codebooks (``.qdc``, QDA-XML 1.0): write, and read safely.

A REFI-QDA ``Code`` has a name, a GUID, a colour, ``isCodable`` and one ``Description``
text, so qualcode's richer fields travel inside that text, one field a line::

    Brief definition: Penyampaian peraturan ...
    Full definition: Kegiatan pembinaan ...
      (a value's further lines are indented by two spaces)
    When to use: ...
    When not to use: ...
    Example: first example
    Example: second example
    Source: regulation
    ID: PEMB-SOS
    Rules: [{"keywords": ["sosialisasi", "bimtek"]}]

Other tools show the text as it is; qualcode reads the fields back. A description
without these labels (written by another tool) becomes the brief definition when it is
one short line, else the full definition with its first sentence as the brief. GUIDs
are derived from the code id (UUID 5), so exporting twice gives the same file.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode._version import __version__
from qualcode.errors import ExchangeError, Problem
from qualcode.model import Code, Codebook
from qualcode.exchange.safe import SafeArchive, parse_xml

NS = "urn:QDA-XML:codebook:1.0"
GUID_NAMESPACE = uuid.UUID("6f1c2a3e-8d4b-5e7f-9a0b-1c2d3e4f5a6b")
FIELDS = (("brief", "Brief definition"), ("full", "Full definition"),
          ("use_when", "When to use"), ("not_when", "When not to use"),
          ("examples", "Example"), ("source", "Source"), ("id", "ID"), ("rules", "Rules"))
_BY_LABEL = {name.lower(): key for key, name in FIELDS}
_MARKER = re.compile(r"^(" + "|".join(re.escape(n) for _, n in FIELDS) + r"):(?: (.*))?$",
                     re.IGNORECASE)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_BYTES = 50_000_000
BRIEF_MAX = 200


def guid_for(code_id: str) -> str:
    """A stable GUID for a code id."""
    return str(uuid.uuid5(GUID_NAMESPACE, code_id))


def _clean(text: str) -> str:
    """Text XML 1.0 can hold, with line ends as ``\\n`` (XML parsers normalise ``\\r``)."""
    return _XML_BAD.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _field_lines(name: str, value: str) -> list[str]:
    first, *rest = _clean(value).split("\n")
    return [f"{name}: {first}".rstrip(" ") if first else f"{name}:"] + ["  " + r for r in rest]


def description_text(code: Code, rules_json: str = "") -> str:
    """The ``Description`` of a code: MacQueen fields, source, id and rules, labelled."""
    values: dict[str, list[str]] = {
        "brief": [code.brief], "full": [code.full], "use_when": [code.use_when],
        "not_when": [code.not_when], "examples": list(code.examples), "source": [code.source],
        "id": [code.id], "rules": [rules_json]}
    lines: list[str] = []
    for key, name in FIELDS:
        for value in values[key]:
            if value:
                lines += _field_lines(name, value)
    return "\n".join(lines)


def parse_description(text: str) -> dict[str, Any]:
    """Fields from a ``Description``; see the module docstring for both layouts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields: dict[str, Any] = {"examples": []}
    current: list[str] | None = None
    found = False
    for line in text.split("\n"):
        match = None if line.startswith("  ") else _MARKER.match(line)
        if match:
            found = True
            current = [match.group(2) or ""]
            key = _BY_LABEL[match.group(1).lower()]
            if key == "examples":
                fields["examples"].append(current)
            else:
                fields[key] = current
        elif current is not None:
            current.append(line[2:] if line.startswith("  ") else line)
    if not found:
        return _foreign(text)
    return {k: ["\n".join(v).strip() for v in val] if k == "examples" else
            "\n".join(val).strip() for k, val in fields.items()}


def _foreign(text: str) -> dict[str, Any]:
    text = text.strip()
    if not text:
        return {"examples": []}
    if "\n" not in text and len(text) <= BRIEF_MAX:
        return {"brief": text, "examples": []}
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].split("\n")[0]
    return {"brief": first[:BRIEF_MAX].strip(), "full": text, "examples": []}


def _code_element(parent: Any, codebook: Codebook, code: Code) -> None:
    from qualcode.codebook.describe import rules_json

    codable = bool(code.rules) or not codebook.children(code.id)
    element = etree.SubElement(parent, f"{{{NS}}}Code", guid=guid_for(code.id),
                               name=_clean(code.label or code.id),
                               isCodable="true" if codable else "false")
    if code.color:
        element.set("color", code.color)
    description = etree.SubElement(element, f"{{{NS}}}Description")
    description.text = description_text(code, rules_json(code))
    for child in codebook.children(code.id):
        _code_element(element, codebook, child)


def codebook_to_qdc(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (UTF-8 XML)."""
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS},
                         origin=f"qualcode {__version__}")
    codes = etree.SubElement(root, f"{{{NS}}}Codes")
    for code in codebook.children(None):
        _code_element(codes, codebook, code)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _read_bytes(path: Path) -> bytes:
    """The QDA-XML of a ``.qdc`` file, or of ``project.qde`` inside a ``.qdpx`` zip."""
    if path.suffix.lower() != ".qdpx":
        if path.stat().st_size > MAX_BYTES:
            raise ExchangeError("file too large for a codebook", file=str(path))
        return path.read_bytes()
    with SafeArchive(path) as archive:
        return archive.read("project.qde")


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _records(element: Any, parent: str | None, taken: set[str], out: list[dict],
             problems: list[Problem], file: str) -> None:
    from qualcode.codebook.writer import make_id

    for code in (c for c in element if _local(c) == "Code"):
        description = next((d.text or "" for d in code if _local(d) == "Description"), "")
        fields = parse_description(description)
        name = (code.get("name") or "").strip()
        wanted = fields.get("id", "")
        code_id = wanted if wanted and wanted not in taken else make_id(wanted or name, taken)
        taken.add(code_id)
        color = code.get("color") or ""
        if re.fullmatch(r"#[0-9A-Fa-f]{3}", color):
            color = "#" + "".join(ch * 2 for ch in color[1:])
        out.append({"id": code_id, "parent": parent, "label": name or code_id,
                    "brief": fields.get("brief", ""), "full": fields.get("full", ""),
                    "use_when": fields.get("use_when", ""),
                    "not_when": fields.get("not_when", ""),
                    "examples": fields.get("examples", []), "source": fields.get("source", ""),
                    "color": color, "rules": _rules(fields.get("rules", ""), name, problems,
                                                    file, code.sourceline)})
        _records(code, code_id, taken, out, problems, file)


def _rules(text: str, name: str, problems: list[Problem], file: str,
           line: int | None) -> list[dict]:
    if not text:
        return []
    try:
        rules = json.loads(text)
    except json.JSONDecodeError:
        rules = None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        problems.append(Problem(f"rules of code '{name}' are not a JSON list; left out",
                                file=file, line=line, severity="warning",
                                hint="add the rules in the YAML file"))
        return []
    return rules


def read_qdc(path: str | Path) -> tuple[list[dict], list[Problem]]:
    """Flat code records (``parent`` by id) from a ``.qdc`` or ``.qdpx``, with warnings."""
    path = Path(path)
    root = parse_xml(_read_bytes(path), str(path))
    book = root if _local(root) == "CodeBook" else next(
        (e for e in root.iter() if _local(e) == "CodeBook"), None)
    codes = None if book is None else next((e for e in book if _local(e) == "Codes"), None)
    if codes is None:
        raise ExchangeError("no <CodeBook><Codes> in the file", file=str(path),
                            hint="export a codebook (.qdc) or a project (.qdpx) from your tool")
    records: list[dict] = []
    problems: list[Problem] = []
    _records(codes, None, set(), records, problems, str(path))
    if not records:
        raise ExchangeError("the codebook has no codes", file=str(path))
    return records, problems
