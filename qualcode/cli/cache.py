"""``qualcode cache``: see or clear the cache of tokenised texts."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


def _folder(project_dir: Path, user: bool) -> Path:
    from qualcode.cache import project_cache_dir, user_cache_dir

    return user_cache_dir() if user else project_cache_dir(project_dir)


@main.group("cache")
def cache_group() -> None:
    """The cache of tokenised texts (a project's .qualcode-cache/, or the user cache).

    Re-coding with a revised codebook reads tokens from the cache instead of tokenising
    again; entries are keyed by the text, the language and the pipeline version.
    """


@cache_group.command("info")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("--user", is_flag=True, help="The user cache (used by `qualcode code`).")
def cache_info(project_dir: Path, user: bool) -> None:
    """Show where the cache is, how many entries it has and their size."""
    from qualcode.cache import TokenCache

    info = TokenCache(_folder(project_dir, user)).info()
    click.echo(f"cache: {info.folder}")
    click.echo(f"entries: {info.entries}  size: {info.bytes / 1e6:.1f} MB  "
               f"pipeline versions: {len(info.signatures)}")


@cache_group.command("clear")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("--user", is_flag=True, help="The user cache (used by `qualcode code`).")
def cache_clear(project_dir: Path, user: bool) -> None:
    """Delete the cached entries (only files qualcode wrote there)."""
    from qualcode.cache import TokenCache

    cache = TokenCache(_folder(project_dir, user))
    removed = cache.clear()
    click.echo(f"removed {removed} entries from {cache.folder}")
