"""The rules against a person's coding: precision, recall and F1 per code, over segments.

A person's coding (the *gold* coding) marks spans of text; a span counts for a segment
when it covers at least half of the shorter of the two (so a span that strays one
character into the next turn does not mark it). Then, per code: a segment the rules
coded and the person too is a true positive, one only the rules coded a false positive,
one only the person coded a miss. The false positives and misses are listed with their
text, and every rule is counted: how often it fired, how often a person agreed, and
whether it never fires at all — what a student needs to tune a codebook.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.exchange.codings import CodingSet, SpanCoding
from qualcode.model import CodedCorpus, Coding, Segment

RULES_CODER = "rules"
TEXT_MAX = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_MAX else text[:TEXT_MAX - 1] + "…"


def _covers(span: SpanCoding, seg: Segment) -> bool:
    shared = min(span.end, seg.end) - max(span.start, seg.start)
    return shared > 0 and shared * 2 >= min(span.end - span.start, seg.end - seg.start)


def gold_pairs(corpus: CodedCorpus, gold: CodingSet) -> tuple[set[tuple[str, str]], list[str]]:
    """(segment id, code id) pairs the person coded, and notes on what did not map."""
    by_source: dict[str, list[Segment]] = defaultdict(list)
    for seg in corpus.segments:
        by_source[seg.source_id].append(seg)
    known = {seg.id for seg in corpus.segments}
    pairs: set[tuple[str, str]] = set()
    unplaced: set[str] = set()
    for span in gold.codings:
        if span.start < 0 and span.segment_id in known:
            pairs.add((span.segment_id, span.code_id))
            continue
        hits = [s.id for s in by_source.get(span.source, []) if _covers(span, s)]
        if not hits:
            unplaced.add(span.source if span.source not in by_source else
                          f"{span.source} [{span.start}:{span.end}]")
        pairs.update((h, span.code_id) for h in hits)
    notes = [f"gold coding not placed on any segment: {', '.join(sorted(unplaced)[:10])}"] \
        if unplaced else []
    codes = {c.id for c in corpus.codebook.codes}
    strangers = sorted({code for _, code in pairs} - codes)
    if strangers:
        notes.append("gold codes not in the codebook: " + ", ".join(strangers))
    return pairs, notes


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


def _f1(p: float, r: float) -> float:
    if math.isnan(p) or math.isnan(r) or p + r == 0:
        return math.nan if math.isnan(p) or math.isnan(r) else 0.0
    return 2 * p * r / (p + r)


@dataclass(frozen=True)
class Evaluation:
    """Per-code scores, the false positives, the misses, the rules, and notes."""

    per_code: pd.DataFrame
    false_positives: pd.DataFrame
    misses: pd.DataFrame
    rules: pd.DataFrame
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"evaluation": self.per_code, "false_positives": self.false_positives,
                "misses": self.misses, "rule_check": self.rules}


def _scores(corpus: CodedCorpus, predicted: set, gold: set) -> pd.DataFrame:
    codes = [c for c in corpus.codebook.codes if c.rules or any(g[1] == c.id for g in gold)]
    rows = []
    for code in codes:
        p = {s for s, c in predicted if c == code.id}
        g = {s for s, c in gold if c == code.id}
        rows.append(_score_row(code.id, code.label, p, g))
    rows.append(_score_row("all", "", predicted, gold))  # micro-average over all pairs
    return pd.DataFrame(rows)


def _score_row(code_id: str, label: str, p: set, g: set) -> dict:
    tp, fp, fn = len(p & g), len(p - g), len(g - p)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {"code_id": code_id, "code": label, "gold": len(g), "rules": len(p),
            "true_positives": tp, "false_positives": fp, "misses": fn,
            "precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def _rule_names(coding: Coding) -> list[str]:
    return [name.strip() for name in coding.rule.split(", ") if name.strip()]


def _rule_table(corpus: CodedCorpus, codings: list[Coding], gold: set) -> pd.DataFrame:
    fired: dict[tuple[str, str], set[str]] = defaultdict(set)
    for coding in codings:
        for name in _rule_names(coding):
            fired[(coding.code_id, name)].add(coding.segment_id)
    rows = []
    for code in corpus.codebook.codes:
        for rule in code.rules:
            segs = fired.get((code.id, rule.name), set())
            confirmed = {s for s in segs if (s, code.id) in gold}
            status = ("never fires" if not segs else
                      "fires only where no person coded" if not confirmed else "")
            rows.append({"code_id": code.id, "rule": rule.name,
                         "terms": ", ".join(str(t) for t in rule.terms()),
                         "fired": len(segs), "confirmed": len(confirmed),
                         "unconfirmed": len(segs) - len(confirmed),
                         "precision": _ratio(len(confirmed), len(segs)), "status": status})
    return pd.DataFrame(rows, columns=["code_id", "rule", "terms", "fired", "confirmed",
                                       "unconfirmed", "precision", "status"])


def evaluate_corpus(corpus: CodedCorpus, gold: CodingSet) -> Evaluation:
    """Compare the rule codings of ``corpus`` with a person's ``gold`` coding."""
    codings = [c for c in (corpus.all_codings or corpus.codings) if c.coder == RULES_CODER]
    predicted = {(c.segment_id, c.code_id) for c in codings}
    gold_set, notes = gold_pairs(corpus, gold)
    by_pair = {(c.segment_id, c.code_id): c for c in codings}
    fp_rows = []
    for seg_id, code_id in sorted(predicted - gold_set):
        seg, coding = corpus.segment(seg_id), by_pair[(seg_id, code_id)]
        fp_rows.append({"segment_id": seg_id, "code_id": code_id,
                        "lines": f"{seg.line_start}–{seg.line_end}",
                        "matched_by": f"{coding.rule}: {coding.matched}",
                        "text": _short(seg.text)})
    miss_rows = []
    for seg_id, code_id in sorted(gold_set - predicted):
        seg = corpus.segment(seg_id)
        miss_rows.append({"segment_id": seg_id, "code_id": code_id,
                          "lines": f"{seg.line_start}–{seg.line_end}",
                          "text": _short(seg.text)})
    return Evaluation(
        per_code=_scores(corpus, predicted, gold_set),
        false_positives=pd.DataFrame(fp_rows, columns=["segment_id", "code_id", "lines",
                                                       "matched_by", "text"]),
        misses=pd.DataFrame(miss_rows, columns=["segment_id", "code_id", "lines", "text"]),
        rules=_rule_table(corpus, codings, gold_set), notes=tuple(notes))


def load_gold(path: str | Path, coder: str | None = None) -> CodingSet:
    """A gold coding from a coded CSV or one coder of a ``.qdpx``."""
    from qualcode.exchange.codings import load_codings

    return load_codings(path, coder)


def evaluation_tables(corpus: CodedCorpus, gold_path: str | Path,
                      coder: str | None = None) -> dict[str, pd.DataFrame]:
    """The evaluation tables for the report (``gold:`` in qualcode.yaml), by name."""
    return evaluate_corpus(corpus, load_gold(gold_path, coder)).tables()


def configured_gold(project) -> Path | None:
    """The ``gold:`` file named in a project's qualcode.yaml (relative to it), if any."""
    from qualcode.codebook.yamlio import read_yaml

    doc, _ = read_yaml(project.file)
    value = doc.get("gold") if isinstance(doc, dict) else None
    return project.root / str(value) if value else None


def evaluate(project_dir: str | Path, gold_path: str | Path | None = None,
             coder: str | None = None) -> Evaluation:
    """Code a project and compare its rules with a gold coding (``gold_path``, else the
    project's ``gold:`` setting)."""
    from qualcode.errors import Report, UsageError
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    project = load_project(project_dir)
    if gold_path is None:
        gold_file = configured_gold(project)
        if gold_file is None:
            raise UsageError("no gold coding to compare with", file=str(project.file),
                             hint="give --gold FILE, or set 'gold: codings/<coder>.csv' in "
                                  "qualcode.yaml")
    else:
        gold_file = Path(gold_path)
        if not gold_file.is_absolute() and not gold_file.exists():
            gold_file = project.root / gold_file
    corpus = build_corpus(project, Report())
    return evaluate_corpus(corpus, load_gold(gold_file, coder))
