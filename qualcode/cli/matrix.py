"""``qualcode matrix``: list the tables, or print / save one of them."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main

FORMATS = ("table", "csv", "xlsx", "md")


@main.command("matrix")
@click.argument("name", required=False)
@click.option("-p", "--project", "project_dir", default=".", show_default=True,
              type=click.Path(path_type=Path), help="The project folder (with qualcode.yaml).")
@click.option("--dimension", metavar="ID",
              help="Only the codes of this dimension (clustered, role_ordered, checklist, "
                   "time_ordered).")
@click.option("--value", type=click.Choice(["count", "presence", "quotes"]),
              help="What the case_code cells hold (default: count).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of the terminal (needed for xlsx).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def matrix_command(name: str | None, project_dir: Path, dimension: str | None,
                   value: str | None, fmt: str, output: Path | None, force: bool) -> None:
    """Print or save one table of a project (coding sheet, matrices, triangulation,
    conclusions). Without NAME, list the tables.

    Example: qualcode matrix checklist --dimension PENG --format md -o checklist.md
    """
    from qualcode.analysis import TABLES, table_title
    from qualcode.errors import UsageError

    if name is None:
        for key, spec in TABLES.items():
            click.echo(f"{key:<24} {spec.stage:<14} {table_title(key)}")
        return
    if fmt == "xlsx" and output is None:
        raise UsageError("xlsx needs an output file", path="--format",
                         hint="add -o FILE.xlsx")
    if output is not None:
        from qualcode.export.files import refuse_existing

        refuse_existing(output, force)
    from qualcode.analysis.matrix import project_matrix
    from qualcode.export import tables as export

    result = project_matrix(project_dir, name, dimension=dimension, value=value)
    if output is not None:
        export.write_table(result.frame, output, fmt, result.title)
        click.echo(f"wrote {output}")
    elif fmt == "csv":
        click.echo(result.frame.to_csv(index=False), nl=False)
    elif fmt == "md":
        click.echo(export.to_markdown(result.frame), nl=False)
    else:
        click.echo(f"{result.title}\n")
        click.echo(export.to_text(result.frame), nl=False)
