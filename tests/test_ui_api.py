"""The chat's programmatic route: gradio_client against a launched app on a free loopback port."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from qa.errors import VerbatimError
from qa.library import get_article
from qa.settings import Settings
from ui.web.launch import DEFAULT_PORT, launch, resolve_address

SEED = "azerbaijan-russia-sputnik-arrests.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(seed_store):
    settings = Settings(store=seed_store)
    port = free_port()
    app = launch(settings, "127.0.0.1", port, None, block=False)
    yield settings, f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[1], verbose=False)


# --------------------------------------------------------------------------------------------
# Address and login resolution (no server)
# --------------------------------------------------------------------------------------------

@pytest.fixture
def no_env(monkeypatch):
    for name in ("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "QA_CHAT_AUTH"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_bind_loopback_without_login(no_env):
    assert resolve_address(None, None, None) == ("127.0.0.1", DEFAULT_PORT, None)


def test_environment_is_honoured_and_flags_win(no_env):
    no_env.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    no_env.setenv("GRADIO_SERVER_PORT", "8123")
    no_env.setenv("QA_CHAT_AUTH", "ann:s3:cret")
    assert resolve_address(None, None, None) == ("0.0.0.0", 8123, ("ann", "s3:cret"))
    assert resolve_address("127.0.0.1", 9000, "bob:pw") == ("127.0.0.1", 9000, ("bob", "pw"))


@pytest.mark.parametrize("port,auth,message", [
    ("http", None, "port must be a number"),
    (70000, None, "port must be a number"),
    (None, "just-a-user", "USER:PASSWORD"),
    (None, ":pw", "USER:PASSWORD"),
])
def test_bad_address_or_login_says_what_to_fix(no_env, port, auth, message):
    if isinstance(port, str):
        no_env.setenv("GRADIO_SERVER_PORT", port)
        port = None
    with pytest.raises(VerbatimError, match=message):
        resolve_address(None, port, auth)


# --------------------------------------------------------------------------------------------
# The /ask route
# --------------------------------------------------------------------------------------------

slow = pytest.mark.slow


@slow
def test_api_lists_the_named_routes(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/articles"} <= set(endpoints)
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["question", "sources", "history"]


@slow
def test_ask_returns_structured_answer_with_offsets_into_the_document(client, served):
    result = client.predict("Who is the editor-in-chief of Sputnik Azerbaijan?", api_name="/ask")
    assert set(result) >= {"question", "text", "found", "confidence", "citations", "span", "interpreted"}
    assert result["found"] is True and "Belousov" in result["text"]
    assert 0.0 <= result["confidence"] <= 1.0 and result["citations"]
    text = get_article(SEED, served[0]).text
    for c in result["citations"]:
        assert c["source"] == SEED and text[c["start"]:c["end"]] == c["quote"]
    first, span = result["citations"][0], result["span"]
    assert first["start"] <= span["start"] < span["end"] <= first["end"]
    assert text[span["start"]:span["end"]] == result["text"]


@slow
def test_unanswerable_question_returns_closest_passages(client, served):
    result = client.predict("Which football team won the league this season?", api_name="/ask")
    assert result["found"] is False and result["text"] == "" and result["span"] is None
    text = get_article(SEED, served[0]).text
    assert result["citations"] and all(text[c["start"]:c["end"]] == c["quote"] for c in result["citations"])


@slow
def test_history_resolves_a_follow_up(client):
    first = "Who is the editor-in-chief of Sputnik Azerbaijan?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": client.predict(first, api_name="/ask")["text"]}]
    result = client.predict("What was he charged with?", None, history, api_name="/ask")
    assert result["question"] == "What was he charged with?"
    assert result["interpreted"] != result["question"]  # the pronoun was resolved from the history


@slow
def test_sources_limit_the_articles(client):
    result = client.predict("Who is the editor-in-chief of Sputnik Azerbaijan?", [SEED], api_name="/ask")
    assert {c["source"] for c in result["citations"]} == {SEED}


@slow
def test_errors_come_back_as_messages(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")


@slow
def test_articles_route(client):
    (article,) = client.predict(api_name="/articles")
    assert article["source"] == SEED and article["sentences"] > 30 and "Azerbaijan" in article["title"]


@slow
def test_login_is_required_when_auth_is_set(seed_store):
    from gradio_client import Client

    port = free_port()
    app = launch(Settings(store=seed_store), "127.0.0.1", port, "ann:secret", block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=10)
        assert refused.value.code == 401
        result = Client(url, auth=("ann", "secret"), verbose=False).predict("Who is Azerbaijan's president?",
                                                                          api_name="/ask")
        assert "found" in result
    finally:
        app.close()


@slow
def test_the_chat_loads_its_models_before_it_serves(seed_store):
    """In a fresh process: once ``launch`` returns (Gradio says it is running), spaCy, the query
    encoder and its word table are loaded, so the first question does not wait for them; and
    neither torch nor transformers was imported for it."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys; from index import embed, nlp; from qa import lexicon; from qa.settings import Settings; "
            "from ui.web.launch import launch; "
            f"app = launch(Settings(store={str(seed_store)!r}), '127.0.0.1', {free_port()}, None, block=False); "
            "print('loaded:', nlp.pipeline.cache_info().currsize, embed._encoder_with.cache_info().currsize, "
            "lexicon._db.cache_info().currsize, 'torch' in sys.modules or 'transformers' in sys.modules); "
            "app.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         check=True)
    loaded = next(line for line in out.stdout.splitlines() if line.startswith("loaded:"))   # close() prints too
    assert loaded.split()[1:] == ["1", "1", "1", "False"], out.stdout + out.stderr


@slow
def test_warming_up_leaves_a_missing_store_to_the_first_question(tmp_path):
    from qa.api import ask, warm_up
    from qa.errors import IndexMissingError

    settings = Settings(store=tmp_path / "nowhere")
    warm_up(settings)
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(IndexMissingError, match="qa index"):
        ask("Who?", settings=settings)
