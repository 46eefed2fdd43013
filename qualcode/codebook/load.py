"""Load a codebook YAML file into a ``Codebook``, collecting every problem at once."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Iterable

from qualcode.codebook.patterns import check_pattern
from qualcode.codebook.yamlio import line_of, read_yaml
from qualcode.errors import CodebookError, Problem
from qualcode.model import TECHNIQUES, Code, Codebook, MagnitudeSpec, Rule, Term

TOP_KEYS = ("codebook", "version", "language", "description", "authors", "extends",
            "magnitude", "codes", "drop", "override")
CODE_KEYS = ("id", "label", "parent", "brief", "full", "use_when", "not_when", "examples",
             "source", "color", "rules", "children", "magnitude", "contradicts")
OVERRIDE_KEYS = tuple(k for k in CODE_KEYS if k not in ("id", "children"))
RULE_KEYS = ("keywords", "all", "none", "near", "within", "pattern", "question", "min",
             "where", "magnitude")
POSITIVE_RULE_KEYS = ("keywords", "all", "near", "pattern", "question")
TERM_LISTS = ("keywords", "all", "none", "near", "question")
WHERE_KEYS = ("technique", "role", "agency", "speaker", "informant", "case", "unit")
MAGNITUDE_KEYS = ("negative", "positive", "window")
CODE_SOURCES = ("theory", "regulation", "in vivo", "inductive", "literature", "interview guide",
                "")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
REGEX_CHARS = re.compile(r"[\\^$|?+()\[\]{}]")
MAX_TERM_WORDS = 8


class _Ctx:
    """Where we are in the file, and the problems found so far."""

    def __init__(self, file: str, stack: tuple[str, ...] = ()):
        self.file = file
        self.stack = stack  # the files that extend this one (for cycle detection)
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
    if pattern:
        found = check_pattern(pattern, ctx.file, f"{path}.pattern", line_of(node, "pattern"))
        ctx.problems.extend(found)
        pattern = [] if found else pattern
    if "near" in node and len(terms["near"]) < 2:
        ctx.error(node, "near", f"{path}.near", "near needs at least two terms")
    rule = Rule(
        index=index, keywords=terms["keywords"], all=terms["all"], none=terms["none"],
        near=terms["near"], within=_int(ctx, node, "within", path, 10, 1, 200),
        pattern=tuple(plain(p) for p in pattern), question=terms["question"],
        min=_int(ctx, node, "min", path, 1, 1, 1000), where=_where(ctx, node, path),
        magnitude=_magnitude_value(ctx, node, path), line=line_of(node),
    )
    _never_matches(ctx, node, rule, path)
    return rule


def plain(value: Any) -> Any:
    """ruamel containers → plain dicts and lists (for spaCy and for hashing)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
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


def _never_matches(ctx: _Ctx, node: dict, rule: Rule, path: str) -> None:
    """Warn about rules that are valid but cannot fire on any segment."""
    excluded = set(rule.none)
    blocking = [t for t in rule.all + rule.near if t in excluded]
    if rule.keywords and all(t in excluded for t in rule.keywords):
        blocking.extend(rule.keywords)
    if blocking:
        ctx.warn(node, "none", f"{path}.none", f"rule can never match: '{blocking[0]}' is "
                 "both required and excluded", "remove it from 'none' or from the other list")
    techniques = rule.where.get("technique")
    if techniques and not {t.upper() for t in techniques} & set(TECHNIQUES):
        ctx.warn(node.get("where"), "technique", f"{path}.where.technique",
                 f"rule can never match: no source has technique {', '.join(techniques)}",
                 "techniques are W (interview), O (observation), D (documentation)")


def _code_fields(ctx: _Ctx, node: dict, where: str, partial: bool = False) -> dict[str, Any]:
    """The ``Code`` fields a mapping gives; with ``partial``, only the keys present."""
    fields: dict[str, Any] = {}
    for key in ("label", "brief", "full", "use_when", "not_when", "source", "color",
                "contradicts", "parent"):
        if key in node or not partial:
            fields[key] = _text(ctx, node, key, where)
    color = fields.get("color", "")
    if color and not COLOR_RE.match(color):
        ctx.error(node, "color", f"{where}.color", f"bad colour '{color}'",
                  "write a hex colour such as \"#1f77b4\" (quoted)")
        fields["color"] = ""
    source = fields.get("source", "")
    if source.lower() not in CODE_SOURCES:
        ctx.warn(node, "source", f"{where}.source", f"unusual source '{source}'",
                 "usual values: theory, regulation, in vivo")
    if "examples" in node or not partial:
        examples = node.get("examples") or []
        fields["examples"] = tuple(str(e).strip() for e in
                                   (examples if isinstance(examples, list) else [examples]))
    if "rules" in node or not partial:
        rule_nodes = node.get("rules") or []
        if not isinstance(rule_nodes, list):
            ctx.error(node, "rules", f"{where}.rules", "rules must be a list")
            rule_nodes = []
        parsed = (_rule(ctx, r, j, f"{where}.rules[{j}]") for j, r in enumerate(rule_nodes))
        fields["rules"] = tuple(r for r in parsed if r is not None)
    if "magnitude" in node or not partial:
        fields["magnitude"] = _magnitude_spec(ctx, node.get("magnitude"), f"{where}.magnitude")
    if "contradicts" in fields:
        fields["contradicts"] = fields["contradicts"] or None
    if "parent" in fields:
        fields["parent"] = fields["parent"] or None
    return fields


def _one_code(ctx: _Ctx, node: dict, parent: str | None, depth: int,
              where: str) -> Code | None:
    _check_keys(ctx, node, CODE_KEYS, where)
    code_id = _text(ctx, node, "id", where)
    if not code_id:
        ctx.error(node, None, where, "code has no id", "add a stable id such as PEMB-SOS")
        return None
    if not ID_RE.match(code_id):
        ctx.error(node, "id", f"{where}.id", f"bad id '{code_id}'",
                  "use letters, digits, '-', '_' or '.'")
    fields = _code_fields(ctx, node, where)
    if not fields["label"]:
        ctx.error(node, None, where, f"code '{code_id}' has no label", "add label: ...")
    if parent is not None and fields["parent"] not in (None, parent):
        ctx.error(node, "parent", f"{where}.parent",
                  f"code '{code_id}' is nested under '{parent}' but names parent "
                  f"'{fields['parent']}'", "remove 'parent:' or move the code")
    fields["parent"] = parent if parent is not None else fields["parent"]
    return Code(id=code_id, depth=depth, line=line_of(node), **fields)


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
        code = _one_code(ctx, node, parent, depth, where)
        if code is None:
            continue
        out.append(code)
        if node.get("children"):
            _codes(ctx, node["children"], code.id, depth + 1, f"{where}.children", out)


def _check_language(ctx: _Ctx, doc: dict, default: str = "en") -> str:
    language = str(doc.get("language") or default).strip()
    from spacy.util import get_lang_class

    try:
        get_lang_class(language)
    except (ImportError, KeyError):
        ctx.error(doc, "language", "language", f"spaCy does not know the language '{language}'",
                  "use a spaCy language code such as id, en, ms, nl, de")
    return language


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else ([value] if value else [])
    return tuple(str(a) for a in items)


def parse_codebook(doc: Any, file: str, stack: tuple[str, ...] = ()
                   ) -> tuple[Codebook | None, list[Problem]]:
    """Build a ``Codebook`` from parsed YAML; return it with every problem found.

    ``stack`` lists the files already being loaded through ``extends`` (cycle check).
    """
    from qualcode.codebook.extends import load_base, merge
    from qualcode.codebook.tree import check_codes, order_tree

    ctx = _Ctx(file, stack + (str(Path(file).resolve()),))
    if not isinstance(doc, dict):
        ctx.error(doc, None, "", "a codebook must be a mapping with 'codebook' and 'codes'",
                  "see docs/codebook.md for the format")
        return None, ctx.problems
    _check_keys(ctx, doc, TOP_KEYS, "")
    base = load_base(ctx, doc) if doc.get("extends") else None
    title = _text(ctx, doc, "codebook", "codebook") or (base.title if base else "")
    if not title:
        ctx.error(doc, None, "codebook", "missing title", "add 'codebook: <title>' at the top")
    language = _check_language(ctx, doc, base.language if base else "en")
    codes: list[Code] = []
    if doc.get("codes"):
        _codes(ctx, doc["codes"], None, 0, "codes", codes)
    elif not doc.get("extends"):
        ctx.error(doc, None, "codes", "no codes", "add a 'codes:' list")
    origin = {c.id: file for c in codes}
    if base is not None:
        codes, origin = merge(ctx, doc, base, codes)
    codes = order_tree(ctx, codes, origin)
    check_codes(ctx, codes, origin)
    magnitude = _magnitude_spec(ctx, doc.get("magnitude"), "magnitude")
    codebook = Codebook(
        title=title, codes=tuple(codes),
        version=str(doc.get("version") or (base.version if base else "")),
        language=language,
        description=_text(ctx, doc, "description", "description")
        or (base.description if base else ""),
        authors=_strings(doc.get("authors")) or (base.authors if base else ()),
        magnitude=magnitude or (base.magnitude if base else MagnitudeSpec()), path=file,
    )
    return codebook, list(dict.fromkeys(ctx.problems))


def read_codebook(path: Path, stack: tuple[str, ...] = ()
                  ) -> tuple[Codebook | None, list[Problem]]:
    """Read and parse one codebook file; problems include those of its ``extends`` chain."""
    doc, problems = read_yaml(Path(path))
    if problems:
        return None, problems
    return parse_codebook(doc, str(path), stack)


def validate_codebook(path: str | Path) -> list[Problem]:
    """Every problem in a codebook file (errors and warnings), in file and line order."""
    problems = read_codebook(Path(path))[1]
    return sorted(problems, key=lambda p: (p.file != str(path), p.file, p.line or 0))


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook; raise ``CodebookError`` listing every error."""
    if not Path(path).is_file():  # one plain message, not a list of one problem
        raise CodebookError("codebook not found", file=str(path),
                            hint="check the file's name and folder")
    codebook, problems = read_codebook(Path(path))
    errors = [p for p in problems if p.severity == "error"]
    if errors or codebook is None:
        raise CodebookError(f"the codebook has {len(errors)} error(s)", file=str(path),
                            hint="fix them and run 'qualcode codebook validate'",
                            problems=errors)
    return codebook


def validate_codebooks(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in several codebook files, file after file."""
    return [problem for path in paths for problem in validate_codebook(path)]
