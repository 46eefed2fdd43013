"""``qualcode matrix`` in-process, and the table writers it uses."""

from __future__ import annotations

import io

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from qualcode.analysis import TABLES
from qualcode.cli import main
from qualcode.export.tables import to_markdown, to_text


def test_list_tables():
    result = CliRunner().invoke(main, ["matrix"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == list(TABLES)
    assert "conclusion_table         conclusion     Conclusion table" in result.output


def test_usage_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["matrix", "nope", "-p", str(tmp_path)])
    assert result.exit_code == 2 and "unknown table 'nope'" in result.output
    result = runner.invoke(main, ["matrix", "checklist", "--format", "xlsx"])
    assert result.exit_code == 2 and "xlsx needs an output file" in result.output
    existing = tmp_path / "t.csv"
    existing.write_text("mine")
    result = runner.invoke(main, ["matrix", "checklist", "-o", str(existing)])
    assert result.exit_code == 1 and "the file exists" in result.output
    assert existing.read_text() == "mine"


def test_matrix_reads_final_conclusions_and_writes_files(demo_copy):
    (demo_copy / "conclusions.yaml").write_text(
        'PENG-TL: "Laporan tidak ditindaklanjuti."\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["matrix", "conclusion_table", "-p", str(demo_copy),
                                  "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output), keep_default_na=False)
    final = dict(zip(frame["Indikator"].str.split().str[0], frame["Kesimpulan akhir"]))
    assert final["PENG-TL"] == "Laporan tidak ditindaklanjuti."
    assert final["PEMB-SOS"] == ""
    out = demo_copy / "checklist.xlsx"
    result = runner.invoke(main, ["matrix", "checklist", "-p", str(demo_copy),
                                  "--dimension", "PENG", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert [sheet.cell(row=r, column=2).value for r in range(2, 6)] == [
        "PENG-LAP Pelaporan", "PENG-MONEV Monitoring dan evaluasi",
        "PENG-STD Standar dan instrumen ukuran", "PENG-TL Tindak lanjut hasil pengawasan"]
    result = runner.invoke(main, ["matrix", "checklist", "-p", str(demo_copy),
                                  "--dimension", "XX"])
    assert result.exit_code == 2 and "unknown dimension 'XX'" in result.output
    assert "PEMB, PENG" in result.output


def test_markdown_and_text_rendering():
    frame = pd.DataFrame({"A|B": ["x|y", "two\nlines"], "N": [1, None]})
    assert to_markdown(frame) == ("| A\\|B | N |\n|---|---|\n| x\\|y | 1.0 |\n"
                                  "| two lines |  |\n")
    text = to_text(pd.DataFrame({"Q": ["a" * 100]}), max_width=10)
    assert "aaaaaaaaa…" in text and "a" * 11 not in text
