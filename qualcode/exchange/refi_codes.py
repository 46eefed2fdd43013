"""Code ↔ REFI-QDA ``Code``: the codebook fields carried in a code's Description.

A REFI ``Code`` has a name, a colour, a codable flag and one ``Description``. qualcode's
MacQueen fields, its stable id and its rules are written into that Description as
labelled lines after the brief definition, so that another program shows them as text
and qualcode reads them back. A description written by another program (no labels)
becomes the brief definition (first line) and the full definition (the rest).

This is the shared helper the ``.qdc`` codebook exchange can reuse.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from qualcode.model import Code, Rule

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualcode.invalid/refi-qda")
LABELS = (("full", "Definition"), ("use_when", "Use when"), ("not_when", "Do not use when"),
          ("examples", "Example"), ("source", "Source"), ("id", "qualcode-id"),
          ("rules", "qualcode-rules"))
_BY_LABEL = {label.casefold(): key for key, label in LABELS}
_LINE = re.compile(r"^([A-Za-z][A-Za-z \-]{1,30}):\s?(.*)$")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12})\}?$")


def make_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (reproducible exports)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def norm_guid(value: str | None) -> str:
    """A GUID without braces, lower case; ``""`` when it is not a GUID."""
    match = _GUID.match((value or "").strip())
    return match.group(1).lower() if match else ""


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as the codebook YAML writes it (terms keep their ``=``/``*`` marks)."""
    out: dict[str, Any] = {}
    for key in ("keywords", "all", "none", "near", "question"):
        terms = getattr(rule, key)
        if terms:
            out[key] = [str(t) for t in terms]
    if rule.pattern:
        out["pattern"] = [dict(p) for p in rule.pattern]
    if rule.near and rule.within != 10:
        out["within"] = rule.within
    if rule.min != 1:
        out["min"] = rule.min
    if rule.where:
        out["where"] = {k: list(v) for k, v in rule.where.items()}
    if rule.magnitude:
        out["magnitude"] = rule.magnitude
    return out


def code_description(code: Code) -> str:
    """The Description text for a code: brief, then one labelled line per field."""
    lines = [code.brief] if code.brief else []
    values = {"full": code.full, "use_when": code.use_when, "not_when": code.not_when,
              "source": code.source, "id": code.id}
    for key, label in LABELS:
        if key == "examples":
            lines.extend(f"{label}: {' '.join(e.split())}" for e in code.examples if e)
        elif key == "rules":
            if code.rules:
                rules = [rule_to_dict(r) for r in code.rules]
                lines.append(f"{label}: {json.dumps(rules, ensure_ascii=False)}")
        elif values[key]:
            lines.append(f"{label}: {' '.join(values[key].split())}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CodeFields:
    """What a Description gave back: the codebook fields and the rules as YAML data."""

    brief: str = ""
    full: str = ""
    use_when: str = ""
    not_when: str = ""
    examples: tuple[str, ...] = ()
    source: str = ""
    id: str = ""
    rules: tuple[dict, ...] = ()


def _json_rules(text: str) -> tuple[dict, ...]:
    try:
        loaded = json.loads(text)
    except ValueError:
        return ()
    return tuple(r for r in loaded if isinstance(r, dict)) if isinstance(loaded, list) else ()


def parse_code_description(text: str) -> CodeFields:
    """Read a Description back into fields; unlabelled text is the definition."""
    fields: dict[str, list[str]] = {}
    free: list[str] = []
    last: str | None = None
    for raw in (text or "").splitlines():
        line = raw.strip()
        match = _LINE.match(line)
        key = _BY_LABEL.get(match.group(1).strip().casefold()) if match else None
        if match and key:
            fields.setdefault(key, []).append(match.group(2).strip())
            last = key
        elif last and line:
            fields[last][-1] = (fields[last][-1] + " " + line).strip()
        else:
            last = None
            free.append(line)
    brief, _, rest = "\n".join(free).strip().partition("\n")

    def first(key: str) -> str:
        return fields.get(key, [""])[0]

    return CodeFields(brief=brief.strip(), full=first("full") or rest.strip(),
                      use_when=first("use_when"), not_when=first("not_when"),
                      examples=tuple(e for e in fields.get("examples", []) if e),
                      source=first("source"), id=first("id"),
                      rules=_json_rules(first("rules")))
