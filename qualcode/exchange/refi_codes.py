"""Code ↔ REFI-QDA ``Code`` for project files, and the GUIDs of a ``.qdpx``.

A REFI ``Code`` carries only a name, a colour, a codable flag and one ``Description``;
qualcode's MacQueen fields, id and rules travel inside that Description. The layout is
the one the codebook exchange (``qualcode.codebook.qdc``) writes and reads, so a code
looks the same in a ``.qdc`` codebook and in a ``.qdpx`` project, and has the same GUID.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from qualcode.codebook.describe import rules_json
from qualcode.codebook.qdc import description_text, guid_for, parse_description
from qualcode.model import Code

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualcode.invalid/refi-qda")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12})\}?$")


def make_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (reproducible exports)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def code_guid(code_id: str) -> str:
    """A code's GUID: the same one the ``.qdc`` codebook export gives it."""
    return guid_for(code_id)


def norm_guid(value: str | None) -> str:
    """A GUID without braces, lower case; ``""`` when it is not a GUID."""
    match = _GUID.match((value or "").strip())
    return match.group(1).lower() if match else ""


def code_description(code: Code) -> str:
    """The Description text for a code (fields, id and rules, labelled)."""
    return description_text(code, rules_json(code))


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
        loaded = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(r for r in loaded if isinstance(r, dict)) if isinstance(loaded, list) else ()


def parse_code_description(text: str) -> CodeFields:
    """Read a Description back into fields; another program's text is the definition."""
    fields = parse_description(text or "")
    return CodeFields(brief=fields.get("brief", ""), full=fields.get("full", ""),
                      use_when=fields.get("use_when", ""), not_when=fields.get("not_when", ""),
                      examples=tuple(e for e in fields.get("examples", []) if e),
                      source=fields.get("source", ""), id=fields.get("id", ""),
                      rules=_json_rules(fields.get("rules", "")))
