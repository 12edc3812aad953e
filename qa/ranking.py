"""Which article a question is about, when the store holds many.

Sentence retrieval alone lets a sentence of another article win on a shared word or two. So
when the sentences found come from more than one article, each of those articles is scored as
a whole, with named features, and its score lifts or lowers its sentences:

- ``sentence``: the best fused score among its sentences (what retrieval alone would say);
- ``article``: BM25 of the question's words over the article's whole text and title, as a
  z-score among the articles the article search matched (FTS5 over the ``documents`` table);
- ``share``: the share of the sentences found that are the article's.

A logistic model over them (weights in ``qa/fitted/articles.json``, written by
``python -m qa.evaluation.fit_articles`` on archives built from the fit split) gives the
article's log-odds of being the one asked about; ``lift`` times their z-score over the
articles found is added to each of its sentences' fused scores. With one article, or a store
whose article search predates it, nothing changes. (A title-only BM25 was tried: the fit
archives have no headlines, so it could not be fitted, and it was left out.)
"""
from __future__ import annotations

import collections
import functools
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

WEIGHTS_FILE = Path(__file__).resolve().parent / "fitted" / "articles.json"
FEATURES = ("sentence", "article", "share")
MATCHED = 50     # articles the article search returns per question


@dataclass(frozen=True)
class Model:
    weights: Mapping[str, float]
    bias: float
    lift: float

    def log_odds(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())


@functools.lru_cache(maxsize=1)
def model(path: Path = WEIGHTS_FILE) -> Model | None:
    """The fitted article model, or None before one is fitted."""
    if not Path(path).exists():
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Model(data["weights"], data["bias"], data["lift"])


def article_features(sources: Sequence[str], fused: Sequence[float],
                     matches: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Per article among ``sources`` (the article of each sentence found, with its fused score):
    its named features."""
    best: dict[str, float] = {}
    for source, score in zip(sources, fused):
        best[source] = max(best.get(source, score), score)
    whole = _z_with_floor(matches, best)
    found = collections.Counter(sources)
    return {s: {"sentence": best[s], "article": whole[s], "share": found[s] / len(sources)} for s in best}


def _z_with_floor(scores: Mapping[str, float], wanted: Mapping[str, float]) -> dict[str, float]:
    """z-scores over the matched articles; an article not matched gets the lowest one's score."""
    values = list(scores.values())
    if len(values) < 2:
        return {s: 0.0 for s in wanted}
    mean, spread = statistics.fmean(values), statistics.pstdev(values) or 1.0
    floor = min(values)
    return {s: (scores.get(s, floor) - mean) / spread for s in wanted}


def lifts(sources: Sequence[str], fused: Sequence[float], matches: Mapping[str, float],
          fitted: Model | None) -> list[float]:
    """What each sentence's fused score gains from its article's score (0 with one article)."""
    if fitted is None or len(set(sources)) < 2:
        return [0.0] * len(sources)
    features = article_features(sources, fused, matches)
    odds = {s: fitted.log_odds(f) for s, f in features.items()}
    mean, spread = statistics.fmean(odds.values()), statistics.pstdev(odds.values()) or 1.0
    return [fitted.lift * (odds[s] - mean) / spread for s in sources]
