"""``qualcode review``: bring a supervisor's review back into the project."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main


@main.group("review")
def review_group() -> None:
    """Import reviewers' decisions and see how far the review has gone.

    Reviewers write ok/✓, x/✗/reject/tolak, or another code id in the Review column of
    the coding sheet (report.docx or matrices.xlsx) and may comment on a row.
    """


@review_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-p", "--project", "project_dir", default=".",
              type=click.Path(file_okay=True, path_type=Path),
              help="The project folder (default: the current folder).")
@click.option("--reviewer", default="", help="Who reviewed (default: the comment's author "
                                             "or the file's last editor).")
def import_command(file: Path, project_dir: Path, reviewer: str) -> None:
    """Read the decisions in FILE (.docx or .xlsx) into the project's reviews.yaml.

    Decisions on segments that no longer exist, or that name a code the codebook does
    not have, are reported and not stored. Run `qualcode run` to apply the decisions.
    """
    from qualcode.review.sheets import import_reviews

    result = import_reviews(file, project_dir, reviewer=reviewer)
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"{result.rows} rows read: {result.added} new, {result.changed} changed, "
               f"{result.unchanged} unchanged decisions; {len(result.problems)} not imported")
    click.echo(f"decisions in {result.file}")


@review_group.command("status")
@click.argument("project_dir", default=".", type=click.Path(file_okay=True, path_type=Path))
def status_command(project_dir: Path) -> None:
    """Count accepted / rejected / recoded / pending codings per code."""
    from qualcode.review import review_status

    status = review_status(project_dir)
    width = max([len(r.code_id) for r in status.rows] + [4])
    click.echo(f"{'code':<{width}}  accepted  rejected  recoded  pending  total")
    for r in status.rows:
        click.echo(f"{r.code_id:<{width}}  {r.accepted:>8}  {r.rejected:>8}  {r.recoded:>7}"
                   f"  {r.pending:>7}  {r.total:>5}")
    totals = [sum(getattr(r, k) for r in status.rows)
              for k in ("accepted", "rejected", "recoded", "pending", "total")]
    click.echo(f"{'all':<{width}}  {totals[0]:>8}  {totals[1]:>8}  {totals[2]:>7}"
               f"  {totals[3]:>7}  {totals[4]:>5}")
    click.echo(f"{status.decisions} decisions in {status.file}; "
               f"{status.flagged} to check again (segment text changed)")
    for problem in status.problems:
        click.echo(f"{problem}", err=True)
