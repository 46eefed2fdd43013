"""The codebook as a tree a person reads in a terminal: definitions and rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

from qualcode.codebook.describe import rule_text
from qualcode.codebook.load import load_codebook
from qualcode.model import Code, Codebook

FIELDS = (("brief", "brief"), ("full", "full"), ("use_when", "use when"),
          ("not_when", "not when"))


def _wrap(name: str, text: str, indent: str, width: int) -> list[str]:
    head = f"{indent}{name}: "
    return textwrap.wrap(text, width=max(40, width), initial_indent=head, break_on_hyphens=False,
                         subsequent_indent=indent + " " * (len(name) + 2)) or [head.rstrip()]


def _code_lines(code: Code, width: int, full: bool) -> list[str]:
    pad = "  " * code.depth
    source = f"  [{code.source}]" if code.source else ""
    lines = [f"{pad}{code.id}  {code.label}{source}"]
    inner = pad + "    "
    for attr, name in FIELDS:
        text = getattr(code, attr)
        if text and (full or attr != "full"):
            lines += _wrap(name, text, inner, width)
    for example in code.examples:
        lines += _wrap("example", f"“{example}”", inner, width)
    for i, rule in enumerate(code.rules, 1):
        lines += _wrap(f"rule {i}", rule_text(rule), inner, width)
    return lines


def render_codebook(codebook: Codebook, width: int = 100, full: bool = False) -> str:
    """The tree of codes with their definitions and rules, one field a line (wrapped)."""
    head = f"{codebook.title}"
    facts = [f"version {codebook.version}" if codebook.version else "",
             f"language {codebook.language}", f"{len(codebook.codes)} codes"]
    lines = [head, "(" + ", ".join(f for f in facts if f) + ")"]
    if codebook.description:
        lines += textwrap.wrap(codebook.description, width=width)
    for code in codebook.codes:
        lines.append("")
        lines += _code_lines(code, width, full)
    return "\n".join(lines) + "\n"


def show_codebook(path: str | Path, width: int = 100, full: bool = False) -> str:
    """Load a codebook (raising ``CodebookError`` if invalid) and render it."""
    return render_codebook(load_codebook(path), width=width, full=full)
