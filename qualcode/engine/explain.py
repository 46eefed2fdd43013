"""Why a segment got a code, or nearly did: its tokens' keys, the hits, each rule's verdict.

``explain`` runs the same matching and rule code as the engine on one segment (and the
interviewer turn before it, for structural rules), keeping every condition instead of
only the verdict.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from qualcode.engine.code import compile_for
from qualcode.engine.match import match_batch
from qualcode.engine.rules import (Condition, check_rule, code_context, context, status)
from qualcode.errors import Report, UsageError
from qualcode.model import Codebook, Coding, Segment, Source


@dataclass(frozen=True)
class TokenKey:
    """A token that a term hit: its surface, its matching key, offsets, and the terms."""

    text: str
    key: str
    start: int
    end: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class RuleVerdict:
    """One rule of one code on the segment: ``fired``, ``nearly`` or ``no``, and why."""

    code_id: str
    code_label: str
    rule: str
    line: int | None
    status: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Explanation:
    """A segment, the keys of the tokens that hit, every rule's verdict, the codings."""

    segment: Segment
    source: Source
    tokens: tuple[TokenKey, ...]
    verdicts: tuple[RuleVerdict, ...]
    codings: tuple[Coding, ...]
    question: Segment | None = None

    def shown(self) -> tuple[RuleVerdict, ...]:
        """The verdicts worth showing: rules that fired or nearly fired."""
        return tuple(v for v in self.verdicts if v.status != "no")


def _tokens(codebook: Codebook, compiled, segment: Segment, found) -> tuple[TokenKey, ...]:
    from qualcode.language import matching_pipeline

    doc = matching_pipeline(codebook.language, compiled.spec.model).make_doc(segment.text)
    terms: dict[int, list[str]] = {}
    for hit in found.terms:
        for i in range(hit.tok, hit.tok_end):
            terms.setdefault(i, []).append(compiled.spec.names[hit.item])
    return tuple(TokenKey(doc[i].text, doc[i].norm_, segment.start + doc[i].idx,
                          segment.start + doc[i].idx + len(doc[i]), tuple(dict.fromkeys(t)))
                 for i, t in sorted(terms.items()))


def explain(segment: Segment, source: Source, codebook: Codebook, *,
            question: Segment | None = None, model: str | None = None) -> Explanation:
    """Explain the coding of ``segment``; ``question`` is the interviewer turn before it."""
    compiled = compile_for(codebook, model)
    asked: frozenset[int] = frozenset()
    if question is not None:
        asked = frozenset(h.item for h in match_batch(compiled.spec, [question.text])[0].terms)
    found = match_batch(compiled.spec, [segment.text])[0]
    ctx = context(segment, source, found, asked)
    verdicts = []
    for cr in compiled.rules:
        conds = check_rule(cr, ctx, compiled.spec)
        verdicts.append(RuleVerdict(cr.code.id, cr.code.label, cr.rule.name, cr.rule.line,
                                    status(conds), tuple(conds)))
    return Explanation(segment, source, _tokens(codebook, compiled, segment, found),
                       tuple(verdicts), tuple(code_context(compiled, ctx)), question)


def _question_before(segments: list[Segment], index: int) -> Segment | None:
    source_id = segments[index].source_id
    for seg in reversed(segments[:index]):
        if seg.source_id != source_id:
            break
        if seg.is_interviewer:
            return seg
    return None


def explain_segment(segment_id: str, project_dir: str | Path = ".") -> Explanation:
    """Explain one segment of a project, by its id (e.g. ``W-INF-1:t007``)."""
    from qualcode.project import load_project
    from qualcode.run import load_segments

    project = load_project(project_dir)
    codebook, sources, segments = load_segments(project, Report())
    ids = [s.id for s in segments]
    if segment_id not in ids:
        close = difflib.get_close_matches(segment_id, ids, n=3)
        raise UsageError(f"no segment '{segment_id}' in this project", path="SEGMENT_ID",
                         hint=("did you mean " + ", ".join(close) + "?") if close else
                         "ids look like W-INF-1:t007; see coded_segments.csv")
    index = ids.index(segment_id)
    segment = segments[index]
    source = next(s for s in sources if s.id == segment.source_id)
    return explain(segment, source, codebook, question=_question_before(segments, index),
                   model=project.pipeline)
