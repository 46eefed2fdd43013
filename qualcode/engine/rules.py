"""Rule evaluation: a segment's hits + its attributes + the question before → codings.

Every rule is checked as a list of ``Condition``s (where, question, none, keywords, all,
near, pattern, min). A rule fires when all hold; it *nearly* fires when exactly one
fails and at least one positive condition holds. The engine and ``explain`` share this
code, so an explanation always says what the engine did.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Iterable, Mapping, NamedTuple, Sequence

from qualcode.engine.match import RawHit, SegmentMatches
from qualcode.engine.spec import MatchSpec, build_spec
from qualcode.model import Code, Codebook, Coding, Hit, Rule, Segment, Source

POSITIVE = ("keywords", "all", "near", "pattern", "question")


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its terms as indices into ``MatchSpec.terms``."""

    code: Code
    rule: Rule
    keywords: tuple[int, ...]
    all: tuple[int, ...]
    none: tuple[int, ...]
    near: tuple[int, ...]
    question: tuple[int, ...]
    pattern: int | None
    magnitude: int | None
    name: str  # the rule's name, as codings record it


class Condition(NamedTuple):
    """One condition of a rule on one segment: held or not, why, and the hits it used."""

    kind: str
    met: bool
    detail: str
    hits: tuple[RawHit, ...] = ()


_met = itemgetter(1)


@dataclass(frozen=True)
class SegmentContext:
    """What a rule sees: the segment, its source, its hits, and the question before."""

    segment: Segment
    source: Source
    terms: Mapping[int, tuple[RawHit, ...]]
    patterns: Mapping[int, tuple[RawHit, ...]]
    question: frozenset[int]


@dataclass
class RuleIndex:
    """The rules that can fire on one kind of turn, by what must be found first."""

    by_term: dict[int, list[int]]
    by_pattern: dict[int, list[int]]
    question: list[int]


@dataclass
class CompiledCodebook:
    """The matching spec plus the rules, indexed by the terms that can make them fire:
    ``index[True]`` for interviewer turns, ``index[False]`` for the others."""

    codebook: Codebook
    spec: MatchSpec
    rules: list[CompiledRule]
    index: dict[bool, RuleIndex]


def reads(rule: Rule, interviewer: bool) -> bool:
    """Whether ``rule`` reads turns of that kind (its ``where: speaker``)."""
    speakers = rule.where.get("speaker", ("informant",))
    return "any" in speakers or ("interviewer" if interviewer else "informant") in speakers


def compile_codebook(codebook: Codebook, key, model: str | None = None) -> CompiledCodebook:
    """Index terms and rules; ``key`` is the language's normaliser (for pattern values)."""
    spec = build_spec(codebook, model, key)
    ids = {t: i for i, t in enumerate(spec.terms)}
    pattern_ids = {(p.code_id, p.rule_index): i for i, p in enumerate(spec.patterns)}
    magnitude_ids = {m: i for i, m in enumerate(spec.magnitudes)}
    rules: list[CompiledRule] = []
    index = {kind: RuleIndex(defaultdict(list), defaultdict(list), []) for kind in (True, False)}
    for code in codebook.codes:
        mag = code.magnitude or codebook.magnitude
        for rule in code.rules:
            keywords, all_, none, near, question = (
                tuple(ids[t] for t in getattr(rule, kind))
                for kind in ("keywords", "all", "none", "near", "question"))
            idx = (keywords, all_, none, near, question)
            pattern = pattern_ids.get((code.id, rule.index))
            compiled = CompiledRule(code, rule, keywords, all_, none, near, question, pattern,
                                    magnitude_ids.get(mag) if mag.enabled else None,
                                    rule.name)
            n = len(rules)
            rules.append(compiled)
            for kind in (True, False):
                if not reads(rule, kind):
                    continue  # its where condition fails on every such turn
                for term in dict.fromkeys(idx[0] + idx[1] + idx[3]):
                    index[kind].by_term[term].append(n)
                if pattern is not None:
                    index[kind].by_pattern[pattern].append(n)
                if rule.question:
                    index[kind].question.append(n)
    for found in index.values():
        found.by_term, found.by_pattern = dict(found.by_term), dict(found.by_pattern)
    return CompiledCodebook(codebook, spec, rules, index)


def context(segment: Segment, source: Source, matches: SegmentMatches,
            question: frozenset[int]) -> SegmentContext:
    """What the rules see of a segment; its hits grouped by term (they come sorted)."""
    return SegmentContext(segment, source, _by_item(matches.terms),
                          _by_item(matches.patterns), question)


def _by_item(hits: tuple[RawHit, ...]) -> dict[int, tuple[RawHit, ...]]:
    return {item: tuple(group) for item, group in groupby(hits, _item)} if hits else {}


_item = itemgetter(0)


def _where(rule: Rule, ctx: SegmentContext, why: bool = True) -> Condition:
    seg = ctx.segment
    if not reads(rule, seg.is_interviewer):
        kind = "interviewer" if seg.is_interviewer else "informant"
        speakers = rule.where.get("speaker", ("informant",))
        return Condition("where", False, f"{kind} turn; the rule reads "
                         f"{'/'.join(speakers)} turns" if why else "")
    if len(rule.where) > ("speaker" in rule.where):  # attributes besides the speaker
        src = ctx.source
        attrs = {"technique": src.technique, "role": src.role, "agency": src.agency,
                 "informant": src.informant, "case": src.case, "unit": seg.unit}
        for name, allowed in rule.where.items():
            if name == "speaker":
                continue
            if attrs.get(name, "").casefold() not in {a.casefold() for a in allowed}:
                return Condition("where", False, f"{name} is '{attrs.get(name, '')}', "
                                 f"not {'/'.join(allowed)}" if why else "")
    return Condition("where", True, "segment attributes match" if why else "")


def _names(spec: MatchSpec, ids: Sequence[int]) -> str:
    names = spec.names
    return ", ".join([names[i] for i in ids])


def _near(cr: CompiledRule, ctx: SegmentContext, spec: MatchSpec) -> Condition:
    lists = [ctx.terms.get(t, ()) for t in cr.near]
    missing = [t for t, hits in zip(cr.near, lists) if not hits]
    if missing:
        return Condition("near", False, f"not found: {_names(spec, missing)}")
    out: list[RawHit] = []
    closest = None
    for anchor in lists[0]:
        gaps, close = [], []
        for others in lists[1:]:
            best = [h for h in others if abs(h.tok - anchor.tok) <= cr.rule.within]
            gaps.append(min(abs(h.tok - anchor.tok) for h in others))
            close.extend(best)
            if not best:
                break
        else:
            out.append(anchor)
            out.extend(close)
        closest = max(gaps) if closest is None else min(closest, max(gaps))
    if out:
        return Condition("near", True, f"within {cr.rule.within} tokens", tuple(out))
    return Condition("near", False, f"closest {closest} tokens apart, more than "
                     f"{cr.rule.within}")


def check_rule(cr: CompiledRule, ctx: SegmentContext, spec: MatchSpec, why: bool = True
               ) -> list[Condition]:
    """Every condition of ``cr`` on the segment, in a fixed order.

    Coding only needs to know whether the rule fires, and the hits if it does: with
    ``why`` false the conditions carry no explanation, and the list ends at the first
    one not met.
    """
    rule = cr.rule
    out = [_where(rule, ctx, why)]
    if cr.question and (why or out[-1].met):
        asked = [t for t in cr.question if t in ctx.question]
        out.append(Condition("question", bool(asked), (
            f"the question before mentions {_names(spec, asked)}" if asked else
            f"the question before mentions none of {_names(spec, cr.question)}")
            if why else ""))
    if cr.none and (why or out[-1].met):
        blocking = [t for t in cr.none if ctx.terms.get(t)]
        out.append(Condition("none", not blocking, (
            f"blocked by {_names(spec, blocking)}" if blocking else "no excluded term")
            if why else "", tuple(h for t in blocking for h in ctx.terms[t])))
    if cr.keywords and (why or out[-1].met):
        hits = tuple(h for t in cr.keywords for h in ctx.terms.get(t, ()))
        detail = ""
        if why:
            found = sorted({t for t in cr.keywords if ctx.terms.get(t)})
            detail = f"found {_names(spec, found)}" if hits else "no keyword"
        out.append(Condition("keywords", bool(hits), detail, hits))
    if cr.all and (why or out[-1].met):
        missing = [t for t in cr.all if not ctx.terms.get(t)]
        hits = tuple(h for t in cr.all for h in ctx.terms.get(t, ()))
        out.append(Condition("all", not missing, (
            f"missing {_names(spec, missing)}" if missing else "every term found")
            if why else "", hits))
    if cr.near and (why or out[-1].met):
        out.append(_near(cr, ctx, spec))
    if cr.pattern is not None and (why or out[-1].met):
        hits = ctx.patterns.get(cr.pattern, ())
        out.append(Condition("pattern", bool(hits), f"{len(hits)} match(es)" if why else "",
                             hits))
    if rule.min > 1 and (why or out[-1].met):
        spans = {(h.start, h.end) for c in out if c.kind in POSITIVE for h in c.hits}
        out.append(Condition("min", len(spans) >= rule.min,
                             f"{len(spans)} distinct hit(s), {rule.min} needed" if why
                             else ""))
    return out


def status(conditions: Sequence[Condition]) -> str:
    """``fired``, ``nearly`` (one condition short) or ``no``."""
    failed = [c for c in conditions if not c.met]
    if not failed:
        return "fired"
    positive_met = any(c.met for c in conditions if c.kind in POSITIVE)
    return "nearly" if len(failed) == 1 and positive_met else "no"


def _magnitude(fired: list[tuple[CompiledRule, list[Condition]]]) -> str:
    fixed = [cr.rule.magnitude for cr, _ in fired if cr.rule.magnitude]
    if fixed:
        return fixed[0]
    cr = fired[0][0]
    if cr.magnitude is None:
        return ""
    signs = {h.signs[cr.magnitude] for _, conds in fired for c in conds
             if c.kind in POSITIVE and c.kind != "question" for h in c.hits}
    signs.discard(".")
    return signs.pop() if len(signs) == 1 else "0"


def _hits(segment: Segment, spec: MatchSpec,
          fired: list[tuple[CompiledRule, list[Condition]]]) -> tuple[Hit, ...]:
    unique: dict[tuple[int, int, str], Hit] = {}
    for _, conds in fired:
        for cond in conds:
            if cond.kind not in POSITIVE or cond.kind == "question":
                continue
            for h in cond.hits:
                term = (segment.text[h.start:h.end] if cond.kind == "pattern"
                        else spec.names[h.item])
                start, end = segment.start + h.start, segment.start + h.end
                unique.setdefault((start, end, term), Hit(term, start, end, cond.kind))
    return tuple(unique[k] for k in sorted(unique))


def candidates(compiled: CompiledCodebook, segment: Segment, terms: Iterable[int],
               patterns: Iterable[int], question: frozenset[int]) -> list[int]:
    """Rules that could fire on ``segment``, in order: those that read its kind of turn
    and have a hit term or pattern in it, or a question before."""
    index = compiled.index[segment.is_interviewer]
    found: set[int] = set()
    for term in terms:
        found.update(index.by_term.get(term, ()))
    for pattern in patterns:
        found.update(index.by_pattern.get(pattern, ()))
    if question:
        found.update(index.question)
    return sorted(found)


def code_context(compiled: CompiledCodebook, ctx: SegmentContext,
                 rules: Sequence[int] | None = None) -> list[Coding]:
    """The codings of one segment, in codebook order (rules in order within a code).

    ``rules``: the ``candidates`` when the caller has them already."""
    fired: dict[str, list[tuple[CompiledRule, list[Condition]]]] = {}
    if rules is None:
        rules = candidates(compiled, ctx.segment, ctx.terms, ctx.patterns, ctx.question)
    for n in rules:
        cr = compiled.rules[n]
        conds = check_rule(cr, ctx, compiled.spec, why=False)
        if all(map(_met, conds)):
            fired.setdefault(cr.code.id, []).append((cr, conds))
    out = []
    for code_id, items in fired.items():
        out.append(Coding(ctx.segment.id, code_id, ", ".join([cr.name for cr, _ in items]),
                          _hits(ctx.segment, compiled.spec, items), _magnitude(items)))
    return out


__all__ = ["CompiledCodebook", "Condition", "check_rule", "code_context", "compile_codebook",
           "context", "status"]
