"""The tables on the demo study: the conclusion table tells the demo's story, and the
run writes every table, the charts and the conclusions file."""

from __future__ import annotations

from openpyxl import load_workbook

from qualcode.analysis.conclusions import CONCLUSIONS_FILE


def by_indicator(frame):
    return {row["Indikator"].split()[0]: row for row in frame.to_dict("records")}


def test_demo_conclusion_table_tells_the_story(demo_run):
    rows = by_indicator(demo_run.tables["conclusion_table"])
    # strongly supported: carried by all three techniques and most informants
    for code in ("PEMB-SOS", "PENG-LAP", "PEMB-DIF", "PENG-STD", "PENG-TL"):
        assert rows[code]["Status triangulasi"] == "terkonfirmasi", code
        assert rows[code]["Teknik"] == "W, O, D", code
    assert rows["PEMB-SOS"]["Informan n/N"] == "7/7"
    assert rows["PENG-LAP"]["Informan n/N"] == "7/7"
    assert "umumnya negatif" in rows["PENG-STD"]["Kesimpulan sementara"]
    assert "umumnya negatif" in rows["PEMB-DIF"]["Kesimpulan sementara"]
    # the single-technique indicator is flagged
    kons = rows["PEMB-KONS"]
    assert (kons["Teknik"], kons["Status triangulasi"]) == ("W", "satu teknik")
    assert "satu teknik" in kons["Verifikasi"]
    assert "hanya satu teknik" in kons["Kesimpulan sementara"]
    # the negative case: INF-7 says reports were followed up
    tl = rows["PENG-TL"]
    assert "1 kasus negatif" in tl["Kesimpulan sementara"]
    assert "kasus negatif: W-INF-7:" in tl["Verifikasi"]
    assert "Berbeda: INF-7" in tl["Verifikasi"]
    # the weak indicator: two segments only
    assert "bukti tipis" in rows["PEMB-KAP"]["Verifikasi"]


def test_demo_triangulation(demo_run):
    technique = by_indicator(demo_run.tables["technique_triangulation"])
    assert technique["PEMB-KONS"]["Observasi"] == "—"
    assert technique["PEMB-KONS"]["Dokumentasi"] == "—"
    source = by_indicator(demo_run.tables["source_triangulation"])
    assert source["PENG-TL"]["Berbeda"] == "INF-7 (+)"


def test_demo_run_writes_tables_charts_and_conclusions(demo_run):
    out = demo_run.project.output_dir
    assert demo_run.tables.skipped.keys() == {"case_meta"}  # one case: Jawa Barat
    for name in demo_run.tables:
        assert (out / "tables" / f"{name}.csv").is_file()
    assert set(demo_run.charts) == {"code_informant", "code_technique", "cooccurrence"}
    for path in demo_run.charts.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "case_meta: needs sources from at least two cases" in (out / "run.log").read_text()
    text = (demo_run.project.root / CONCLUSIONS_FILE).read_text(encoding="utf-8")
    # the demo ships its researcher's conclusions: the run reads them, never rewrites them
    assert '"PENG-TL": |\n  Laporan kerja sama umumnya' in text
    book = load_workbook(out / "matrices.xlsx")
    sheet = book["Tabel kesimpulan"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet["A1"].value == "Dimensi"
