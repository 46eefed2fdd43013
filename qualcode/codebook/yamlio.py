"""Safe YAML reading that keeps line numbers (ruamel.yaml round-trip loader, no tags)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from qualcode.errors import Problem


def _yaml() -> YAML:
    # The round-trip loader keeps comments, key order and line numbers; it builds only
    # plain maps, lists and scalars, and refuses Python object tags.
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Read a YAML file; return its data and a list of problems (syntax errors)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [Problem("file not found", file=str(path),
                              hint="check the file's name and folder")]
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text ({exc.reason})", file=str(path),
                              hint="save the file as UTF-8")]
    except OSError as exc:
        return None, [Problem(f"cannot read: {exc.strerror}", file=str(path))]
    try:
        data = _yaml().load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return None, [Problem("duplicate key", file=str(path), line=line,
                              hint="each key may appear once in a mapping")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(f"YAML syntax error: {exc.problem or exc.context}",
                              file=str(path), line=line,
                              hint="check indentation and quoting on this line")]
    except YAMLError as exc:
        return None, [Problem(f"YAML error: {exc}", file=str(path))]
    problems = unsafe_nodes(data, str(path))
    return (None if problems else data), problems


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag) if tag is not None else None
    return str(value) if value else None


def unsafe_nodes(data: Any, file: str) -> list[Problem]:
    """Problems for YAML features a codebook must not use: tags and shared containers.

    The round-trip loader never runs code, but it keeps ``!tags`` as opaque objects; we
    refuse them so that no tagged value reaches a consumer. A container reached twice is
    an alias (``*name``); refusing those keeps walks linear ("billion laughs").
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[Any, Any, Any]] = [(data, None, None)]
    while stack:
        node, parent, key = stack.pop()
        tag = _tag_of(node)
        if tag:
            problems.append(Problem(f"YAML tag '{tag}' is not allowed", file=file,
                                    line=line_of(parent, key) if parent is not None else None,
                                    hint="codebooks hold plain text, lists and mappings; "
                                         "remove the tag"))
            continue
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                problems.append(Problem("YAML alias of a list or mapping is not allowed",
                                        file=file, line=line_of(parent, key),
                                        hint="write the list out again instead of '*name'"))
                continue
            seen.add(id(node))
            items = list(node.items() if isinstance(node, dict) else enumerate(node))
            # Reversed, so that the walk is in document order: the anchor comes first.
            stack.extend((value, node, k) for k, value in reversed(items))
    problems.sort(key=lambda p: p.line or 0)
    return problems


def dump_yaml(data: Any) -> str:
    """YAML text for ``data`` (ruamel containers keep their comments and key order)."""
    import io

    stream = io.StringIO()
    yaml = _yaml()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(data, stream)
    return stream.getvalue()


def line_of(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of a mapping key or sequence item in a ruamel node, if known."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return lc.line + 1
        if isinstance(key, int):
            return lc.item(key)[0] + 1
        return lc.key(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return lc.line + 1
