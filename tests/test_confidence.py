"""The confidence model: its weights file, its verdicts, and the features it reads."""
from __future__ import annotations

import json
import math

import pytest

from qa import confidence
from qa.confidence import Logistic, Model


def test_the_weights_file_says_what_it_was_fitted_on_and_covers_every_feature():
    data = json.loads(confidence.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["format"] == confidence.FORMAT
    for key in ("fitted_on", "command", "date", "goal", "threshold"):
        assert data[key], key
    assert "validate" not in json.dumps(data["fitted_on"])   # never fitted on the validation split
    for name in ("correct", "answerable"):
        assert set(data[name]["weights"]) == set(confidence.FEATURES)
    assert 0.0 < data["threshold"] < 1.0


def test_the_fitted_model_trusts_covered_questions_more_than_ones_with_absent_words():
    m = confidence.model()
    covered = {name: 0.0 for name in confidence.FEATURES} | {"coverage": 1.0, "dense": 0.7, "span": 0.8}
    lacking = covered | {"coverage": 0.3, "absent": 0.7, "dense": 0.2}
    assert m.correct.probability(covered) > m.correct.probability(lacking)
    assert m.answerable.probability(covered) > m.answerable.probability(lacking)


def _model(threshold: float = 0.5) -> Model:
    return Model(Logistic({"x": 4.0}, -2.0), Logistic({"y": 4.0}, -2.0), threshold, {})


@pytest.mark.parametrize("x, y, absent, verdict", [
    (1.0, 1.0, 0.0, "answer"),    # p(answerable) = 0.88 >= 0.5
    (1.0, 0.0, 0.0, "unsure"),    # p(answerable) = 0.12, every question word is in the article
    (1.0, 0.0, 0.3, "absent"),    # ... some are found nowhere in it
])
def test_verdicts(x, y, absent, verdict):
    score, answerable, got = _model().verdict({"x": x, "y": y, "absent": absent})
    assert got == verdict
    assert score == pytest.approx(1 / (1 + math.exp(-(4.0 * x - 2.0))))
    assert answerable == pytest.approx(1 / (1 + math.exp(-(4.0 * y - 2.0))))


def test_the_confidence_is_the_span_model_and_the_verdict_the_answerability_model():
    # a span the model doubts is still given when the article surely answers
    score, _, got = _model().verdict({"x": 0.0, "y": 1.0})
    assert score < 0.2 and got == "answer"


def test_a_threshold_override_wins():
    assert _model(0.5).verdict({"x": 0.0, "y": 0.0}, threshold=0.05)[2] == "answer"


def test_contributions_are_weight_times_value():
    assert Logistic({"a": 2.0, "b": -1.0}, 0.5).contributions({"a": 0.5, "b": 3.0}) == {"a": 1.0, "b": -3.0}


def test_a_weights_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="fit_confidence"):
        confidence.load(path)
