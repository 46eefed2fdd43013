"""Agreement: NVivo's character kappa worked by hand, pooling, alpha, inputs, CLI."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from qualcode.analysis.agreement import char_agreement, compare, merge
from qualcode.cli import main
from qualcode.errors import ExchangeError
from qualcode.exchange.codings import CodingSet, SpanCoding, Units, read_coded_csv

FIXTURE = Path(__file__).parent / "data" / "qdpx" / "other-tool"


def test_nvivo_documented_example():
    # 1,000 characters: 50 coded by both, 150 by one coder only, 800 by neither.
    result = char_agreement(1000, [(0, 200)], [(150, 200)])
    assert (result.a, result.b, result.both, result.ta) == (200, 50, 50, 850)
    assert result.agreement == pytest.approx(85.0)
    # EF = (200·50 + 800·950) / 1000 = 770; kappa = (850 − 770) / (1000 − 770) = 80/230
    assert result.expected == pytest.approx(770.0)
    assert result.kappa == pytest.approx(80 / 230)


def test_overlapping_halves_by_hand():
    # TU 10, A = 0–5, B = 3–8: both 2, one only 6, TA 4, EF (25 + 25)/10 = 5
    result = char_agreement(10, [(0, 5)], [(3, 8)])
    assert (result.a, result.b, result.both, result.ta) == (5, 5, 2, 4)
    assert result.agreement == pytest.approx(40.0)
    assert result.kappa == pytest.approx(-0.2)


def test_degenerate_cases():
    nobody = char_agreement(10, [], [])
    assert nobody.agreement == 100.0 and nobody.kappa == 1.0
    everything = char_agreement(10, [(0, 10)], [(0, 10)])
    assert everything.kappa == 1.0
    one_all = char_agreement(10, [(0, 10)], [])
    assert one_all.agreement == 0.0 and one_all.kappa == 0.0  # EF = 0: kappa = 0/10
    assert math.isnan(char_agreement(0, [], []).agreement)


def test_spans_overlapping_within_a_coder_count_once():
    assert merge([(5, 9), (0, 3), (2, 6), (20, 30)], limit=25) == [(0, 9), (20, 25)]
    assert char_agreement(10, [(0, 4), (2, 6)], [(0, 6)]).kappa == 1.0


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted).map(tuple),
                 max_size=5)


@given(spans, spans, st.integers(1, 60))
def test_kappa_properties(a, b, tu):
    ab, ba = char_agreement(tu, a, b), char_agreement(tu, b, a)
    assert 0.0 <= ab.agreement <= 100.0
    assert ab.agreement == ba.agreement
    assert (math.isnan(ab.kappa) and math.isnan(ba.kappa)) or ab.kappa == pytest.approx(ba.kappa)
    assert math.isnan(ab.kappa) or -1.0 - 1e-9 <= ab.kappa <= 1.0 + 1e-9
    assert char_agreement(tu, a, a).kappa == 1.0


def coding_set(name, rows):
    return CodingSet(name, tuple(SpanCoding(s, a, b, c) for s, a, b, c in rows))


def test_pooling_across_sources_by_hand():
    texts = {"S1": "x" * 1000, "S2": "y" * 10}
    a = coding_set("A", [("S1", 0, 200, "K"), ("S2", 0, 5, "K")])
    b = coding_set("B", [("S1", 150, 200, "K"), ("S2", 3, 8, "K")])
    result = compare(a, b, Units(texts))
    row = result.by_code.iloc[0]
    # S1: TA 850 of 1000, kappa 80/230; S2: TA 4 of 10, kappa −0.2
    assert row["agreement_weighted"] == pytest.approx(100 * 854 / 1010)
    assert row["agreement_unweighted"] == pytest.approx((85.0 + 40.0) / 2)
    assert row["kappa_weighted"] == pytest.approx((1000 * 80 / 230 + 10 * -0.2) / 1010)
    assert row["kappa_unweighted"] == pytest.approx((80 / 230 - 0.2) / 2)
    assert list(result.by_source["TU"]) == [1000, 10]


def test_alpha_over_segments_matches_krippendorff():
    texts = {"S": "a" * 100}
    segments = {"S": tuple((i * 10, i * 10 + 10, f"S:p{i}") for i in range(10))}
    a = coding_set("A", [("S", 0, 10, "K"), ("S", 20, 25, "K"), ("S", 50, 60, "K")])
    b = coding_set("B", [("S", 0, 10, "K"), ("S", 55, 70, "K")])
    result = compare(a, b, Units(texts, segments))
    expected = krippendorff.alpha(reliability_data=np.array(
        [[1, 0, 1, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1, 1, 0, 0, 0]], dtype=float),
        level_of_measurement="nominal")
    assert result.by_code.iloc[0]["alpha"] == pytest.approx(expected)
    assert result.overall.iloc[0]["alpha"] == pytest.approx(expected)


def test_low_kappa_is_explained():
    texts = {"S": "z" * 1000}
    a = coding_set("A", [("S", 0, 200, "K")])
    b = coding_set("B", [("S", 150, 200, "K")])
    result = compare(a, b, Units(texts))
    assert any("coded by neither" in n for n in result.notes)


def test_unknown_source_needs_a_project():
    a = coding_set("A", [("S", 0, 2, "K")])
    with pytest.raises(ExchangeError, match="no text for source"):
        compare(a, a, Units({}))


def test_reads_the_coding_sheet_of_run(tmp_path):
    sheet = tmp_path / "coded_segments.csv"
    sheet.write_text(
        "\ufeffID,Teknik,Kutipan,Letak,Kode,Pengode,Tinjauan\n"
        "W-INF-1:t004,W,x,baris 7–7 [779:1256],PEMB-SOS Sosialisasi,rules,\n"
        "W-INF-1:t006,W,x,baris 11–11 [1450:1847],PEMB-DIF Diferensiasi,rules,reject\n",
        encoding="utf-8")
    codings = read_coded_csv(sheet).codings
    assert codings == (SpanCoding("W-INF-1", 779, 1256, "PEMB-SOS", "rules", "W-INF-1:t004"),)


def test_reads_the_engine_layout(tmp_path):
    path = tmp_path / "coded.csv"
    path.write_text("segment_id,source,start,end,code_id\nS:p1,S,3,9,K\n", encoding="utf-8")
    assert read_coded_csv(path).codings == (SpanCoding("S", 3, 9, "K", "", "S:p1"),)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,quote\nS,x\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match="no code column"):
        read_coded_csv(bad)


@pytest.fixture
def pilot(tmp_path) -> Path:
    path = tmp_path / "pilot.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(FIXTURE.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(FIXTURE).as_posix())
    return path


def test_cli_on_one_qdpx_with_two_coders(pilot, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["agree", str(pilot), "--coders", "Alice", "Bob"])
    assert result.exit_code == 0, result.output
    assert "Alice vs Bob: 3 codes, 2 sources" in result.output
    assert "note:" in result.output and "REPORTING" in result.output
    csv_out = runner.invoke(main, ["agree", str(pilot), "--coders", "Alice", "Bob",
                                   "--by", "source", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("source,TU,")
    xlsx = tmp_path / "agree.xlsx"
    made = runner.invoke(main, ["agree", str(pilot), "--coders", "Alice", "Bob",
                                "--format", "xlsx", "-o", str(xlsx)])
    assert made.exit_code == 0 and xlsx.is_file()
    wrong = runner.invoke(main, ["agree", str(pilot), "--coders", "Alice", "Zed"])
    assert wrong.exit_code == 2 and "no coder 'Zed'" in wrong.output
    alone = runner.invoke(main, ["agree", str(pilot)])
    assert alone.exit_code == 2 and "two codings" in alone.output


def test_cli_on_imported_csvs_with_the_project(pilot, tmp_path):
    runner = CliRunner()
    folder = tmp_path / "pilot"
    assert runner.invoke(main, ["import", "qdpx", str(pilot), "-o", str(folder)]).exit_code == 0
    from_csv = runner.invoke(main, ["agree", str(folder / "codings" / "Alice.csv"),
                                    str(folder / "codings" / "Bob.csv"), "-p", str(folder),
                                    "--format", "csv"])
    from_qdpx = runner.invoke(main, ["agree", str(pilot), "--coders", "Alice", "Bob",
                                     "--format", "csv"])
    assert from_csv.exit_code == 0, from_csv.output
    # The same characters either way; alpha differs (segments versus coded spans).
    drop_alpha = [line.rsplit(",", 1)[0] for line in from_csv.output.splitlines()]
    assert drop_alpha == [line.rsplit(",", 1)[0] for line in from_qdpx.output.splitlines()]
