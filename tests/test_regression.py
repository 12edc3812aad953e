"""The regression question set (seeds/questions.jsonl): every case must pass."""
from __future__ import annotations

import pytest

from qa.api import ask
from qa.evaluation.regression import PASS_F1, load_cases, score_case

pytestmark = pytest.mark.slow
CASES = load_cases()


def test_the_set_is_big_enough_and_well_formed():
    from conftest import SEED_ARTICLE
    from index.normalise import normalise

    text = normalise(SEED_ARTICLE.read_text(encoding="utf-8")).text
    answerable = [c for c in CASES if c.answerable]
    assert len(CASES) >= 40 and len(CASES) - len(answerable) >= 8
    assert len({c.id for c in CASES}) == len(CASES)
    for case in answerable:
        assert case.evidence in text, case.id
        assert any(a in case.evidence for a in case.answers), case.id


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_passes(seed_store, case):
    result = score_case(case, ask(case.question, store=seed_store))
    assert result["passed"], (
        f"{case.question!r}: got {result['answer']!r} (found={result['found']}, "
        f"confidence={result['confidence']}, F1={result['f1']:.2f} < {PASS_F1}?, cited={result['cited']}), "
        f"gold {list(case.answers)}")
