"""The evidence signals on small made-up cases (real spaCy, real WordNet tables)."""
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
    assert s.coverage == pytest.approx(1.0) and s.absent == 0.0 and s.related == 0.0
    assert dict(s.words) == {w: "in the answer's sentence or next to it" for w in ("harbour", "bridge", "reopen")}


def test_words_found_nowhere_are_absent():
    q = "What is the population of the harbour town?"
    s = abstain.signals(q, EVIDENCE, dense=0.3, span=0.5, stats=stats_for(q, {"harbour"}))
    assert s.absent > 0.4 and s.coverage < 0.6
    assert dict(s.words)["population"] == "nowhere in the article"


def test_a_word_elsewhere_in_the_article_is_neither_covered_nor_absent():
    q = "Who painted the harbour bridge?"
    s = abstain.signals(q, EVIDENCE, dense=0.5, span=0.5, stats=stats_for(q, {"harbour", "bridge", "painted"}))
    assert s.absent == 0.0 and s.coverage < 1.0
    assert dict(s.words)["painted"] == "elsewhere in the article, not near the answer"


@pytest.mark.parametrize("question, evidence, word, related", [
    ("Who owns the ferry?", "The ferry's owner, Tom Reyes, sold it in May.", "owns", "owner"),    # derivation
    ("When did the two sailors die?", "The deaths of the two sailors were ruled accidental.", "die", "death"),
    ("What did the council purchase?", "The council bought a new ferry.", "purchase", "buy"),     # synonym
])
def test_a_wordnet_related_word_in_the_evidence_counts_as_related(question, evidence, word, related):
    s = abstain.signals(question, [evidence], dense=0.6, span=0.6, stats=stats_for(question, set()))
    assert s.related > 0 and s.absent < 1.0
    assert dict(s.words)[word] == f"as the related word '{related}' (WordNet)"


def test_a_word_beside_the_same_name_elsewhere_is_bridged():
    q = "How old is the sister Joan Hale?"
    evidence = ["The 51-year-old Joan Hale opened the shop."]
    bridge = ["Two sisters, Ann and Joan Hale, run the bakery."]
    s = abstain.signals(q, evidence, dense=0.5, span=0.5, stats=stats_for(q, {"sister", "joan", "hale"}), bridges=bridge)
    assert s.bridged > 0 and dict(s.words)["sister"] == "beside the same name nearby"
