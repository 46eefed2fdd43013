"""The ``qualcode`` command line: each command parses options, calls one library
function, and renders the result. Errors become a message and an exit status here,
and only here: 1 for a failed job, 2 for wrong usage."""

from __future__ import annotations

import sys
from typing import Any

import click

from qualcode._version import __version__
from qualcode.errors import QualcodeError


class QualcodeGroup(click.Group):
    """A click group that turns qualcode's errors into messages, never tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def main() -> None:
    """qualcode: code interview transcripts and documents with a codebook, and build the
    reduction, display and conclusion matrices of the descriptive qualitative method.

    Start in a project folder (one with qualcode.yaml) and run `qualcode run`.
    """


def _register() -> None:
    from qualcode.cli import ingest as _ingest  # noqa: F401
    from qualcode.cli import matrix as _matrix  # noqa: F401
    from qualcode.cli import run as _run  # noqa: F401
    from qualcode.cli import code as _code  # noqa: F401
    from qualcode.cli import explain as _explain  # noqa: F401
    from qualcode.cli import cache as _cache  # noqa: F401
    from qualcode.cli import codebook as _codebook  # noqa: F401
    from qualcode.cli import exchange as _exchange  # noqa: F401
    from qualcode.cli import agree as _agree  # noqa: F401
    from qualcode.cli import evaluate as _evaluate  # noqa: F401
    from qualcode.cli import explore as _explore  # noqa: F401
    from qualcode.cli import report as _report  # noqa: F401
    from qualcode.cli import review as _review  # noqa: F401


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
