"""Decide whether the article answers the question, and how confident the answer is.

Signals (each in [0, 1]):
- coverage: IDF-weighted share of the question's content words found in the answer's sentence
  or its neighbours (a question about a "population" the article never mentions covers little);
- absent: IDF-weighted share of content words that occur nowhere in the searched articles;
- dense: cosine similarity of question and sentence embeddings;
- span: the reader's score for the chosen span.
They are combined by a logistic function whose weights were set on the seed regression set's
unanswerable questions and on SQuAD questions asked against the wrong article (see README).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from index import nlp

WEIGHTS = {"coverage": 4.0, "absent": -5.0, "dense": 3.0, "span": 1.5}
BIAS = -3.6


@dataclass(frozen=True)
class Signals:
    coverage: float
    absent: float
    dense: float
    span: float

    def confidence(self) -> float:
        z = BIAS + sum(WEIGHTS[name] * getattr(self, name) for name in WEIGHTS)
        return 1.0 / (1.0 + math.exp(-z))


def content_lemmas(text: str) -> dict[str, str]:
    """{lemma: surface} for content words: "Who was charged?" -> {"charge": "charged"}."""
    out: dict[str, str] = {}
    for tok in nlp.parse(text):
        if tok.is_stop or tok.is_punct or tok.is_space or not any(c.isalnum() for c in tok.text):
            continue
        out[tok.lemma_.lower()] = tok.text.lower()
    return out


def idf(df: int, total: int) -> float:
    return math.log((total + 1) / (df + 0.5))


def signals(question: str, evidence: Sequence[str], *, dense: float, span: float,
            frequencies: Mapping[str, int], total: int) -> Signals:
    """``frequencies``: sentence frequency of each question word (surface form) in the corpus."""
    words = content_lemmas(question)
    if not words:
        return Signals(0.0, 0.0, max(dense, 0.0), span)
    seen = {t.lemma_.lower() for text in evidence for t in nlp.parse(text)} | {
        t.lower_ for text in evidence for t in nlp.parse(text)}
    weights = {lemma: idf(frequencies.get(surface, 0), total) for lemma, surface in words.items()}
    norm = sum(weights.values()) or 1.0
    covered = sum(w for lemma, w in weights.items() if lemma in seen or words[lemma] in seen)
    absent = sum(w for lemma, w in weights.items() if frequencies.get(words[lemma], 0) == 0)
    return Signals(covered / norm, absent / norm, max(dense, 0.0), span)
