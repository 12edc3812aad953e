"""End to end in headless Debian Chromium: changing the library and giving feedback in the chat.
Uploads (shown as text, never run), refused uploads, replacing only when asked, thumbs and
corrections that become regression cases (``browser_kit.py`` serves the app).
"""
from __future__ import annotations

import json

import pytest

# the fixtures are imported too: pytest finds them in this module (page needs browser, url, settings)
from browser_kit import (EDITOR_Q, SCRIPT_ARTICLE, SEED, SEED_ARTICLE, ask_in_page, browser, page, settings,
                         shoot, url)
from qa.api import ask
from qa.library import get_article, list_articles
from ui.web import feedback

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_upload_ask_show_script_as_text_and_remove(page, settings):
    page.locator("#vb-library").get_by_text("Add or remove articles").click()
    page.locator("#vb-upload input[type=file]").set_input_files(str(SCRIPT_ARTICLE))
    page.wait_for_selector("#vb-upload-note :text('Added')")
    assert "script_article.txt" in page.locator("#vb-upload-note").inner_text()
    scope = page.locator("#vb-scope")
    assert scope.get_by_label("script_article.txt").is_checked() and scope.get_by_label(SEED).is_checked()

    message = ask_in_page(page, "Who is the chief librarian?")
    assert "Helena Marsh" in message.locator(".vb-text strong").inner_text()
    assert "script_article.txt" in message.locator(".vb-src").first.inner_text()
    doc = page.locator("#vb-doc")
    assert doc.get_attribute("data-source") == "script_article.txt"
    text = doc.inner_text()
    assert '<script>window.__vbPwned = 1; alert("owned")</script>' in text
    assert '<img src=x onerror="window.' in text and '<a href="javascript:window.' in text
    assert "${window.__vbPwned = 4}" in text and "<b>bold claims</b>" in text
    assert doc.locator("script, img, b, a").count() == 0
    assert page.evaluate("[window.__vbPwned, window.vbPwned]") == [None, None]
    shoot(page, "script-article.png")

    # A question about markup shows the markup as text in the chat too.
    message = ask_in_page(page, "What did the filtering software block?")
    assert message.locator("script, img").count() == 0
    assert page.evaluate("[window.__vbPwned, window.vbPwned]") == [None, None]

    # Only the ticked article is asked.
    scope.get_by_label("script_article.txt").uncheck()
    message = ask_in_page(page, "Who is the chief librarian?")
    assert "script_article.txt" not in message.inner_text()

    page.locator("#vb-remove-choice input").click()
    page.get_by_role("option", name="script_article.txt").click()
    page.locator("#vb-remove").click()
    page.wait_for_selector("#vb-upload-note :text('Removed')")
    assert scope.get_by_label("script_article.txt").count() == 0
    assert [a.source for a in list_articles(settings)] == [SEED]


def test_binary_upload_is_refused_with_a_reason(page, tmp_path):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"%PDF-1.7\x00\x01\x02 binary")
    page.locator("#vb-library").get_by_text("Add or remove articles").click()
    page.locator("#vb-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_selector("#vb-upload-note :text('Not added')")
    assert "binary" in page.locator("#vb-upload-note").inner_text()
    assert page.locator("#vb-scope").get_by_label("scan.txt").count() == 0


def test_an_upload_replaces_an_article_only_when_asked_and_says_what_it_replaced(page, settings, tmp_path):
    """Anyone who can reach the chat could otherwise swap the seed article for their own text."""
    from qa.library import add_article

    title = get_article(SEED, settings).title
    impostor = tmp_path / SEED
    impostor.write_text("Nothing happened\n\nThe editor-in-chief of Sputnik Azerbaijan is Nobody Atall.\n",
                        encoding="utf-8")
    page.locator("#vb-library").get_by_text("Add or remove articles").click()
    page.locator("#vb-upload input[type=file]").set_input_files(str(impostor))
    page.wait_for_selector("#vb-upload-note :text('Not added')")
    note = page.locator("#vb-upload-note").inner_text()
    assert "already indexed" in note and "Replace the indexed article of the same name" in note
    assert "Belousov" in ask(EDITOR_Q, settings=settings).text
    try:
        page.locator("#vb-replace").get_by_role("checkbox").check()
        page.locator("#vb-upload input[type=file]").set_input_files(str(impostor))
        page.wait_for_selector("#vb-upload-note :text('Replaced')")
        assert title in page.locator("#vb-upload-note").inner_text()             # says what it replaced
        assert not page.locator("#vb-replace").get_by_role("checkbox").is_checked()   # asked once, not forever
        assert "Nobody Atall" in ask(EDITOR_Q, settings=settings).text
    finally:                                                                       # the seed back
        add_article(SEED, SEED_ARTICLE.read_bytes(), settings, replace=True)
    assert "Belousov" in ask(EDITOR_Q, settings=settings).text


def test_thumbs_feedback_and_correction_become_cases(page, settings, tmp_path):
    feedback.feedback_path(settings).unlink(missing_ok=True)
    ask_in_page(page, EDITOR_Q)
    page.locator("#vb-chat button[aria-label='Like']").last.click()
    page.wait_for_selector("#vb-feedback-note :text('Thanks')")

    ask_in_page(page, "What job does Igor Kartavykh hold?")
    page.locator("#vb-chat button[aria-label='Dislike']").last.click()
    correction = page.locator("#vb-correct").get_by_role("textbox")
    correction.wait_for()
    correction.fill("editorial board director")
    page.locator("#vb-send").click()
    page.wait_for_selector("#vb-feedback-note :text('correction was saved')")

    records = feedback.read_feedback(feedback.feedback_path(settings))
    assert [(r["question"], r["vote"], r["correct_answer"]) for r in records] == [
        (EDITOR_Q, "up", None),
        ("What job does Igor Kartavykh hold?", "down", None),
        ("What job does Igor Kartavykh hold?", "down", "editorial board director"),
    ]
    report = feedback.feedback_cases(settings, write_to=tmp_path / "cases.jsonl")
    cases = [json.loads(line) for line in (tmp_path / "cases.jsonl").read_text().splitlines()]
    assert [c["answers"] for c in cases][1] == ["editorial board director"]
    assert report["feedback"]["cases"] == 2
    feedback.feedback_path(settings).unlink()
