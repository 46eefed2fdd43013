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
                              hint="check the path, relative to the project folder")]
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text ({exc.reason})", file=str(path),
                              hint="save the file as UTF-8")]
    except OSError as exc:
        return None, [Problem(f"cannot read: {exc.strerror}", file=str(path))]
    try:
        return _yaml().load(text), []
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
