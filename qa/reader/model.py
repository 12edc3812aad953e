"""The span scorer: a log-linear model over the named features, its weights fitted to data.

A question's candidates compete in a softmax: ``score = exp(w . f) / sum(exp(w . f'))``, so a
candidate's score is the model's probability that it is the answer among those read. The
weights live in ``qa/fitted/reader.json`` (written by ``python -m qa.evaluation.fit_reader``,
with the data, sample and date they were fitted on); features it does not name weigh 0.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "fitted" / "reader.json"
FORMAT = 1


@dataclass(frozen=True)
class SpanModel:
    weights: Mapping[str, float]
    meta: Mapping[str, object]

    def logit(self, feats: Mapping[str, float]) -> float:
        w = self.weights
        return sum(w[name] * value for name, value in feats.items() if name in w)

    def probabilities(self, many: Sequence[Mapping[str, float]]) -> list[float]:
        """Softmax over the candidates of one question."""
        if not many:
            return []
        logits = [self.logit(f) for f in many]
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        return [e / total for e in exps]


def load(path: Path = WEIGHTS_FILE) -> SpanModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} has format {data.get('format')!r}, this version reads {FORMAT}; "
                         f"refit with `python -m qa.evaluation.fit_reader`.")
    return SpanModel(dict(data["weights"]), {k: v for k, v in data.items() if k != "weights"})


@functools.lru_cache(maxsize=1)
def model() -> SpanModel:
    """The fitted span model, read once per process."""
    return load()
