"""kwic on the normalised key, and candidate terms (worked out by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.analysis.explore import kwic, read_paths, suggest
from qualcode.cli import main

A = ("The annual report goes to the ministry. Feedback never comes back.\n\n"
     "The budget committee meets in spring.\n\n"
     "The budget committee decides on travel.\n")
B = ("Reports are late. Feedback is missing again.\n\n"
     "The budget committee approved the plan.\n")


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.txt").write_text(A, encoding="utf-8")
    (tmp_path / "sources" / "b.txt").write_text(B, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(
        "codebook: T\nlanguage: en\ncodes:\n  - id: REP\n    label: Reporting\n"
        "    rules: [{keywords: [report]}]\n", encoding="utf-8")
    (tmp_path / "qualcode.yaml").write_text(
        "codebook: codebook.yaml\nsources: [{path: sources, technique: D}]\n",
        encoding="utf-8")
    return tmp_path


def test_kwic_meets_inflections(project):
    sources = read_paths([project / "sources"])
    found = kwic("report", sources, "en", width=10)
    assert list(found["match"]) == ["report", "Reports"]
    assert list(found["line"]) == [1, 1]
    assert found.iloc[0]["left"] == "he annual" and found.iloc[0]["right"] == "goes to t"
    assert list(kwic("=reports", sources, "en")["match"]) == ["Reports"]
    assert list(kwic("budget committee", sources, "en")["line"]) == [3, 5, 3]
    assert list(kwic("comm*", sources, "en")["source"]) == ["a", "a", "b"]


def test_uncovered_terms(project):
    frame = suggest(project)
    top = frame.set_index("term")
    assert top.loc["budget committee", "segments"] == 3
    assert top.loc["budget", "occurrences"] == 3
    assert "report" not in top.index and "feedback" not in top.index  # coded segments


def test_terms_of_a_code(project):
    frame = suggest(project, "REP")
    # feedback: in both REP segments, in none of the 3 others → (2/2) / ((0+1)/(3+1)) = 4
    assert frame.iloc[0].to_dict() == {"term": "feedback", "key": "feedback", "in_code": 2,
                                       "elsewhere": 0, "lift": 4.0}
    assert "report" not in set(frame["key"])


def test_cli(project):
    runner = CliRunner()
    result = runner.invoke(main, ["kwic", "committee", str(project / "sources" / "b.txt")])
    assert result.exit_code == 0 and "committee" in result.output
    none = runner.invoke(main, ["kwic", "zebra", "-p", str(project)])
    assert none.exit_code == 0 and "does not occur" in none.output
    csv = runner.invoke(main, ["suggest", str(project), "--code", "REP", "--format", "csv"])
    assert csv.output.splitlines()[1] == "feedback,feedback,2,0,4.0"
    bad = runner.invoke(main, ["suggest", str(project), "--code", "NOPE"])
    assert bad.exit_code == 2 and "no code 'NOPE'" in bad.output
