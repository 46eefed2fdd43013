"""Load a codebook YAML file into a ``Codebook``, collecting every problem at once."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from qualcode.codebook.yamlio import line_of, read_yaml
from qualcode.errors import CodebookError, Problem
from qualcode.model import Code, Codebook, MagnitudeSpec, Rule, Term

TOP_KEYS = ("codebook", "version", "language", "description", "authors", "extends",
            "magnitude", "codes", "drop", "override")
CODE_KEYS = ("id", "label", "brief", "full", "use_when", "not_when", "examples",
             "source", "color", "rules", "children", "magnitude", "contradicts")
RULE_KEYS = ("keywords", "all", "none", "near", "within", "pattern", "question", "min",
             "where", "magnitude")
POSITIVE_RULE_KEYS = ("keywords", "all", "near", "pattern", "question")
TERM_LISTS = ("keywords", "all", "none", "near", "question")
WHERE_KEYS = ("technique", "role", "agency", "speaker", "informant", "case", "unit")
MAGNITUDE_KEYS = ("negative", "positive", "window")
CODE_SOURCES = ("theory", "regulation", "in vivo", "inductive", "literature", "")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
REGEX_CHARS = re.compile(r"[\\^$|?+()\[\]{}]")
MAX_TERM_WORDS = 8


class _Ctx:
    """Where we are in the file, and the problems found so far."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def error(self, node: Any, key: Any, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(message, file=self.file, line=line_of(node, key),
                                     path=path, hint=hint))

    def warn(self, node: Any, key: Any, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(message, file=self.file, line=line_of(node, key),
                                     path=path, hint=hint, severity="warning"))


def parse_term(raw: str) -> Term:
    """``=text`` is an exact surface term, ``text*`` a prefix, anything else normalised."""
    text = " ".join(raw.split())
    if text.startswith("="):
        return Term(text[1:].strip().lower(), "exact")
    if text.endswith("*"):
        return Term(text[:-1].strip().lower(), "prefix")
    return Term(text.lower(), "norm")


def _check_keys(ctx: _Ctx, node: dict, allowed: tuple[str, ...], path: str) -> None:
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(allowed)
            ctx.error(node, key, path, f"unknown key '{key}'", hint)


def _text(ctx: _Ctx, node: dict, key: str, path: str) -> str:
    value = node.get(key, "")
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        ctx.error(node, key, f"{path}.{key}", "expected text", "write a plain string")
        return ""
    return str(value).strip()


def _terms(ctx: _Ctx, node: dict, key: str, path: str) -> tuple[Term, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        ctx.error(node, key, f"{path}.{key}", "expected a list of terms",
                  "write [term, another term]")
        return ()
    terms = []
    for i, raw in enumerate(value):
        where = f"{path}.{key}[{i}]"
        if not isinstance(raw, (str, int, float)) or not str(raw).strip(" =*"):
            ctx.error(value, i, where, "empty or non-text term", "write a word or phrase")
            continue
        term = parse_term(str(raw))
        if REGEX_CHARS.search(term.text) or "*" in term.text:
            ctx.error(value, i, where, f"'{raw}' looks like a regular expression",
                      "terms are words or phrases; use a trailing * for a prefix, "
                      "or a 'pattern' rule for token patterns")
            continue
        if len(term.text.split()) > MAX_TERM_WORDS:
            ctx.error(value, i, where, f"term has more than {MAX_TERM_WORDS} words",
                      "split it into shorter phrases")
            continue
        terms.append(term)
    return tuple(terms)


def _where(ctx: _Ctx, node: dict, path: str) -> dict[str, tuple[str, ...]]:
    value = node.get("where")
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.error(node, "where", f"{path}.where", "expected a mapping",
                  "e.g. where: {technique: [W], speaker: informant}")
        return {}
    _check_keys(ctx, value, WHERE_KEYS, f"{path}.where")
    out = {}
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        out[str(key)] = tuple(str(i) for i in items)
    speaker = out.get("speaker", ())
    for s in speaker:
        if s not in ("informant", "interviewer", "any"):
            ctx.error(value, "speaker", f"{path}.where.speaker", f"unknown speaker '{s}'",
                      "use informant, interviewer or any")
    return out


def _int(ctx: _Ctx, node: dict, key: str, path: str, default: int, low: int, high: int) -> int:
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        ctx.error(node, key, f"{path}.{key}", f"expected a whole number from {low} to {high}",
                  f"got {value!r}")
        return default
    return value


def _magnitude_value(ctx: _Ctx, node: dict, path: str) -> str:
    value = node.get("magnitude", "")
    value = {"−": "-", "–": "-"}.get(str(value), str(value))
    if value not in ("", "+", "-", "0"):
        ctx.error(node, "magnitude", f"{path}.magnitude", f"unknown magnitude '{value}'",
                  "use \"+\", \"-\" or \"0\" (quoted)")
        return ""
    return value


def _rule(ctx: _Ctx, node: Any, index: int, path: str) -> Rule | None:
    if not isinstance(node, dict):
        ctx.error(node, None, path, "a rule must be a mapping",
                  "e.g. - keywords: [word, another]")
        return None
    _check_keys(ctx, node, RULE_KEYS, path)
    if not any(node.get(k) for k in POSITIVE_RULE_KEYS):
        ctx.error(node, None, path, "empty rule: nothing to match",
                  "give keywords, all, near, pattern or question")
        return None
    terms = {k: _terms(ctx, node, k, path) for k in TERM_LISTS}
    pattern = node.get("pattern") or []
    if pattern and not (isinstance(pattern, list) and all(isinstance(p, dict) for p in pattern)):
        ctx.error(node, "pattern", f"{path}.pattern", "a pattern is a list of token mappings",
                  "e.g. pattern: [{LOWER: tidak}, {NORM: ada}]")
        pattern = []
    if "near" in node and len(terms["near"]) < 2:
        ctx.error(node, "near", f"{path}.near", "near needs at least two terms")
    return Rule(
        index=index, keywords=terms["keywords"], all=terms["all"], none=terms["none"],
        near=terms["near"], within=_int(ctx, node, "within", path, 10, 1, 200),
        pattern=tuple(_plain(p) for p in pattern), question=terms["question"],
        min=_int(ctx, node, "min", path, 1, 1, 1000), where=_where(ctx, node, path),
        magnitude=_magnitude_value(ctx, node, path), line=line_of(node),
    )


def _plain(value: Any) -> Any:
    """ruamel containers → plain dicts and lists (for spaCy and for hashing)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _magnitude_spec(ctx: _Ctx, node: Any, path: str) -> MagnitudeSpec | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        ctx.error(node, None, path, "expected a mapping with negative/positive/window")
        return None
    _check_keys(ctx, node, MAGNITUDE_KEYS, path)
    words = {}
    for key in ("negative", "positive"):
        value = node.get(key) or []
        words[key] = tuple(str(w).lower() for w in (value if isinstance(value, list) else [value]))
    return MagnitudeSpec(negative=words["negative"], positive=words["positive"],
                         window=_int(ctx, node, "window", path, 3, 1, 20))


def _codes(ctx: _Ctx, nodes: Any, parent: str | None, depth: int, path: str,
           out: list[Code]) -> None:
    if not isinstance(nodes, list):
        ctx.error(nodes, None, path, "expected a list of codes", "each code starts with '- id:'")
        return
    for i, node in enumerate(nodes):
        where = f"{path}[{i}]"
        if not isinstance(node, dict):
            ctx.error(nodes, i, where, "a code must be a mapping with at least id and label")
            continue
        _check_keys(ctx, node, CODE_KEYS, where)
        code_id = _text(ctx, node, "id", where)
        if not code_id:
            ctx.error(node, None, where, "code has no id", "add a stable id such as PEMB-SOS")
            continue
        if not ID_RE.match(code_id):
            ctx.error(node, "id", f"{where}.id", f"bad id '{code_id}'",
                      "use letters, digits, '-', '_' or '.'")
        label = _text(ctx, node, "label", where)
        if not label:
            ctx.error(node, None, where, f"code '{code_id}' has no label", "add label: ...")
        color = _text(ctx, node, "color", where)
        if color and not COLOR_RE.match(color):
            ctx.error(node, "color", f"{where}.color", f"bad colour '{color}'",
                      "write a hex colour such as \"#1f77b4\" (quoted)")
            color = ""
        source = _text(ctx, node, "source", where)
        if source.lower() not in CODE_SOURCES:
            ctx.warn(node, "source", f"{where}.source", f"unusual source '{source}'",
                     "usual values: theory, regulation, in vivo")
        examples = node.get("examples") or []
        rule_nodes = node.get("rules") or []
        if not isinstance(rule_nodes, list):
            ctx.error(node, "rules", f"{where}.rules", "rules must be a list")
            rule_nodes = []
        parsed = (_rule(ctx, r, j, f"{where}.rules[{j}]") for j, r in enumerate(rule_nodes))
        rules = tuple(r for r in parsed if r is not None)
        out.append(Code(
            id=code_id, label=label, parent=parent,
            brief=_text(ctx, node, "brief", where), full=_text(ctx, node, "full", where),
            use_when=_text(ctx, node, "use_when", where),
            not_when=_text(ctx, node, "not_when", where),
            examples=tuple(str(e).strip() for e in
                           (examples if isinstance(examples, list) else [examples])),
            source=source, color=color, rules=rules,
            magnitude=_magnitude_spec(ctx, node.get("magnitude"), f"{where}.magnitude"),
            contradicts=_text(ctx, node, "contradicts", where) or None,
            depth=depth, line=line_of(node),
        ))
        if node.get("children"):
            _codes(ctx, node["children"], code_id, depth + 1, f"{where}.children", out)


def _check_codes(ctx: _Ctx, codes: list[Code]) -> None:
    seen: dict[str, Code] = {}
    for code in codes:
        if code.id in seen:
            ctx.problems.append(Problem(
                f"duplicate id '{code.id}'", file=ctx.file, line=code.line, path="codes",
                hint=f"first defined on line {seen[code.id].line}; ids must be unique"))
        seen.setdefault(code.id, code)
    has_children = {c.parent for c in codes if c.parent}
    rules_seen: dict[tuple, str] = {}
    for code in codes:
        if code.contradicts and code.contradicts not in seen:
            ctx.problems.append(Problem(
                f"'{code.id}' contradicts unknown code '{code.contradicts}'", file=ctx.file,
                line=code.line, path=f"codes({code.id}).contradicts",
                hint="name the id of a code in this codebook"))
        if not code.rules and code.id not in has_children:
            ctx.problems.append(Problem(
                f"code '{code.id}' has no rules", file=ctx.file, line=code.line,
                path=f"codes({code.id})", severity="warning",
                hint="it can only be applied by a person (review) or by import"))
        key = tuple((r.keywords, r.all, r.near, tuple(map(str, r.pattern))) for r in code.rules)
        if code.rules and key in rules_seen:
            ctx.problems.append(Problem(
                f"codes '{rules_seen[key]}' and '{code.id}' have identical rules",
                file=ctx.file, line=code.line, path=f"codes({code.id}).rules",
                severity="warning", hint="they will always be applied together"))
        rules_seen.setdefault(key, code.id)


def _check_language(ctx: _Ctx, doc: dict) -> str:
    language = str(doc.get("language") or "en").strip()
    from spacy.util import get_lang_class

    try:
        get_lang_class(language)
    except (ImportError, KeyError):
        ctx.error(doc, "language", "language", f"spaCy does not know the language '{language}'",
                  "use a spaCy language code such as id, en, ms, nl, de")
    return language


def parse_codebook(doc: Any, file: str) -> tuple[Codebook | None, list[Problem]]:
    """Build a ``Codebook`` from parsed YAML; return it with every problem found."""
    ctx = _Ctx(file)
    if not isinstance(doc, dict):
        ctx.error(doc, None, "", "a codebook must be a mapping with 'codebook' and 'codes'",
                  "see docs/codebook.md for the format")
        return None, ctx.problems
    _check_keys(ctx, doc, TOP_KEYS, "")
    title = _text(ctx, doc, "codebook", "codebook")
    if not title:
        ctx.error(doc, None, "codebook", "missing title", "add 'codebook: <title>' at the top")
    language = _check_language(ctx, doc)
    codes: list[Code] = []
    if not doc.get("codes"):
        ctx.error(doc, None, "codes", "no codes", "add a 'codes:' list")
    else:
        _codes(ctx, doc["codes"], None, 0, "codes", codes)
    _check_codes(ctx, codes)
    authors = doc.get("authors") or []
    codebook = Codebook(
        title=title, codes=tuple(codes), version=str(doc.get("version") or ""),
        language=language, description=_text(ctx, doc, "description", "description"),
        authors=tuple(str(a) for a in (authors if isinstance(authors, list) else [authors])),
        magnitude=_magnitude_spec(ctx, doc.get("magnitude"), "magnitude") or MagnitudeSpec(),
        path=file,
    )
    return codebook, ctx.problems


def validate_codebook(path: str | Path) -> list[Problem]:
    """Every problem in a codebook file (errors and warnings), each with its location."""
    doc, problems = read_yaml(Path(path))
    if problems:
        return problems
    return parse_codebook(doc, str(path))[1]


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook; raise ``CodebookError`` listing every error."""
    doc, problems = read_yaml(Path(path))
    codebook = None
    if not problems:
        codebook, problems = parse_codebook(doc, str(path))
    errors = [p for p in problems if p.severity == "error"]
    if errors or codebook is None:
        raise CodebookError(f"the codebook has {len(errors)} error(s)", file=str(path),
                            hint="fix them and run 'qualcode codebook validate'",
                            problems=errors)
    return codebook
