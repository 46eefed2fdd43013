"""The conclusions file: created once with empty conclusions, never overwritten, read
into every later run; and the charts drawn from a small corpus."""

from __future__ import annotations

from pathlib import Path

from qualcode.analysis.charts import make_charts
from qualcode.analysis.conclusions import (CONCLUSIONS_FILE, load_conclusions,
                                           read_conclusions)
from tests.test_analysis_tables import make_corpus


def test_created_once_then_read_and_never_overwritten(tmp_path: Path):
    corpus = make_corpus()
    first, path, created, problems = load_conclusions(tmp_path, corpus)
    assert created and not problems and dict(first.conclusions) == {}
    assert path == tmp_path / CONCLUSIONS_FILE
    text = path.read_text(encoding="utf-8")
    assert '# Alpha one\n"A1": ""\n' in text and '# Beta two\n"B2": ""\n' in text
    assert "# DA Dimension A" in text
    path.write_text(text.replace('"A1": ""', '"A1": |\n  Guidance is uniform.\n  Two lines.'),
                    encoding="utf-8")
    again, _, created, problems = load_conclusions(tmp_path, corpus)
    assert not created and not problems
    assert dict(again.conclusions) == {"A1": "Guidance is uniform.\nTwo lines."}
    assert "Two lines." in path.read_text(encoding="utf-8")  # the researcher's text stays


def test_unknown_ids_and_bad_yaml_are_warnings(tmp_path: Path):
    corpus = make_corpus()
    path = tmp_path / CONCLUSIONS_FILE
    path.write_text('A1: "kept"\nZZ: "orphan"\nB1:\n', encoding="utf-8")
    conclusions, problems = read_conclusions(path, corpus.codebook)
    assert conclusions == {"A1": "kept", "ZZ": "orphan"}
    assert [(p.severity, p.line) for p in problems] == [("warning", 2)]
    assert "unknown code id 'ZZ'" in str(problems[0])
    path.write_text("A1: [unclosed\n", encoding="utf-8")
    conclusions, problems = read_conclusions(path, corpus.codebook)
    assert conclusions == {} and problems[0].severity == "warning"
    path.write_text("- a list\n", encoding="utf-8")
    assert "expected a mapping" in str(read_conclusions(path, corpus.codebook)[1][0])
    assert read_conclusions(tmp_path / "missing.yaml") == ({}, [])


def test_charts(tmp_path: Path):
    charts = make_charts(make_corpus(), tmp_path)
    assert set(charts) == {"code_informant", "code_technique", "cooccurrence"}
    for name, path in charts.items():
        assert path == tmp_path / f"{name}.png"
        assert path.read_bytes()[:4] == b"\x89PNG"
    notes_only = [("S4", "O", "OBS-1", "", "", "", ["The briefing was general."])]
    charts = make_charts(make_corpus(notes_only, [("S4:t001", "A1", "")]), tmp_path / "n")
    assert "code_informant" not in charts  # no interview informants: no heatmap
