"""What the browser tests share: the app on a free loopback port over its own store, headless
Debian Chromium (Playwright drives it; nothing is downloaded), a page that records requests to
anything but 127.0.0.1 and any JavaScript dialog (both must stay empty), and helpers to ask,
find the focused citation and take screenshots (into ``artifacts/``, git-ignored).
"""
from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
