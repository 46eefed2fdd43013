"""``qualcode explain``: why a segment got, or nearly got, each code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from qualcode.cli import main

MARK = {"fired": "FIRED", "nearly": "NEARLY", "no": "no"}


@main.command("explain")
@click.argument("segment_id")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="Also list rules that did not fire.")
def explain_command(segment_id: str, project_dir: Path, show_all: bool) -> None:
    """Show SEGMENT_ID with its hits and the rules that fired or nearly fired.

    For each token a term hit, prints the surface word, its matching key and the
    terms; then, per code, each rule with every condition (where, question, none,
    keywords, all, near, pattern, min) and whether it held. A rule "nearly" fired when
    exactly one condition failed.
    """
    from qualcode.engine.explain import explain_segment

    result = explain_segment(segment_id, project_dir)
    seg = result.segment
    src = result.source
    lines = (f"line {seg.line_start}" if seg.line_start == seg.line_end
             else f"lines {seg.line_start}-{seg.line_end}")
    who = "interviewer" if seg.is_interviewer else f"informant {src.informant}"
    speaker = f", speaker '{seg.speaker}'" if seg.speaker else ""
    click.echo(f"{seg.id}  ({src.path}, {lines}; {src.technique}, {who}{speaker})")
    click.echo(textwrap.indent(textwrap.fill(seg.text, 88), "  "))
    if result.question is not None:
        click.echo(f"question before: {result.question.id}")
    click.echo("hits:" if result.tokens else "hits: none")
    for tok in result.tokens:
        click.echo(f"  {tok.text} [{tok.key}] @{tok.start}-{tok.end}: {', '.join(tok.terms)}")
    verdicts = result.verdicts if show_all else result.shown()
    click.echo("rules:" if verdicts else "rules: none fired or nearly fired")
    for v in verdicts:
        where = f" (line {v.line})" if v.line else ""
        click.echo(f"  {MARK[v.status]:6} {v.code_id} {v.code_label} — {v.rule}{where}")
        for cond in v.conditions:
            click.echo(f"         {'✓' if cond.met else '✗'} {cond.kind}: {cond.detail}")
    codes = ", ".join(f"{c.code_id}{'(' + c.magnitude + ')' if c.magnitude else ''}"
                      for c in result.codings)
    click.echo(f"codes: {codes or 'none'}")
