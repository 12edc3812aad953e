"""End to end in headless Debian Chromium: asking in the chat. An answer cites and highlights its
sentence, a follow-up uses the conversation, "not in the article", example questions, copying,
and how a confident, a not-sure and a not-found answer look (``browser_kit.py`` serves the app).
"""
from __future__ import annotations

import re

import pytest

# the fixtures are imported too: pytest finds them in this module (page needs browser, url, settings)
from browser_kit import (EDITOR_Q, OFF_TOPIC_Q, SEED, TIMEOUT_MS, ask_in_page, browser, free_port,
                         mark_in_view, page, settings, shoot, url, wait_focus)
from qa.api import ask
from qa.library import get_article

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_answer_cites_and_highlights_its_sentence(page, settings):
    expected = ask(EDITOR_Q, settings=settings)
    message = ask_in_page(page, EDITOR_Q)
    assert "Belousov" in message.locator(".vb-text strong").inner_text()
    assert message.locator('a.vb-ref:text-is("[1]")').count() == 2
    assert SEED in message.locator(".vb-src").first.inner_text()
    assert re.search(r"confidence \d\.\d\d", message.inner_text())

    # The new answer moves the highlight: citation 1 at its offsets, the answer span inside it.
    first = expected.citations[0]
    assert wait_focus(page, 1) == {"n": 1, "start": first.start, "end": first.end, "text": first.quote}
    span = page.eval_on_selector("#vb-doc .vb-answer", "s => [+s.dataset.start, +s.dataset.end, s.textContent]")
    assert span == [expected.span.start, expected.span.end, expected.text]
    assert get_article(SEED, settings).text[first.start:first.end] == first.quote
    assert mark_in_view(page)
    shoot(page, "chat-answer.png")

    # Clicking a further citation scrolls the panel to it and moves the focus there.
    message.locator("details.vb-more summary").click()
    message.locator('a.vb-ref[href$="-c3"]').click()
    third = expected.citations[2]
    assert wait_focus(page, 3) == {"n": 3, "start": third.start, "end": third.end, "text": third.quote}
    page.wait_for_timeout(300)
    assert mark_in_view(page)
    message.locator(".vb-text a.vb-ref").click()
    assert wait_focus(page, 1)["start"] == first.start
    page.wait_for_timeout(300)
    shoot(page, "source-highlight.png")


def test_follow_up_turn_uses_the_conversation(page, settings):
    first = ask(EDITOR_Q, settings=settings)
    follow_up = ask("What was he charged with?", [first], settings=settings)
    ask_in_page(page, EDITOR_Q)
    message = ask_in_page(page, "What was he charged with?")
    assert page.locator("#vb-chat .vb-msg").count() == 2
    if follow_up.interpreted:
        assert message.locator(".vb-readas").inner_text() == f"Read as: {follow_up.interpreted}"
    if follow_up.found:
        assert message.locator(".vb-text strong").inner_text() == follow_up.text
        assert wait_focus(page, 1)["start"] == follow_up.citations[0].start


def test_unanswerable_question_says_not_in_the_article(page, settings):
    expected = ask(OFF_TOPIC_Q, settings=settings)
    message = ask_in_page(page, OFF_TOPIC_Q)
    assert "vb-notfound" in message.get_attribute("class")
    assert message.locator(".vb-text").inner_text().startswith("Not in the article.")
    assert message.locator(".vb-closest-head").inner_text().lower() == "closest passages"
    assert message.locator("ol.vb-closest li").count() == len(expected.citations) > 0
    assert page.locator("#vb-doc mark.vb-support, #vb-doc .vb-answer").count() == 0
    message.locator('a.vb-ref[href$="-c2"]').click()
    closest = wait_focus(page, 2)
    assert (closest["start"], closest["end"]) == (expected.citations[1].start, expected.citations[1].end)
    assert "vb-closest" in page.get_attribute("#vb-doc mark.vb-focus", "class")
    shoot(page, "not-in-the-article.png")


def test_example_question_is_one_click(page):
    example = page.locator("#vb-examples button").first
    question = example.inner_text().strip()
    example.click()
    page.wait_for_selector("#vb-chat .vb-msg")
    assert question in page.locator("#vb-chat .vb-q").first.inner_text()


def test_copy_puts_answer_and_citation_on_the_clipboard(page):
    message = ask_in_page(page, EDITOR_Q)
    message.locator("a.vb-copy").click()
    page.wait_for_selector("#vb-chat a.vb-copy:text('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"Q: {EDITOR_Q}\nYevgeny Belousov") or "Belousov" in copied.splitlines()[1]
    assert f"[1] \u201cDetained in the raid" in copied and SEED in copied


@pytest.fixture(scope="module")
def strict_url(settings):
    """The same store served with a threshold no answer reaches: every answer is withheld."""
    from ui.web.launch import launch

    port = free_port()
    app = launch(settings.replace(answer_threshold=0.999), "127.0.0.1", port, None, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_confident_not_sure_and_not_in_the_article_look_different(page, browser, strict_url, settings):
    sure = ask_in_page(page, EDITOR_Q)
    assert "vb-found" in sure.get_attribute("class")
    assert "likely right" in sure.locator(".vb-conf").inner_text()      # the confidence in words
    sure.locator("details.vb-why summary").click()
    why = sure.locator("details.vb-why")
    assert "Answer type wanted: PERSON" in why.inner_text()
    assert why.locator("table.vb-signals tr").count() > 3

    expected = ask(EDITOR_Q, settings=settings.replace(answer_threshold=0.999))
    assert expected.verdict == "unsure" and expected.guess == "Yevgeny Belousov"
    tab = browser.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(strict_url)
    tab.locator("#vb-question").get_by_role("textbox").wait_for()
    unsure = ask_in_page(tab, EDITOR_Q)
    assert "vb-unsure" in unsure.get_attribute("class")
    assert unsure.locator(".vb-text").inner_text().startswith("Not sure.")
    assert unsure.locator("mark.vb-guess").inner_text() == "Yevgeny Belousov"
    assert unsure.locator(".vb-conf").inner_text().startswith("unsure: a guess")
    guess = tab.eval_on_selector("#vb-doc .vb-guess", "s => [+s.dataset.start, +s.dataset.end, s.textContent]")
    assert guess == [expected.guess_span.start, expected.guess_span.end, "Yevgeny Belousov"]
    shoot(tab, "not-sure.png")

    absent = ask_in_page(tab, OFF_TOPIC_Q)
    assert "vb-notfound" in absent.get_attribute("class")
    assert absent.locator(".vb-conf").inner_text().startswith("probably not in the article")
    assert tab.locator("#vb-doc .vb-guess, #vb-doc .vb-answer").count() == 0
    tab.close()
