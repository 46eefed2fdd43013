"""Validate spaCy token patterns in rules with spaCy's own validator, plus safety limits.

spaCy's ``validate_token_pattern`` reports problems as ``[pattern -> 1 -> LOWERR] ...``;
we turn the token index and attribute into the YAML line of that token. Two things
spaCy accepts are refused here because they could make matching slow on untrusted
codebooks: ``REGEX`` (an unbounded user regular expression) and very long patterns.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from qualcode.codebook.yamlio import line_of
from qualcode.errors import Problem

MAX_PATTERN_TOKENS = 20
FORBIDDEN = ("REGEX",)
_SPACY_PATH = re.compile(r"^\[pattern -> (\d+)(?: -> ([A-Za-z_]+))?[^\]]*\]\s*(.*)$")


def _token_attributes() -> list[str]:
    from spacy.schemas import TokenPattern

    names = [f.alias or name for name, f in TokenPattern.model_fields.items()]
    return sorted({n.upper() for n in names} | {"OP"})


def _forbidden_keys(value: Any) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.extend(str(k) for k in item if str(k).upper() in FORBIDDEN)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _spacy_problem(message: str, pattern: list, file: str, path: str,
                   rule_line: int | None) -> Problem:
    match = _SPACY_PATH.match(message)
    if not match:
        return Problem(f"bad spaCy pattern: {message}", file=file, line=rule_line, path=path,
                       hint="see https://spacy.io/usage/rule-based-matching")
    index, key, text = int(match.group(1)), match.group(2), match.group(3)
    where = f"{path}[{index}]"
    token = pattern[index] if index < len(pattern) else None
    line = line_of(pattern, index) if index < len(pattern) else rule_line
    hint = "see https://spacy.io/usage/rule-based-matching"
    if key and isinstance(token, dict) and key in token:
        line = line_of(token, key) or line
        where += f".{key}"
        close = difflib.get_close_matches(key.upper(), _token_attributes(), n=1)
        if "extra" in text.lower() and close:
            hint = f"did you mean '{close[0]}'?"
    return Problem(f"bad spaCy pattern: {text}", file=file, line=line, path=where, hint=hint)


def check_pattern(pattern: Any, file: str, path: str,
                  rule_line: int | None) -> list[Problem]:
    """Every problem with one rule's ``pattern`` (a list of token mappings)."""
    if not isinstance(pattern, list) or not pattern or \
            not all(isinstance(p, dict) for p in pattern):
        return [Problem("a pattern is a list of token mappings", file=file, line=rule_line,
                        path=path, hint="e.g. pattern: [{LOWER: tidak}, {NORM: ada}]")]
    if len(pattern) > MAX_PATTERN_TOKENS:
        return [Problem(f"pattern has more than {MAX_PATTERN_TOKENS} tokens", file=file,
                        line=rule_line, path=path, hint="split it into shorter patterns")]
    forbidden = _forbidden_keys(pattern)
    if forbidden:
        return [Problem("regular expressions (REGEX) are not allowed in patterns", file=file,
                        line=rule_line, path=path,
                        hint="they can make matching hang; use IN lists, LOWER, NORM, "
                             "or a prefix term such as 'lapor*'")]
    from qualcode.codebook.load import plain
    from spacy.schemas import validate_token_pattern

    plain_pattern = plain(pattern)
    messages = validate_token_pattern(plain_pattern)
    if messages:
        return [_spacy_problem(m, pattern, file, path, rule_line) for m in messages]
    return _matcher_check(plain_pattern, file, path, rule_line)


def _matcher_check(pattern: list, file: str, path: str,
                   rule_line: int | None) -> list[Problem]:
    """What the schema lets through but the Matcher itself refuses."""
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    try:
        Matcher(Vocab(), validate=True).add("check", [pattern])
    except (ValueError, TypeError, KeyError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Problem(f"bad spaCy pattern: {text}", file=file, line=rule_line, path=path,
                        hint="see https://spacy.io/usage/rule-based-matching")]
    return []
