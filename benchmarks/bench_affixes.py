"""Benchmark splitting new words: spaCy's affix regexes against qualcode's equivalents.

For each language, the distinct whitespace-separated chunks of the generated 1 M-word
corpus (``make_corpus.py``) are tokenised one at a time, first by ``spacy.blank(lang)``'s
tokenizer and then by the matching pipeline's (``qualcode.affixes``), each in a fresh
tokenizer so that every chunk is new to it; the tokens must be identical. It prints the
microseconds per chunk of each regex and of a whole first tokenisation.

    python benchmarks/bench_affixes.py --lang en id
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _chunks(lang: str, words: int, data: Path) -> list[str]:
    sys.path.insert(0, str(HERE))
    from make_corpus import generate

    folder = data / f"{lang}-{words}"
    if not (folder / "codebook.yaml").exists():
        generate(lang, words, folder)
    seen: set[str] = set()
    for path in sorted((folder / "sources").iterdir()):
        seen.update(path.read_text(encoding="utf-8").split())
    return sorted(seen)


def _per_chunk(call, chunks: list[str]) -> float:
    start = time.perf_counter()
    for chunk in chunks:
        call(chunk)
    return (time.perf_counter() - start) / len(chunks) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "id"])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args()
    import spacy

    from qualcode import affixes

    for lang in args.lang:
        chunks = _chunks(lang, args.words, args.data)
        plain = spacy.blank(lang).tokenizer
        ours = affixes.blank(lang, 4_000_000).tokenizer
        plain.max_cache_size = 4_000_000
        for name in ("prefix_search", "suffix_search"):
            print(f"{lang} {name:15} spaCy {_per_chunk(getattr(plain, name), chunks):5.2f} µs"
                  f"  qualcode {_per_chunk(getattr(ours, name), chunks):5.2f} µs")

        def infix(finditer):
            return lambda chunk: list(finditer(chunk))

        print(f"{lang} infix_finditer  spaCy {_per_chunk(infix(plain.infix_finditer), chunks):5.2f}"
              f" µs  qualcode {_per_chunk(infix(ours.infix_finditer), chunks):5.2f} µs")
        first_plain = _per_chunk(plain, chunks)
        first_ours = _per_chunk(ours, chunks)
        again = _per_chunk(ours, chunks)
        same = all([t.text for t in plain(c)] == [t.text for t in ours(c)] for c in chunks)
        print(f"{lang} first tokenisation of {len(chunks):,} chunks: spaCy {first_plain:5.2f} µs,"
              f" qualcode {first_ours:5.2f} µs (a cached chunk: {again:4.2f} µs);"
              f" identical tokens: {same}")


if __name__ == "__main__":
    main()
