"""The researcher's final conclusions, kept in ``conclusions.yaml`` next to ``qualcode.yaml``.

The file maps indicator (code) ids to the final conclusion text. qualcode writes it once,
on the first run, with every indicator and an empty conclusion, and never writes it
again: the researcher fills it in, and every later run reads it into
``CodedCorpus.conclusions`` so that the conclusion table's last column carries it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from qualcode.codebook.yamlio import line_of, read_yaml
from qualcode.errors import Problem
from qualcode.model import Codebook, CodedCorpus

CONCLUSIONS_FILE = "conclusions.yaml"

_HEADER = {
    "en": """# Final conclusions, one per indicator (the last column of the conclusion table).
# qualcode created this file on the first run and never overwrites it. Write each
# conclusion after its code id, in quotes, or as a block:
#   PENG-TL: |
#     Reports receive no follow-up because supervision has no standard measure.
# Codes added to the codebook later can be added here by hand.
""",
    "id": """# Kesimpulan akhir, satu per indikator (kolom terakhir tabel kesimpulan).
# qualcode membuat berkas ini pada run pertama dan tidak pernah menimpanya. Tulis
# kesimpulan setelah ID kode, dalam tanda kutip, atau sebagai blok:
#   PENG-TL: |
#     Laporan tidak ditindaklanjuti karena pengawasan belum memiliki standar ukuran.
# Kode yang kemudian ditambahkan ke buku kode dapat ditambahkan di sini secara manual.
""",
}


def conclusions_template(codebook: Codebook, language: str = "en") -> str:
    """The first version of the file: a header and every indicator with an empty text."""
    lines = [_HEADER.get(language, _HEADER["en"])]
    dimension = None
    for code in leaf_codes_of(codebook):
        top = codebook.dimension(code.id)
        if top.id != dimension:
            lines.append(f"\n# {top.id} {top.label}\n")
            dimension = top.id
        # JSON strings are valid YAML scalars: safe quoting for any id.
        lines.append(f"# {code.label}\n{json.dumps(code.id, ensure_ascii=False)}: \"\"\n")
    return "".join(lines)


def leaf_codes_of(codebook: Codebook) -> list:
    """Codable codes of a codebook (those with no children), in codebook order."""
    parents = {c.parent for c in codebook.codes}
    return [c for c in codebook.codes if c.id not in parents]


def read_conclusions(path: Path, codebook: Codebook | None = None
                     ) -> tuple[dict[str, str], list[Problem]]:
    """The conclusions in ``path`` (empty texts dropped) and any problems found.

    A missing file gives no conclusions and no problem; ids the codebook does not know
    are kept but reported as warnings (a renamed code loses its conclusion otherwise).
    """
    if not path.is_file():
        return {}, []
    doc, problems = read_yaml(path)
    if problems:
        return {}, [replace(p, severity="warning") for p in problems]
    if doc is None:
        return {}, []
    if not isinstance(doc, dict):
        return {}, [Problem("expected a mapping of code id → conclusion", file=str(path),
                            hint="write one 'CODE-ID: \"text\"' line per indicator",
                            severity="warning")]
    known = {c.id for c in codebook.codes} if codebook else None
    out: dict[str, str] = {}
    warnings: list[Problem] = []
    for key, value in doc.items():
        text = "" if value is None else str(value).strip()
        if known is not None and str(key) not in known:
            warnings.append(Problem(f"unknown code id '{key}'", file=str(path),
                                    line=line_of(doc, key), severity="warning",
                                    hint="rename it to a code id of the codebook"))
        if text:
            out[str(key)] = text
    return out, warnings


def load_conclusions(root: Path, corpus: CodedCorpus) -> tuple[CodedCorpus, Path, bool,
                                                                list[Problem]]:
    """Create the project's conclusions file if it is missing, then read it into the corpus.

    Returns the corpus with ``conclusions`` set, the file's path, whether it was created
    now, and warnings about its content.
    """
    path = Path(root) / CONCLUSIONS_FILE
    created = False
    if not path.exists():
        try:
            # Exclusive creation: an existing file is never replaced, even in a race.
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(conclusions_template(corpus.codebook, corpus.language))
            created = True
        except FileExistsError:
            pass
    conclusions, problems = read_conclusions(path, corpus.codebook)
    return replace(corpus, conclusions=conclusions), path, created, problems


__all__ = ["CONCLUSIONS_FILE", "conclusions_template", "leaf_codes_of", "load_conclusions",
           "read_conclusions"]
