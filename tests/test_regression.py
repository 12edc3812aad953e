"""The regression question set (seeds/questions.jsonl): every case passes but the listed misses."""
from __future__ import annotations

import pytest

from qa.api import ask
from qa.evaluation.regression import PASS_F1, load_cases, score_case

pytestmark = pytest.mark.slow
CASES = load_cases()
# Cases that miss, each with what happens; a listed case that passes again fails (strict xfail).
# No floor (issue 17): every miss is listed with its reason. A case passes when the answer is
# given ("answer", P(correct) at or above the policy's threshold) and right; a right span shown
# only as "Not sure" is a miss here, with its guess and confidence in the reason.
NOT_SURE = "right words shown as 'Not sure: {}' (confidence {}): below the answer threshold of 0.50"
KNOWN_MISSES = {
    "a02": NOT_SURE.format("editorial board director", 0.28),
    "a06": 'Not sure: "having its accreditation revoked in February" for "via illegal financing" (a how-question '
           'answered with the other participle of the sentence)',
    "a07": 'answers "Belousov and Kartavykh" (0.54) for "up to 12 years": "term" is not aligned with "sentence"',
    "a10": 'Not sure: the whole reported clause for "deeply concerned" (F1 0.24)',
    "a12": NOT_SURE.format("computer equipment seized", 0.17),
    "a15": NOT_SURE.format("Friday", 0.29),
    "a20": 'Not sure: "60-year-old Huseyn Safarov" for "55-year-old": the other brother\'s age',
    "a21": 'Not sure: "criminal investigation into the two deaths" for "post-traumatic shock ...": '
           '"blame X on" is not aligned with "attributed X to"',
    "a26": NOT_SURE.format("Grozny", 0.49),
    "a28": NOT_SURE.format("Ilham Aliyev", 0.47),
    "a25": 'Not sure: "38" of "killing 38 of 67 people aboard" for "67"',
    "a29": NOT_SURE.format('hush up" what happened', 0.21),
    "a31": NOT_SURE.format("Russia's Victory Day parade", 0.29),
    "a34": 'Not sure: "tried to "hush up" what happened" from another sentence for "tragic incident"',
    "a39": 'Not sure: "alleged fraud" for the whole enumeration (F1 0.33): the enumerations generator did not pay',
    "u04": "unanswerable (when will the trial begin), answered 'at least four months' (confidence 0.62): "
           "a time the detention sentence gives",
}
MOST_MISSES = 16   # keeps the count from growing unnoticed; every other case is asserted


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


def test_the_listed_misses_are_real_cases_and_no_more_than_recorded():
    assert len(KNOWN_MISSES) <= MOST_MISSES
    assert set(KNOWN_MISSES) <= {c.id for c in CASES}


def _listed(case):
    if case.id in KNOWN_MISSES:
        return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[case.id]))
    return case


@pytest.mark.parametrize("case", [_listed(c) for c in CASES], ids=[c.id for c in CASES])
def test_case_passes(seed_store, case):
    result = score_case(case, ask(case.question, store=seed_store))
    assert result["passed"], (
        f"{case.question!r}: got {result['answer']!r} (found={result['found']}, "
        f"confidence={result['confidence']}, F1={result['f1']:.2f} < {PASS_F1}?, cited={result['cited']}), "
        f"gold {list(case.answers)}")
