"""Faults between processes: a real `qa chat` process, driven through gradio_client and raw HTTP,
while real `qa index` processes change its store."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, SEED_ARTICLE
from faults_kit import BRIDGE, CABLES, MUSEUM, PAINTINGS, read_only_prefix, write
from qa.evaluation.speed.load import ChatProcess, client

pytestmark = pytest.mark.slow

SEED = SEED_ARTICLE.name
EDITOR_Q = "Who is the editor-in-chief of Sputnik Azerbaijan?"


def qa_index(store, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(store), "index", "--quiet", *map(str, args)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return out


# --------------------------------------------------------------------------------------------
# 1. A running chat sees a rebuild, and every later write, on the next question
# --------------------------------------------------------------------------------------------

def test_a_running_chat_answers_from_the_rebuilt_index_and_later_additions(tmp_path):
    store, folder = tmp_path / "store", tmp_path / "news"
    write(folder / "bridge.txt", BRIDGE)
    qa_index(store, folder)
    with ChatProcess(store) as chat:
        ask = client(chat.url)
        assert ask.predict(CABLES, api_name="/ask")["text"] == "42"
        write(folder / "bridge.txt", BRIDGE.replace("42", "57"))
        qa_index(store, "--rebuild", folder)                      # a new store swapped in
        assert ask.predict(CABLES, api_name="/ask")["text"] == "57"
        qa_index(store, write(tmp_path / "more" / "museum.txt", MUSEUM))   # then an addition
        answer = ask.predict(PAINTINGS, api_name="/ask")
        assert answer["text"] == "300" and answer["citations"][0]["source"] == "museum.txt"
        assert [a["source"] for a in ask.predict(api_name="/articles")] == ["bridge.txt", "museum.txt"]
    assert "Traceback" not in chat.log, chat.log


# --------------------------------------------------------------------------------------------
# 4. A chat on a read-only store answers
# --------------------------------------------------------------------------------------------

def test_a_chat_on_a_read_only_store_answers(tmp_path):
    store = tmp_path / "store"
    qa_index(store, SEED_ARTICLE)
    for p in [store, *store.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        with ChatProcess(store, prefix=read_only_prefix(), env={"TMPDIR": str(tmp_path)}) as chat:
            answer = client(chat.url).predict(EDITOR_Q, api_name="/ask")
            assert answer["found"] and "Belousov" in answer["text"]
    finally:
        for p in [store, *store.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


# --------------------------------------------------------------------------------------------
# 6. Bad /ask input gets the CLI's named errors, and the server log no traceback
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    store = tmp_path_factory.mktemp("chat") / "store"
    qa_index(store, SEED_ARTICLE)
    with ChatProcess(store) as running:
        yield running


def call_raw(url: str, data: list) -> tuple[str, dict]:
    """POST the route's inputs as JSON (lone surrogates travel as \\ud800 escapes, as any JSON
    client may send them) and read the event stream's final message."""
    body = json.dumps({"data": data}).encode("ascii")
    request = urllib.request.Request(url + "gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    event = json.loads(urllib.request.urlopen(request, timeout=30).read())["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call/ask/{event}", timeout=120).read().decode()
    kind = next(line.split(": ", 1)[1] for line in stream.splitlines() if line.startswith("event: "))
    payload = next(line.split(": ", 1)[1] for line in stream.splitlines() if line.startswith("data: "))
    return kind, json.loads(payload)


@pytest.mark.parametrize("data, message", [
    (["Who is \ud800?", None, None], "not valid text"),
    (["Who?", None, 5], "history"),
    (["Who?", None, "some text"], "history"),
    (["Who?", [{"source": SEED}], None], "sources"),
    (["Who?", 7, None], "sources"),
    (["Who?", ["nosuch.txt"], None], "nosuch.txt"),
])
def test_bad_api_input_gets_a_named_error_and_no_traceback(chat, data, message):
    kind, payload = call_raw(chat.url, data)
    assert kind == "error" and message in payload["error"], payload
    assert "Traceback" not in chat.log, chat.log[-3000:]


def test_a_string_of_sources_through_the_api_is_one_source(chat):
    answer = client(chat.url).predict(EDITOR_Q, SEED, api_name="/ask")
    assert answer["found"] and {c["source"] for c in answer["citations"]} == {SEED}


# --------------------------------------------------------------------------------------------
# 10. With a login, the route list is not served to strangers
# --------------------------------------------------------------------------------------------

def test_the_route_list_needs_the_login(tmp_path):
    qa_index(tmp_path / "store", SEED_ARTICLE)
    with ChatProcess(tmp_path / "store", args=["--auth", "ann:secret"]) as chat:
        for route in ("openapi.json", "docs", "redoc", "config", "gradio_api/info"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(chat.url + route, timeout=10)
            assert refused.value.code in (401, 404), route
        answer = client(chat.url, auth=("ann", "secret")).predict(EDITOR_Q, api_name="/ask")
        assert "Belousov" in answer["text"]


# --------------------------------------------------------------------------------------------
# Already refused before this issue, pinned here: file routes outside the app's own files
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["gradio_api/file=/etc/passwd", "gradio_api/file=../../../../etc/passwd",
                                   "gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd", "file=/etc/passwd"])
def test_file_routes_refuse_paths_outside_the_app(chat, route):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(chat.url + route, timeout=10)
    assert refused.value.code in (403, 404)


def test_the_store_itself_cannot_be_downloaded(chat):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{chat.url}gradio_api/file={chat.store / 'catalog.sqlite'}", timeout=10)
    assert refused.value.code in (403, 404)
