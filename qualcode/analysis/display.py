"""Data display: the Miles & Huberman matrices built from the coded corpus.

Every function takes the corpus (and, where it makes sense, one dimension) and returns a
DataFrame whose column names are in the report language. A matrix that needs more than
the project has (two informants, dates, two cases) raises ``TableNotApplicable`` with
the reason, and ``build_tables`` lists it as skipped.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from qualcode.analysis.evidence import (TableNotApplicable, evidence_index,
                                        interview_informants, leaf_codes)
from qualcode.analysis.labels import label
from qualcode.analysis.quotes import cited_quote
from qualcode.analysis.reduce import strongest
from qualcode.errors import UsageError
from qualcode.model import Code, CodedCorpus, Coding, Source

__all__ = ["case_code_matrix", "case_meta_matrix", "checklist_matrix", "clustered_matrix",
           "cooccurrence_matrix", "leaf_codes", "rating", "role_ordered_matrix",
           "time_ordered_matrix"]

CELL_CHARS = 160
SHORT_CELL_CHARS = 120
ABSENT = "—"
MAX_PERIODS = 12


def _codes(corpus: CodedCorpus, dimension: str | None) -> list[Code]:
    """The leaf codes of ``dimension`` (all when None); an unknown dimension is a usage error."""
    if dimension is not None:
        tops = [c.id for c in corpus.codebook.codes if c.parent is None]
        if dimension not in tops:
            raise UsageError(f"unknown dimension '{dimension}'", path="--dimension",
                             hint="use one of: " + ", ".join(tops))
    return leaf_codes(corpus, dimension)


def _column(code: Code) -> str:
    return f"{code.id} {code.label}"


def _by_voice(corpus: CodedCorpus, codings: tuple[Coding, ...]) -> dict[str, list[Coding]]:
    """Codings grouped by interview informant (notes and documents are left out)."""
    out: dict[str, list[Coding]] = defaultdict(list)
    for coding in codings:
        source = corpus.source_of(coding.segment_id)
        if source.technique == "W" and source.informant:
            out[source.informant].append(coding)
    return out


def _roles(corpus: CodedCorpus) -> dict[str, str]:
    """Each interview informant's role (from their first source)."""
    roles: dict[str, str] = {}
    for source in corpus.sources:
        if source.technique == "W" and source.informant:
            roles.setdefault(source.informant, source.role)
    return roles


def _need_informants(corpus: CodedCorpus, n: int, table: str) -> tuple[str, ...]:
    people = interview_informants(corpus)
    if len(people) < n:
        raise TableNotApplicable(
            f"{table}: needs interviews with at least {n} informants, the project has "
            f"{len(people)}", hint="add interview sources with their informant in "
                                   "informants.csv")
    return people


def _quote_cell(corpus: CodedCorpus, codings: list[Coding], chars: int) -> str:
    best = strongest(corpus, codings, 1)
    if not best:
        return ABSENT
    sign = best[0].magnitude
    prefix = f"({'−' if sign == '-' else sign}) " if sign in ("+", "-") else ""
    return prefix + cited_quote(corpus, best[0], chars)


def clustered_matrix(corpus: CodedCorpus, dimension: str | None = None) -> pd.DataFrame:
    """Conceptually clustered matrix: informants × the codes of one dimension (all codes,
    clustered by dimension, when none is given); a cell is that informant's strongest
    condensed quote for the code, ``—`` when the informant never raised it."""
    lang = corpus.language
    codes = _codes(corpus, dimension)
    people = _need_informants(corpus, 1, "clustered")
    index, roles = evidence_index(corpus), _roles(corpus)
    voices = {c.id: _by_voice(corpus, index.by_code[c.id].codings) for c in codes}
    rows = []
    for who in people:
        row = {label("informant", lang): who, label("role", lang): roles[who]}
        for code in codes:
            row[_column(code)] = _quote_cell(corpus, voices[code.id].get(who, []), CELL_CHARS)
        rows.append(row)
    return pd.DataFrame(rows, columns=[label("informant", lang), label("role", lang)]
                        + [_column(c) for c in codes])


def role_ordered_matrix(corpus: CodedCorpus, dimension: str | None = None) -> pd.DataFrame:
    """Role-ordered matrix: informants grouped by role (roles in the order they first
    appear among the sources, informants in source order within a role) × indicators;
    a cell is the person's view: direction sign and condensed quote."""
    lang = corpus.language
    codes = _codes(corpus, dimension)
    people = _need_informants(corpus, 2, "role_ordered")
    index, roles = evidence_index(corpus), _roles(corpus)
    role_order = list(dict.fromkeys(roles[p] for p in people))
    ordered = sorted(people, key=lambda p: (role_order.index(roles[p]), people.index(p)))
    voices = {c.id: _by_voice(corpus, index.by_code[c.id].codings) for c in codes}
    rows = []
    for who in ordered:
        row = {label("role", lang): roles[who], label("informant", lang): who}
        for code in codes:
            row[_column(code)] = _quote_cell(corpus, voices[code.id].get(who, []),
                                             SHORT_CELL_CHARS)
        rows.append(row)
    return pd.DataFrame(rows, columns=[label("role", lang), label("informant", lang)]
                        + [_column(c) for c in codes])


def rating(n: int) -> str:
    """The checklist scale: ``✓✓`` strong (2+ segments), ``✓`` present (1), ``—`` absent."""
    return "✓✓" if n >= 2 else "✓" if n == 1 else ABSENT


def checklist_matrix(corpus: CodedCorpus, dimension: str | None = None) -> pd.DataFrame:
    """Checklist matrix: indicators × informants, then one column per non-interview
    technique; cells rate presence and strength (see ``rating``); the last column holds
    the best supporting quote of the indicator."""
    lang = corpus.language
    codes = _codes(corpus, dimension)
    index = evidence_index(corpus)
    people = index.people
    others = [t for t in ("O", "D") if any(s.technique == t for s in corpus.sources)]
    rows = []
    for code in codes:
        ev = index.by_code[code.id]
        voices = _by_voice(corpus, ev.codings)
        per_technique = Counter(corpus.source_of(c.segment_id).technique for c in ev.codings)
        row = {label("dimension", lang): corpus.codebook.dimension(code.id).label,
               label("indicator", lang): _column(code)}
        for who in people:
            row[who] = rating(len(voices.get(who, [])))
        for technique in others:
            row[label(technique, lang)] = rating(per_technique.get(technique, 0))
        best = strongest(corpus, list(ev.codings), 1)
        row[label("best_quote", lang)] = (cited_quote(corpus, best[0], CELL_CHARS) if best
                                          else label("no_evidence", lang))
        rows.append(row)
    columns = ([label("dimension", lang), label("indicator", lang)] + list(people)
               + [label(t, lang) for t in others] + [label("best_quote", lang)])
    return pd.DataFrame(rows, columns=columns)


def case_code_matrix(corpus: CodedCorpus, value: str = "count") -> pd.DataFrame:
    """Case × code: one row per source, one column per code; ``value`` is ``count``
    (coded segments), ``presence`` (0/1) or ``quotes`` (the strongest condensed quote)."""
    if value not in ("count", "presence", "quotes"):
        raise UsageError(f"unknown value '{value}'", path="--value",
                         hint="use count, presence or quotes")
    lang = corpus.language
    codes = leaf_codes(corpus)
    cells: dict[tuple[str, str], list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        cells[(corpus.segment(coding.segment_id).source_id, coding.code_id)].append(coding)
    rows = []
    for source in corpus.sources:
        row: dict[str, object] = {label("id", lang): source.id,
                                  label("technique", lang): source.technique,
                                  label("informant", lang): source.informant}
        for code in codes:
            found = cells.get((source.id, code.id), [])
            if value == "quotes":
                row[code.id] = _quote_cell(corpus, found, SHORT_CELL_CHARS)
            else:
                row[code.id] = int(bool(found)) if value == "presence" else len(found)
        rows.append(row)
    return pd.DataFrame(rows, columns=[label(k, lang) for k in ("id", "technique",
                                                                "informant")]
                        + [c.id for c in codes])


def cooccurrence_matrix(corpus: CodedCorpus, unit: str = "segment") -> pd.DataFrame:
    """Codes × codes: how many segments (``unit="segment"``) or sources (``"source"``)
    carry both; the diagonal counts the segments or sources carrying the code at all."""
    lang = corpus.language
    codes = [c.id for c in leaf_codes(corpus)]
    if len(codes) < 2:
        raise TableNotApplicable("cooccurrence: needs at least two codable codes")
    carriers: dict[str, set[str]] = defaultdict(set)
    for coding in corpus.codings:
        key = (coding.segment_id if unit == "segment"
               else corpus.segment(coding.segment_id).source_id)
        carriers[coding.code_id].add(key)
    rows = []
    for a in codes:
        row: dict[str, object] = {label("code", lang): a}
        for b in codes:
            row[b] = len(carriers[a] & carriers[b])
        rows.append(row)
    return pd.DataFrame(rows, columns=[label("code", lang)] + codes)


def cooccurrence_sources(corpus: CodedCorpus) -> pd.DataFrame:
    """Codes × codes counted over sources: sources in which both codes occur."""
    return cooccurrence_matrix(corpus, unit="source")


def period_of(date: str, grain: str) -> str:
    """The period an ISO date (``YYYY-MM-DD``) falls in: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""
    year, _, rest = date.partition("-")
    month = rest[:2]
    if grain == "month" and month:
        return f"{year}-{month}"
    if grain == "quarter" and month.isdigit():
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"
    return year


def _periods(dated: list[Source]) -> tuple[str, list[str]]:
    """The finest grain (month, quarter, year) that gives at most MAX_PERIODS columns."""
    for grain in ("month", "quarter", "year"):
        periods = sorted({period_of(s.date, grain) for s in dated})
        if len(periods) <= MAX_PERIODS or grain == "year":
            return grain, periods
    raise AssertionError("unreachable")


def time_ordered_matrix(corpus: CodedCorpus, dimension: str | None = None) -> pd.DataFrame:
    """Time-ordered matrix: indicators × periods (from source dates); a cell gives the
    number of coded segments, their techniques and the strongest quote of the period;
    ``—`` means nothing was found then. Undated sources are left out."""
    lang = corpus.language
    codes = _codes(corpus, dimension)
    dated = [s for s in corpus.sources if s.date[:4].isdigit()]
    if not dated:
        raise TableNotApplicable("time_ordered: no source has a date",
                                 hint="add a date column (YYYY-MM-DD) to informants.csv")
    grain, periods = _periods(dated)
    index = evidence_index(corpus)
    rows = []
    for code in codes:
        cells: dict[str, list[Coding]] = defaultdict(list)
        for coding in index.by_code[code.id].codings:
            source = corpus.source_of(coding.segment_id)
            if source.date[:4].isdigit():
                cells[period_of(source.date, grain)].append(coding)
        row = {label("dimension", lang): corpus.codebook.dimension(code.id).label,
               label("indicator", lang): _column(code)}
        for period in periods:
            found = cells.get(period, [])
            techniques = "".join(sorted({corpus.source_of(c.segment_id).technique
                                         for c in found}, key="WOD".find))
            row[period] = (f"{len(found)} ({techniques}): "
                           + _quote_cell(corpus, found, SHORT_CELL_CHARS)) if found else ABSENT
        rows.append(row)
    return pd.DataFrame(rows, columns=[label("dimension", lang), label("indicator", lang)]
                        + periods)


def case_meta_matrix(corpus: CodedCorpus) -> pd.DataFrame:
    """Case-ordered meta-matrix: cases (ordered by coded segments, most first) ×
    dimensions; a cell gives indicators present n/N, coded segments and +/− counts."""
    lang = corpus.language
    cases = sorted({s.case for s in corpus.sources if s.case})
    if len(cases) < 2:
        raise TableNotApplicable(
            f"case_meta: needs sources from at least two cases, the project has {len(cases)}",
            hint="fill the case column of informants.csv when several cases are compared")
    dimensions = [c for c in corpus.codebook.codes if c.parent is None]
    found: dict[tuple[str, str], list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        case = corpus.source_of(coding.segment_id).case
        found[(case, corpus.codebook.dimension(coding.code_id).id)].append(coding)
    totals = {case: sum(len(found[(case, d.id)]) for d in dimensions) for case in cases}
    rows = []
    for case in sorted(cases, key=lambda c: (-totals[c], c)):
        row: dict[str, object] = {
            label("case", lang): case, label("order_by", lang): totals[case],
            label("sources", lang): sum(1 for s in corpus.sources if s.case == case)}
        for dim in dimensions:
            codings = found[(case, dim.id)]
            leaves = leaf_codes(corpus, dim.id)
            present = len({c.code_id for c in codings})
            signs = Counter(c.magnitude for c in codings)
            row[dim.label] = (f"{present}/{len(leaves)}; {len(codings)} "
                              f"{label('segments', lang).lower()}; "
                              f"+{signs.get('+', 0)}/−{signs.get('-', 0)}")
        rows.append(row)
    return pd.DataFrame(rows)
