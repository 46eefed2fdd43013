"""Codebook reuse: ``extends`` a base codebook, then add, override or drop codes.

A child names its base by path (relative to the child's folder) or by name (a file in a
``codebooks/`` folder beside the child or above it, or among the codebooks shipped with
qualcode). The base is loaded first, with its own ``extends`` chain; a file that appears
twice in the chain is a cycle and an error. Then, in this order: ``drop`` removes codes
(with their descendants), ``override`` replaces fields of codes by id, and the child's
``codes`` are added (a new code may attach to a base code with ``parent:``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import Problem
from qualcode.model import Code, Codebook

if TYPE_CHECKING:
    from qualcode.codebook.load import _Ctx

SEARCH_LEVELS = 3


def bundled_dir() -> Path:
    """The ``codebooks/`` folder shipped beside the package (in a source checkout)."""
    return Path(__file__).resolve().parent.parent.parent / "codebooks"


def resolve_base(name: str, file: str) -> Path | None:
    """The file a codebook's ``extends: name`` refers to, or ``None``."""
    here = Path(file).resolve().parent
    names = [name] if name.endswith((".yaml", ".yml")) else [f"{name}.yaml", f"{name}.yml", name]
    folders = [here] + [p / "codebooks" for p in [here, *here.parents][:SEARCH_LEVELS]]
    folders.append(bundled_dir())
    for folder in folders:
        for candidate in names:
            path = folder / candidate
            if path.is_file():
                return path
    return None


def _display(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return Path(path).name


def load_base(ctx: _Ctx, doc: dict) -> Codebook | None:
    """Load the codebook ``doc`` extends; record its errors and any cycle in ``ctx``."""
    from qualcode.codebook.load import _text, read_codebook

    name = _text(ctx, doc, "extends", "extends")
    if not name:
        return None
    path = resolve_base(name, ctx.file)
    if path is None:
        ctx.error(doc, "extends", "extends", f"cannot find the codebook '{name}' to extend",
                  "give a path relative to this file, or the name of a file in codebooks/")
        return None
    resolved = str(path.resolve())
    if resolved in ctx.stack:
        chain = ctx.stack[ctx.stack.index(resolved):] + (resolved,)
        ctx.error(doc, "extends", "extends",
                  "extends cycle: " + " → ".join(_display(p) for p in chain),
                  "a codebook cannot extend itself, directly or through others")
        return None
    base, problems = read_codebook(path, ctx.stack)
    ctx.problems.extend(p for p in problems if p.severity == "error")
    language = doc.get("language")
    if base is not None and language and str(language).strip() != base.language:
        ctx.warn(doc, "language", "language",
                 f"language '{language}' differs from the base codebook's '{base.language}'",
                 "keywords of the base are normalised with this codebook's language")
    return base


def _descendants(codes: list[Code], code_id: str) -> set[str]:
    out = {code_id}
    changed = True
    while changed:
        changed = False
        for code in codes:
            if code.parent in out and code.id not in out:
                out.add(code.id)
                changed = True
    return out


def _drop(ctx: _Ctx, doc: dict, codes: list[Code]) -> list[Code]:
    value = doc.get("drop") or []
    items = value if isinstance(value, list) else [value]
    known = {c.id for c in codes}
    gone: set[str] = set()
    for i, raw in enumerate(items):
        code_id = str(raw).strip()
        if code_id not in known:
            ctx.error(items if isinstance(value, list) else doc, i if isinstance(value, list)
                      else "drop", f"drop[{i}]", f"cannot drop unknown code '{code_id}'",
                      "name the id of a code in the base codebook")
            continue
        gone |= _descendants(codes, code_id)
    return [c for c in codes if c.id not in gone]


def _override(ctx: _Ctx, doc: dict, codes: list[Code]) -> list[Code]:
    from qualcode.codebook.load import OVERRIDE_KEYS, _check_keys, _code_fields

    value = doc.get("override")
    if value is None:
        return codes
    if not isinstance(value, dict):
        ctx.error(doc, "override", "override", "override must be a mapping from code id to fields",
                  "e.g. override: {PEMB-SOS: {brief: ...}}")
        return codes
    index = {c.id: i for i, c in enumerate(codes)}
    for code_id, node in value.items():
        where = f"override.{code_id}"
        if str(code_id) not in index:
            ctx.error(value, code_id, where, f"cannot override unknown code '{code_id}'",
                      "name the id of a code in the base codebook")
            continue
        if not isinstance(node, dict):
            ctx.error(value, code_id, where, "expected a mapping of fields to replace")
            continue
        _check_keys(ctx, node, OVERRIDE_KEYS, where)
        fields = _code_fields(ctx, node, where, partial=True)
        i = index[str(code_id)]
        codes[i] = replace(codes[i], **fields)
    return codes


def merge(ctx: _Ctx, doc: dict, base: Codebook, own: list[Code]
          ) -> tuple[list[Code], dict[str, str]]:
    """The base's codes after ``drop`` and ``override``, then the child's own codes."""
    codes = _override(ctx, doc, _drop(ctx, doc, list(base.codes)))
    origin = {c.id: base.path for c in codes}
    inherited = {c.id for c in codes}
    for code in own:
        if code.id in inherited:
            ctx.problems.append(_redefined(ctx, code, base))
            continue
        codes.append(code)
        origin[code.id] = ctx.file
    return codes, origin


def _redefined(ctx: _Ctx, code: Code, base: Codebook) -> Problem:
    return Problem(f"code '{code.id}' is already defined in {_display(base.path)}",
                   file=ctx.file, line=code.line, path=f"codes({code.id})",
                   hint="use 'override:' to change its fields, or 'drop:' it first")

