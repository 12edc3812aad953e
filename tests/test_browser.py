"""End to end in headless Debian Chromium (Playwright drives it; nothing is downloaded).

The app runs on a free loopback port over its own store (uploads change it). Every page
records requests to anything but 127.0.0.1 and any JavaScript dialog; both must stay empty.
Screenshots go to ``artifacts/`` (git-ignored).
"""
from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ui.web import feedback
from qa.api import ask
from qa.library import get_article, list_articles
from qa.settings import Settings
ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "seeds" / "azerbaijan-russia-sputnik-arrests.txt"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ARTIFACTS = ROOT / "artifacts"
SCRIPT_ARTICLE = ROOT / "tests" / "data" / "script_article.txt"
SEED = SEED_ARTICLE.name
EDITOR_Q = "Who is the editor-in-chief of Sputnik Azerbaijan?"
OFF_TOPIC_Q = "Which football team won the league this season?"
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    from index.build import build_index

    path = tmp_path_factory.mktemp("browser") / "store"
    build_index(path, [SEED_ARTICLE])
    return Settings(store=path)


@pytest.fixture(scope="module")
def url(settings):
    from ui.web.launch import launch

    port = free_port()
    app = launch(settings, "127.0.0.1", port, None, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1440, "height": 960}, device_scale_factor=1)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    outside, dialogs = [], []
    tab.on("request", lambda r: outside.append(r.url)
           if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]|^(data|blob|about):", r.url) else None)
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.goto(url)
    tab.locator("#vb-question").get_by_role("textbox").wait_for()
    tab.locator("#vb-doc").wait_for()
    yield tab
    context.close()
    assert outside == [], f"the page reached beyond 127.0.0.1: {outside}"
    assert dialogs == [], f"a script ran in the page: {dialogs}"


def ask_in_page(page, question: str):
    """Type a question, press Enter, and return the new assistant message."""
    messages = page.locator("#vb-chat .vb-msg")
    before = messages.count()
    box = page.locator("#vb-question").get_by_role("textbox")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#vb-chat .vb-msg').length > {before}")
    return messages.nth(before)


def focused_mark(page) -> dict:
    page.wait_for_selector("#vb-doc mark.vb-focus")
    return page.eval_on_selector("#vb-doc mark.vb-focus", """m => ({n: +m.dataset.n, start: +m.dataset.start,
        end: +m.dataset.end, text: m.textContent.replace(/^\\d+/, '')})""")


def wait_focus(page, n: int) -> dict:
    page.wait_for_selector(f'#vb-doc mark.vb-focus[data-n="{n}"]')
    return focused_mark(page)


IN_VIEW_JS = """() => { const d = document.getElementById('vb-doc'), m = d.querySelector('.vb-focus');
    const a = d.getBoundingClientRect(), b = m.getBoundingClientRect();
    return b.top >= a.top - 1 && b.bottom <= a.bottom + 1; }"""


def mark_in_view(page, timeout_ms: int = 5_000) -> bool:
    """The focused citation is inside the source panel's viewport (waits for the scroll)."""
    try:
        page.wait_for_function(IN_VIEW_JS, timeout=timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


def shoot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


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
    guess = tab.eval_on_selector("#vb-doc .vb-guess", "s => [+s.dataset.start, +s.dataset.end, s.textContent]")
    assert guess == [expected.guess_span.start, expected.guess_span.end, "Yevgeny Belousov"]
    shoot(tab, "not-sure.png")

    absent = ask_in_page(tab, OFF_TOPIC_Q)
    assert "vb-notfound" in absent.get_attribute("class")
    assert tab.locator("#vb-doc .vb-guess, #vb-doc .vb-answer").count() == 0
    tab.close()
