"""``qualcode code``: code files or folders with a codebook, without a project."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main
from qualcode.cli.progress import bar


@main.command("code")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--codebook", "codebook", required=True, type=click.Path(path_type=Path),
              help="The codebook YAML file (validated before anything is coded).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The table to write: .csv, .xlsx or .parquet (needs pyarrow).")
@click.option("--unit", type=click.Choice(["turn", "paragraph", "sentence"]),
              help="Unit of coding for every file (default: turns, else paragraphs).")
@click.option("--language", help="Language of the texts (default: the codebook's).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0, 64),
              help="Worker processes (0: one per CPU).")
@click.option("--informants", type=click.Path(path_type=Path),
              help="An informants table (CSV/XLSX with a 'file' column).")
@click.option("--technique", type=click.Choice(["W", "O", "D"]),
              help="Technique of sources without one in the table or front matter "
                   "(W interview, O observation, D document).")
@click.option("--text-column", multiple=True,
              help="Spreadsheets: the column holding the answers (repeat for several).")
@click.option("--id-column", default="", help="Spreadsheets: the respondent id column.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the token cache.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def code_command(paths: tuple[Path, ...], codebook: Path, output: Path, unit: str | None,
                 language: str | None, jobs: int, informants: Path | None,
                 technique: str | None, text_column: tuple[str, ...], id_column: str,
                 no_cache: bool, force: bool) -> None:
    """Code PATHS (files or folders) with a codebook and write one row per segment and code.

    Columns: segment_id, source, informant, role, technique, date, speaker, unit, start,
    end, line_start, line_end, code_id, code_label, parent_id, magnitude, rule, matched,
    hits, text. Tokenised texts are cached in the user cache folder (see
    `qualcode cache info --user`) unless --no-cache.
    """
    from qualcode.cache import user_cache_dir
    from qualcode.engine.table import check_output, code_files, write_coded

    check_output(output, force)
    with bar("coding segments", 0) as tick:
        result = code_files(paths, codebook, unit=unit, language=language, jobs=jobs,
                            informants=informants, technique=technique or "",
                            text_column=text_column, id_column=id_column,
                            cache=None if no_cache else user_cache_dir(), progress=tick)
    for problem in result.report.errors:
        click.echo(f"skipped: {problem}", err=True)
    for problem in result.report.warnings:
        click.echo(f"{problem}", err=True)
    write_coded(result.frame, output)
    click.echo(f"{result.sources} sources, {result.segments} segments, "
               f"{len(result.frame)} codings")
    click.echo(f"wrote {output}")
