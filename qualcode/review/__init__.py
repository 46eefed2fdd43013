"""Reviewers' decisions on codings: parsed from the Review column, kept across re-runs.

A supervisor marks each row of the coding sheet (in ``report.docx`` or
``matrices.xlsx``) ``ok``/``✓``, ``x``/``✗``/``reject``/``tolak``, or another code id to
recode it, and may add a comment. ``qualcode review import`` stores those decisions in
``reviews.yaml`` beside ``qualcode.yaml`` (one entry per segment and code, sorted, so
that a diff shows what changed); ``qualcode run`` applies them. Each decision keeps a
short hash of its segment's text, so that a decision on text that changed since is
flagged for a second look rather than silently trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from ruamel.yaml.scalarstring import LiteralScalarString

from qualcode.codebook.yamlio import dump_yaml, line_of, read_yaml
from qualcode.errors import Problem, ProjectError
from qualcode.model import Coding, Review, Segment

REVIEW_FILE = "reviews.yaml"
DECISIONS = ("accept", "reject", "recode", "pending")
HASH_CHARS = 12

ACCEPT_WORDS = frozenset({"ok", "oke", "okay", "✓", "✔", "✓✓", "v", "y", "yes", "ya",
                          "accept", "accepted", "terima", "diterima", "setuju", "sesuai"})
REJECT_WORDS = frozenset({"x", "✗", "✘", "×", "reject", "rejected", "tolak", "ditolak",
                          "no", "tidak", "salah"})
PENDING_WORDS = frozenset({"?", "pending", "tunda", "ragu", "cek"})
RECODE_WORDS = ("recode", "kode ulang", "ganti", "→", "->")
CHANGED_NOTE = "⚠ text changed since review: check again"
NOTE_MARKS = ("⚠", "→")

_HEADER = """\
# Reviewers' decisions on qualcode's codings, one entry per segment and code.
# decision: accept | reject | recode (to new_code) | pending.
# Written by `qualcode review import`; may be edited by hand. text_hash is the hash of
# the segment's text when it was reviewed: `qualcode run` flags decisions whose text
# has changed since.
"""


def text_hash(text: str) -> str:
    """A short, stable fingerprint of a segment's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


@dataclass(frozen=True)
class Decision:
    """What one Review cell means: a decision, and the code a recode moves to."""

    decision: str
    new_code: str = ""


def parse_decision(cell: str, code_ids: Iterable[str]) -> Decision | None:
    """Read a Review cell; ``None`` when it is empty.

    Raises:
        ValueError: the cell is neither a decision word nor a code id of the codebook.
    """
    text = " ".join(str(cell or "").split())
    if not text:
        return None
    word = text.lower().rstrip(".!")
    if word in ACCEPT_WORDS:
        return Decision("accept")
    if word in REJECT_WORDS:
        return Decision("reject")
    if word in PENDING_WORDS:
        return Decision("pending")
    for prefix in RECODE_WORDS:
        if word.startswith(prefix):
            text = text[len(prefix):].strip(" :→->")
            break
    if not text:
        return Decision("recode")
    target = text.split()[0]
    ids = {c.lower(): c for c in code_ids}
    if target.lower() in ids:
        return Decision("recode", ids[target.lower()])
    raise ValueError(target)


def memo_comment(memo: str) -> str:
    """A Memo cell's text without the notes qualcode itself put there."""
    lines = [ln for ln in str(memo or "").splitlines()
             if ln.strip() and not ln.lstrip().startswith(NOTE_MARKS)]
    return "\n".join(lines).strip()


# -- the review file ------------------------------------------------------------------

def review_path(root: Path) -> Path:
    return Path(root) / REVIEW_FILE


def _entry(item: object, where: str, file: str, line: int | None,
           problems: list[Problem]) -> Review | None:
    if not isinstance(item, dict) or not item.get("segment") or not item.get("code"):
        problems.append(Problem("expected a mapping with 'segment' and 'code'", file=file,
                                line=line, path=where, hint="see docs/report.md"))
        return None
    decision = str(item.get("decision") or "pending")
    if decision not in DECISIONS:
        problems.append(Problem(f"unknown decision '{decision}'", file=file, line=line,
                                path=f"{where}.decision", hint="use " + ", ".join(DECISIONS)))
        return None
    text = {k: str(item.get(k) or "") for k in ("new_code", "comment", "reviewer", "when",
                                                  "text_hash")}
    return Review(segment_id=str(item["segment"]), code_id=str(item["code"]),
                  decision=decision, **text)


def load_reviews(root: Path) -> tuple[tuple[Review, ...], list[Problem]]:
    """The decisions stored in a project (none when it has no review file)."""
    path = review_path(root)
    if not path.exists():
        return (), []
    data, problems = read_yaml(path)
    if problems:
        return (), problems
    items = (data or {}).get("reviews") if isinstance(data, dict) else None
    if data and not isinstance(items, list):
        return (), [Problem("expected a 'reviews:' list", file=str(path),
                            hint="see docs/report.md for the format")]
    reviews: dict[tuple[str, str], Review] = {}
    for i, item in enumerate(items or []):
        review = _entry(item, f"reviews[{i}]", str(path), line_of(items, i), problems)
        if review:
            reviews[(review.segment_id, review.code_id)] = review
    return tuple(reviews.values()), problems


def _as_dict(review: Review) -> dict:
    out: dict = {"segment": review.segment_id, "code": review.code_id,
                 "decision": review.decision}
    for key in ("new_code", "reviewer", "when", "text_hash"):
        if getattr(review, key):
            out[key] = getattr(review, key)
    if review.comment:
        out["comment"] = (LiteralScalarString(review.comment) if "\n" in review.comment
                          else review.comment)
    return out


def save_reviews(root: Path, reviews: Iterable[Review]) -> Path:
    """Write the decisions, sorted by segment and code, atomically."""
    from qualcode.export.files import write_text

    ordered = sorted(reviews, key=lambda r: (r.segment_id, r.code_id))
    body = dump_yaml({"reviews": [_as_dict(r) for r in ordered]})
    path = review_path(root)
    write_text(path, _HEADER + body)
    return path


# -- applying decisions ---------------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    """Codings with the decisions applied.

    ``effective``: the codings the matrices use (rejected ones gone, recodes moved);
    ``all_codings``: every coding the rules made (plus the ones only a decision keeps),
    for the coding sheet; ``reviews``: the decisions as the sheet shows them (memo with
    notes); ``flagged``: decisions whose segment text changed since they were made.
    """

    effective: tuple[Coding, ...]
    all_codings: tuple[Coding, ...]
    reviews: tuple[Review, ...]
    problems: tuple[Problem, ...] = ()
    flagged: tuple[Review, ...] = ()


def _shown(review: Review, changed: bool) -> Review:
    notes = [CHANGED_NOTE] if changed else []
    if review.decision == "recode" and review.new_code:
        notes.append(f"→ {review.new_code}")
    if not notes:
        return review
    return replace(review, comment="\n".join(notes + ([review.comment] if review.comment
                                                      else [])))


def _where(review: Review) -> str:
    return f"{review.segment_id} {review.code_id}"


class _Applier:
    """The bookkeeping of ``apply_reviews``: codings kept (once per key) and problems."""

    def __init__(self, known: set[str] | None, file: str):
        self.known, self.file = known, file
        self.effective: list[Coding] = []
        self.keys: set[tuple[str, str]] = set()
        self.problems: list[Problem] = []

    def keep(self, coding: Coding) -> None:
        if (coding.segment_id, coding.code_id) not in self.keys:
            self.keys.add((coding.segment_id, coding.code_id))
            self.effective.append(coding)

    def warn(self, review: Review, message: str, hint: str) -> None:
        self.problems.append(Problem(message, file=self.file, path=_where(review),
                                     severity="warning", hint=hint))

    def moved(self, coding: Coding, review: Review) -> Coding | None:
        """The coding under its new code, or ``None`` when the code no longer exists."""
        if self.known is not None and review.new_code not in self.known:
            self.warn(review, f"recode to '{review.new_code}', which the codebook no longer "
                      "has; the coding is kept as it was", "review this row again")
            return None
        return replace(coding, code_id=review.new_code, coder=review.reviewer or "review")

    def rules_coding(self, coding: Coding, review: Review | None) -> None:
        if review is not None and review.decision == "reject":
            return
        if review is not None and review.decision == "recode" and review.new_code:
            self.keep(self.moved(coding, review) or coding)
        else:
            self.keep(coding)

    def without_coding(self, review: Review, segment_exists: bool) -> Coding | None:
        """A decision on a coding the rules no longer make: the reviewer's word keeps an
        accepted or recoded one (returned, for the sheet); a reject needs nothing."""
        if not segment_exists:
            self.warn(review, "the segment no longer exists; the decision is kept in the "
                      "review file but not applied", "was the source renamed or re-segmented?")
            return None
        if review.decision not in ("accept", "recode") or (
                self.known is not None and review.code_id not in self.known):
            return None
        coding = Coding(review.segment_id, review.code_id, rule="review",
                        coder=review.reviewer or "review")
        if review.decision == "accept":
            self.keep(coding)
        elif review.new_code:
            new = self.moved(coding, review)
            if new:
                self.keep(new)
        return coding


def apply_reviews(codings: Sequence[Coding], reviews: Sequence[Review],
                  segments: Sequence[Segment], code_ids: Iterable[str] | None = None,
                  file: str = REVIEW_FILE) -> Applied:
    """Apply stored decisions to the rules' codings (see ``Applied``)."""
    applier = _Applier(set(code_ids) if code_ids is not None else None, file)
    texts = {s.id: s.text for s in segments}
    by_key = {(r.segment_id, r.code_id): r for r in reviews}
    for coding in codings:
        applier.rules_coding(coding, by_key.get((coding.segment_id, coding.code_id)))
    made = {(c.segment_id, c.code_id) for c in codings}
    extra = [applier.without_coding(r, r.segment_id in texts) for r in reviews
             if (r.segment_id, r.code_id) not in made]
    flagged = tuple(r for r in reviews if r.segment_id in texts and r.text_hash
                    and r.text_hash != text_hash(texts[r.segment_id]))
    for review in flagged:
        applier.warn(review, "the segment's text changed since this decision",
                     "check the decision again in the coding sheet")
    changed = {(r.segment_id, r.code_id) for r in flagged}
    order = {s.id: i for i, s in enumerate(segments)}
    all_codings = sorted(list(codings) + [c for c in extra if c],
                         key=lambda c: order.get(c.segment_id, 0))
    effective = sorted(applier.effective, key=lambda c: order.get(c.segment_id, 0))
    shown = tuple(_shown(r, (r.segment_id, r.code_id) in changed) for r in reviews)
    return Applied(tuple(effective), tuple(all_codings), shown, tuple(applier.problems),
                   flagged)


# -- status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusRow:
    """How far the review of one code has gone."""

    code_id: str
    label: str
    accepted: int = 0
    rejected: int = 0
    recoded: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.rejected + self.recoded + self.pending


@dataclass(frozen=True)
class ReviewStatus:
    """Per-code counts, plus decisions that could not be applied or need a second look."""

    rows: tuple[StatusRow, ...]
    file: Path
    decisions: int = 0
    flagged: int = 0
    problems: tuple[Problem, ...] = field(default_factory=tuple)


_COUNTER = {"accept": "accepted", "reject": "rejected", "recode": "recoded",
            "pending": "pending"}


def status_rows(codebook, codings: Iterable[Coding], reviews: Iterable[Review]
                ) -> tuple[StatusRow, ...]:
    """Count decisions per code over the rules' codings (no decision = pending)."""
    by_key = {(r.segment_id, r.code_id): r.decision for r in reviews}
    counts: dict[str, Counter] = {}
    for coding in codings:
        decision = by_key.get((coding.segment_id, coding.code_id), "pending")
        counts.setdefault(coding.code_id, Counter())[_COUNTER[decision]] += 1
    rows = []
    for code in codebook.codes:
        if code.id in counts:
            rows.append(StatusRow(code.id, code.label, **counts.pop(code.id)))
    rows.extend(StatusRow(cid, "?", **c) for cid, c in sorted(counts.items()))
    return tuple(rows)


def review_status(project_dir: str | Path = ".") -> ReviewStatus:
    """Code the project and count accepted / rejected / recoded / pending per code."""
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    project = load_project(project_dir)
    report = Report()
    corpus = build_corpus(project, report)
    stored, problems = load_reviews(project.root)
    if problems:
        raise ProjectError("the review file cannot be read", file=str(review_path(project.root)),
                           problems=problems)
    rows = status_rows(corpus.codebook, corpus.all_codings, stored)
    flagged = sum(1 for p in report.warnings if "text changed" in p.message)
    return ReviewStatus(rows, review_path(project.root), len(stored), flagged,
                        tuple(report.warnings))


def now_iso() -> str:
    """The local time, to the second, as the review file records it."""
    return dt.datetime.now().replace(microsecond=0).isoformat()
