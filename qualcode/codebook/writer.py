"""Write a codebook as qualcode YAML: from a ``Codebook`` or from imported records.

Importers and the scaffolder build plain records (one mapping per code, with a
``parent`` id), which become nested YAML in the documented key order. The written file
is then loaded again, so that what lands on disk is always a codebook qualcode accepts.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from qualcode.codebook.describe import rule_to_dict
from qualcode.codebook.yamlio import dump_yaml
from qualcode.export.files import refuse_existing, write_text
from qualcode.errors import CodebookError, Problem
from qualcode.model import Code, Codebook, MagnitudeSpec

CODE_ORDER = ("id", "label", "brief", "full", "use_when", "not_when", "examples", "source",
              "color", "magnitude", "contradicts", "rules")


def _scalar(value: Any) -> Any:
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def _flow(value: Any) -> Any:
    """Term lists and patterns read best on one line: ``[a, b]``, ``{LOWER: x}``."""
    if isinstance(value, list):
        seq = CommentedSeq(_flow(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        mapping = CommentedMap((k, _flow(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    return value


def _rule_map(rule: dict[str, Any]) -> CommentedMap:
    return CommentedMap((k, _flow(v) if isinstance(v, (list, dict)) else v)
                        for k, v in rule.items())


def _magnitude(spec: MagnitudeSpec | None) -> dict[str, Any] | None:
    if spec is None or not spec.enabled:
        return None
    return {"negative": list(spec.negative), "positive": list(spec.positive),
            "window": spec.window}


def _magnitude_map(value: dict[str, Any]) -> CommentedMap:
    return CommentedMap((k, _flow(v)) for k, v in value.items())


def code_to_record(code: Code) -> dict[str, Any]:
    """A code as a flat record (``parent`` by id), the form importers produce."""
    return {"id": code.id, "parent": code.parent, "label": code.label, "brief": code.brief,
            "full": code.full, "use_when": code.use_when, "not_when": code.not_when,
            "examples": list(code.examples), "source": code.source, "color": code.color,
            "magnitude": _magnitude(code.magnitude), "contradicts": code.contradicts,
            "rules": [rule_to_dict(r) for r in code.rules]}


def _code_map(record: dict[str, Any], kids: dict[str | None, list[dict]]) -> CommentedMap:
    node = CommentedMap()
    for key in CODE_ORDER:
        value = record.get(key)
        if key == "rules" and value:
            node[key] = CommentedSeq(_rule_map(r) for r in value)
        elif key == "examples" and value:
            node[key] = CommentedSeq(_scalar(e) for e in value)
        elif key == "magnitude" and value:
            node[key] = _magnitude_map(value)
        elif value:
            node[key] = _scalar(value)
    children = kids.get(record["id"], [])
    if children:
        node["children"] = CommentedSeq(_code_map(c, kids) for c in children)
    return node


def records_to_yaml(meta: dict[str, Any], records: Iterable[dict[str, Any]],
                    comment: str = "") -> str:
    """YAML text for a codebook given its top-level fields and flat code records."""
    records = list(records)
    ids = {r["id"] for r in records}
    kids: dict[str | None, list[dict]] = {}
    for record in records:
        parent = record.get("parent") if record.get("parent") in ids else None
        kids.setdefault(parent, []).append(record)
    doc = CommentedMap()
    for key in ("codebook", "version", "language", "description", "authors", "magnitude"):
        if meta.get(key):
            doc[key] = _magnitude_map(meta[key]) if key == "magnitude" else \
                _flow(meta[key]) if key == "authors" else _scalar(meta[key])
    doc["codes"] = CommentedSeq(_code_map(r, kids) for r in kids.get(None, []))
    if comment:
        doc.yaml_set_start_comment(comment)
    return dump_yaml(doc)


def codebook_to_yaml(codebook: Codebook, comment: str = "") -> str:
    """YAML text for a loaded codebook (magnitude word lists are not written)."""
    meta = {"codebook": codebook.title, "version": codebook.version,
            "language": codebook.language, "description": codebook.description,
            "authors": list(codebook.authors), "magnitude": _magnitude(codebook.magnitude)}
    return records_to_yaml(meta, (code_to_record(c) for c in codebook.codes), comment)


def make_id(name: str, taken: set[str]) -> str:
    """A stable ASCII id from a code's name (``Educación`` → ``EDUCACION``), unique."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").upper()[:30].strip("-")
    base = base or "CODE"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def write_codebook_yaml(text: str, out: Path, force: bool = False
                        ) -> tuple[Codebook, list[Problem]]:
    """Check YAML text as a codebook, then write it to ``out`` (atomic, no overwrite).

    Returns the codebook and its warnings; raises ``CodebookError`` (nothing written)
    when the text is not a valid codebook.
    """
    from qualcode.codebook.load import parse_codebook
    from qualcode.codebook.yamlio import _yaml

    out = Path(out)
    refuse_existing(out, force)
    codebook, problems = parse_codebook(_yaml().load(text), str(out))
    errors = [p for p in problems if p.severity == "error"]
    if errors or codebook is None:
        raise CodebookError(f"the result would not be a valid codebook ({len(errors)} error(s))",
                            file=str(out), hint="nothing was written; fix the input",
                            problems=errors)
    write_text(out, text)
    return codebook, [p for p in problems if p.severity == "warning"]
