"""Whether the article answers the question: the evidence signals the confidence model weighs.

Each content word of the question is looked for in the answer's sentence and its neighbours
(the evidence), and the signals are IDF-weighted shares of the question's words (each in [0, 1]):

- coverage: found there as itself (the same word or lemma);
- related: found there only as a related word from WordNet (a synonym of one of its frequent
  senses, or a derivation: "die" ~ "death", "operate" ~ "operator");
- bridged: found only in another retrieved sentence that names the same people (the article
  said who "the brothers" are elsewhere);
- absent: found nowhere in the searched articles, and not as a related word in the evidence
  (a "population" the article never mentions);
- dense: cosine similarity of question and sentence embeddings;
- own: found in the answer's own sentence outside the answer's words (how much of the question
  the cited sentence covers beyond the span itself).

``qa.confidence`` weighs them (the weights are fitted), with the reader's span score and the
question's kind, into the probability that the answer is right and that the article answers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from index import nlp
from qa import lexicon


@dataclass(frozen=True)
class Signals:
    coverage: float
    related: float
    bridged: float
    absent: float
    dense: float
    span: float
    own: float = 0.0
    words: tuple[tuple[str, str], ...] = field(default=(), compare=False)   # (question word, where found)


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


@dataclass(frozen=True)
class WordStats:
    """The question's content words ({lemma: surface}) and their sentence frequencies."""

    words: Mapping[str, str]
    frequencies: Mapping[str, int]   # by surface form
    total: int                       # sentences searched

    def idf_by_lemma(self) -> dict[str, float]:
        return {lemma: idf(self.frequencies.get(surface, 0), self.total)
                for lemma, surface in self.words.items()}


def signals(question: str, evidence: Sequence[str], *, dense: float, span: float,
            stats: WordStats, bridges: Sequence[str] = (), own: tuple[str, int, int] = ("", 0, 0)) -> Signals:
    """The signals for an answer drawn from ``evidence`` (its sentence and neighbours).
    ``bridges``: other sentences that name someone the evidence names; ``own``: the answer's
    sentence with the answer's [start, end) inside it."""
    words, frequencies = stats.words, stats.frequencies
    if not words:
        return Signals(0.0, 0.0, 0.0, 0.0, max(dense, 0.0), span)
    seen = _lemmas_and_words(evidence)
    bridged = _lemmas_and_words(bridges) if bridges else set()
    where = {lemma: _where(lemma, surface, seen, bridged, frequencies.get(surface, 0))
             for lemma, surface in words.items()}
    weights = stats.idf_by_lemma()
    norm = sum(weights.values()) or 1.0

    def share(kind: str) -> float:
        return sum(w for lemma, w in weights.items() if where[lemma][0] == kind) / norm

    outside = _lemmas_outside(*own)
    own_share = sum(w for lemma, w in weights.items() if lemma in outside or words[lemma] in outside) / norm
    shown = tuple((words[lemma], text) for lemma, (_, text) in where.items())
    return Signals(share("exact"), share("related"), share("bridged"), share("absent"), max(dense, 0.0), span,
                   own_share, shown)


def _lemmas_outside(sentence: str, start: int, end: int) -> set[str]:
    """Lemmas and words of ``sentence`` outside its characters [start, end) (the answer)."""
    if not sentence:
        return set()
    tokens = [t for t in nlp.parse(sentence) if not start <= t.idx < end]
    return {t.lemma_.lower() for t in tokens} | {t.lower_ for t in tokens}


def _lemmas_and_words(texts: Sequence[str]) -> set[str]:
    tokens = [t for doc in nlp.parse_all(list(texts)) for t in doc]
    return {t.lemma_.lower() for t in tokens} | {t.lower_ for t in tokens}


def _where(lemma: str, surface: str, seen: set[str], bridged: set[str], frequency: int) -> tuple[str, str]:
    """(kind, what a person reads under "Why?") for one question word."""
    if lemma in seen or surface in seen:
        return "exact", "in the answer's sentence or next to it"
    stand_in = sorted(set(lexicon.related(lemma)) & seen)
    if stand_in:
        return "related", f"as the related word '{stand_in[0]}' (WordNet)"
    if lemma in bridged or surface in bridged:
        return "bridged", "beside the same name nearby"
    if frequency:
        return "elsewhere", "elsewhere in the article, not near the answer"
    return "absent", "nowhere in the article"
