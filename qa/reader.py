"""Extractive reader: picks the answer span inside the best retrieved sentences.

Placeholder until the feature-based reader lands: answers with the best sentence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.passage import Passage


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int      # offsets into the document text (inside passage.start..passage.end)
    end: int
    text: str       # == document_text[start:end]
    score: float    # in [0, 1]; higher is better
    kind: str = "span"   # "span" or "sentence" (fallback: the whole sentence)


def read(question: str, passages: Sequence[Passage]) -> list[Candidate]:
    """Candidates best first; empty only when there are no passages."""
    return [Candidate(p, p.start, p.end, p.text, p.score, "sentence") for p in passages[:1]]
