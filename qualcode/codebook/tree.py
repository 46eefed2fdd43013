"""Checks over the whole code tree: parents, cycles, duplicate ids, codes that do nothing.

Codes may be nested (``children``) or name their ``parent``; either way the codebook
keeps them in tree order (parents before children, siblings in file order) with the
right depth. ``origin`` maps a code id to the file that defined it, so that problems in
codes inherited through ``extends`` point at the right file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Mapping

from qualcode.errors import Problem
from qualcode.model import Code

if TYPE_CHECKING:
    from qualcode.codebook.load import _Ctx


def _add(ctx: _Ctx, origin: Mapping[str, str], code: Code, path: str, message: str,
         hint: str, severity: str = "error") -> None:
    ctx.problems.append(Problem(message, file=origin.get(code.id, ctx.file), line=code.line,
                                path=path, hint=hint, severity=severity))


def _cycle(by_id: Mapping[str, Code], start: Code) -> list[str]:
    chain = [start.id]
    parent = start.parent
    while parent is not None and parent in by_id and parent not in chain:
        chain.append(parent)
        parent = by_id[parent].parent
    return chain + ([parent] if parent is not None else [])


def order_tree(ctx: _Ctx, codes: list[Code], origin: Mapping[str, str]) -> list[Code]:
    """Codes in tree order with depths set; reports missing parents and parent cycles."""
    by_id: dict[str, Code] = {}
    for code in codes:
        by_id.setdefault(code.id, code)
    kids: dict[str | None, list[int]] = {}
    for i, code in enumerate(codes):
        parent = code.parent
        if parent is not None and parent not in by_id:
            _add(ctx, origin, code, f"codes({code.id}).parent",
                 f"parent '{parent}' of code '{code.id}' is not defined",
                 "define the parent code, or fix the id in 'parent:'")
            parent = None
        kids.setdefault(parent, []).append(i)
    out: list[Code] = []
    placed: set[int] = set()

    def visit(i: int, depth: int) -> None:
        placed.add(i)
        code = codes[i]
        parent = code.parent if code.parent in by_id else None
        out.append(replace(code, depth=depth, parent=parent))
        for j in kids.get(code.id, []) if by_id.get(code.id) is code else []:
            visit(j, depth + 1)

    for i in kids.get(None, []):
        visit(i, 0)
    for i, code in enumerate(codes):
        if i not in placed:
            _add(ctx, origin, code, f"codes({code.id}).parent",
                 "parent cycle: " + " → ".join(_cycle(by_id, code)),
                 "a code cannot be its own ancestor; fix one 'parent:'")
            placed.add(i)
            out.append(replace(code, parent=None, depth=0))
    return out


def check_codes(ctx: _Ctx, codes: list[Code], origin: Mapping[str, str]) -> None:
    """Duplicate ids, unknown ``contradicts``, and warnings for codes that do nothing."""
    seen: dict[str, Code] = {}
    for code in codes:
        if code.id in seen:
            _add(ctx, origin, code, "codes", f"duplicate id '{code.id}'",
                 f"first defined on line {seen[code.id].line}; ids must be unique")
        seen.setdefault(code.id, code)
    has_children = {c.parent for c in codes if c.parent}
    rules_seen: dict[tuple, str] = {}
    for code in codes:
        if code.contradicts and code.contradicts not in seen:
            _add(ctx, origin, code, f"codes({code.id}).contradicts",
                 f"'{code.id}' contradicts unknown code '{code.contradicts}'",
                 "name the id of a code in this codebook")
        if not code.rules and code.id not in has_children:
            _add(ctx, origin, code, f"codes({code.id})", f"code '{code.id}' has no rules",
                 "it can only be applied by a person (review) or by import", "warning")
        key = tuple((r.keywords, r.all, r.none, r.near, r.question, r.within,
                     tuple(map(str, r.pattern)), tuple(sorted(r.where.items())))
                    for r in code.rules)
        if code.rules and key in rules_seen:
            _add(ctx, origin, code, f"codes({code.id}).rules",
                 f"codes '{rules_seen[key]}' and '{code.id}' have identical rules",
                 "they will always be applied together", "warning")
        rules_seen.setdefault(key, code.id)
