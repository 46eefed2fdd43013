"""``qualcode evaluate``: the rules against a person's coding of the same sources."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


def _fmt(frame):
    out = frame.copy()
    for column in ("precision", "recall", "f1"):
        if column in out:
            out[column] = out[column].map(lambda v: "—" if v != v else f"{v:.2f}")
    return out


@main.command("evaluate")
@click.argument("project_dir", default=".", type=click.Path(path_type=Path))
@click.option("--gold", type=click.Path(dir_okay=False, path_type=Path),
              help="A person's coding: a coded CSV (source,start,end,code_id or a coding "
                   "sheet) or a .qdpx. Default: 'gold:' in qualcode.yaml.")
@click.option("--coder", help="The user to take from a .qdpx with several coders.")
@click.option("--show", type=click.Choice(["summary", "errors", "all"]), default="summary",
              show_default=True,
              help="summary: scores and rules; errors: also false positives and misses.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every table to this .xlsx file.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def evaluate_command(project_dir: Path, gold: Path | None, coder: str | None, show: str,
                     output: Path | None, force: bool) -> None:
    """Compare the codebook's rules with a person's coding: precision, recall and F1
    per code over segments, the false positives and misses with their text, and the
    rules that never fire or fire only where no person coded.

    Example: qualcode evaluate --gold codings/Alice.csv --show errors
    """
    from qualcode.analysis.evaluate import evaluate
    from qualcode.export.files import refuse_existing
    from qualcode.export.tables import to_text, write_xlsx

    if output is not None:
        refuse_existing(output, force)
    result = evaluate(project_dir, gold, coder)
    click.echo("Scores per code (segments)\n")
    click.echo(to_text(_fmt(result.per_code)), nl=False)
    flagged = result.rules[result.rules["status"] != ""]
    if len(flagged):
        click.echo("\nRules to look at\n")
        click.echo(to_text(_fmt(flagged)), nl=False)
    if show in ("errors", "all"):
        for title, frame in (("False positives (rules coded, the person did not)",
                              result.false_positives),
                             ("Misses (the person coded, the rules did not)", result.misses)):
            click.echo(f"\n{title}: {len(frame)}\n")
            if len(frame):
                click.echo(to_text(frame), nl=False)
    if show == "all":
        click.echo("\nEvery rule\n")
        click.echo(to_text(_fmt(result.rules)), nl=False)
    for note in result.notes:
        click.echo(f"\nnote: {note}")
    if output is not None:
        # Empty cells for undefined scores (pandas 3 keeps NaN through astype(str)).
        write_xlsx({k: v.astype(object).where(v.notna(), "") for k, v in
                    result.tables().items()}, output)
        click.echo(f"\nwrote {output}")
