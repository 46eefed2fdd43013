"""Every table on a small hand-made coded corpus, each cell checked against values
worked out by hand (see the comments next to each expectation)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qualcode.analysis import TABLES, Tables, build_tables, make_table
from qualcode.analysis.evidence import TableNotApplicable, evidence_index, polar_direction
from qualcode.analysis.triangulate import sort_views
from qualcode.errors import UsageError
from qualcode.model import Code, Codebook, CodedCorpus, Coding, Segment, Source, Turn

# source id, technique, informant, role, date, case, segment texts
SOURCES = [
    ("S1", "W", "INF-1", "Official", "2024-01-10", "X",
     ["Guidance is general for everyone.", "No standard measure exists."]),
    ("S2", "W", "INF-2", "Staff", "2024-02-15", "X",
     ["Guidance is general.", "Reports get follow-up."]),
    ("S3", "W", "INF-3", "Official", "2024-02-20", "Y", ["Guidance is tailored."]),
    ("S4", "O", "OBS-1", "", "2024-03-01", "Y", ["The briefing was general."]),
    ("S5", "D", "DOK-1", "", "", "Y", ["The regulation sets guidance."]),
]
# (segment, code, magnitude)
CODINGS = [
    ("S1:t001", "A1", "-"), ("S1:t001", "A2", ""), ("S1:t002", "A2", "-"),
    ("S2:t001", "A1", "-"), ("S2:t002", "A2", "+"), ("S2:t002", "B1", ""),
    ("S3:t001", "A1", "+"), ("S4:t001", "A1", "-"), ("S5:t001", "A1", "0"),
]
CODES = (
    Code("DA", "Dimension A"), Code("A1", "Alpha one", parent="DA", depth=1,
                                    brief="first"),
    Code("A2", "Alpha two", parent="DA", depth=1),
    Code("DB", "Dimension B"), Code("B1", "Beta one", parent="DB", depth=1,
                                    contradicts="A1"),
    Code("B2", "Beta two", parent="DB", depth=1),
)


def make_corpus(sources=SOURCES, codings=CODINGS, language="en") -> CodedCorpus:
    made_sources, segments = [], []
    for sid, tech, who, role, date, case, texts in sources:
        text = "\n".join(texts)
        pos, turns = 0, []
        for i, piece in enumerate(texts, start=1):
            turns.append(Turn(pos, pos + len(piece)))
            segments.append(Segment(f"{sid}:t{i:03d}", sid, "turn", pos, pos + len(piece),
                                    i, i, piece, index=i - 1))
            pos += len(piece) + 1
        made_sources.append(Source(sid, f"{sid}.txt", text, tuple(turns), technique=tech,
                                   informant=who, role=role, date=date, case=case))
    seg_ids = {s.id for s in segments}
    coded = tuple(Coding(seg, code, "rules[0]:keywords", magnitude=m)
                  for seg, code, m in codings if seg in seg_ids)
    return CodedCorpus(codebook=Codebook("test", CODES), sources=tuple(made_sources),
                       segments=tuple(segments), codings=coded, all_codings=coded,
                       language=language)


@pytest.fixture(scope="module")
def corpus() -> CodedCorpus:
    return make_corpus()


@pytest.fixture(scope="module")
def tables(corpus) -> Tables:
    return build_tables(corpus)


def rows(frame, key):
    return {row[key]: row for row in frame.to_dict("records")}


def test_every_table_is_built_and_registered(tables):
    assert list(tables) == list(TABLES)  # two cases, three informants, dates: all build
    assert tables.skipped == {}
    for name, spec in TABLES.items():
        assert spec.stage in ("reduction", "display", "triangulation", "conclusion")
        assert TABLES[name][0] == spec.stage  # callers index the spec like a tuple


def test_polar_direction_needs_a_majority_of_all_codings():
    def c(*signs):
        return [Coding("s", "x", "r", magnitude=m) for m in signs]
    assert polar_direction(c("-", "-", "+", "-", "0")) == ("-", 1, 3)   # 3 of 5
    assert polar_direction(c("", "-", "+")) == ("mixed", 1, 1)          # 2 of 3 signed
    assert polar_direction(c("+", "+", "0", "0", "0", "0")) == ("", 2, 0)  # mostly neutral
    assert polar_direction([]) == ("", 0, 0)


def test_evidence_and_negative_cases(corpus):
    index = evidence_index(corpus)
    a1 = index.by_code["A1"]
    assert (a1.n, a1.informants, a1.techniques) == (5, ("INF-1", "INF-2", "INF-3"),
                                                    ("W", "O", "D"))
    assert a1.direction == "-"
    # the one "+" against a mostly "-" code, then B1 which declares contradicts: A1
    assert [(c.segment_id, c.code_id) for c in a1.negatives] == [("S3:t001", "A1"),
                                                                 ("S2:t002", "B1")]
    assert index.by_code["A2"].direction == "mixed" and not index.by_code["A2"].negatives
    assert index.by_code["B2"].n == 0


def test_coding_sheet(tables):
    sheet = tables["coding_sheet"]
    assert len(sheet) == 9
    assert {"Review", "ID", "Code ID"} <= set(sheet.columns)
    first = sheet.iloc[0]
    assert (first["ID"], first["Code ID"], first["Code"]) == ("S1:t001", "A1", "A1 Alpha one")
    assert (first["Category"], first["Theme"], first["Magnitude"]) == ("Alpha one",
                                                                       "Dimension A", "-")
    assert first["Quote"] == "Guidance is general for everyone. (W/INF-1/10-01-2024, lines 1)"


def test_code_summary_keeps_codes_without_evidence(tables):
    summary = rows(tables["code_summary"], "Code ID")
    assert list(summary) == ["A1", "A2", "B1", "B2"]
    assert (summary["A1"]["Segments"], summary["A1"]["Informants n/N"],
            summary["A1"]["Techniques"]) == (5, "3/3", "W, O, D")
    assert summary["A1"]["Condensed statement"] == (
        "5 segments from 3 of 3 informants; interview, observation, documentation; "
        "mostly negative (−) (+1/−3)")
    # strongest quotes: no hits anywhere, so source order, one per informant
    assert summary["A1"]["Strongest quotes"].splitlines() == [
        "Guidance is general for everyone. (W/INF-1/10-01-2024, lines 1)",
        "Guidance is general. (W/INF-2/15-02-2024, lines 1)"]
    assert (summary["B2"]["Segments"], summary["B2"]["Informants n/N"],
            summary["B2"]["Techniques"], summary["B2"]["Strongest quotes"]) == (
        0, "0/3", "—", "no evidence")


def test_clustered_and_role_ordered(tables, corpus):
    clustered = tables["clustered"]
    assert list(clustered["Informant"]) == ["INF-1", "INF-2", "INF-3"]
    assert clustered.iloc[0]["A1 Alpha one"] == (
        "(−) Guidance is general for everyone. (W/INF-1/10-01-2024, lines 1)")
    assert clustered.iloc[2]["A2 Alpha two"] == "—"
    only_b = make_table(corpus, "clustered", dimension="DB")
    assert list(only_b.columns) == ["Informant", "Role", "B1 Beta one", "B2 Beta two"]
    role = tables["role_ordered"]
    # roles in order of first appearance (Official, Staff); informants in source order
    assert list(zip(role["Role"], role["Informant"])) == [
        ("Official", "INF-1"), ("Official", "INF-3"), ("Staff", "INF-2")]
    with pytest.raises(UsageError, match="unknown dimension"):
        make_table(corpus, "clustered", dimension="NOPE")


def test_checklist(tables):
    check = rows(tables["checklist"], "Indicator")
    a1, a2, b2 = check["A1 Alpha one"], check["A2 Alpha two"], check["B2 Beta two"]
    assert [a1[k] for k in ("INF-1", "INF-2", "INF-3", "Observation", "Documentation")] == [
        "✓", "✓", "✓", "✓", "✓"]
    assert [a2[k] for k in ("INF-1", "INF-2", "INF-3", "Observation")] == ["✓✓", "✓", "—",
                                                                          "—"]
    assert b2["Best supporting quote"] == "no evidence"


def test_case_code_and_cooccurrence(corpus, tables):
    counts = rows(tables["case_code"], "ID")
    assert [counts["S1"][c] for c in ("A1", "A2", "B1", "B2")] == [1, 2, 0, 0]
    assert [counts["S2"][c] for c in ("A1", "A2", "B1", "B2")] == [1, 1, 1, 0]
    presence = rows(make_table(corpus, "case_code", value="presence"), "ID")
    assert presence["S1"]["A2"] == 1
    quotes = rows(make_table(corpus, "case_code", value="quotes"), "ID")
    assert quotes["S3"]["A1"].startswith("(+) Guidance is tailored.")
    seg = rows(tables["cooccurrence"], "Code")
    assert [seg["A1"][c] for c in ("A1", "A2", "B1", "B2")] == [5, 1, 0, 0]
    assert [seg["A2"][c] for c in ("A1", "A2", "B1", "B2")] == [1, 3, 1, 0]
    src = rows(tables["cooccurrence_sources"], "Code")
    assert [src["A1"][c] for c in ("A1", "A2", "B1")] == [5, 2, 1]


def test_time_ordered_and_case_meta(tables):
    time = rows(tables["time_ordered"], "Indicator")
    assert list(tables["time_ordered"].columns)[2:] == ["2024-01", "2024-02", "2024-03"]
    a1 = time["A1 Alpha one"]
    assert a1["2024-01"].startswith("1 (W): (−) Guidance is general for everyone.")
    assert a1["2024-02"].startswith("2 (W): ")
    assert a1["2024-03"].startswith("1 (O): (−) The briefing was general.")
    assert time["B2 Beta two"]["2024-02"] == "—"
    meta = tables["case_meta"]
    assert list(meta["Case"]) == ["X", "Y"]  # 6 codings in X, 3 in Y
    x = meta.iloc[0]
    assert (x["Coded segments (order)"], x["Sources"]) == (6, 2)
    assert x["Dimension A"] == "2/2; 5 segments; +1/−3"
    assert meta.iloc[1]["Dimension B"] == "0/2; 0 segments; +0/−0"


def test_technique_triangulation(tables):
    tri = rows(tables["technique_triangulation"], "Indicator")
    a1 = tri["A1 Alpha one"]
    assert (a1["Interview"], a1["Observation"], a1["Documentation"]) == ("✓ 3 (−)",
                                                                        "✓ 1 (−)", "✓ 1")
    assert (a1["Consistent?"], a1["Note"]) == ("yes", "corroborated: W, O, D")
    assert tri["A2 Alpha two"]["Note"] == "only interview; single technique"
    assert tri["B2 Beta two"]["Note"] == "no evidence"


def test_source_triangulation(corpus, tables):
    views = sort_views(corpus, evidence_index(corpus).by_code["A1"])
    assert views.stance == {"INF-1": "-", "INF-2": "-", "INF-3": "+"}
    assert views.different == ("INF-3",)                 # against the "−" majority
    assert views.specific == {"INF-1": ("A2",)}          # only INF-1 pairs A1 with A2
    assert views.same == ("INF-2",)
    tri = rows(tables["source_triangulation"], "Indicator")
    a1 = tri["A1 Alpha one"]
    assert [a1[w] for w in ("INF-1", "INF-2", "INF-3")] == ["− 1", "− 1", "+ 1"]
    assert (a1["Same"], a1["Different"], a1["Specific"]) == ("INF-2 (−)", "INF-3 (+)",
                                                             "INF-1 (A2)")
    b1 = tri["B1 Beta one"]                              # raised by INF-2 alone
    assert (b1["Same"], b1["Different"], b1["Specific"]) == ("—", "—", "INF-2")
    assert tri["B2 Beta two"]["INF-1"] == "—"


def test_conclusion_table(corpus, tables):
    con = rows(tables["conclusion_table"], "Indicator")
    a1 = con["A1 Alpha one"]
    assert a1["Evidence (segment IDs)"] == "S1:t001, S2:t001, S3:t001, S4:t001, S5:t001"
    assert (a1["Informants n/N"], a1["Techniques"], a1["Triangulation status"]) == (
        "3/3", "W, O, D", "corroborated")
    assert a1["Provisional conclusion"] == (
        "Stated by 3 of 3 informants; supported by interview, observation and "
        "documentation (corroborated across techniques); mostly negative (−) (+1/−3); "
        "2 negative cases.")
    assert a1["Verification"] == ("negative case(s): S3:t001 (+), S2:t002 (contradicting "
                                  "code B1); Different: INF-3")
    b1 = con["B1 Beta one"]
    assert b1["Triangulation status"] == "single technique"
    assert b1["Verification"] == "single technique; thin evidence (1 segment)"
    b2 = con["B2 Beta two"]
    assert (b2["Evidence (segment IDs)"], b2["Informants n/N"], b2["Triangulation status"],
            b2["Provisional conclusion"]) == ("—", "0/3", "no evidence",
                                              "No evidence in the coded data.")
    kept = replace(corpus, conclusions={"A1": "Guidance is uniform."})
    final = rows(make_table(kept, "conclusion_table"), "Indicator")
    assert final["A1 Alpha one"]["Final conclusion"] == "Guidance is uniform."


def test_indonesian_labels():
    con = build_tables(make_corpus(language="id"))["conclusion_table"]
    assert list(con.columns) == ["Dimensi", "Indikator", "Temuan", "Bukti (ID segmen)",
                                 "Informan n/N", "Teknik", "Status triangulasi",
                                 "Kesimpulan sementara", "Verifikasi", "Kesimpulan akhir"]
    assert con.iloc[0]["Kesimpulan sementara"].startswith(
        "Dinyatakan oleh 3 dari 3 informan; didukung wawancara, observasi dan dokumentasi")


def test_one_informant_no_dates_one_case_skips_with_reasons():
    lone = [("S1", "W", "INF-1", "Official", "", "", ["Guidance is general."])]
    tables = build_tables(make_corpus(lone, [("S1:t001", "A1", "-")]))
    assert set(tables.skipped) == {"role_ordered", "source_triangulation", "time_ordered",
                                   "case_meta"}
    assert "at least 2 informants, the project has 1" in tables.skipped["role_ordered"]
    assert "no source has a date" in tables.skipped["time_ordered"]
    assert "clustered" in tables and "conclusion_table" in tables
    with pytest.raises(TableNotApplicable):
        make_table(make_corpus(lone, []), "time_ordered")


def test_unknown_table_is_a_usage_error(corpus):
    with pytest.raises(UsageError, match="unknown table"):
        make_table(corpus, "nope")
