"""``qualcode run``: the whole job for a project."""

from __future__ import annotations

import os
from pathlib import Path

import click

from qualcode.cli import main
from qualcode.cli.progress import bar


@main.command("run")
@click.argument("project_dir", default=".", type=click.Path(file_okay=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="Write into an output folder that qualcode did not create.")
def run_command(project_dir: Path, force: bool) -> None:
    """Code a project and write its tables and report.

    Reads PROJECT_DIR/qualcode.yaml (default: the current folder), codes every source
    with the codebook, and writes coded_segments.csv, matrices.xlsx, report.docx,
    run.log, tables/*.csv and charts/*.png into the output folder (default: out/).
    Sources are never modified.
    """
    from qualcode.run import run

    result = run(project_dir, force=force, progress=bar)
    corpus = result.corpus
    for problem in result.report.errors:
        click.echo(f"skipped: {problem}", err=True)
    for problem in result.report.warnings:
        click.echo(f"{problem}", err=True)
    click.echo(f"{len(corpus.sources)} sources, {len(corpus.segments)} segments, "
               f"{len(corpus.codings)} codings")
    folders: dict[Path, int] = {}
    for path in result.outputs:
        if path.parent == result.project.output_dir:
            click.echo(f"wrote {path}")
        else:
            folders[path.parent] = folders.get(path.parent, 0) + 1
    for folder, count in folders.items():
        click.echo(f"wrote {folder}{os.sep} ({count} files)")
