"""Rules that hold for every coded corpus, checked on generated ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.analysis import build_tables
from qualcode.analysis.evidence import evidence_index
from qualcode.analysis.triangulate import sort_views
from tests.test_analysis_tables import SOURCES, make_corpus

SEGMENTS = ["S1:t001", "S1:t002", "S2:t001", "S2:t002", "S3:t001", "S4:t001", "S5:t001"]
codings = st.lists(st.tuples(st.sampled_from(SEGMENTS), st.sampled_from(["A1", "A2", "B1"]),
                             st.sampled_from(["+", "-", "0", ""])),
                   max_size=20, unique_by=lambda t: (t[0], t[1]))


@settings(max_examples=40, deadline=None)
@given(codings)
def test_views_partition_the_informants_who_raised_an_indicator(drawn):
    corpus = make_corpus(SOURCES, drawn)
    index = evidence_index(corpus)
    for code in index.leaves:
        ev = index.by_code[code.id]
        views = sort_views(corpus, ev)
        groups = [set(views.same), set(views.different), set(views.specific)]
        assert set().union(*groups) == set(ev.informants)
        assert sum(len(g) for g in groups) == len(ev.informants)  # no one in two groups
        assert all(views.stance[w] in ("+", "-") for w in views.different)


@settings(max_examples=40, deadline=None)
@given(codings)
def test_counts_agree_across_tables(drawn):
    corpus = make_corpus(SOURCES, drawn)
    tables = build_tables(corpus)
    co = tables["cooccurrence"].set_index("Code")
    assert (co.values == co.values.T).all()
    for code in co.index:
        assert co.loc[code, code] == co.loc[code].max()  # a pair never beats the code
    summary = tables["code_summary"].set_index("Code ID")["Segments"]
    case_code = tables["case_code"]
    for code in summary.index:
        assert case_code[code].sum() == summary[code] == co.loc[code, code]
    negatives = {c.segment_id for ev in evidence_index(corpus).by_code.values()
                 for c in ev.negatives if c.code_id == ev.code.id}
    for segment_id in negatives:
        assert segment_id in tables["conclusion_table"]["Verification"].str.cat(sep=" ")
