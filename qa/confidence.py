"""The confidence of an answer: the probability that it is right, and what a person is shown.

Named features (one small function each, all in ``FEATURES``) describe the reader's best span,
its evidence and the question. Two logistic models over them live in a versioned weights file
(``qa/fitted/confidence.json``, written by ``python -m qa.evaluation.fit_confidence``; never
typed into code):

- ``correct``: the probability that the shown span is right (SQuAD F1 >= 0.5 against the
  gold), fitted on the fit split with a realistic share of unanswerable questions (for which no
  span is right). This is ``Answer.confidence``, P(correct).
- ``answerable``: the probability that the article answers the question at all.

The verdict (``Policy``, thresholds in the weights file, chosen on the fit split):

- ``"answer"`` when P(correct) reaches ``policy.answer``: the lowest threshold of at least 0.5
  at which the fit split's shown answers are right often enough (the rule is in the file);
- ``"unsure"`` ("Not sure", the tentative span shown) when the span is doubtful but the article
  probably answers: P(answerable) reaches ``policy.answerable``;
- ``"absent"`` ("Not in the article", the closest passages shown) otherwise.

No span whose P(correct) is below the answer threshold is ever given as the answer.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from qa.abstain import Signals
from qa.passage import Passage
from qa.question import Question

WEIGHTS_FILE = Path(__file__).resolve().parent / "fitted" / "confidence.json"
FORMAT = 2


@dataclass(frozen=True)
class Evidence:
    """Everything the features look at: the question, the reader's candidates, the passages."""

    question: Question
    followup: bool                 # the conversation rewrote the question
    candidates: Sequence           # reader.Candidate, best first
    passages: Sequence[Passage]    # retrieved, best first
    signals: Signals
    sentences: int = 0             # sentences in the searched articles

    @property
    def best(self):
        return self.candidates[0]


def _type(*kinds: str) -> Callable[[Evidence], float]:
    return lambda e: float(e.question.answer_type in kinds)


def _margin(e: Evidence) -> float:
    """How far the best span's score is ahead of the best span with other words."""
    best = e.best
    rival = next((c.score for c in e.candidates[1:] if c.text.lower() != best.text.lower()), 0.0)
    return best.score - rival


def _dense_margin(e: Evidence) -> float:
    """How much closer in meaning the best sentence is than the runner-up."""
    dense = sorted((p.dense for p in e.passages), reverse=True)
    return dense[0] - dense[1] if len(dense) > 1 else dense[0] if dense else 0.0


def _length(e: Evidence) -> float:
    """How long the searched articles are (log sentences): in a short post most of a question's
    words may be missing although it answers, in a long article rarely."""
    return math.log1p(e.sentences) / math.log1p(200)


FEATURES: dict[str, Callable[[Evidence], float]] = {
    "coverage": lambda e: e.signals.coverage,          # question's words found in the evidence
    "related": lambda e: e.signals.related,            # ... as related words (WordNet)
    "bridged": lambda e: e.signals.bridged,            # ... beside the same name nearby
    "absent": lambda e: e.signals.absent,              # ... found nowhere in the article
    "length": _length,
    "absent_x_length": lambda e: e.signals.absent * _length(e),
    "dense": lambda e: e.signals.dense,                # meaning: question vs answer's sentence
    "dense_margin": _dense_margin,
    "span": lambda e: e.best.score,                    # the reader's score of the span
    "margin": _margin,
    "first_passage": lambda e: float(e.best.passage.rank == 0),
    "whole_sentence": lambda e: float(e.best.kind == "sentence"),
    "answer_words": lambda e: math.log1p(len(e.best.text.split())),
    "question_words": lambda e: math.log1p(len(e.question.content)),
    "followup": lambda e: float(e.followup),
    "wants_name": _type("PERSON", "ORG", "PLACE"),
    "wants_date": _type("DATE"),
    "wants_number": _type("NUMBER"),
    "wants_reason": _type("REASON", "MANNER"),
    "wants_yesno": _type("YESNO"),
    "own": lambda e: e.signals.own,                    # question's words in the answer's sentence, outside it
}


# The answerability model does not see whether a question is a follow-up: the fit split's
# constructed unanswerable questions are all asked on their own, so it would learn that a
# follow-up is always answerable.
NOT_FOR_ANSWERABLE = frozenset({"followup"})


def features(evidence: Evidence) -> dict[str, float]:
    return {name: float(f(evidence)) for name, f in FEATURES.items()}


@dataclass(frozen=True)
class Logistic:
    weights: Mapping[str, float]
    bias: float

    def logit(self, feats: Mapping[str, float]) -> float:
        return self.bias + sum(w * feats.get(name, 0.0) for name, w in self.weights.items())

    def probability(self, feats: Mapping[str, float]) -> float:
        z = max(-50.0, min(50.0, self.logit(feats)))
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, feats: Mapping[str, float]) -> dict[str, float]:
        """What each feature added to the log-odds (weight x value)."""
        return {name: w * feats.get(name, 0.0) for name, w in self.weights.items()}


@dataclass(frozen=True)
class Policy:
    """What a person is shown, from the two probabilities (see the module docstring)."""

    answer: float        # P(correct) from which the span is the answer
    answerable: float    # P(answerable) from which a doubtful span is "Not sure" (else "Not in the article")

    def verdict(self, correct: float, answerable: float) -> str:
        if correct >= self.answer:
            return "answer"
        return "unsure" if answerable >= self.answerable else "absent"


@dataclass(frozen=True)
class Model:
    correct: Logistic
    answerable: Logistic
    policy: Policy
    meta: Mapping[str, object]

    @property
    def threshold(self) -> float:
        """The P(correct) from which an answer is given."""
        return self.policy.answer

    def verdict(self, feats: Mapping[str, float], threshold: float | None = None) -> tuple[float, float, str]:
        """(P(correct), P(answerable), verdict): verdict is "answer", "unsure" or "absent".
        ``threshold`` overrides the policy's answer threshold."""
        confidence, answerable = self.correct.probability(feats), self.answerable.probability(feats)
        policy = self.policy if threshold is None else Policy(threshold, self.policy.answerable)
        return confidence, answerable, policy.verdict(confidence, answerable)


def load(path: Path = WEIGHTS_FILE) -> Model:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} has format {data.get('format')!r}, this version reads {FORMAT}; "
                         f"refit with `python -m qa.evaluation.fit_confidence`.")
    models = {name: Logistic(dict(data[name]["weights"]), float(data[name]["bias"]))
              for name in ("correct", "answerable")}
    policy = Policy(float(data["policy"]["answer"]), float(data["policy"]["answerable"]))
    meta = {k: v for k, v in data.items() if k not in ("correct", "answerable", "policy")}
    return Model(models["correct"], models["answerable"], policy, meta)


@functools.lru_cache(maxsize=1)
def model() -> Model:
    """The fitted model, read once per process."""
    return load()
