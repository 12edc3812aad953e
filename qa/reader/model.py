"""The span scorer: a log-linear model over the named features, its weights fitted to data.

A question's candidates compete in a softmax: ``score = exp(w . f) / sum(exp(w . f'))``, so a
candidate's score is the model's probability that it is the answer among those read. The
weights live in ``qa/fitted/reader.json`` (written by ``python -m qa.evaluation.fit_reader``,
with the data, sample and date they were fitted on); features it does not name weigh 0.

Yes/no questions have weights of their own: their answer is not a name or a number but the
clause that settles them ("Did the council approve the plan?" -> "voted to reject the plan"),
fitted on CoQA's yes/no turns against the span the annotators marked as the support.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "fitted" / "reader.json"
FORMAT = 1


@dataclass(frozen=True)
class SpanModel:
    weights: Mapping[str, float]
    meta: Mapping[str, object]
    yes_no: Mapping[str, float] = field(default_factory=dict)   # the weights for yes/no questions

    def logit(self, feats: Mapping[str, float], yes_no: bool = False) -> float:
        w = self.yes_no if yes_no and self.yes_no else self.weights
        return sum(w[name] * value for name, value in feats.items() if name in w)

    def probabilities(self, many: Sequence[Mapping[str, float]], yes_no: bool = False) -> list[float]:
        """Softmax over the candidates of one question (``yes_no``: a yes/no question)."""
        if not many:
            return []
        logits = [self.logit(f, yes_no) for f in many]
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        return [e / total for e in exps]


def load(path: Path = WEIGHTS_FILE) -> SpanModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} has format {data.get('format')!r}, this version reads {FORMAT}; "
                         f"refit with `python -m qa.evaluation.fit_reader`.")
    return SpanModel(dict(data["weights"]), {k: v for k, v in data.items() if k not in ("weights", "yes_no")},
                     dict(data.get("yes_no", {}).get("weights", {})))


@functools.lru_cache(maxsize=1)
def model() -> SpanModel:
    """The fitted span model, read once per process."""
    return load()
