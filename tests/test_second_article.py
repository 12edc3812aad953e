"""Nothing is tied to the seed: a different article, written for this test, in Markdown."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from qa.api import ask
from qa.evaluation.regression import PASS_F1
from qa.evaluation.squad import f1_score
from qa.library import get_article
from qa.settings import Settings

pytestmark = pytest.mark.slow
ARTICLE = Path(__file__).parent / "data" / "lighthouse_article.md"

QUESTIONS = [
    ("Who chairs the heritage trust?", "Peter Okafor"),
    ("When was the lighthouse built?", "1868"),
    ("How much will the repairs cost?", "about 2.3 million euros"),
    ("Which company suspended the ferry crossings?", "Blue Channel Lines"),
    ("How many people live on the island?", "About 600"),
    ("How old is Anna Brekke?", "64"),
    pytest.param("How many boats were damaged in the harbour?", "eleven", marks=pytest.mark.xfail(
        strict=True, reason='answers "one" of "one of eleven vessels damaged"')),
    pytest.param("Where was the weather station that recorded the gusts?", "Dunmore", marks=pytest.mark.xfail(
        strict=True, reason='answers "nearby weather station in Dunmore": the whole phrase, F1 0.4')),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("second") / "store"
    build_index(path, [ARTICLE])
    return path


@pytest.mark.parametrize("question, gold", QUESTIONS)
def test_answers_come_from_the_new_article(store, question, gold):
    answer = ask(question, store=store)
    assert answer.found, f"{question!r} abstained (confidence {answer.confidence:.2f})"
    assert f1_score(answer.text, gold) >= PASS_F1, f"{question!r}: {answer.text!r} vs gold {gold!r}"
    assert answer.citations[0].source == "lighthouse_article.md"


def test_markdown_is_normalised_with_offsets(store):
    view = get_article("lighthouse_article.md", Settings(store=store))
    assert view.title == "Storm damages historic lighthouse on Kessel Island"
    assert "**" not in view.text and "#" not in view.text
    kinds = [b.kind for b in view.blocks]
    assert kinds[:2] == ["title", "byline"] and "heading" in kinds


def test_a_question_the_article_does_not_answer(store):
    assert not ask("Who is the mayor of Dunmore?", store=store).found
