"""A retrieved sentence, as retrieval hands it to the reader."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    source: str      # document name
    start: int       # offsets into that document's text
    end: int
    text: str        # == document_text[start:end]
    kind: str        # "paragraph", "heading" or "title"
    position: int    # sentence number within the document
    score: float     # fused retrieval score in [0, 1], higher is better
    lexical: float = 0.0   # BM25 score (raw, >= 0)
    dense: float = 0.0     # cosine similarity of question and sentence embeddings
    rank: int = 0          # 0 = best


def first_word(text: str) -> str:
    """The sentence's first word, lower-cased, without an opening quote or bracket ("it")."""
    words = text.split(maxsplit=1)
    return words[0].strip("\"'“‘(").lower() if words else ""
