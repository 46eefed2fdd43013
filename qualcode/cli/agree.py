"""``qualcode agree``: agreement between two coders (percent, Cohen's kappa, alpha)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import main

FORMATS = ("table", "csv", "xlsx")


def _rounded(frame):
    out = frame.copy()
    for column in out.columns:
        if column.startswith("agreement") or column == "coded_share":
            out[column] = out[column].map(lambda v: round(float(v), 1 if column != "coded_share"
                                                         else 3))
        elif column.startswith("kappa") or column == "alpha":
            out[column] = out[column].map(lambda v: round(float(v), 3))
    # Undefined figures are empty cells (pandas 3 keeps NaN through astype(str)).
    return out.astype(object).where(out.notna(), "")


@main.command("agree")
@click.argument("coding_a")
@click.argument("coding_b", required=False)
@click.option("--coders", nargs=2, metavar="A B",
              help="The two users to compare inside a .qdpx (one .qdpx), or the user to "
                   "take from each .qdpx (two files).")
@click.option("-p", "--project", "project_dir", type=click.Path(path_type=Path),
              help="The project whose sources were coded (needed for coded CSVs; default: "
                   "the current folder when it has qualcode.yaml).")
@click.option("--by", type=click.Choice(["code", "source"]), default="code",
              show_default=True, help="Pool per code (across sources) or per source.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Output format (xlsx writes every table; needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def agree_command(coding_a: str, coding_b: str | None, coders: tuple[str, str] | None,
                  project_dir: Path | None, by: str, fmt: str, output: Path | None,
                  force: bool) -> None:
    """Agreement between two codings of the same sources: percent agreement and Cohen's
    kappa per code and source over characters (as NVivo computes them), pooled across
    sources (length-weighted and unweighted), and Krippendorff's alpha over segments.

    CODING_A and CODING_B are coded CSVs (out/coded_segments.csv, or columns
    source,start,end,code_id), .qdpx files or project folders; or give one .qdpx and
    --coders A B.

    Example: qualcode agree pilot.qdpx --coders Alice Bob
    """
    from qualcode.analysis.agreement import agree
    from qualcode.errors import UsageError
    from qualcode.export.files import refuse_existing
    from qualcode.export.tables import to_text, write_csv, write_xlsx

    if project_dir is None and Path("qualcode.yaml").is_file() and any(
            str(c).lower().endswith(".csv") for c in (coding_a, coding_b) if c):
        project_dir = Path(".")
    if fmt == "xlsx" and output is None:
        raise UsageError("xlsx needs an output file", path="--format", hint="add -o FILE.xlsx")
    if output is not None:
        refuse_existing(output, force)
    result = agree(coding_a, coding_b, coders=tuple(coders or ()),
                   project=str(project_dir) if project_dir else None)
    table = _rounded(result.by_code if by == "code" else result.by_source)
    if fmt == "xlsx" and output is not None:
        write_xlsx({k: _rounded(v) for k, v in result.tables().items()}, output)
    elif fmt == "csv" and output is not None:
        write_csv(table, output)
    elif fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    else:
        overall = result.overall.iloc[0]
        click.echo(f"{result.coders[0]} vs {result.coders[1]}: {overall['codes']} codes, "
                   f"{overall['sources']} sources, {overall['TU']} characters")
        click.echo(f"agreement {overall['agreement_weighted']:.1f}% (length-weighted), "
                   f"kappa {overall['kappa_weighted']:.3f} (weighted), "
                   f"{overall['kappa_unweighted']:.3f} (unweighted), "
                   f"alpha {overall['alpha']:.3f}\n")
        click.echo(to_text(table), nl=False)
        for note in result.notes:
            click.echo(f"\nnote: {note}")
    if output is not None:
        click.echo(f"wrote {output}")
