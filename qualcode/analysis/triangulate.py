"""Triangulation (T3): by technique (W / O / D) and by source (informant).

Technique triangulation: an indicator carried by two or more techniques whose prevailing
magnitudes do not oppose each other is *corroborated*; carried by one technique it is
*single technique* and flagged; carried by techniques pointing opposite ways (one mostly
``+``, another mostly ``-``) it is *inconsistent*.

Source triangulation sorts the informants who raised an indicator into Same, Different
and Specific rather than averaging them (see ``sort_views``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from qualcode.analysis.evidence import (CodeEvidence, TableNotApplicable, evidence_index,
                                        polar_direction, technique_order)
from qualcode.analysis.labels import label
from qualcode.model import CodedCorpus, Coding

ABSENT = "—"
SIGN = {"+": "+", "-": "−", "mixed": "±", "": ""}


@dataclass(frozen=True)
class TechniqueCheck:
    """The technique triangulation of one indicator.

    ``status`` is a label key: ``corroborated``, ``single_source``, ``inconsistent`` or
    ``no_evidence``. ``directions`` maps each technique to its prevailing magnitude.
    """

    status: str
    counts: dict[str, int]
    directions: dict[str, str]


def technique_check(corpus: CodedCorpus, ev: CodeEvidence) -> TechniqueCheck:
    """Sort one indicator's evidence by technique and decide its status."""
    grouped: dict[str, list[Coding]] = defaultdict(list)
    for coding in ev.codings:
        grouped[corpus.source_of(coding.segment_id).technique].append(coding)
    directions = {t: polar_direction(grouped[t])[0] for t in technique_order(set(grouped))}
    counts = {t: len(grouped[t]) for t in directions}
    polar = {d for d in directions.values() if d in ("+", "-")}
    if not ev.codings:
        status = "no_evidence"
    elif len(counts) == 1:
        status = "single_source"
    elif len(polar) == 2:
        status = "inconsistent"
    else:
        status = "corroborated"
    return TechniqueCheck(status, counts, directions)


def _technique_cell(check: TechniqueCheck, technique: str) -> str:
    n = check.counts.get(technique, 0)
    if not n:
        return ABSENT
    sign = SIGN[check.directions[technique]]
    return f"✓ {n}" + (f" ({sign})" if sign else "")


def _technique_note(check: TechniqueCheck, lang: str) -> str:
    if check.status == "single_source":
        only = next(iter(check.counts))
        return f"{label('only', lang)} {label(only, lang).lower()}; {label('single_source', lang)}"
    if check.status == "inconsistent":
        return label("inconsistent", lang) + ": " + ", ".join(
            f"{t} {SIGN[d]}" for t, d in check.directions.items() if d in ("+", "-"))
    if check.status == "corroborated":
        return label("corroborated", lang) + ": " + ", ".join(check.counts)
    return label("no_evidence", lang)


def technique_triangulation(corpus: CodedCorpus) -> pd.DataFrame:
    """Indicators × Interview | Observation | Documentation, Consistent?, Note."""
    lang = corpus.language
    index = evidence_index(corpus)
    consistent = {"corroborated": label("yes", lang), "inconsistent": label("no", lang)}
    rows = []
    for code in index.leaves:
        check = technique_check(corpus, index.by_code[code.id])
        row = {label("dimension", lang): corpus.codebook.dimension(code.id).label,
               label("indicator", lang): f"{code.id} {code.label}"}
        for technique in ("W", "O", "D"):
            row[label(technique, lang)] = _technique_cell(check, technique)
        row[label("consistent", lang)] = consistent.get(check.status, ABSENT)
        row[label("note", lang)] = _technique_note(check, lang)
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Views:
    """Informants sorted by how their view of one indicator relates to the others'.

    ``stance`` maps each informant who raised the indicator to the prevailing magnitude
    of their codings (``+``, ``-``, ``mixed`` or ``""``); ``specific`` maps an informant
    to the co-codes only they attach to the indicator (empty when they are the only one
    who raised it).
    """

    stance: dict[str, str]
    same: tuple[str, ...]
    different: tuple[str, ...]
    specific: dict[str, tuple[str, ...]]


def sort_views(corpus: CodedCorpus, ev: CodeEvidence) -> Views:
    """Sort the informants who raised an indicator into Same, Different and Specific.

    1. One informant only: that informant is Specific.
    2. Different: a polar stance (``+``/``-``) opposite to the majority of the informants'
       polar stances; when ``+`` and ``-`` stances are equally many, every polar stance.
    3. Specific: of the rest, an informant whose segments on the indicator carry a
       co-code (another code on the same segment) that no other informant's do.
    4. Same: everyone else (the majority stance, or no stated direction).
    """
    index = evidence_index(corpus)
    mine: dict[str, list[Coding]] = defaultdict(list)
    cocodes: dict[str, set[str]] = defaultdict(set)
    for coding in ev.codings:
        source = corpus.source_of(coding.segment_id)
        if source.technique != "W" or not source.informant:
            continue
        mine[source.informant].append(coding)
        cocodes[source.informant] |= {c.code_id for c in index.by_segment[coding.segment_id]
                                      if c.code_id != ev.code.id}
    stance = {who: polar_direction(codings)[0] for who, codings in mine.items()}
    if len(stance) == 1:
        return Views(stance, (), (), {next(iter(stance)): ()})
    plus = sum(1 for s in stance.values() if s == "+")
    minus = sum(1 for s in stance.values() if s == "-")
    majority = "+" if plus > minus else "-" if minus > plus else "split"
    different = tuple(w for w, s in stance.items() if s in ("+", "-") and s != majority)
    specific: dict[str, tuple[str, ...]] = {}
    for who in stance:
        if who in different:
            continue
        others = set().union(*(cocodes[o] for o in stance if o != who))
        own = sorted(cocodes[who] - others)
        if own:
            specific[who] = tuple(own)
    same = tuple(w for w in stance if w not in different and w not in specific)
    return Views(stance, same, different, specific)


def _who(views: Views, names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"{w} ({SIGN[views.stance[w]]})" if SIGN[views.stance[w]] else w
                     for w in names) or ABSENT


def source_triangulation(corpus: CodedCorpus) -> pd.DataFrame:
    """Indicators × informants (each one's stance and segment count), then Same,
    Different, Specific as sorted by ``sort_views``."""
    lang = corpus.language
    index = evidence_index(corpus)
    if len(index.people) < 2:
        raise TableNotApplicable(
            f"source_triangulation: needs interviews with at least 2 informants, the "
            f"project has {len(index.people)}",
            hint="add interview sources with their informant in informants.csv")
    rows = []
    for code in index.leaves:
        ev = index.by_code[code.id]
        views = sort_views(corpus, ev)
        counts: dict[str, int] = defaultdict(int)
        for coding in ev.codings:
            source = corpus.source_of(coding.segment_id)
            if source.technique == "W":
                counts[source.informant] += 1
        row = {label("dimension", lang): corpus.codebook.dimension(code.id).label,
               label("indicator", lang): f"{code.id} {code.label}"}
        for who in index.people:
            sign = SIGN[views.stance.get(who, "")] or "✓"
            row[who] = f"{sign} {counts[who]}" if who in views.stance else ABSENT
        row[label("same", lang)] = _who(views, views.same)
        row[label("different", lang)] = _who(views, views.different)
        row[label("specific", lang)] = ", ".join(
            f"{w} ({'+'.join(codes)})" if codes else w
            for w, codes in views.specific.items()) or ABSENT
        rows.append(row)
    return pd.DataFrame(rows)
