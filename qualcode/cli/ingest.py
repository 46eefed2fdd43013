"""``qualcode ingest``: show what qualcode reads from sources, before coding them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from qualcode.cli import main
from qualcode.model import UNITS


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _render_text(result, show_segments: bool) -> str:
    from qualcode.ingest.summary import source_record, speakers

    lines = []
    for source in result.sources:
        segs = result.segments_of(source.id)
        rec = source_record(source, segs)
        lines.append(f"{source.id}  {source.path}  ({rec['words']} words)")
        fields = [f"{k} {rec[k]}" for k in ("technique", "informant", "role", "agency",
                                              "date", "case") if rec[k]]
        lines.append("  " + " · ".join(fields))
        if rec["attributes"]:
            lines.append("  attributes: " + ", ".join(f"{k}={v}" for k, v in
                                                      rec["attributes"].items()))
        talk = [f"{name} ({n}{', interviewer' if asks else ''})"
                for name, n, asks in speakers(segs)]
        lines.append("  speakers: " + (", ".join(talk) if talk else "none (paragraphs)"))
        lines.append(f"  segments: {len(segs)} {rec['unit']} "
                     f"({rec['coded_segments']} to code)")
        if show_segments:
            lines.extend(_segment_line(seg) for seg in segs)
    lines.append(f"{len(result.sources)} sources, {len(result.segments)} segments")
    return "\n".join(lines)


def _segment_line(seg) -> str:
    place = f"lines {seg.line_start}-{seg.line_end}" if seg.line_end != seg.line_start \
        else f"line {seg.line_start}"
    extra = "".join(f" {x}" for x in (f"[{seg.time}]" if seg.time else "",
                                       f"p.{seg.page}" if seg.page else "") if x)
    who = f"{seg.speaker}{'*' if seg.is_interviewer else ''}: " if seg.speaker else ""
    return f"    {seg.id}  {place}{extra}  {who}{_short(seg.text)}"


def _render_json(result, show_segments: bool) -> str:
    from qualcode.ingest.summary import segment_record, source_record

    out = []
    for source in result.sources:
        segs = result.segments_of(source.id)
        rec = source_record(source, segs)
        if show_segments:
            rec["segment_list"] = [segment_record(s) for s in segs]
        out.append(rec)
    problems = [{"severity": p.severity, "message": str(p)} for p in result.report.problems]
    return json.dumps({"sources": out, "problems": problems}, ensure_ascii=False, indent=2)


def _render_csv(result, show_segments: bool) -> str:
    from qualcode.ingest.summary import segment_record, source_record

    if show_segments:
        rows = [segment_record(s) for s in result.segments]
    else:
        rows = []
        for source in result.sources:
            rec = source_record(source, result.segments_of(source.id))
            rec["attributes"] = "; ".join(f"{k}={v}" for k, v in rec["attributes"].items())
            rec["speakers"] = "; ".join(rec["speakers"])
            rec["interviewers"] = "; ".join(rec["interviewers"])
            rows.append(rec)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


@main.command("ingest")
@click.argument("paths", nargs=-1)
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Read the sources of this project (its qualcode.yaml) instead of PATHS.")
@click.option("--informants", type=click.Path(dir_okay=False, path_type=Path),
              help="Informants table (CSV/XLSX) with a 'file' column, matched by file name.")
@click.option("--unit", type=click.Choice(UNITS),
              help="Unit of coding for every source (default: turn for transcripts, "
                   "paragraph otherwise).")
@click.option("--technique", type=click.Choice(["W", "O", "D"]),
              help="Technique of sources without one in the table or front matter.")
@click.option("--text-column", multiple=True,
              help="Spreadsheets: the column holding the answers (repeat for several).")
@click.option("--id-column", default="", help="Spreadsheets: the respondent id column.")
@click.option("--attribute", "attributes", multiple=True,
              help="Spreadsheets: a column to keep as an attribute (repeatable; "
                   "default: every other column).")
@click.option("--interviewer", "interviewers", multiple=True,
              help="A speaker who asks the questions, besides P, Peneliti, Interviewer, ...")
@click.option("--segments", "show_segments", is_flag=True, help="List every segment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="Output format (json and csv are for scripts).")
def ingest_command(paths: tuple[str, ...], project_dir: Path | None, informants: Path | None,
                   unit: str | None, technique: str | None, text_column: tuple[str, ...],
                   id_column: str, attributes: tuple[str, ...],
                   interviewers: tuple[str, ...], show_segments: bool, fmt: str) -> None:
    """Read sources and show what qualcode found in them, without coding.

    PATHS are files, folders or globs (.txt .md .docx .pdf .vtt .srt .csv .xlsx). For
    each source: its metadata, the speakers found, and the number of segments;
    --segments lists the segments with their lines and offsets. Without PATHS, the
    sources of the project in the current folder (or --project) are read.
    Problems with single files are reported on stderr and the file is skipped.
    """
    from qualcode.errors import UsageError
    from qualcode.ingest.summary import ingest_paths, ingest_project

    if paths and project_dir:
        raise UsageError("give PATHS or --project, not both")
    if paths:
        result = ingest_paths(paths, informants=informants, unit=unit,
                              technique=technique or "", text_column=text_column,
                              id_column=id_column, attributes=attributes,
                              interviewers=interviewers)
    else:
        result = ingest_project(project_dir or Path("."), unit=unit)
    for problem in result.report.errors:
        click.echo(f"skipped: {problem}", err=True)
    for problem in result.report.warnings:
        click.echo(str(problem), err=True)
    render = {"text": _render_text, "json": _render_json, "csv": _render_csv}[fmt]
    click.echo(render(result, show_segments))
