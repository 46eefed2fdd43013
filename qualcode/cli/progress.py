"""Progress bars on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import click


def enabled() -> bool:
    return sys.stderr.isatty()


@contextmanager
def bar(stage: str, total: int) -> Iterator[Callable[[int], None]]:
    """A click progress bar for ``stage`` (a counter when ``total`` is unknown)."""
    if not enabled():
        yield lambda n: None
        return
    progress: Any = click.progressbar(length=total or None, label=stage, file=sys.stderr,
                                      show_pos=True)
    with progress:
        yield progress.update
