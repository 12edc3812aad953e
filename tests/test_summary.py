"""Questions about the article as a whole: recognised, and answered in the article's own words."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.normalise import normalise
from index.split import Sentence
from ui.cli.render_text import format_answer
from qa.summary import Request, choose, facts, recognise, request_for
from qa.types import Answer, Citation

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "tests" / "data" / "summary_article.md"
NAME = ARTICLE.name
SEED = "azerbaijan-russia-sputnik-arrests.txt"
# A made-up article that states no author, no date and no source.
PLAIN = ("Night buses return to Ostrava Row\n\nThe city council restored three night bus routes on Friday "
         "after a six-month pause. The routes had been cut when the operator ran short of drivers. Councillor "
         "Ines Varga said twelve drivers had been hired since January. Passengers had complained that the last "
         "bus left the centre at half past ten. The council said the routes would be reviewed in the autumn. "
         "Fares on the night routes stay the same as in the day. A survey found that most riders were shift "
         "workers at the hospital. The operator will add a fourth route in May if demand holds. Cyclists asked "
         "for secure racks at the main stops as well. The council said it would look at the request.\n")

WHOLE = {
    "What is this article about?": "gist", "What's the story about?": "gist", "tl;dr": "gist",
    "Give me the gist, please": "gist", "What happened?": "gist", "What is the headline?": "gist",
    "Summarize the article": "points", "Summarise this story for me": "points", "What are the main points?": "points",
    "Can you give me a short summary?": "points", "What are the key facts of the story?": "points",
    "Who wrote this article?": "byline", "Who is the author?": "byline", "Who is this article by?": "byline",
    "When was this article published?": "date", "What is the dateline?": "date",
    "Where is this story from?": "source", "Which news agency is this article from?": "source",
}
ORDINARY = ["What happened to the journalists?", "Who wrote the letter?", "Who is the mayor of Moscow?",
            "What is the title of the book?", "What did the summary say about the budget?",
            "Who reported the deaths?", "When was the ferry built?", "Where is the glassworks?"]


@pytest.mark.parametrize("question,kind", WHOLE.items())
def test_whole_article_wordings_are_recognised(question, kind):
    assert recognise(question).kind == kind


@pytest.mark.parametrize("question", ORDINARY)
def test_ordinary_questions_are_left_to_the_reader(question):
    assert recognise(question) is None


def test_no_seed_question_or_conversation_turn_is_taken_for_a_whole_article_question():
    questions = [json.loads(line)["question"] for line in (ROOT / "seeds/questions.jsonl").read_text().splitlines() if line]
    for line in (ROOT / "seeds/conversations.jsonl").read_text().splitlines():
        if line:
            questions += [t["question"] for t in json.loads(line)["turns"]]
    assert len(questions) > 50
    assert [q for q in questions if recognise(q)] == []


def test_bare_wordings_count_only_when_they_open_the_conversation():
    earlier = [{"role": "user", "content": "Who won the prize?"}, {"role": "assistant", "content": "Ada Byrne"}]
    assert request_for("What happened?", None).kind == "gist"
    assert request_for("What happened?", earlier) is None
    assert request_for("Who is the author?", earlier) is None
    assert request_for("What is this article about?", earlier).kind == "gist"


def test_a_follow_up_asks_the_same_of_another_article():
    earlier = [{"role": "user", "content": "Summarise the article"}, {"role": "assistant", "content": "..."}]
    assert request_for("And the second article?", earlier) == Request("points", 1)
    assert request_for("What about the other one?", earlier).other
    assert request_for("And the second article?", None) is None


def _blocks(text: str):
    doc = normalise(text)
    return doc.text, [(b.kind, b.start, b.end) for b in doc.blocks]


def test_byline_date_and_source_are_the_article_s_own_words():
    text, blocks = _blocks(ARTICLE.read_text())
    found = {kind: finder(text, blocks) for kind, finder in facts.FINDERS.items()}
    assert {k: text[f.start:f.end] for k, f in found.items()} == {
        "byline": "Tomasz Ilic and Maud Ferreira", "date": "14 March 2024", "source": "Valley Wire"}


def test_an_article_that_states_none_gives_none():
    text, blocks = _blocks(PLAIN)
    assert [finder(text, blocks) for finder in facts.FINDERS.values()] == [None, None, None]


def test_a_credit_line_stands_for_a_missing_byline():
    text, blocks = _blocks(PLAIN + "\nJonas Hekla contributed to this report.\n")
    fact = facts.byline(text, blocks)
    assert text[fact.start:fact.end] == "Jonas Hekla contributed to this report."


def _sentences(texts):
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Sentence(pos, pos + len(t), t, "paragraph", i))
        pos += len(t) + 1
    return out


def test_main_points_drop_a_repeated_sentence_and_keep_the_article_order():
    texts = [f"Sentence number {i} says something new about the harbour." for i in range(8)]
    texts[5] = texts[1]   # a layout repeat
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(8, 16)).astype(np.float32)
    vectors[5] = vectors[1]
    chosen = choose.main_points(_sentences(texts), vectors, choose.Choice(lead=0.0, duplicate=0.95), k=5)
    assert chosen == sorted(chosen) and len(chosen) == 5
    assert not {1, 5} <= set(chosen)


def test_a_strong_lead_prior_gives_the_opening_sentences():
    texts = [f"Sentence number {i} says something new about the harbour." for i in range(10)]
    vectors = np.random.default_rng(1).normal(size=(10, 16)).astype(np.float32)
    assert choose.main_points(_sentences(texts), vectors, choose.Choice(lead=100.0, duplicate=1.0), k=3) == [0, 1, 2]


def test_a_summary_answer_keeps_its_json_and_refuses_a_wrong_found():
    cite = Citation(NAME, 0, 5, "Glass")
    answer = Answer("tl;dr", "Glass", True, 1.0, (cite,), verdict="summary", summary_kind="gist")
    assert answer.to_dict()["verdict"] == "summary" and answer.to_dict()["summary_kind"] == "gist"
    assert Answer("Who?", "x", True, 0.9).to_dict()["summary_kind"] is None
    with pytest.raises(ValueError):
        Answer("tl;dr", "", False, 1.0, (cite,), verdict="summary")
    assert "[1] \u201cGlass\u201d" in format_answer(answer)


# --- end to end on a real store ---------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from index.build import build_index

    path = tmp_path_factory.mktemp("summary") / "store"
    build_index(path, {NAME: ARTICLE.read_text(), "night-buses.txt": PLAIN})
    return path


def _ask(question, store, sources=None, history=None):
    from qa.api import ask

    return ask(question, history, store=store, sources=sources)


def _check_offsets(answer, store):
    from qa.library import get_article
    from qa.settings import Settings

    for c in answer.citations:
        assert get_article(c.source, Settings(store=store)).text[c.start:c.end] == c.quote


@pytest.mark.slow
def test_gist_is_the_headline_and_the_lead(store):
    answer = _ask("What is this article about?", store, [NAME])
    assert (answer.verdict, answer.summary_kind, answer.found) == ("summary", "gist", True)
    assert [c.quote for c in answer.citations][:2] == [
        "Glassworks closure puts 400 jobs at risk in Wrenford",
        "WRENFORD, 14 March 2024 (Valley Wire) - The Hollin Glassworks in Wrenford will close its main furnace in "
        "June, putting about 400 jobs at risk, the company announced on Thursday."]
    _check_offsets(answer, store)


@pytest.mark.slow
def test_main_points_are_three_to_five_sentences_in_order_without_the_repeat(store):
    answer = _ask("Summarize the article", store, [NAME])
    quotes = [c.quote for c in answer.citations]
    assert answer.summary_kind == "points" and 3 <= len(quotes) <= 5
    assert [c.start for c in answer.citations] == sorted(c.start for c in answer.citations)
    assert len(set(quotes)) == len(quotes) and "contributed to this report" not in " ".join(quotes)
    _check_offsets(answer, store)


@pytest.mark.slow
def test_byline_and_not_in_the_article(store):
    byline = _ask("Who wrote this article?", store, [NAME])
    assert (byline.verdict, byline.text) == ("summary", "Tomasz Ilic and Maud Ferreira")
    assert (byline.span.start, byline.span.end) == (byline.citations[0].start, byline.citations[0].end)
    missing = _ask("Who wrote this article?", store, ["night-buses.txt"])
    assert (missing.verdict, missing.found, missing.citations) == ("absent", False, ())
    assert format_answer(missing) == "Not in the article: it states no author."


@pytest.mark.slow
def test_several_articles_get_one_labelled_gist_each_and_a_follow_up_picks_one(store):
    both = _ask("What is this article about?", store, [NAME, "night-buses.txt"])
    assert [line.split(":")[0] for line in both.text.splitlines()] == [NAME, "night-buses.txt"]
    assert {c.source for c in both.citations} == {NAME, "night-buses.txt"}
    second = _ask("And the second article?", store, [NAME, "night-buses.txt"], [both])
    assert {c.source for c in second.citations} == {"night-buses.txt"}
    assert second.interpreted == "What is night-buses.txt about?"
    ordinary = _ask("Who was hired since January?", store, [NAME, "night-buses.txt"], [both])
    assert ordinary.verdict != "summary"


@pytest.mark.slow
@pytest.mark.parametrize("question,kind,verdict", [
    ("What is this article about?", "gist", "summary"), ("Summarize the article", "points", "summary"),
    ("What are the main points?", "points", "summary"), ("Who wrote this article?", "byline", "summary")])
def test_the_four_seed_questions(seed_store, question, kind, verdict):
    answer = _ask(question, seed_store)
    assert (answer.summary_kind, answer.verdict) == (kind, verdict)
    assert answer.citations and all(c.source == SEED for c in answer.citations)
    if kind == "byline":
        assert answer.text == "TA | AP Insight"
    else:
        assert len({" ".join(c.quote.split()) for c in answer.citations}) == len(answer.citations)
    _check_offsets(answer, seed_store)


def test_the_chat_shows_a_summary_as_quoted_sentences_with_marks_and_highlights_them_all():
    from ui.web import render

    text = "Head line\n\nFirst <point>. Second point here."
    cites = (Citation("a.txt", 11, 26, text[11:26]), Citation("a.txt", 27, 45, text[27:45]))
    answer = Answer("tl;dr", "x", True, 1.0, cites, verdict="summary", summary_kind="points")
    html = render.answer_html(answer, 3)
    assert html.count("<li>") == 2 and "&lt;point&gt;" in html and "<point>" not in html
    assert 'href="#vb-t3-c1"' in html and '>[2]</a>' in html and "Main points" in html
    assert [(h.start, h.end, h.kind) for h in render.highlights(answer, "a.txt")] == [
        (11, 26, "support"), (27, 45, "support")]


def test_the_chat_says_plainly_when_the_article_states_no_author():
    from ui.web import render

    html = render.answer_html(Answer("Who wrote it?", "", False, 0.0, (), verdict="absent", summary_kind="byline"), 1)
    assert "Not in the article." in html and "states no author" in html and "confidence" not in html
