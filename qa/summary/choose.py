"""Which of an article's own sentences give its gist and its main points (extractive, offsets kept).

- **Gist**: the headline, when the article has one, and the lead: the opening sentence of the
  first paragraph, with the next one when the first is short (news is written to open with
  what happened).
- **Main points**: ``k`` sentences chosen by centrality, the cosine of a sentence's vector
  (the one the index already holds) with the mean direction of the article's sentences,
  plus a prior for the lead (``lead / (1 + rank)``, rank counted in the article's order). A sentence
  that repeats an earlier one (cosine at or above ``duplicate``: layouts repeat whole paragraphs)
  is dropped before anything is scored, and never chosen twice. The chosen sentences are
  returned in the article's order.

``lead`` and ``duplicate`` are fitted on the fit half of the news documents
(``python -m qa.evaluation.summary_coverage`` writes ``qa/fitted/summary.json``).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

FITTED = Path(__file__).resolve().parent.parent / "fitted" / "summary.json"
FORMAT = 1
LEAD_WORDS = 30          # the lead takes a second sentence while it has fewer words than this
MIN_POINT_WORDS = 6      # shorter sentences ("He denied it.") are no main point on their own


class SentenceLike(Protocol):
    start: int
    end: int
    text: str
    kind: str        # "title", "heading" or "paragraph"
    position: int


@dataclass(frozen=True)
class Choice:
    lead: float = 0.0        # weight of the lead prior
    duplicate: float = 1.0   # cosine from which a sentence repeats an earlier one (1.0: only exact)
    k: int = 5


@functools.lru_cache(maxsize=1)
def fitted() -> Choice:
    """The choice fitted on the fit half (qa/fitted/summary.json)."""
    data = json.loads(FITTED.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{FITTED} has format {data.get('format')!r}, this version reads {FORMAT}; "
                         f"rewrite it with `python -m qa.evaluation.summary_coverage --fit`.")
    return Choice(**data["choice"])


def words(text: str) -> int:
    return len(text.split())


def headline(sentences: Sequence[SentenceLike]) -> SentenceLike | None:
    """The article's title line, if it has one before its first paragraph."""
    for s in sentences:
        if s.kind == "paragraph":
            return None
        if s.kind == "title":
            return s
    return None


def lead(sentences: Sequence[SentenceLike], paragraphs: Sequence[tuple[int, int]]) -> list[SentenceLike]:
    """The opening sentence of the first paragraph, and the next one of the same paragraph when the
    first has fewer than ``LEAD_WORDS`` words."""
    body = [s for s in sentences if s.kind == "paragraph"]
    if not body:
        return []
    first = body[0]
    block = next(((lo, hi) for lo, hi in paragraphs if lo <= first.start < hi), (first.start, first.end))
    chosen = [first]
    second = body[1] if len(body) > 1 else None
    if second is not None and words(first.text) < LEAD_WORDS and second.start < block[1]:
        chosen.append(second)
    return chosen


def gist(sentences: Sequence[SentenceLike], paragraphs: Sequence[tuple[int, int]]) -> list[SentenceLike]:
    title = headline(sentences)
    return ([title] if title else []) + lead(sentences, paragraphs)


def candidates(sentences: Sequence[SentenceLike], vectors: np.ndarray, duplicate: float) -> list[int]:
    """Indices of the paragraph sentences long enough to be a point, a repeat of an earlier one dropped."""
    kept: list[int] = []
    for i, s in enumerate(sentences):
        if s.kind != "paragraph" or words(s.text) < MIN_POINT_WORDS:
            continue
        if kept and float(np.max(vectors[kept] @ vectors[i])) >= duplicate - 1e-6:
            continue
        if any(sentences[j].text == s.text for j in kept):
            continue
        kept.append(i)
    return kept


def main_points(sentences: Sequence[SentenceLike], vectors: np.ndarray, choice: Choice | None = None,
                k: int | None = None) -> list[int]:
    """Indices (into ``sentences``, in the article's order) of the ``k`` main points.
    ``vectors``: one unit-length row per sentence."""
    choice = choice or fitted()
    k = k or choice.k
    vectors = _unit_rows(vectors)
    pool = candidates(sentences, vectors, choice.duplicate)
    if len(pool) <= k:
        return pool
    centre = vectors[pool].mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    scores = {i: float(vectors[i] @ centre) + choice.lead / (1 + rank) for rank, i in enumerate(pool)}
    chosen: list[int] = []
    for i in sorted(pool, key=lambda i: -scores[i]):
        if chosen and float(np.max(vectors[chosen] @ vectors[i])) >= choice.duplicate - 1e-6:
            continue
        chosen.append(i)
        if len(chosen) == k:
            break
    return sorted(chosen)


def points_for(length: int) -> int:
    """How many main points an article of ``length`` sentences gets: three to five."""
    return max(3, min(5, length // 6))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
