"""``qualcode report``: the Word report on its own."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


@main.command("report")
@click.argument("project_dir", default=".", type=click.Path(file_okay=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (default: report.docx in the output folder).")
@click.option("--language", type=click.Choice(["id", "en"]),
              help="Report language; overrides report_language in qualcode.yaml.")
@click.option("--force", is_flag=True, help="Replace an existing file given with -o.")
def report_command(project_dir: Path, output: Path | None, language: str | None,
                   force: bool) -> None:
    """Write the Word report for supervisors.

    Codes PROJECT_DIR (default: the current folder), applies the stored review
    decisions (reviews.yaml) and writes report.docx: a title page with the corpus, a
    table of contents, the reduction, display and conclusion tables with the matched
    terms highlighted, the charts and the codebook appendix.
    """
    from qualcode.run import make_report

    path = make_report(project_dir, output=output, language=language, force=force)
    click.echo(f"wrote {path}")
