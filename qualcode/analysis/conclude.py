"""Conclusion drawing and verification (T4): evidence, counts, status, a provisional
statement built from them, and the researcher's final conclusion kept from run to run."""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from qualcode.analysis.display import leaf_codes
from qualcode.analysis.labels import label
from qualcode.model import CodedCorpus, Coding

MAX_EVIDENCE_IDS = 12


def _negative_cases(codings: list[Coding]) -> list[Coding]:
    """Codings whose magnitude opposes the majority magnitude of the code."""
    signs = Counter(c.magnitude for c in codings if c.magnitude in ("+", "-"))
    if len(signs) < 2:
        return []
    majority = signs.most_common(1)[0][0]
    return [c for c in codings if c.magnitude in ("+", "-") and c.magnitude != majority]


def _provisional(n_seg: int, who: int, people: int, techniques: list[str],
                 negatives: int, lang: str) -> str:
    if n_seg == 0:
        return label("no_evidence", lang).capitalize() + "."
    tech = ", ".join(label(t, lang).lower() for t in techniques)
    if lang == "id":
        text = f"Dinyatakan oleh {who} dari {people} informan; didukung oleh {tech}"
        text += "; terkonfirmasi lintas teknik" if len(techniques) > 1 else "; hanya satu teknik"
        if negatives:
            text += f"; {negatives} kasus negatif"
    else:
        text = f"Stated by {who} of {people} informants; supported by {tech}"
        text += "; corroborated across techniques" if len(techniques) > 1 else "; single technique"
        if negatives:
            text += f"; {negatives} negative case{'s' if negatives > 1 else ''}"
    return text + "."


def conclusion_table(corpus: CodedCorpus) -> pd.DataFrame:
    """T4: one row per indicator with evidence, n/N, techniques, status and conclusions."""
    lang = corpus.language
    by_code: dict[str, list[Coding]] = defaultdict(list)
    for coding in corpus.codings:
        by_code[coding.code_id].append(coding)
    people = sorted({s.informant for s in corpus.sources if s.technique == "W"})
    rows = []
    for code in leaf_codes(corpus):
        codings = by_code.get(code.id, [])
        sources = [corpus.source_of(c.segment_id) for c in codings]
        who = {s.informant for s in sources if s.technique == "W"}
        techniques = sorted({s.technique for s in sources}, key="WOD".index)
        negatives = _negative_cases(codings)
        if not codings:
            status = label("no_evidence", lang)
        elif len(techniques) > 1:
            status = label("corroborated", lang)
        else:
            status = label("single_source", lang)
        ids = [c.segment_id for c in codings]
        evidence = ", ".join(ids[:MAX_EVIDENCE_IDS]) + (
            f" (+{len(ids) - MAX_EVIDENCE_IDS})" if len(ids) > MAX_EVIDENCE_IDS else "")
        verification = []
        if negatives:
            verification.append(f"{label('negative_cases', lang)}: "
                                + ", ".join(c.segment_id for c in negatives))
        if codings and len(techniques) == 1:
            verification.append(label("single_source", lang))
        rows.append({
            label("dimension", lang): corpus.codebook.dimension(code.id).label,
            label("indicator", lang): f"{code.id} {code.label}",
            label("finding", lang): code.brief,
            label("evidence", lang): evidence or "—",
            label("informants_n", lang): f"{len(who)}/{len(people)}",
            label("techniques", lang): ", ".join(techniques) or "—",
            label("triangulation", lang): status,
            label("provisional", lang): _provisional(len(codings), len(who), len(people),
                                                     techniques, len(negatives), lang),
            label("verification", lang): "; ".join(verification) or "—",
            label("final", lang): corpus.conclusions.get(code.id, ""),
        })
    return pd.DataFrame(rows)
