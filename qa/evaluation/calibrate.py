"""Fit the abstention weights of ``qa/abstain.py`` on questions with known answerability.

Positives: SQuAD questions asked of their own article. Negatives, from the same articles:
(a) near-topic: the same kind of questions asked of the article with the answer's paragraph
removed; (b) off-topic: questions of another article. Run::

    python -m qa.evaluation.calibrate .cache/bench/squad_shifts/squaddev_v1.1.json --articles 10 --seed 1

It prints the fitted weights and the abstention accuracy per threshold; copy the weights into
``qa/abstain.py``. Use a development split (squaddev), never the held-out one.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import numpy as np

from index.build import build_index
from qa import reader
from qa.api import answer_signals, engine, forget_engines, word_stats
from qa.settings import Settings

FEATURES = ("coverage", "absent", "dense", "span")


def question_signals(store: Path, question: str) -> list[float] | None:
    """The abstention signals ask() would compute for this question (None: nothing retrieved)."""
    eng = engine(Settings(store=store))
    passages = eng.retriever.passages(question, k=7)
    stats = word_stats(eng, question)
    candidates = reader.read(question, passages[:3], idf=stats.idf_by_lemma(), context=passages)
    if not candidates:
        return None
    s = answer_signals(question, passages, candidates[0], stats)
    return [getattr(s, f) for f in FEATURES]


def collect(path: Path, articles: int, seed: int, per_article: int = 12) -> list[tuple[list[float], int, str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    chosen = rng.sample(data, articles)
    tmp = Path(tempfile.mkdtemp(prefix="verbatim-calibrate-"))
    rows: list[tuple[list[float], int, str]] = []
    for i, art in enumerate(chosen):
        paragraphs = [p["context"] for p in art["paragraphs"]]
        qas = [(pi, qa["question"]) for pi, p in enumerate(art["paragraphs"]) for qa in p["qas"]]
        sample = rng.sample(qas, min(per_article, len(qas)))
        full, cut = tmp / f"full{i}", tmp / f"cut{i}"
        build_index(full, {"article.txt": "\n\n".join(paragraphs)})
        dropped = {pi for pi, _ in sample[: per_article // 2]}
        build_index(cut, {"article.txt": "\n\n".join(p for k, p in enumerate(paragraphs) if k not in dropped)})
        other = chosen[(i + 1) % len(chosen)]
        other_qs = [qa["question"] for p in other["paragraphs"] for qa in p["qas"]]
        asked = ([(full, q, 1, "own") for _, q in sample]
                 + [(cut, q, 0, "removed") for _, q in sample[: per_article // 2]]
                 + [(full, q, 0, "other") for q in rng.sample(other_qs, min(per_article // 2, len(other_qs)))])
        for store, question, label, kind in asked:
            features = question_signals(store, question)
            if features is not None:
                rows.append((features, label, kind))
        forget_engines()
    return rows


def fit(rows, l2: float = 0.01, steps: int = 20000, lr: float = 0.5) -> np.ndarray:
    """Logistic regression by gradient descent; returns weights in FEATURES order, then the bias."""
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        w -= lr * (xb.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0])
    return w


def report(rows, w: np.ndarray) -> str:
    x = np.hstack([np.array([r[0] for r in rows]), np.ones((len(rows), 1))])
    y = np.array([r[1] for r in rows])
    kinds = np.array([r[2] for r in rows])
    p = 1.0 / (1.0 + np.exp(-x @ w))
    lines = [f"{len(rows)} questions; weights " + ", ".join(f"{f}={v:.2f}" for f, v in zip(FEATURES, w))
             + f", bias={w[-1]:.2f}"]
    for t in (0.3, 0.4, 0.45, 0.5, 0.6):
        keep = p >= t
        lines.append(f"threshold {t:.2f}: accuracy {np.mean(keep == (y == 1)):.3f}  answerable kept "
                     f"{keep[y == 1].mean():.3f}  near-topic abstained {(~keep[kinds == 'removed']).mean():.3f}"
                     f"  off-topic abstained {(~keep[kinds == 'other']).mean():.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("squad", type=Path)
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = collect(args.squad, args.articles, args.seed)
    print(report(rows, fit(rows)))


if __name__ == "__main__":
    main()
