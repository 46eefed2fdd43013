"""The rules against a person's coding, on the hand-written pilot (worked by hand)."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.analysis.evaluate import evaluate, evaluation_tables
from qualcode.cli import main

FIXTURE = Path(__file__).parent / "data" / "qdpx" / "other-tool"
CODEBOOK = """codebook: Pilot
language: en
codes:
  - id: GUIDANCE
    label: Guidance
    children:
      - id: SOCIALISATION
        label: Socialisation
        rules: [{keywords: [socialisation]}]
      - id: WORKSHOPS
        label: Workshops
        rules: [{keywords: [zebra]}]
  - id: SUPERVISION
    label: Supervision
    children:
      - id: REPORTING
        label: Reporting
        rules: [{keywords: [report]}]
      - id: GOV
        label: Governor
        rules: [{keywords: [governor]}]
"""


@pytest.fixture
def pilot(tmp_path) -> Path:
    """The pilot .qdpx imported, with a codebook that has rules."""
    archive_path = tmp_path / "pilot.qdpx"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for file in sorted(FIXTURE.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(FIXTURE).as_posix())
    folder = tmp_path / "pilot"
    result = CliRunner().invoke(main, ["import", "qdpx", str(archive_path), "-o", str(folder)])
    assert result.exit_code == 0, result.output
    book = next((folder / "codebooks").glob("*.yaml"))
    book.write_text(CODEBOOK, encoding="utf-8")
    return folder


def row(frame, code):
    return frame[frame["code_id"] == code].iloc[0]


def test_scores_against_bob(pilot):
    result = evaluate(pilot, pilot / "codings" / "Bob.csv")
    scores = result.per_code
    assert list(scores["code_id"]) == ["SOCIALISATION", "WORKSHOPS", "REPORTING", "GOV", "all"]
    soc, work, rep, gov, total = (row(scores, c) for c in
                                  ("SOCIALISATION", "WORKSHOPS", "REPORTING", "GOV", "all"))
    assert (soc.true_positives, soc.false_positives, soc.misses) == (1, 0, 0)
    assert soc.f1 == 1.0
    assert (rep.true_positives, rep.gold) == (2, 2)
    assert (work.gold, work.rules, work.misses, work.recall) == (1, 0, 1, 0.0)
    assert math.isnan(work.precision)
    assert (gov.false_positives, gov.precision) == (1, 0.0)
    # all pairs: rules 4, person 4, both 3
    assert (total.true_positives, total.false_positives, total.misses) == (3, 1, 1)
    assert total.precision == pytest.approx(0.75) and total.f1 == pytest.approx(0.75)
    fp = result.false_positives.iloc[0]
    assert (fp.segment_id, fp.code_id) == ("Regulation:p001", "GOV")
    assert "governor" in fp.matched_by and fp.text.startswith("Article 5.")
    miss = result.misses.iloc[0]
    assert (miss.segment_id, miss.code_id) == ("Interview_A:t002", "WORKSHOPS")
    assert "socialisation workshops" in miss.text
    rules = result.rules.set_index("code_id")
    assert rules.loc["WORKSHOPS", "status"] == "never fires"
    assert rules.loc["GOV", "status"] == "fires only where no person coded"
    assert rules.loc["REPORTING", "fired"] == 2 and rules.loc["REPORTING", "confirmed"] == 2


def test_gold_from_qdpx_coder_gives_the_same(pilot, tmp_path):
    from qualcode.exchange.project import import_qdpx  # noqa: F401

    archive = tmp_path / "pilot.qdpx"
    by_csv = evaluate(pilot, pilot / "codings" / "Alice.csv").per_code
    by_qdpx = evaluate(pilot, archive, coder="Alice").per_code
    assert by_csv.equals(by_qdpx)
    assert row(by_csv, "all").f1 < 1.0  # GOV fires where Alice coded nothing


def test_report_function_returns_tables(pilot):
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    corpus = build_corpus(load_project(pilot), Report())
    tables = evaluation_tables(corpus, pilot / "codings" / "Alice.csv")
    assert list(tables) == ["evaluation", "false_positives", "misses", "rule_check"]


def test_cli(pilot, tmp_path):
    runner = CliRunner()
    out = tmp_path / "eval.xlsx"
    result = runner.invoke(main, ["evaluate", str(pilot), "--gold", "codings/Bob.csv",
                                  "--show", "errors", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "never fires" in result.output and "Misses" in result.output
    assert out.is_file()
    missing = runner.invoke(main, ["evaluate", str(pilot), "--gold", "nope.csv"])
    assert missing.exit_code == 2 and "file not found" in missing.output


def test_gold_from_the_project_file(pilot):
    runner = CliRunner()
    none = runner.invoke(main, ["evaluate", str(pilot)])
    assert none.exit_code == 2 and "no gold coding" in none.output
    project_file = pilot / "qualcode.yaml"
    project_file.write_text(project_file.read_text("utf-8") + "gold: codings/Bob.csv\n",
                            encoding="utf-8")
    result = runner.invoke(main, ["evaluate", str(pilot)])
    assert result.exit_code == 0, result.output
    assert "never fires" in result.output
