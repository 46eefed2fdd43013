"""Generate a synthetic interview corpus and a benchmark codebook (English or Indonesian).

Words are drawn with a Zipf distribution from real word forms (the language's lemma
lookup table in spacy-lookups-data), arranged as interviewer questions and informant
answers of realistic lengths. The codebook has 300 keyword terms (some phrases and
prefixes), 20 token patterns and 10 near rules, drawn from mid-frequency words so that
rules fire on a realistic share of segments.

    python benchmarks/make_corpus.py --lang id --words 1000000 --out benchmarks/data/id-1m
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

VOCAB = 20_000
WORDS_PER_SOURCE = 4_000


def vocabulary(lang: str, seed: int) -> list[str]:
    """Real lower-case word forms of the language, shuffled into a frequency order."""
    from spacy.lookups import load_lookups

    table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    forms = sorted({w.lower() for w in table.keys() if isinstance(w, str)} |
                   {w.lower() for w in table.values() if isinstance(w, str)})
    forms = [w for w in forms if w.isalpha() and 2 <= len(w) <= 14]
    rng = random.Random(seed)
    rng.shuffle(forms)
    # short words first: frequent words are short in real text
    head = sorted(forms[:VOCAB], key=lambda w: (len(w) > 4, rng.random()))
    return head


def _sentence(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    words = rng.choices(vocab, weights, k=rng.randint(6, 24))
    words[0] = words[0].capitalize()
    text = " ".join(words)
    if rng.random() < 0.3:
        cut = rng.randint(1, len(words) - 1)
        text = " ".join(words[:cut]) + ", " + " ".join(words[cut:])
    return text + rng.choice(".....?!")


def _source(rng, vocab, weights, words: int, asker: str, answerer: str) -> str:
    lines, count = [], 0
    while count < words:
        question = _sentence(rng, vocab, weights)
        answer = " ".join(_sentence(rng, vocab, weights) for _ in range(rng.randint(1, 7)))
        lines.append(f"{asker}: {question}\n\n{answerer}: {answer}\n")
        count += len(question.split()) + len(answer.split())
    return "\n".join(lines)


def _codebook(rng: random.Random, vocab: list[str], lang: str) -> str:
    pool = vocab[150:6000]
    rng.shuffle(pool)
    terms, i = [], 0
    while len(terms) < 300:
        kind = rng.random()
        if kind < 0.1:
            terms.append(f"{pool[i]} {pool[i + 1]}")
            i += 2
        elif kind < 0.15:
            terms.append(pool[i][:max(4, len(pool[i]) - 2)] + "*")
            i += 1
        elif kind < 0.2:
            terms.append("=" + pool[i])
            i += 1
        else:
            terms.append(pool[i])
            i += 1
    codes = []
    for n in range(60):
        rules = [{"keywords": terms[n * 5:(n + 1) * 5]}]
        if n < 20:
            rules.append({"pattern": [{"LOWER": vocab[20 + n]}, {"NORM": pool[i + n]}]
                          if n % 2 else
                          [{"LOWER": vocab[40 + n]}, {"IS_ALPHA": True, "OP": "?"},
                           {"LOWER": pool[i + n]}]})
        if 20 <= n < 30:
            rules.append({"near": [pool[i + n], pool[i + n + 40]], "within": 8})
        if n % 7 == 0:
            rules[0]["none"] = [pool[i + 100 + n]]
        codes.append({"id": f"C{n:02d}", "label": f"Code {n}", "rules": rules})
    doc = {"codebook": "Benchmark", "language": lang, "codes": [
        {"id": "ALL", "label": "All codes", "children": codes}],
        "magnitude": {"negative": vocab[5:8], "positive": vocab[8:11], "window": 3}}
    return json.dumps(doc, ensure_ascii=False, indent=1)  # JSON is YAML


def generate(lang: str, words: int, out: Path, seed: int = 7) -> Path:
    """Write ``out/sources/*.txt`` and ``out/codebook.yaml``; return ``out``."""
    rng = random.Random(seed)
    vocab = vocabulary(lang, seed)
    weights = [1 / (rank + 2.7) ** 1.07 for rank in range(len(vocab))]
    asker, answerer = ("Peneliti", "Informan") if lang == "id" else ("Interviewer", "Informant")
    folder = out / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(max(1, words // WORDS_PER_SOURCE)):
        text = _source(rng, vocab, weights, WORDS_PER_SOURCE, asker, answerer)
        (folder / f"S{n:05d}.txt").write_text(text, encoding="utf-8")
    (out / "codebook.yaml").write_text(_codebook(rng, vocab, lang), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", choices=["en", "id"])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.lang, args.words, args.out, args.seed))


if __name__ == "__main__":
    main()
