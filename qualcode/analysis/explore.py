"""Codebook development aids: keyword in context, and candidate terms for a person.

``kwic`` finds a term on the normalised key the rules match on, so inflected forms meet
(``laporan``, ``dilaporkan`` and ``melapor`` all meet ``lapor``); ``=word`` looks for the
exact form and ``word*`` for a prefix, as in rules. ``suggest`` lists frequent words and
phrases in the segments no code covers, and, for one code, the words that come with its
hits more often than elsewhere and are not yet in its rules. Suggestions are only
candidates: nothing is ever added to a codebook by itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from qualcode.language import normaliser, pipeline
from qualcode.model import CodedCorpus, Source

MIN_LETTERS = 3


@dataclass(frozen=True)
class Token:
    """A word of a text: its surface form, lower case, matching key and offsets."""

    text: str
    lower: str
    key: str
    start: int
    end: int
    is_word: bool


def tokens(text: str, lang: str) -> list[Token]:
    """Words of ``text`` with their matching keys (punctuation and spaces left out)."""
    nlp, norm = pipeline(lang), normaliser(lang)
    out = []
    for tok in nlp.make_doc(text):
        if tok.is_space or tok.is_punct:
            continue
        out.append(Token(tok.text, tok.lower_, norm(tok.text), tok.idx,
                         tok.idx + len(tok.text), tok.is_alpha))
    return out


def _term_matcher(term: str, lang: str):
    from qualcode.codebook.load import parse_term

    parsed = parse_term(term)
    words = [t.text for t in pipeline(lang).make_doc(parsed.text) if not t.is_space]
    if parsed.mode == "norm":
        keys = [normaliser(lang)(w) for w in words]
        return lambda toks: [t.key for t in toks] == keys
    lowers = [w.lower() for w in words]
    if parsed.mode == "exact":
        return lambda toks: [t.lower for t in toks] == lowers
    return lambda toks: ([t.lower for t in toks[:-1]] == lowers[:-1]
                         and toks[-1].lower.startswith(lowers[-1]))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def kwic(term: str, sources: Sequence[Source], lang: str, width: int = 40) -> pd.DataFrame:
    """Every place ``term`` occurs: source, line, left context, the match, right context."""
    from qualcode.errors import UsageError

    if not term.strip(" =*"):
        raise UsageError("empty term", hint="give a word or phrase, e.g. qualcode kwic lapor")
    n = len(pipeline(lang).make_doc(term.strip(" =*")))
    matches = _term_matcher(term, lang)
    rows = []
    for source in sources:
        toks = tokens(source.text, lang)
        for i in range(len(toks) - n + 1):
            window = toks[i:i + n]
            if matches(window):
                a, b = window[0].start, window[-1].end
                left = " ".join(source.text[max(0, a - width):a].split())
                right = " ".join(source.text[b:b + width].split())
                rows.append({"source": source.id, "line": _line(source.text, a),
                             "left": left, "match": source.text[a:b], "right": right})
    return pd.DataFrame(rows, columns=["source", "line", "left", "match", "right"])


def _grams(toks: list[Token], stop: frozenset[str], n_max: int) -> Iterable[tuple[str, str]]:
    """(key, surface) of words and phrases of up to ``n_max`` words; no stop word at the
    edges of a phrase, no numbers, no very short words."""
    for i in range(len(toks)):
        for n in range(1, n_max + 1):
            window = toks[i:i + n]
            if len(window) < n:
                break
            ends = (window[0], window[-1])
            if any(t.lower in stop or not t.is_word or len(t.lower) < MIN_LETTERS
                   for t in ends):
                continue
            if any(not t.is_word for t in window):
                break
            yield " ".join(t.key for t in window), " ".join(t.lower for t in window)


def _rule_keys(corpus: CodedCorpus, code_ids: Iterable[str] | None = None) -> set[str]:
    lang = corpus.codebook.language
    wanted = set(code_ids) if code_ids is not None else None
    keys = set()
    for code in corpus.codebook.codes:
        if wanted is not None and code.id not in wanted:
            continue
        for rule in code.rules:
            for term in rule.terms():
                keys.add(" ".join(t.key for t in tokens(term.text, lang)))
    return keys


def _counts(corpus: CodedCorpus, segment_ids: Iterable[str], n_max: int
            ) -> tuple[Counter, Counter, dict[str, Counter]]:
    lang = corpus.codebook.language
    stop = frozenset(pipeline(lang).Defaults.stop_words)
    in_segments: Counter = Counter()
    total: Counter = Counter()
    surfaces: dict[str, Counter] = defaultdict(Counter)
    for seg_id in segment_ids:
        grams = list(_grams(tokens(corpus.segment(seg_id).text, lang), stop, n_max))
        for key, surface in grams:
            total[key] += 1
            surfaces[key][surface] += 1
        in_segments.update({key for key, _ in grams})
    return in_segments, total, surfaces


def uncovered_terms(corpus: CodedCorpus, top: int = 30, n_max: int = 3) -> pd.DataFrame:
    """Frequent words and phrases in the informants' segments that no code covers."""
    coded = {c.segment_id for c in corpus.codings}
    ids = [s.id for s in corpus.segments if s.id not in coded and not s.is_interviewer]
    in_segments, total, surfaces = _counts(corpus, ids, n_max)
    known = _rule_keys(corpus)
    rows = [{"term": surfaces[k].most_common(1)[0][0], "key": k, "segments": n,
             "occurrences": total[k]}
            for k, n in in_segments.items() if k not in known and n >= 2]
    rows.sort(key=lambda r: (-r["segments"], -r["occurrences"], r["term"]))
    return pd.DataFrame(rows[:top], columns=["term", "key", "segments", "occurrences"])


def code_terms(corpus: CodedCorpus, code_id: str, top: int = 30,
               n_max: int = 2) -> pd.DataFrame:
    """Words that come with a code's segments more than elsewhere, not in its rules.

    ``lift`` is the share of the code's segments holding the term divided by the share
    of the other informant segments holding it (more than 1: typical of the code).
    """
    from qualcode.errors import UsageError

    ids = {c.id for c in corpus.codebook.codes}
    if code_id not in ids:
        raise UsageError(f"no code '{code_id}' in the codebook",
                         hint="codes: " + ", ".join(sorted(ids)))
    mine = sorted({c.segment_id for c in corpus.codings if c.code_id == code_id})
    others = [s.id for s in corpus.segments if s.id not in set(mine) and not s.is_interviewer]
    with_code, total, surfaces = _counts(corpus, mine, n_max)
    elsewhere, _, _ = _counts(corpus, others, n_max)
    known = _rule_keys(corpus, [code_id])
    rows = []
    for key, n in with_code.items():
        if key in known or n < 2:
            continue
        share_in = n / len(mine)
        share_out = (elsewhere[key] + 1) / (len(others) + 1)  # +1: no division by zero
        rows.append({"term": surfaces[key].most_common(1)[0][0], "key": key,
                     "in_code": n, "elsewhere": elsewhere[key],
                     "lift": round(share_in / share_out, 2)})
    rows.sort(key=lambda r: (-r["lift"], -r["in_code"], r["term"]))
    return pd.DataFrame(rows[:top], columns=["term", "key", "in_code", "elsewhere", "lift"])


def read_paths(paths: Sequence[str | Path]) -> list[Source]:
    """Sources from files and folders (every readable file), for ``kwic`` outside a project."""
    from qualcode.errors import Report
    from qualcode.ingest.corpus import load_sources
    from qualcode.project import SourceSpec

    specs = [SourceSpec(str(Path(p).resolve())) for p in paths]
    return load_sources(Path("/"), specs, None, Report())


def project_sources(project_dir: str | Path) -> tuple[list[Source], str]:
    """A project's sources and its language, without coding them."""
    from qualcode.codebook import load_codebook
    from qualcode.errors import Report
    from qualcode.ingest.corpus import load_sources
    from qualcode.project import load_project

    project = load_project(project_dir)
    language = project.language or load_codebook(project.codebook).language
    return load_sources(project.root, project.sources, project.informants, Report()), language


def suggest(project_dir: str | Path, code: str | None = None, top: int = 30) -> pd.DataFrame:
    """Candidate terms: uncovered text (no code) or, with ``code``, terms of that code."""
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    corpus = build_corpus(load_project(project_dir), Report())
    return code_terms(corpus, code, top) if code else uncovered_terms(corpus, top)
