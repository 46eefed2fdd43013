"""Conclusion drawing and verification (T4): evidence, counts, triangulation status,
negative cases, a provisional statement built from them, and the researcher's final
conclusion, kept from run to run in the project's conclusions file."""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.evidence import CodeEvidence, evidence_index, leaf_codes
from qualcode.analysis.labels import label
from qualcode.analysis.quotes import cited_quote
from qualcode.analysis.reduce import direction_text, strongest
from qualcode.analysis.triangulate import TechniqueCheck, sort_views, technique_check
from qualcode.model import CodedCorpus

__all__ = ["conclusion_table", "leaf_codes", "provisional_conclusion"]

MAX_EVIDENCE_IDS = 12
THIN_EVIDENCE = 3
"""Fewer coded segments than this is flagged as thin evidence in the verification."""
FINDING_CHARS = 160


def _techniques_text(techniques: tuple[str, ...], lang: str) -> str:
    names = [label(t, lang).lower() for t in techniques]
    joiner = " dan " if lang == "id" else " and "
    return ", ".join(names[:-1]) + joiner + names[-1] if len(names) > 1 else names[0]


def provisional_conclusion(ev: CodeEvidence, check: TechniqueCheck, people: int,
                           lang: str) -> str:
    """The provisional conclusion sentence: who said it, which techniques carry it,
    whether they agree, the prevailing direction and the negative cases."""
    if not ev.n:
        return ("Tidak ada bukti dalam data yang dikode." if lang == "id"
                else "No evidence in the coded data.")
    tech = _techniques_text(ev.techniques, lang)
    who = len(ev.informants)
    if lang == "id":
        text = (f"Dinyatakan oleh {who} dari {people} informan" if who
                else "Tidak dinyatakan oleh informan") + f"; didukung {tech}"
    else:
        text = (f"Stated by {who} of {people} informants" if who
                else "Not stated by any informant") + f"; supported by {tech}"
    text += {"corroborated": {"id": " (terkonfirmasi lintas teknik)",
                              "en": " (corroborated across techniques)"},
             "single_source": {"id": " (hanya satu teknik; perlu dicek silang)",
                               "en": " (single technique; needs cross-checking)"},
             "inconsistent": {"id": " (teknik saling bertentangan)",
                              "en": " (techniques disagree)"}}[check.status][
        "id" if lang == "id" else "en"]
    direction = direction_text(ev, lang)
    if direction:
        text += f"; {direction}"
    if ev.negatives:
        n = len(ev.negatives)
        text += (f"; {n} kasus negatif" if lang == "id"
                 else f"; {n} negative case{'s' if n > 1 else ''}")
    return text + "."


def _evidence_ids(ev: CodeEvidence) -> str:
    ids = [c.segment_id for c in ev.codings]
    extra = len(ids) - MAX_EVIDENCE_IDS
    return ", ".join(ids[:MAX_EVIDENCE_IDS]) + (f" (+{extra})" if extra > 0 else "") or "—"


def _verification(corpus: CodedCorpus, ev: CodeEvidence, check: TechniqueCheck,
                  lang: str) -> str:
    """Negative cases (with why), the single-technique flag, disagreeing techniques and
    the informants whose view differs."""
    notes = []
    if ev.negatives:
        cases = [f"{c.segment_id} ({label('contradicting', lang)} {c.code_id})"
                 if c.code_id != ev.code.id else f"{c.segment_id} ({c.magnitude})"
                 for c in ev.negatives]
        notes.append(f"{label('negative_cases', lang)}: " + ", ".join(cases))
    if check.status in ("single_source", "inconsistent"):
        notes.append(label(check.status, lang))
    if 0 < ev.n < THIN_EVIDENCE:
        noun = label("segments", lang).lower()
        notes.append(f"{label('thin', lang)} ({ev.n} {noun.rstrip('s') if ev.n == 1 else noun})")
    if len(ev.informants) > 1:
        views = sort_views(corpus, ev)
        if views.different:
            notes.append(f"{label('different', lang)}: " + ", ".join(views.different))
    return "; ".join(notes) or "—"


def conclusion_table(corpus: CodedCorpus) -> pd.DataFrame:
    """T4: one row per indicator with evidence, n/N, techniques, triangulation status,
    provisional conclusion, verification and the researcher's final conclusion."""
    lang = corpus.language
    index = evidence_index(corpus)
    people = len(index.people)
    rows = []
    for code in index.leaves:
        ev = index.by_code[code.id]
        check = technique_check(corpus, ev)
        best = strongest(corpus, list(ev.codings), 1)
        rows.append({
            label("dimension", lang): corpus.codebook.dimension(code.id).label,
            label("indicator", lang): f"{code.id} {code.label}",
            label("finding", lang): (cited_quote(corpus, best[0], FINDING_CHARS) if best
                                     else label("no_evidence", lang)),
            label("evidence", lang): _evidence_ids(ev),
            label("informants_n", lang): f"{len(ev.informants)}/{people}",
            label("techniques", lang): ", ".join(ev.techniques) or "—",
            label("triangulation", lang): label(check.status, lang),
            label("provisional", lang): provisional_conclusion(ev, check, people, lang),
            label("verification", lang): _verification(corpus, ev, check, lang),
            label("final", lang): corpus.conclusions.get(code.id, ""),
        })
    return pd.DataFrame(rows)
