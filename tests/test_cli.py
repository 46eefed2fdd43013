"""The command line: help everywhere, clear messages and exit codes for user mistakes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from qualcode.cli import main

CODEBOOK = """\
codebook: Small test codebook
version: "1"
language: id
magnitude: {negative: [tidak, belum], positive: [sudah], window: 3}
codes:
  - id: PENG
    label: Pengawasan
    children:
      - id: PENG-LAP
        label: Pelaporan
        brief: Informant talks about reports.
        rules:
          - keywords: [laporan]
      - id: PENG-TL
        label: Tindak lanjut
        brief: Follow-up of supervision.
        rules:
          - keywords: [tindak lanjut]
"""

TRANSCRIPT = """\
Peneliti: Bagaimana laporan kerja sama dikirim?

Informan: Kami melaporkan setiap tahun. Tetapi belum ada tindak lanjut dari pusat.
Laporan dikirim lewat surat.

Peneliti: Apakah ada tindak lanjut?

Informan: Sudah ada tindak lanjut tahun lalu.
"""


def make_project(root: Path, unit: str = "turn") -> Path:
    """A one-interview project, small enough to check by hand."""
    (root / "t").mkdir(parents=True, exist_ok=True)
    (root / "qualcode.yaml").write_text(
        "title: Test\nlanguage: id\ncodebook: cb.yaml\nsources: [t]\n"
        f"informants: t/inf.csv\nunit: {unit}\n", encoding="utf-8")
    (root / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "t" / "a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (root / "t" / "inf.csv").write_text(
        "file,informant,role,agency,technique,date,case\n"
        "a.txt,INF-1,Staf,Biro,W,2024-03-14,Jabar\n", encoding="utf-8")
    return root


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_command_has_help_text():
    assert invoke("--help").exit_code == 0
    for path, command in _commands(main):
        result = invoke(*path, "--help")
        assert result.exit_code == 0, path
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"


def test_every_command_is_in_the_docs(repo_root):
    text = (repo_root / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, _ in _commands(main):
        assert f"qualcode {' '.join(path)}" in text, f"docs/cli.md lacks qualcode {' '.join(path)}"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "qualcode", "--version"],
                         capture_output=True, text=True, check=True)
    assert re.search(r"\d+\.\d+", out.stdout)


def test_run_codes_a_small_project(tmp_path):
    project = make_project(tmp_path)
    result = invoke("run", str(project))
    assert result.exit_code == 0, result.output
    assert (project / "out" / "report.docx").is_file()
    assert "1 sources, 4 segments" in result.output


def test_missing_project_file(tmp_path):
    result = invoke("run", str(tmp_path))
    assert result.exit_code == 1
    assert "qualcode.yaml" in result.output and "no project file" in result.output
    assert "Traceback" not in result.output


def test_missing_codebook(tmp_path):
    project = make_project(tmp_path)
    (project / "cb.yaml").unlink()
    result = invoke("run", str(project))
    assert result.exit_code == 1
    assert "codebook not found" in result.output and "cb.yaml" in result.output
    assert "qualcode.yaml:3" in result.output


def test_empty_transcripts_folder(tmp_path):
    project = make_project(tmp_path)
    for path in (project / "t").iterdir():
        path.unlink()
    (project / "qualcode.yaml").write_text(
        "codebook: cb.yaml\nsources: [t]\n", encoding="utf-8")
    result = invoke("run", str(project))
    assert result.exit_code == 1
    assert "no sources found at 't'" in result.output


def test_output_folder_not_made_by_qualcode(tmp_path):
    project = make_project(tmp_path)
    (project / "out").mkdir()
    (project / "out" / "thesis.docx").write_text("mine", encoding="utf-8")
    result = invoke("run", str(project))
    assert result.exit_code == 1
    assert "--force" in result.output
    assert (project / "out" / "thesis.docx").read_text(encoding="utf-8") == "mine"
    assert invoke("run", str(project), "--force").exit_code == 0
    assert (project / "out" / "thesis.docx").read_text(encoding="utf-8") == "mine"


def test_bad_project_key_is_located(tmp_path):
    project = make_project(tmp_path)
    text = (project / "qualcode.yaml").read_text(encoding="utf-8")
    (project / "qualcode.yaml").write_text(text + "ouptut: results\n", encoding="utf-8")
    result = invoke("run", str(project))
    assert result.exit_code == 1
    assert "qualcode.yaml:7" in result.output and "did you mean 'output'" in result.output


def test_wrong_usage_exits_2():
    result = invoke("run", "--no-such-option")
    assert result.exit_code == 2


def test_one_bad_source_is_skipped_and_reported(tmp_path):
    project = make_project(tmp_path)
    (project / "t" / "broken.txt").write_bytes(b"")
    result = invoke("run", str(project))
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "broken.txt" in result.output
    log = (project / "out" / "run.log").read_text(encoding="utf-8")
    assert "broken.txt" in log
