"""Scaffold a codebook from an interview guide (pedoman wawancara / kisi-kisi).

The guide is a table with the columns ``No | Focus | Dimension | Indicator | Question |
Target informant | Technique | Code`` (English or Indonesian headers). Each dimension
becomes a parent code, each indicator a code (its id from the Code column, else made
from its name) whose "when to use" lists the guide's questions for it. With
``structural``, each question also becomes a structural code: a ``question`` rule on the
longest words of the question, which the researcher should then prune.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.codebook.exchange import ImportResult
from qualcode.codebook.sheets import read_rows
from qualcode.codebook.writer import make_id, records_to_yaml, write_codebook_yaml
from qualcode.errors import ExchangeError

GUIDE_HEADERS = {
    "no": ("no", "no.", "nomor"), "focus": ("focus", "fokus"),
    "dimension": ("dimension", "dimensi"), "indicator": ("indicator", "indikator"),
    "question": ("question", "pertanyaan", "interview question"),
    "target": ("target informant", "informant", "informan", "sasaran informan"),
    "technique": ("technique", "teknik", "technique (w/o/d)", "teknik (w/o/d)"),
    "code": ("code", "kode"),
}
_LOOKUP = {alias: key for key, aliases in GUIDE_HEADERS.items() for alias in aliases}
QUESTION_TERMS = 3
MIN_TERM_LENGTH = 5


def _question_terms(question: str, language: str) -> list[str]:
    """The longest distinct non-stop words of a question (a starting point to edit)."""
    from spacy.util import get_lang_class

    stop = get_lang_class(language).Defaults.stop_words
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", question)]
    picked = sorted({w for w in words if len(w) >= MIN_TERM_LENGTH and w not in stop},
                    key=lambda w: (-len(w), w))
    return picked[:QUESTION_TERMS]


def _guide_rows(path: Path) -> list[dict[str, str]]:
    rows = [r for r in read_rows(path) if any(c.strip() for c in r)]
    if not rows:
        raise ExchangeError("the interview guide is empty", file=str(path))
    keys = [_LOOKUP.get(str(h).strip().lower()) for h in rows[0]]
    if "indicator" not in keys:
        raise ExchangeError("the guide has no Indicator column", file=str(path), line=1,
                            hint="columns: No | Focus | Dimension | Indicator | Question | "
                                 "Target informant | Technique | Code")
    return [{k: v.strip() for k, v in zip(keys, row) if k} for row in rows[1:]]


def _records(rows: list[dict[str, str]], language: str, structural: bool) -> list[dict]:
    records: list[dict] = []
    taken: set[str] = set()
    dims: dict[str, str] = {}
    inds: dict[tuple[str, str], dict] = {}
    for number, row in enumerate(rows, start=1):
        dim, ind = row.get("dimension", ""), row.get("indicator", "")
        if not ind:
            continue
        if dim and dim not in dims:
            dims[dim] = make_id(dim, taken)
            records.append({"id": dims[dim], "parent": None, "label": dim, "source": "theory"})
        key = (dim, ind)
        if key not in inds:
            wanted = row.get("code", "")
            code_id = wanted if wanted and wanted not in taken else make_id(wanted or ind, taken)
            taken.add(code_id)
            inds[key] = {"id": code_id, "parent": dims.get(dim), "label": ind,
                         "source": "theory", "questions": []}
            records.append(inds[key])
        question = row.get("question", "")
        if question:
            inds[key]["questions"].append(question)
            if structural:
                records.append(_structural(inds[key], row.get("no") or str(number), question,
                                           row.get("technique", ""), language, taken))
    for rec in inds.values():
        questions = rec.pop("questions")
        if questions:
            rec["use_when"] = "Answers to: " + " / ".join(questions)
    return records


def _structural(indicator: dict, number: str, question: str, technique: str,
                language: str, taken: set[str]) -> dict:
    terms = _question_terms(question, language)
    # A question rule reads the interviewer's turn, so it only applies to interviews.
    rule: dict = {"question": terms} if terms and "W" in technique.upper() else {}
    return {"id": make_id(f"{indicator['id']}-Q{number}", taken), "parent": indicator["id"],
            "label": question[:80], "brief": f"Answer to the guide's question {number}.",
            "use_when": question, "source": "interview guide",
            "rules": [rule] if rule else []}


def scaffold_codebook(guide: str | Path, out: str | Path, language: str = "id",
                      title: str = "", structural: bool = False,
                      force: bool = False) -> ImportResult:
    """Write a codebook scaffolded from an interview guide table (.csv or .xlsx)."""
    guide = Path(guide)
    if not guide.is_file():
        raise ExchangeError("interview guide not found", file=str(guide))
    records = _records(_guide_rows(guide), language, structural)
    if not records:
        raise ExchangeError("no indicators found in the guide", file=str(guide),
                            hint="fill the Indicator column")
    meta = {"codebook": title or guide.stem.replace("_", " "), "version": "0.1",
            "language": language}
    text = records_to_yaml(meta, records, f"Scaffolded by qualcode from {guide.name}.\n"
                           "Fill in brief/full definitions, examples and rules.")
    codebook, warnings = write_codebook_yaml(text, Path(out), force)
    return ImportResult(Path(out), codebook, tuple(warnings))
