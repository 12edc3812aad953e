"""The chat's answer to a question about the whole article, in headless Chromium: a short list
of quoted sentences with their [n] marks, each highlighted in the article panel at its offsets."""
from __future__ import annotations

import pytest
from test_browser import (SEED, ask_in_page, browser, mark_in_view, page, settings, shoot,  # noqa: F401
                          url, wait_focus)

from qa.api import ask
from qa.library import get_article

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_summary_is_a_list_of_quoted_sentences_highlighted_in_the_article(page, settings):
    expected = ask("Summarize the article", settings=settings)
    assert expected.verdict == "summary" and 3 <= len(expected.citations) <= 5
    message = ask_in_page(page, "Summarize the article")
    assert "vb-summary" in message.get_attribute("class")
    items = message.locator("ul.vb-points li")
    assert items.count() == len(expected.citations)
    for n, c in enumerate(expected.citations, 1):
        item = items.nth(n - 1)
        assert " ".join(c.quote.split()) in item.locator(".vb-quote").inner_text()
        assert item.locator("a.vb-ref").inner_text() == f"[{n}]"

    # every chosen sentence is marked in the article panel, at its offsets
    marks = page.eval_on_selector_all("#vb-doc mark.vb-support", """ms => ms.filter(m => m.id)
        .map(m => [+m.dataset.n, +m.dataset.start, +m.dataset.end])""")
    assert sorted(marks) == [[n, c.start, c.end] for n, c in enumerate(expected.citations, 1)]
    text = get_article(SEED, settings).text
    assert all(text[c.start:c.end] == c.quote for c in expected.citations)

    # a mark in the chat moves the panel's focus to that sentence
    last = len(expected.citations)
    message.locator(f'a.vb-ref[href$="-c{last}"]').click()
    focused = wait_focus(page, last)
    assert (focused["start"], focused["end"]) == (expected.citations[-1].start, expected.citations[-1].end)
    assert mark_in_view(page)
    shoot(page, "chat-summary.png")


def test_byline_question_quotes_the_byline(page, settings):
    message = ask_in_page(page, "Who wrote this article?")
    assert message.locator(".vb-text strong").inner_text() == "Byline"
    assert "TA | AP Insight" in message.locator("ul.vb-points").inner_text()
