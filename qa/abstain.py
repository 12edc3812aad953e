"""Whether the article answers the question: the evidence signals the confidence model weighs.

Signals (each in [0, 1]):
- coverage: IDF-weighted share of the question's content words found in the answer's sentence
  or its neighbours; a word counts partly when a word of the evidence is close to it in
  MiniLM's word-piece table ("phoned" ~ "called"), so paraphrases are not mistaken for missing content;
- absent: IDF-weighted share of content words that occur nowhere in the searched articles
  and have no close word in the evidence (a "population" the article never mentions);
- dense: cosine similarity of question and sentence embeddings.
``qa.confidence`` turns them, with the reader's span score and the question's kind, into the
probability that the answer is right.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from index import nlp
from qa.question import frame_lemmas, is_agent_noun, related_verbs

SYNONYM_FLOOR = 0.15   # word cosine below which a word of the evidence does not stand in
SYNONYM_FULL = 0.45    # at or above: as good as the word itself
BRIDGE = 0.75          # a word found beside the same name elsewhere ("Two sisters, Ann and Joan
                       # Hale" bridges "sister" to "51-year-old Joan Hale")


@dataclass(frozen=True)
class Signals:
    coverage: float
    absent: float
    dense: float
    span: float
    words: tuple[tuple[str, str], ...] = field(default=(), compare=False)   # (question word, where found)


def content_lemmas(text: str) -> dict[str, str]:
    """{lemma: surface} for content words: "Who was charged?" -> {"charge": "charged"}. The words
    that only name the kind of answer ("What *year* ...?") are no content."""
    out: dict[str, str] = {}
    frame = frame_lemmas(text)
    for tok in nlp.parse(text):
        if tok.is_stop or tok.is_punct or tok.is_space or not any(c.isalnum() for c in tok.text):
            continue
        if tok.lemma_.lower() in frame:
            continue
        out[tok.lemma_.lower()] = tok.text.lower()
    return out


def idf(df: int, total: int) -> float:
    return math.log((total + 1) / (df + 0.5))


@dataclass(frozen=True)
class WordStats:
    """The question's content words ({lemma: surface}) and their sentence frequencies."""

    words: Mapping[str, str]
    frequencies: Mapping[str, int]   # by surface form
    total: int                       # sentences searched

    def idf_by_lemma(self) -> dict[str, float]:
        return {lemma: idf(self.frequencies.get(surface, 0), self.total)
                for lemma, surface in self.words.items()}


def closeness(missing: Sequence[str], evidence_words: Sequence[str]) -> dict[str, float]:
    """For each missing question word, how well the closest evidence word stands in, in [0, 1]."""
    if not missing or not evidence_words:
        return {w: 0.0 for w in missing}
    q = _vectors(missing)
    e = _vectors(evidence_words)
    best = (q @ e.T).max(axis=1)
    scale = lambda s: min(1.0, max(0.0, (s - SYNONYM_FLOOR) / (SYNONYM_FULL - SYNONYM_FLOOR)))  # noqa: E731
    return {w: scale(float(s)) for w, s in zip(missing, best)}


def _vectors(words: Sequence[str]) -> np.ndarray:
    from index.embed import Embedder

    return np.asarray(Embedder().word_vectors(list(words)), dtype=np.float32)


def signals(question: str, evidence: Sequence[str], *, dense: float, span: float,
            stats: WordStats, bridges: Sequence[str] = ()) -> Signals:
    """The four signals for an answer drawn from ``evidence`` (its sentence and neighbours).
    ``bridges``: other sentences that name someone the evidence names; a question word found
    there counts ``BRIDGE`` (the article said who "the brothers" are elsewhere)."""
    words, frequencies = stats.words, stats.frequencies
    if not words:
        return Signals(0.0, 0.0, max(dense, 0.0), span)
    tokens = [t for doc in nlp.parse_all(list(evidence)) for t in doc]
    seen = {t.lemma_.lower() for t in tokens} | {t.lower_ for t in tokens}
    # a near-synonymous verb the reader also accepts counts as found ("describe" ~ "called")
    missing = [lemma for lemma, surface in words.items()
               if lemma not in seen and surface not in seen and not related_verbs(lemma) & seen
               and not any(is_agent_noun(word, lemma) for word in seen)]   # "operator" ~ "operates"
    evidence_words = sorted({t.lower_ for t in tokens if t.is_alpha and not t.is_stop})
    stand_in = closeness(missing, evidence_words)
    if bridges and missing:
        bridged = {t.lemma_.lower() for doc in nlp.parse_all(list(bridges)) for t in doc}
        stand_in.update({lemma: max(stand_in[lemma], BRIDGE) for lemma in missing if lemma in bridged})
    weights = stats.idf_by_lemma()
    norm = sum(weights.values()) or 1.0
    covered = sum(w * (stand_in[lemma] if lemma in stand_in else 1.0) for lemma, w in weights.items())
    absent = sum(w * (1.0 - stand_in[lemma]) for lemma, w in weights.items()
                 if lemma in stand_in and frequencies.get(words[lemma], 0) == 0)   # missing here too
    where = tuple((surface, _where(lemma, stand_in, frequencies.get(surface, 0))) for lemma, surface in words.items())
    return Signals(covered / norm, absent / norm, max(dense, 0.0), span, where)


def _where(lemma: str, stand_in: Mapping[str, float], frequency: int) -> str:
    """Where a question word was found, in words a person reads under "Why?"."""
    if lemma not in stand_in:
        return "in the answer's sentence or next to it"
    if stand_in[lemma] >= BRIDGE:
        return "as a close word or beside the same name nearby"
    if stand_in[lemma] > 0:
        return f"only as a loosely related word ({stand_in[lemma]:.0%})"
    return "elsewhere in the article, not near the answer" if frequency else "nowhere in the article"
