"""How well five chosen sentences cover what people ask about a news article.

No reference summaries exist for these articles, so the measure is built from the questions
people wrote about them: the *asked-about* sentences of a document are the sentences its gold
answers (NYT, squad_shifts) or gold rationales (CoQA ``cnn``) lie in. A method's coverage of a
document is the share of its asked-about sentences among the ``k`` = 5 sentences it chooses;
the table gives the mean over documents of at least ``MIN_SENTENCES`` sentences and
``MIN_QUESTIONS`` located questions, for the main points (``qa.summary.choose``), lead-5 and
random-5 (its expectation, exactly), on each half. The held-out articles and stories are never
read (``qa/evaluation/heldout.json``); the NYT and ``cnn`` halves follow the fixed hash rule.

    python -m qa.evaluation.summary_coverage --fit   # choose lead / duplicate on the fit half,
                                                     # write qa/fitted/summary.json and the table
    python -m qa.evaluation.summary_coverage         # the table with the fitted choice

It also counts how many benchmark questions the whole-article recogniser captures (``--capture``
is part of every run): counts per set only, never their text.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from index.normalise import normalise
from index.split import Sentence, split_sentences
from qa.evaluation import news
from qa.evaluation.news import FIT, VALIDATE, half
from qa.summary import choose

DATA = Path(".cache/bench")
CACHE = Path(".cache/summary-coverage")
OUT = Path("docs/benchmark/summary.md")
K = 5
MIN_SENTENCES = 10
MIN_QUESTIONS = 5
LEADS = (0.0, 0.05, 0.1, 0.2, 0.4, 1.0, 2.0, 4.0, 10.0)
DUPLICATES = (0.8, 0.85, 0.9, 0.95, 1.0)


@dataclass(frozen=True)
class Doc:
    key: str
    set: str                           # "nyt" or "cnn"
    half: str
    sentences: tuple[Sentence, ...]
    asked: frozenset[int]              # indices of the asked-about sentences
    questions: int


def _asked(sentences: Sequence[Sentence], spans: Sequence[tuple[int, int]]) -> frozenset[int]:
    """The sentences each located gold span starts in (CoQA rationales: every sentence they touch)."""
    return frozenset(i for lo, hi in spans for i, s in enumerate(sentences) if s.start < max(hi, lo + 1) and lo < s.end)


def _doc(key: str, name: str, raw_text: str, golds: Sequence[tuple[str, int]], whole_span: bool) -> Doc | None:
    from qa.evaluation.coqa import _locate

    doc = normalise(raw_text)
    sentences = _split(doc)
    spans = [hit for text, start in golds if (hit := _locate(doc.text, text, start))]
    if not whole_span:
        spans = [(lo, lo + 1) for lo, _ in spans]
    if len(sentences) < MIN_SENTENCES or len(spans) < MIN_QUESTIONS:
        return None
    return Doc(key, name, half(key), sentences, _asked(sentences, spans), len(spans))


def _split(doc) -> tuple[Sentence, ...]:
    """``split_sentences``, remembered under .cache by the text's hash (spaCy is the slow part)."""
    path = CACHE / "sentences" / (hashlib.sha256(doc.text.encode()).hexdigest()[:24] + ".json")
    if path.exists():
        return tuple(Sentence(lo, hi, doc.text[lo:hi], kind, i)
                     for i, (lo, hi, kind) in enumerate(json.loads(path.read_text())))
    sentences = tuple(split_sentences(doc))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([(s.start, s.end, s.kind) for s in sentences]))
    return sentences


def nyt_docs(skip: frozenset[str]) -> Iterator[Doc]:
    data = json.loads((DATA / "squad_shifts/nyt_v1.0.json").read_text(encoding="utf-8"))["data"]
    for article in data:
        if article["title"] in skip:
            continue
        contexts = [p["context"] for p in article["paragraphs"]]
        offsets = list(itertools.accumulate([0] + [len(c) + 2 for c in contexts]))
        golds = [(q["answers"][0]["text"], offsets[i] + q["answers"][0]["answer_start"])
                 for i, p in enumerate(article["paragraphs"]) for q in p["qas"] if q["answers"]]
        found = _doc(article["title"], "nyt", "\n\n".join(contexts), golds, whole_span=False)
        if found:
            yield found


def cnn_docs(skip: frozenset[str]) -> Iterator[Doc]:
    data = json.loads((DATA / "coqa/coqa.test.json").read_text(encoding="utf-8"))["data"]
    for story in data:
        if story["source"] != "cnn" or story["id"] in skip:
            continue
        golds = [(a.get("span_text", ""), a.get("span_start", -1)) for a in story["answers"]]
        found = _doc(story["id"], "cnn", story["story"], golds, whole_span=True)
        if found:
            yield found


def vectors_of(docs: Sequence[Doc]) -> dict[str, np.ndarray]:
    """Each document's sentence vectors (the index's own encoder), cached under .cache."""
    from index.embed import Embedder

    CACHE.mkdir(parents=True, exist_ok=True)
    out, todo = {}, []
    for doc in docs:
        path = CACHE / (hashlib.sha256("\n".join(s.text for s in doc.sentences).encode()).hexdigest()[:24] + ".npy")
        if path.exists():
            out[doc.key] = np.load(path)
        else:
            todo.append((doc, path))
    embedder = Embedder()
    for doc, path in todo:
        out[doc.key] = np.asarray(embedder.embed_documents([s.text for s in doc.sentences]), dtype=np.float32)
        np.save(path, out[doc.key])
    return out


# --- the methods (each returns sentence indices) -------------------------------------------

def lead_k(doc: Doc, k: int = K) -> list[int]:
    return [i for i, s in enumerate(doc.sentences) if s.kind == "paragraph"][:k]


def random_k_coverage(doc: Doc, k: int = K) -> float:
    """The expected coverage of ``k`` paragraph sentences drawn at random (exact, no sampling)."""
    pool = [i for i, s in enumerate(doc.sentences) if s.kind == "paragraph"]
    share = min(k, len(pool)) / len(pool) if pool else 0.0
    return sum(share for i in doc.asked if i in pool) / len(doc.asked)


def coverage(doc: Doc, chosen: Sequence[int]) -> float:
    return len(doc.asked & set(chosen)) / len(doc.asked)


def method_scores(docs: Sequence[Doc], vectors: dict[str, np.ndarray], choice: choose.Choice) -> dict[str, list[float]]:
    return {
        "main points": [coverage(d, choose.main_points(d.sentences, vectors[d.key], choice, K)) for d in docs],
        "centrality alone": [coverage(d, choose.main_points(d.sentences, vectors[d.key],
                                                            choose.Choice(0.0, choice.duplicate, K), K)) for d in docs],
        "lead-5": [coverage(d, lead_k(d)) for d in docs],
        "random-5 (expected)": [random_k_coverage(d) for d in docs],
    }


def fit(docs: Sequence[Doc], vectors: dict[str, np.ndarray]) -> tuple[choose.Choice, list[tuple[float, float, float]]]:
    """The lead weight and duplicate cut-off with the best mean coverage on ``docs`` (the fit half)."""
    grid = []
    for lead, duplicate in itertools.product(LEADS, DUPLICATES):
        choice = choose.Choice(lead, duplicate, K)
        mean = statistics.fmean(coverage(d, choose.main_points(d.sentences, vectors[d.key], choice, K)) for d in docs)
        grid.append((lead, duplicate, mean))
    lead, duplicate, _ = max(grid, key=lambda g: (round(g[2], 6), -g[0], g[1]))
    return choose.Choice(lead, duplicate, K), grid


def table(docs: Sequence[Doc], vectors: dict[str, np.ndarray], choice: choose.Choice) -> list[str]:
    rows = ["| half | set | documents | asked-about sentences / doc | sentences / doc | main points | "
            "centrality alone | lead-5 | random-5 (expected) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for part, name in itertools.product((FIT, VALIDATE), ("nyt", "cnn", "both")):
        chosen = [d for d in docs if d.half == part and name in (d.set, "both")]
        if not chosen:
            continue
        scores = method_scores(chosen, vectors, choice)
        cells = " | ".join(f"{statistics.fmean(v):.3f}" for v in scores.values())
        rows.append(f"| {part} | {name} | {len(chosen)} | {statistics.fmean(len(d.asked) for d in chosen):.1f} | "
                    f"{statistics.fmean(len(d.sentences) for d in chosen):.1f} | {cells} |")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="fit lead / duplicate on the fit half and "
                        "write qa/fitted/summary.json")
    args = parser.parse_args(argv)
    from qa.evaluation.summary_capture import capture_lines

    skip = news.held_out()["nyt"] | news.held_out()["cnn"]
    docs = list(nyt_docs(skip)) + list(cnn_docs(skip))
    vectors = vectors_of(docs)
    grid_lines: list[str] = []
    if args.fit:
        choice, grid = fit([d for d in docs if d.half == FIT], vectors)
        choose.FITTED.write_text(json.dumps({
            "format": choose.FORMAT, "fitted_on": "fit half of the NYT (squad_shifts) and CoQA cnn documents of "
            f"at least {MIN_SENTENCES} sentences and {MIN_QUESTIONS} located questions; held-out list dropped",
            "command": "python -m qa.evaluation.summary_coverage --fit", "measure": "mean coverage of "
            "asked-about sentences by k=5", "choice": {"lead": choice.lead, "duplicate": choice.duplicate, "k": K}},
            indent=1) + "\n", encoding="utf-8")
        choose.fitted.cache_clear()
        grid_lines = ["", "Fit half, mean coverage of the main points by lead weight (rows) and duplicate "
                      "cut-off (columns):", "", "| lead \\ duplicate | " + " | ".join(map(str, DUPLICATES)) + " |",
                      "|---|" + "---:|" * len(DUPLICATES)]
        grid_lines += [f"| {lead} | " + " | ".join(f"{m:.3f}" for l_, d_, m in grid if l_ == lead) + " |" for lead in LEADS]
    choice = choose.fitted()
    lines = ["# Main points against lead-5 and random-5: coverage of the asked-about sentences", "",
             f"Command: `python -m qa.evaluation.summary_coverage{' --fit' if args.fit else ''}`. "
             f"k = {K} sentences for every method; fitted choice: lead {choice.lead}, duplicate {choice.duplicate} "
             f"(qa/fitted/summary.json, chosen on the fit half; the validation half decides).", ""]
    lines += table(docs, vectors, choice) + grid_lines + [""] + capture_lines()
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
