"""``qualcode export qdpx`` and ``qualcode import qdpx``: REFI-QDA project exchange."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


def _group(name: str, help_text: str) -> click.Group:
    """The ``export``/``import`` group, shared with any other module that adds to it."""
    existing = main.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    main.add_command(group)
    return group


export_group = _group("export", "Write a project in another program's format.")
import_group = _group("import", "Make a qualcode project from another program's file.")


@export_group.command("qdpx")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .qdpx file to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def export_qdpx(project_dir: Path, output: Path, force: bool) -> None:
    """Write the coded project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti,
    MAXQDA, QualCoder and others.

    The rules are one user, each reviewer another; dimensions are non-codable codes;
    informants are cases with their variables; each coding is a text selection.

    Example: qualcode export qdpx -o study.qdpx
    """
    from qualcode.export.refi import export_project

    summary = export_project(project_dir, output, force=force)
    click.echo(f"{summary.sources} sources, {summary.codes} codes, {summary.selections} "
               f"coded selections by {', '.join(summary.users) or 'no one'}")
    click.echo(f"wrote {summary.path}")


@import_group.command("qdpx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The project folder to create.")
@click.option("--language", default="en", show_default=True,
              help="Language of the sources (a spaCy code such as en or id).")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def import_qdpx_command(file: Path, output: Path, language: str, force: bool) -> None:
    """Make a qualcode project folder from a REFI-QDA project (.qdpx).

    Writes qualcode.yaml, the codebook, the sources as text, informants.csv (cases and
    variables) and codings/<coder>.csv for each person who coded, ready for
    `qualcode run`, `qualcode agree` and `qualcode evaluate --gold`. Unsafe archives
    (paths leaving the folder, zip bombs, XML entities) are refused.

    Example: qualcode import qdpx pilot.qdpx -o pilot
    """
    from qualcode.exchange.project import import_qdpx

    summary = import_qdpx(file, output, language=language, force=force)
    for problem in summary.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{summary.sources} sources, {summary.cases} cases, {summary.codes} codes")
    for coder, n in summary.coders.items():
        click.echo(f"  {coder}: {n} codings")
    click.echo(f"wrote {summary.folder}")
