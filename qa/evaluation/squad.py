"""SQuAD-format evaluation of the whole pipeline, one article (its own index) at a time.

Each sampled article is joined ("\\n\\n" between paragraphs), normalised like any indexed
document and handed to an *opener*: ``ask_fn(name, text)`` returns a function
``question -> Answer`` for that article (and may return an object with ``close()``). The
default opener indexes the article into its own temporary store and calls ``qa.api.ask``.

Scores (official SQuAD v1.1 normalisation, max over the gold answers):

    em, f1             exact match and token F1 of the answer (or of the guess when withheld)
    citation_recall    a gold answer text lies inside ``citations[0].quote``
    retrieval@k        the sentence holding a gold answer start is among the first k citations
    latency_ms         mean wall time of one question (indexing excluded)

Example::

    report = evaluate_squad(".cache/bench/squad_shifts/squaddev_v1.1.json", articles=30)
    print(format_report(report))
"""
from __future__ import annotations

import collections
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from index.normalise import normalise
from qa.text import normalize_answer   # also imported from here by qa.evaluation.sample
from qa.types import Answer

AskFn = Callable[[str], Answer]
Opener = Callable[[str, str], AskFn]
RECALL_AT = (1, 3, 5)


@dataclass(frozen=True)
class Gold:
    text: str
    start: int | None  # offset into the *normalised* article text; None when not located


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    golds: tuple[Gold, ...]


@dataclass(frozen=True)
class Article:
    title: str
    text: str  # normalised document text, the one the index stores
    questions: tuple[Question, ...]


# --- official SQuAD v1.1 scoring -------------------------------------------------------

def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = collections.Counter(pred) & collections.Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric: Callable[[str, str], float], prediction: str, golds: Sequence[str]) -> float:
    return max(metric(prediction, g) for g in golds)


# --- loading ---------------------------------------------------------------------------

def load_articles(path: str | Path, articles: int | None = 30, seed: int = 0,
                  questions_per_article: int | None = None) -> list[Article]:
    """Sample ``articles`` articles (and questions) reproducibly with ``random.Random(seed)``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    chosen = data if articles is None or articles >= len(data) else rng.sample(data, articles)
    return [_article(raw, rng, questions_per_article) for raw in chosen]


def _article(raw: dict, rng: random.Random, per_article: int | None) -> Article:
    contexts = [p["context"] for p in raw["paragraphs"]]
    joined = "\n\n".join(contexts)
    text = normalise(joined).text
    bases = [0]
    for c in contexts[:-1]:
        bases.append(bases[-1] + len(c) + 2)
    questions = []
    for base, para in zip(bases, raw["paragraphs"]):
        for qa in para["qas"]:
            golds = tuple(Gold(a["text"], _locate(text, a["text"], base + a["answer_start"]))
                          for a in qa["answers"])
            if golds:
                questions.append(Question(qa["id"], qa["question"].strip(), golds))
    if per_article is not None and per_article < len(questions):
        questions = rng.sample(questions, per_article)
    return Article(raw.get("title", ""), text, tuple(questions))


def _locate(text: str, answer: str, raw_start: int) -> int | None:
    """The occurrence of ``answer`` in the normalised text nearest to its raw offset."""
    hits = [m.start() for m in re.finditer(re.escape(answer.strip()), text)] if answer.strip() else []
    return min(hits, key=lambda h: abs(h - raw_start)) if hits else None


# --- running ---------------------------------------------------------------------------

def default_opener(name: str, text: str) -> AskFn:  # pragma: no cover - needs the full pipeline
    """Index ``text`` into its own temporary store and answer with ``qa.api.ask``.

    SQuAD v1.1 has no unanswerable questions, so every answer is scored, withheld or not (its
    guess); what abstention did is reported as ``would_abstain``.
    """
    import tempfile

    from index.build import build_index
    from qa.api import ask
    from qa.settings import Settings

    tmp = tempfile.TemporaryDirectory(prefix="verbatim-squad-")
    build_index(tmp.name, {name: text})
    settings = Settings(store=Path(tmp.name))

    class _Article:
        def __call__(self, question: str) -> Answer:
            return ask(question, settings=settings)

        def close(self) -> None:
            from qa.api import forget_engines

            forget_engines()
            tmp.cleanup()

    return _Article()


def evaluate_squad(path: str | Path, articles: int | None = 30, seed: int = 0,
                   questions_per_article: int | None = None,
                   ask_fn: Opener | None = None) -> dict:
    """Run every sampled question through the pipeline; returns the report dict."""
    opener = ask_fn or default_opener
    rows = []
    for article in load_articles(path, articles, seed, questions_per_article):
        name = _safe_name(article.title)
        ask = opener(name, article.text)
        try:
            rows.extend(_score_article(article, ask))
        finally:
            close = getattr(ask, "close", None)
            if callable(close):
                close()
    return summarise(rows, dataset=Path(path).name, articles=articles, seed=seed,
                     questions_per_article=questions_per_article)


def _safe_name(title: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", title).strip("_") or "article") + ".txt"


def _score_article(article: Article, ask: AskFn) -> list[dict]:
    rows = []
    for q in article.questions:
        t0 = time.perf_counter()
        answer = ask(q.text)
        elapsed = (time.perf_counter() - t0) * 1000
        rows.append(score_answer(q, answer, elapsed) | {"article": article.title})
    return rows


def score_answer(question: Question, answer: Answer, latency_ms: float = 0.0) -> dict:
    """One row of the report: the metrics of one answer to one question."""
    golds = [g.text for g in question.golds]
    predicted = answer.best_text
    cites = answer.citations
    row = {
        "id": question.id, "question": question.text, "prediction": predicted,
        "golds": golds, "found": answer.found, "confidence": answer.confidence,
        "em": best_over_golds(exact_match, predicted, golds),
        "f1": best_over_golds(f1_score, predicted, golds),
        "citation": float(bool(cites) and any(g in cites[0].quote for g in golds)),
        "latency_ms": latency_ms,
    }
    starts = [g.start for g in question.golds if g.start is not None]
    row["located"] = bool(starts)
    for k in RECALL_AT:
        row[f"retrieval@{k}"] = float(any(c.start <= s < c.end for c in cites[:k] for s in starts))
    return row


def summarise(rows: list[dict], **meta) -> dict:
    n = len(rows)
    located = [r for r in rows if r["located"]]
    latencies = sorted(r["latency_ms"] for r in rows)

    def mean(key: str, among: list[dict]) -> float:
        return sum(r[key] for r in among) / len(among) if among else 0.0

    report = dict(meta, questions=n, em=mean("em", rows), f1=mean("f1", rows),
                  citation_recall=mean("citation", rows), found_rate=mean("found", rows),
                  latency_ms=mean("latency_ms", rows),
                  latency_p50_ms=latencies[n // 2] if n else 0.0, located=len(located), rows=rows)
    for k in RECALL_AT:
        report[f"retrieval@{k}"] = mean(f"retrieval@{k}", located)
    kept = [r for r in rows if r["found"]]
    report["would_abstain"] = 1.0 - len(kept) / n if n else 0.0
    report["f1_when_answering"] = mean("f1", kept)
    return report


def format_report(report: dict) -> str:
    """A small fixed-width table of the headline numbers."""
    lines = [f"{report.get('dataset', '')}  articles={report.get('articles')} seed={report.get('seed')}"
             f" questions={report['questions']}"]
    for key in ("em", "f1", "citation_recall", "retrieval@1", "retrieval@3", "retrieval@5",
                "would_abstain", "f1_when_answering", "latency_ms", "latency_p50_ms"):
        value = report[key]
        lines.append(f"  {key:<16} {value:8.1f}" if key.startswith("latency") else f"  {key:<16} {value:8.3f}")
    return "\n".join(lines)
