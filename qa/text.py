"""Text normalisation the answering core shares with the evaluators.

``normalize_answer`` is the official SQuAD v1.1 normalisation: the reader compares candidate
spans with it (their expected F1), and ``qa.evaluation`` scores answers with it, so a span the
reader thinks overlaps another is scored the same way by the benchmark.

    >>> normalize_answer("The  1914 Borders!")
    '1914 borders'
"""
from __future__ import annotations

import re
import string

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (SQuAD v1.1)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())
