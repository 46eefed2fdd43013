"""Agreement between two coders: NVivo's character-based kappa, and Krippendorff's alpha.

Per code and source, over characters (as NVivo's coding comparison does): TU is the
number of characters in the source, A and B the characters each coder coded with the
code, TA the characters on which they agree (both coded or both not),
EF = (A·B + (TU−A)·(TU−B)) / TU the agreement expected by chance, and
kappa = (TA − EF) / (TU − EF). When TU = EF (neither or both coded everything) kappa is
1 if they agree on every character and undefined otherwise. NVivo stops there; qualcode
also pools each code across sources, weighted by source length and unweighted.

Krippendorff's alpha (nominal, from the ``krippendorff`` package) is computed over units:
the project's segments when known, else the distinct spans either coder marked. A coder
marks a unit with a code when one of their spans of that code overlaps it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from qualcode.errors import ExchangeError
from qualcode.exchange.codings import CodingSet, Units

Span = tuple[int, int]
LOW_KAPPA = 0.6
HIGH_AGREEMENT = 80.0
SPARSE_SHARE = 0.25


def merge(spans: Iterable[Span], limit: int | None = None) -> list[Span]:
    """Sorted, non-overlapping spans covering the same characters (clipped to limit)."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if limit is not None:
            start, end = max(0, start), min(end, limit)
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def covered(spans: Sequence[Span]) -> int:
    return sum(b - a for a, b in spans)


def overlap(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Characters in both of two merged span lists (two-pointer walk)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass(frozen=True)
class CharAgreement:
    """The NVivo figures for one code in one source."""

    tu: int
    a: int
    b: int
    both: int

    @property
    def ta(self) -> int:
        """Characters agreed on: coded by both, or by neither."""
        return self.tu - (self.a + self.b - 2 * self.both)

    @property
    def agreement(self) -> float:
        return 100.0 * self.ta / self.tu if self.tu else math.nan

    @property
    def expected(self) -> float:
        if not self.tu:
            return math.nan
        return (self.a * self.b + (self.tu - self.a) * (self.tu - self.b)) / self.tu

    @property
    def kappa(self) -> float:
        ef = self.expected
        if not self.tu:
            return math.nan
        if math.isclose(self.tu, ef):
            return 1.0 if self.ta == self.tu else math.nan
        return (self.ta - ef) / (self.tu - ef)


def char_agreement(tu: int, a_spans: Iterable[Span], b_spans: Iterable[Span]) -> CharAgreement:
    """NVivo's comparison of two coders' spans of one code in a source of ``tu`` chars."""
    a, b = merge(a_spans, tu), merge(b_spans, tu)
    return CharAgreement(tu, covered(a), covered(b), overlap(a, b))


def alpha(data: np.ndarray) -> float:
    """Krippendorff's nominal alpha of a coders × units array; NaN when undefined."""
    if data.size == 0 or data.shape[1] < 2:
        return math.nan
    values = data[~np.isnan(data)] if data.dtype.kind == "f" else data.ravel()
    if len(np.unique(values)) < 2:
        return math.nan  # one value everywhere: alpha is 0/0
    import krippendorff

    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _spans(codings: CodingSet) -> dict[tuple[str, str], list[Span]]:
    out: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for c in codings.codings:
        out[(c.code_id, c.source)].append((c.start, c.end))
    return out


def _units(a: CodingSet, b: CodingSet, units: Units) -> dict[str, list[Span]]:
    if units.segments:
        return {s: [(x, y) for x, y, _ in segs] for s, segs in units.segments.items()}
    out: dict[str, set[Span]] = defaultdict(set)
    for c in a.codings + b.codings:
        out[c.source].add((c.start, c.end))
    return {s: sorted(v) for s, v in out.items()}


def _marks(spans: Sequence[Span], units: Sequence[Span]) -> list[int]:
    return [int(any(a < ue and us < b for a, b in spans)) for us, ue in units]


@dataclass(frozen=True)
class AgreementResult:
    """Agreement tables: per code × source, per code, per source, overall; and notes."""

    coders: tuple[str, str]
    by_code_source: pd.DataFrame
    by_code: pd.DataFrame
    by_source: pd.DataFrame
    overall: pd.DataFrame
    notes: tuple[str, ...]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"overall": self.overall, "by_code": self.by_code,
                "by_source": self.by_source, "by_code_source": self.by_code_source}


def _mean(values: Iterable[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _weighted(values: Iterable[tuple[float, int]]) -> float:
    finite = [(v, w) for v, w in values if not math.isnan(v)]
    total = sum(w for _, w in finite)
    return sum(v * w for v, w in finite) / total if total else math.nan


def _pool(rows: pd.DataFrame) -> dict[str, float]:
    tu = int(rows["TU"].sum())
    coded = int((rows["A"] + rows["B"] - rows["both"]).sum())
    return {
        "TU": tu, "coded_share": coded / tu if tu else math.nan,
        "agreement_weighted": 100.0 * rows["TA"].sum() / tu if tu else math.nan,
        "agreement_unweighted": _mean(rows["agreement"]),
        "kappa_weighted": _weighted(zip(rows["kappa"], rows["TU"])),
        "kappa_unweighted": _mean(rows["kappa"]),
    }


def _note(code: str, pooled: Mapping[str, float]) -> str | None:
    kappa, agree, share = (pooled["kappa_weighted"], pooled["agreement_weighted"],
                           pooled["coded_share"])
    if kappa < LOW_KAPPA and agree >= HIGH_AGREEMENT and share < SPARSE_SHARE:
        return (f"{code}: kappa {kappa:.2f} is low although {agree:.1f}% of characters agree, "
                f"because {100 * (1 - share):.0f}% of the text is coded by neither coder; "
                "most of the agreement is on uncoded text, which kappa discounts")
    return None


def compare(a: CodingSet, b: CodingSet, units: Units) -> AgreementResult:
    """Compare two coding sets over the sources whose texts ``units`` holds."""
    texts = units.texts
    missing = sorted({c.source for c in a.codings + b.codings} - set(texts))
    if missing:
        raise ExchangeError(f"no text for source(s) {', '.join(missing[:5])}",
                            hint="give the project the codings belong to (--project), "
                                 "whose sources have these ids")
    sa, sb = _spans(a), _spans(b)
    codes = sorted({k[0] for k in sa} | {k[0] for k in sb})
    rows = []
    for code in codes:
        for source, text in texts.items():
            r = char_agreement(len(text), sa.get((code, source), []),
                               sb.get((code, source), []))
            rows.append({"code_id": code, "source": source, "TU": r.tu, "A": r.a, "B": r.b,
                         "both": r.both, "TA": r.ta, "agreement": r.agreement,
                         "kappa": r.kappa})
    table = pd.DataFrame(rows, columns=["code_id", "source", "TU", "A", "B", "both", "TA",
                                        "agreement", "kappa"])
    unit_spans = _units(a, b, units)
    alphas: dict[str, float] = {}
    pooled_rows: list[dict] = []
    notes: list[str] = []
    all_marks: list[list[float]] = [[], []]
    for code in codes:
        marks: list[list[float]] = [[], []]
        for source, spans in unit_spans.items():
            marks[0] += _marks(merge(sa.get((code, source), [])), spans)
            marks[1] += _marks(merge(sb.get((code, source), [])), spans)
        alphas[code] = alpha(np.array(marks, dtype=float))
        all_marks[0] += marks[0]
        all_marks[1] += marks[1]
        pooled = _pool(table[table["code_id"] == code])
        pooled_rows.append({"code_id": code, **pooled, "alpha": alphas[code]})
        note = _note(code, pooled)
        if note:
            notes.append(note)
    by_code = pd.DataFrame(pooled_rows, columns=[
        "code_id", "TU", "coded_share", "agreement_weighted", "agreement_unweighted",
        "kappa_weighted", "kappa_unweighted", "alpha"])
    by_source = pd.DataFrame(
        [{"source": s, **_pool(table[table["source"] == s]), "TU": len(t)}
         for s, t in texts.items()],
        columns=["source", "TU", "coded_share", "agreement_weighted",
                 "agreement_unweighted", "kappa_weighted", "kappa_unweighted"])
    pooled_all = _pool(table)
    overall = pd.DataFrame([{"coder_a": a.name, "coder_b": b.name, "codes": len(codes),
                             "sources": len(texts), **pooled_all,
                             "TU": sum(len(t) for t in texts.values()),
                             "alpha": alpha(np.array(all_marks, dtype=float))}])
    overall_note = _note("all codes", pooled_all) if len(table) else None
    if overall_note:
        notes.insert(0, overall_note)
    return AgreementResult((a.name, b.name), table, by_code, by_source, overall, tuple(notes))


def agree(a_spec: str, b_spec: str | None = None, *, coders: Sequence[str] = (),
          project: str | None = None) -> AgreementResult:
    """Agreement between two codings named on the command line.

    Either two inputs (coded CSVs, ``.qdpx`` files, project folders; ``coders`` picks the
    user inside each ``.qdpx`` in turn), or one ``.qdpx`` and two ``coders``. Source texts
    come from the inputs (``.qdpx``, project) or from ``project``; segments (units for
    alpha, and offsets for a coding sheet that names segments only) from ``project``.
    """
    from qualcode.errors import UsageError
    from qualcode.exchange.codings import load_codings, project_units, resolve_offsets

    if b_spec is None:
        if len(coders) != 2 or not str(a_spec).lower().endswith(".qdpx"):
            raise UsageError("agree needs two codings", hint="give two files, or one .qdpx "
                             "with --coders NAME_A --coders NAME_B")
        a, b = load_codings(a_spec, coders[0]), load_codings(a_spec, coders[1])
    else:
        picks = list(coders) + [None, None]
        a, b = load_codings(a_spec, picks[0]), load_codings(b_spec, picks[1])
    if a.name == b.name:
        b = CodingSet(b.name + " (2)", b.codings, b.texts)
    units = Units({**a.texts, **b.texts})
    if project is not None:
        found = project_units(project)
        units = Units({**units.texts, **found.texts}, found.segments)
    a, b = resolve_offsets(a, units), resolve_offsets(b, units)
    return compare(a, b, units)
