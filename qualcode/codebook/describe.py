"""Rules and codes back to plain data (for writing YAML, CSV, QDC) and to short text.

``rule_to_dict`` is the inverse of the loader's rule parsing: loading its output gives
an equal ``Rule`` (up to the index and line). ``rule_text`` is the one-line summary a
reader sees in ``codebook show`` and in the codebook table (T0).
"""

from __future__ import annotations

import json
from typing import Any

from qualcode.model import Code, Rule, Term

DEFAULT_WITHIN = 10


def _terms(terms: tuple[Term, ...]) -> list[str]:
    return [str(t) for t in terms]


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The YAML mapping for ``rule``, keys in the documented order, defaults left out."""
    out: dict[str, Any] = {}
    for key in ("keywords", "all", "none", "near"):
        if getattr(rule, key):
            out[key] = _terms(getattr(rule, key))
    if rule.near and rule.within != DEFAULT_WITHIN:
        out["within"] = rule.within
    if rule.pattern:
        out["pattern"] = [dict(token) for token in rule.pattern]
    if rule.question:
        out["question"] = _terms(rule.question)
    if rule.min != 1:
        out["min"] = rule.min
    if rule.where:
        out["where"] = {k: (list(v) if len(v) != 1 else v[0]) for k, v in rule.where.items()}
    if rule.magnitude:
        out["magnitude"] = rule.magnitude
    return out


def rules_json(code: Code) -> str:
    """A code's rules as one line of JSON (which is also YAML), or ``""``."""
    if not code.rules:
        return ""
    return json.dumps([rule_to_dict(r) for r in code.rules], ensure_ascii=False)


def _quoted(terms: tuple[Term, ...]) -> str:
    return ", ".join(f'"{t}"' if " " in t.text else str(t) for t in terms)


def rule_text(rule: Rule) -> str:
    """One line a person can read, e.g. ``any of: lapor, monev; not: latih``."""
    parts: list[str] = []
    if rule.keywords:
        parts.append(f"any of: {_quoted(rule.keywords)}")
    if rule.all:
        parts.append(f"all of: {_quoted(rule.all)}")
    if rule.near:
        parts.append(f"near (≤{rule.within} words): {_quoted(rule.near)}")
    if rule.pattern:
        parts.append("pattern: " + json.dumps(list(rule.pattern), ensure_ascii=False))
    if rule.question:
        parts.append(f"after a question with: {_quoted(rule.question)}")
    if rule.none:
        parts.append(f"not: {_quoted(rule.none)}")
    if rule.min != 1:
        parts.append(f"at least {rule.min} hits")
    if rule.where:
        parts.append("where " + ", ".join(f"{k}={'/'.join(v)}" for k, v in rule.where.items()))
    if rule.magnitude:
        parts.append(f"magnitude {rule.magnitude}")
    return "; ".join(parts)


def rules_text(code: Code) -> str:
    """All of a code's rules, one per line (any one of them applies the code)."""
    return "\n".join(rule_text(r) for r in code.rules)
