"""The abstention signals on small made-up cases (real spaCy and MiniLM)."""
from __future__ import annotations

import pytest

from qa import abstain

pytestmark = pytest.mark.slow

EVIDENCE = ["The harbour bridge reopened on Tuesday after engineers replaced 42 steel cables."]


def stats_for(question: str, present: set[str], total: int = 40) -> abstain.WordStats:
    words = abstain.content_lemmas(question)
    return abstain.WordStats(words, {s: (3 if s in present else 0) for s in words.values()}, total)


def test_a_question_the_evidence_covers_is_fully_covered():
    q = "When did the harbour bridge reopen?"
    s = abstain.signals(q, EVIDENCE, dense=0.7, span=0.8, stats=stats_for(q, {"harbour", "bridge", "reopen"}))
    assert s.coverage == pytest.approx(1.0) and s.absent == 0.0
    assert dict(s.words) == {w: "in the answer's sentence or next to it" for w in ("harbour", "bridge", "reopen")}


def test_words_found_nowhere_are_absent():
    q = "What is the population of the harbour town?"
    s = abstain.signals(q, EVIDENCE, dense=0.3, span=0.5, stats=stats_for(q, {"harbour"}))
    assert s.absent > 0.4 and s.coverage < 0.6
    assert dict(s.words)["population"] == "nowhere in the article"


def test_a_close_word_stands_in_partly():
    stand_in = abstain.closeness(["staff", "volcano"], ["employees", "bridge", "cables"])
    assert stand_in["staff"] > 0.5 > stand_in["volcano"]


def test_a_near_synonymous_verb_counts_as_found():
    # the reader accepts "called" for "describe"; coverage must agree with it
    q = "How did the engineers describe the bridge?"
    evidence = ["The engineers called the bridge a marvel of its time."]
    s = abstain.signals(q, evidence, dense=0.6, span=0.6, stats=stats_for(q, {"engineer", "describe", "bridge"}))
    assert s.coverage == pytest.approx(1.0) and s.absent == 0.0
