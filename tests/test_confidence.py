"""The confidence model: its weights file, its verdicts, and the features it reads."""
from __future__ import annotations

import json
import math

import pytest

from qa import confidence
from qa.confidence import Logistic, Model, Policy
from qa.evaluation import fit_confidence


def test_the_weights_file_says_what_it_was_fitted_on_and_covers_every_feature():
    data = json.loads(confidence.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["format"] == confidence.FORMAT
    for key in ("fitted_on", "command", "date", "policy"):
        assert data[key], key
    assert "validate" not in json.dumps(data["fitted_on"])   # never fitted on the validation split
    for name in ("correct", "answerable"):
        assert set(data[name]["weights"]) == set(confidence.FEATURES)
    policy = data["policy"]
    assert 0.5 <= policy["answer"] < 1.0 and 0.0 < policy["answerable"] < 1.0
    assert policy["answer_rule"] and policy["answerable_rule"]


def test_the_fitted_model_trusts_covered_questions_more_than_ones_with_absent_words():
    m = confidence.model()
    covered = {name: 0.0 for name in confidence.FEATURES} | {"coverage": 1.0, "dense": 0.7, "span": 0.8}
    lacking = covered | {"coverage": 0.3, "absent": 0.7, "dense": 0.2}
    assert m.correct.probability(covered) > m.correct.probability(lacking)
    assert m.answerable.probability(covered) > m.answerable.probability(lacking)


def _model(answer: float = 0.5, answerable: float = 0.5) -> Model:
    return Model(Logistic({"x": 4.0}, -2.0), Logistic({"y": 4.0}, -2.0), Policy(answer, answerable), {})


@pytest.mark.parametrize("x, y, verdict", [
    (1.0, 1.0, "answer"),    # P(correct) = 0.88 >= 0.5
    (1.0, 0.0, "answer"),    # ... whatever the answerability says
    (0.0, 1.0, "unsure"),    # P(correct) = 0.12, P(answerable) = 0.88: the article answers, the span is doubtful
    (0.0, 0.0, "absent"),    # both low: not in the article
])
def test_verdicts(x, y, verdict):
    score, answerable, got = _model().verdict({"x": x, "y": y})
    assert got == verdict
    assert score == pytest.approx(1 / (1 + math.exp(-(4.0 * x - 2.0))))
    assert answerable == pytest.approx(1 / (1 + math.exp(-(4.0 * y - 2.0))))


def test_a_span_below_the_answer_threshold_is_never_the_answer():
    model = _model(answer=0.7)
    for x in (0.0, 0.3, 0.6, 0.7, 0.72):
        for y in (0.0, 1.0, 3.0):
            score, _, got = model.verdict({"x": x, "y": y})
            assert (got == "answer") == (score >= 0.7)


def test_a_threshold_override_wins():
    assert _model(0.5).verdict({"x": 0.0, "y": 0.0}, threshold=0.05)[2] == "answer"


def test_the_policy_chooses_the_lowest_precise_threshold_from_the_floor():
    curve = [{"threshold": t, "coverage": 1 - t, "precision": p}
             for t, p in ((0.4, 0.8), (0.5, 0.70), (0.55, 0.73), (0.6, 0.71), (0.65, 0.8))]
    assert fit_confidence.choose_answer_threshold(curve) == 0.55   # 0.4 is below the floor of 0.5
    assert fit_confidence.choose_answer_threshold(curve[:2]) == 0.5  # none precise enough: the highest


def test_the_answerable_threshold_keeps_the_answerable_questions_shown():
    import numpy as np

    answerable = np.array([True] * 10 + [False] * 10)
    answered = np.zeros(20, dtype=bool)
    p = np.concatenate([np.linspace(0.5, 0.95, 10), np.linspace(0.05, 0.6, 10)])
    t = fit_confidence.choose_answerable_threshold(answerable, answered, p)
    assert (p[answerable] >= t).mean() >= fit_confidence.SHOWN_ANSWERABLE
    assert t == pytest.approx(0.5)   # as high as it can go while 92% of the answerable stay shown


def test_contributions_are_weight_times_value():
    assert Logistic({"a": 2.0, "b": -1.0}, 0.5).contributions({"a": 0.5, "b": 3.0}) == {"a": 1.0, "b": -3.0}


def test_a_weights_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="fit_confidence"):
        confidence.load(path)
