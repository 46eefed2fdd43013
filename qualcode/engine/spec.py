"""What the matching stage needs of a codebook, in a form worker processes can receive.

``MatchSpec`` is plain, picklable data: the distinct terms of every rule (indexed), the
token patterns with their anchor terms, and the magnitude word lists. The rule logic
(``all``/``none``/``near``/``min``/``where``/``question``) stays in the main process and
reads the compact hits the matchers return.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Mapping

from qualcode.errors import CodebookError, Problem
from qualcode.model import Code, Codebook, MagnitudeSpec, Rule, Term

TEXT_ATTRS = ("ORTH", "TEXT", "LOWER")
KEY_ATTRS = ("NORM", "LEMMA")
UNBOUNDED = 10_000


@dataclass(frozen=True)
class PatternSpec:
    """One pattern rule: its spaCy pattern (keys normalised), anchors and longest match.

    ``anchors`` are term indices; the Matcher runs only around their hits. An empty
    tuple means the pattern has no literal token to anchor on and runs everywhere.
    """

    code_id: str
    rule_index: int
    pattern: str  # JSON, so that the spec stays hashable
    anchors: tuple[int, ...]
    longest: int
    line: int | None = None


@dataclass(frozen=True)
class MatchSpec:
    """The matching half of a compiled codebook (picklable, hashable by value)."""

    language: str
    model: str | None
    terms: tuple[Term, ...]
    patterns: tuple[PatternSpec, ...]
    magnitudes: tuple[MagnitudeSpec, ...]

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """Each term as a rule writes it (``=word``, ``prefix*``), by index."""
        return tuple(str(t) for t in self.terms)


def plain(value: Any) -> Any:
    """Mappings and sequences → plain dicts and lists (picklable, accepted by spaCy)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class TermIndex:
    """Gives each distinct term a stable index, in order of first appearance."""

    def __init__(self) -> None:
        self.terms: list[Term] = []
        self._ids: dict[Term, int] = {}

    def __call__(self, term: Term) -> int:
        idx = self._ids.get(term)
        if idx is None:
            idx = self._ids[term] = len(self.terms)
            self.terms.append(term)
        return idx


def _literal(spec: Mapping[str, Any]) -> list[Term]:
    """The words a token spec requires literally, as anchor terms (``[]`` if none)."""
    for attr, value in spec.items():
        attr = attr.upper()
        values = value.get("IN") if isinstance(value, Mapping) else [value]
        if isinstance(value, Mapping) and set(value) != {"IN"}:
            continue
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            continue
        if attr in TEXT_ATTRS:
            return [Term(v.lower(), "exact") for v in values]
        if attr in KEY_ATTRS:
            return [Term(v.lower(), "norm") for v in values]
    return []


def _longest(pattern: list[dict]) -> int:
    """Most tokens a match can span; ``UNBOUNDED`` when a ``*``/``+`` op allows any."""
    total = 0
    for spec in pattern:
        op = str(spec.get("OP") or "")
        if op in ("*", "+"):
            return UNBOUNDED
        if op.startswith("{"):
            upper = op.strip("{}").split(",")[-1].strip()
            if not upper.isdigit():
                return UNBOUNDED
            total += int(upper)
        else:
            total += 1  # a plain token, "?" or "!" (which also consumes one token)
    return max(total, 1)


def _required(spec: Mapping[str, Any]) -> bool:
    op = str(spec.get("OP") or "")
    if op.startswith("{"):
        lower = op.strip("{}").split(",")[0].strip()
        return lower.isdigit() and int(lower) >= 1
    return op in ("", "+")


def required_literals(pattern: list[dict]) -> list[tuple[str, frozenset[str]]]:
    """Per required token with literal values: ``("k", keys)`` or ``("l", lower words)``.

    Read from a normalised pattern (NORM values are keys). A match needs a token
    passing each entry, which lets the engine skip patterns that cannot match.
    """
    out = []
    for spec in pattern:
        if _required(spec):
            terms = _literal(spec)
            if terms:
                kind = "k" if terms[0].mode == "norm" else "l"
                out.append((kind, frozenset(t.text for t in terms)))
    return out


def _anchor_terms(pattern: list[dict]) -> list[Term]:
    """The literal words of the first required token that has any."""
    for spec in pattern:
        if _required(spec):
            terms = _literal(spec)
            if terms:
                return terms
    return []


def _normalise_pattern(pattern: list[dict], key) -> tuple[dict, ...]:
    """LEMMA → NORM (the key is our lemma); NORM values through the normaliser."""
    out = []
    for spec in pattern:
        new = {}
        for attr, value in spec.items():
            upper = attr.upper()
            if upper in KEY_ATTRS:
                upper, value = "NORM", _map_values(value, key)
            elif upper == "LOWER":
                value = _map_values(value, str.lower)
            new[upper] = value
        out.append(new)
    return tuple(out)


def _map_values(value: Any, func) -> Any:
    if isinstance(value, str):
        return func(value)
    if isinstance(value, dict):
        return {op: ([func(v) if isinstance(v, str) else v for v in vs]
                     if isinstance(vs, list) else vs) for op, vs in value.items()}
    return value


def _pattern_spec(code: Code, rule: Rule, index: TermIndex, key) -> PatternSpec:
    pattern = [p for p in plain(rule.pattern) if isinstance(p, dict)]
    anchors = tuple(index(t) for t in _anchor_terms(pattern))
    as_json = json.dumps(_normalise_pattern(pattern, key), sort_keys=True, ensure_ascii=False)
    return PatternSpec(code.id, rule.index, as_json, anchors, _longest(pattern), rule.line)


def build_spec(codebook: Codebook, model: str | None, key) -> MatchSpec:
    """Index every rule term, and prepare pattern rules; ``key`` normalises a word."""
    index = TermIndex()
    patterns = []
    for code in codebook.codes:
        for rule in code.rules:
            for term in rule.terms() + rule.none:
                index(term)
            if rule.pattern:
                patterns.append(_pattern_spec(code, rule, index, key))
    magnitudes = [codebook.magnitude] + [c.magnitude for c in codebook.codes if c.magnitude]
    unique = tuple(dict.fromkeys(m for m in magnitudes if m is not None))
    return MatchSpec(codebook.language, model, tuple(index.terms), tuple(patterns), unique)


def pattern_error(spec: MatchSpec, pattern: PatternSpec, exc: Exception,
                  file: str = "") -> CodebookError:
    """A spaCy pattern the Matcher refused, reported at the rule that holds it."""
    message = " ".join(str(exc).split())[:300]
    return CodebookError(
        "a token pattern is not valid", file=file, line=pattern.line,
        path=f"codes({pattern.code_id}).rules[{pattern.rule_index}].pattern",
        hint="see spaCy's Matcher patterns; keys such as LOWER, NORM, IS_DIGIT, OP",
        problems=[Problem(message, file=file, line=pattern.line)])
