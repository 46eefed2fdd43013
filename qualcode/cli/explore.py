"""``qualcode kwic`` and ``qualcode suggest``: aids for developing a codebook."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


def _emit(frame, fmt: str, output: Path | None, force: bool, empty: str) -> None:
    from qualcode.export.files import refuse_existing
    from qualcode.export.tables import to_text, write_csv

    if output is not None:
        refuse_existing(output, force)
        write_csv(frame, output)
        click.echo(f"{len(frame)} rows; wrote {output}")
    elif not len(frame):
        click.echo(empty)
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        click.echo(to_text(frame, max_width=80), nl=False)


@main.command("kwic")
@click.argument("term")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-p", "--project", "project_dir", default=".", show_default=True,
              type=click.Path(path_type=Path),
              help="The project whose sources to search when no PATHS are given.")
@click.option("--language", help="Language of the texts (default: the project's, else en).")
@click.option("--width", default=40, show_default=True, type=click.IntRange(5, 400),
              help="Characters of context on each side.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a CSV file.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def kwic_command(term: str, paths: tuple[Path, ...], project_dir: Path, language: str | None,
                 width: int, fmt: str, output: Path | None, force: bool) -> None:
    """Keyword in context: every place TERM occurs, matched on the normalised key as
    rules match (so inflected forms meet). `=word` matches the exact form, `word*` a
    prefix. Searches PATHS (files or folders), or the project's sources.

    Example: qualcode kwic lapor
    """
    from qualcode.analysis.explore import kwic, project_sources, read_paths

    if paths:
        sources, lang = read_paths(paths), language or "en"
    else:
        sources, lang = project_sources(project_dir)
        lang = language or lang
    _emit(kwic(term, sources, lang, width), fmt, output, force, f"'{term}' does not occur")


@main.command("suggest")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("--code", "code_id", metavar="ID",
              help="Terms typical of this code's segments that its rules lack.")
@click.option("--top", default=30, show_default=True, type=click.IntRange(1, 1000),
              help="How many candidates to list.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a CSV file.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def suggest_command(project_dir: Path, code_id: str | None, top: int, fmt: str,
                    output: Path | None, force: bool) -> None:
    """Candidate terms for the codebook, for a person to accept or not (nothing is
    added by itself): frequent words and phrases in segments no code covers, or with
    --code, words that come with that code's segments and are not in its rules.

    Example: qualcode suggest --code PENG-TL
    """
    from qualcode.analysis.explore import suggest

    frame = suggest(project_dir, code_id, top)
    _emit(frame, fmt, output, force, "no candidates (too little text?)")
