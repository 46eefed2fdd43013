"""``qualcode codebook``: validate, show, export, import and scaffold codebooks."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@main.group("codebook")
def codebook_group() -> None:
    """Work with codebook files: check them, read them, and exchange them with other tools."""


@codebook_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=_FILE)
def validate_command(files: tuple[Path, ...]) -> None:
    """Check codebook FILES and list every problem with its file and line.

    Exits with status 1 when any file has an error; warnings (a code without rules,
    a rule that can never match, two codes with identical rules) do not fail.
    """
    from qualcode.codebook.load import validate_codebooks

    problems = validate_codebooks(files)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)")
    if errors:
        click.get_current_context().exit(1)


@codebook_group.command("show")
@click.argument("file", type=_FILE)
@click.option("--full", is_flag=True, help="Also show each code's full definition.")
@click.option("--width", default=100, show_default=True, help="Wrap lines at this width.")
def show_command(file: Path, full: bool, width: int) -> None:
    """Print the codebook FILE as a tree with definitions, examples and rules."""
    from qualcode.codebook.show import show_codebook

    click.echo(show_codebook(file, width=width, full=full), nl=False)


@codebook_group.command("export")
@click.argument("file", type=_FILE)
@click.option("--to", "fmt", required=True, type=click.Choice(["docx", "xlsx", "csv", "qdc"]),
              help="docx: the appendix table (T0); xlsx/csv: one code a row; "
                   "qdc: REFI-QDA for NVivo, ATLAS.ti, MAXQDA, QualCoder.")
@click.option("-o", "--output", "out", required=True, type=_FILE, help="The file to write.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def export_command(file: Path, fmt: str, out: Path, force: bool) -> None:
    """Write the codebook FILE as Word, Excel, CSV or a REFI-QDA codebook (.qdc)."""
    from qualcode.codebook.exchange import export_codebook

    click.echo(f"wrote {export_codebook(file, fmt, out, force=force)}")


@codebook_group.command("import")
@click.argument("file", type=_FILE)
@click.option("-o", "--output", "out", required=True, type=_FILE,
              help="The YAML codebook to write.")
@click.option("--language", default="en", show_default=True,
              help="spaCy language code of the codebook's words (id, en, ...).")
@click.option("--title", default="", help="Codebook title (default: the file name).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def import_command(file: Path, out: Path, language: str, title: str, force: bool) -> None:
    """Make a qualcode codebook from FILE: a .qdc/.qdpx (NVivo, ATLAS.ti, MAXQDA,
    QualCoder, Taguette) or a .csv/.xlsx with one code a row."""
    from qualcode.codebook.exchange import import_codebook

    result = import_codebook(file, out, force=force, language=language, title=title)
    for problem in result.warnings:
        click.echo(str(problem), err=True)
    click.echo(f"wrote {result.path} ({len(result.codebook.codes)} codes)")


@codebook_group.command("new")
@click.argument("guide", type=_FILE)
@click.option("-o", "--output", "out", required=True, type=_FILE,
              help="The YAML codebook to write.")
@click.option("--language", default="id", show_default=True, help="spaCy language code.")
@click.option("--title", default="", help="Codebook title (default: the file name).")
@click.option("--structural", is_flag=True,
              help="Also add one structural code per interview question.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def new_command(guide: Path, out: Path, language: str, title: str, structural: bool,
                force: bool) -> None:
    """Scaffold a codebook from an interview guide table GUIDE (.csv or .xlsx) with the
    columns No | Focus | Dimension | Indicator | Question | Target informant |
    Technique | Code."""
    from qualcode.codebook.scaffold import scaffold_codebook

    result = scaffold_codebook(guide, out, language=language, title=title,
                               structural=structural, force=force)
    for problem in result.warnings:
        click.echo(str(problem), err=True)
    click.echo(f"wrote {result.path} ({len(result.codebook.codes)} codes)")
