"""Chroma server mode against a real ``chroma run`` on a free loopback port: the regression set
gives the same results as the embedded store, a second front end syncs what the first one
indexed, and a server that is down gets a clear StoreUnavailableError."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SEED_ARTICLE
from index.build import build_index
from qa.api import ask, forget_engines
from qa.errors import StoreUnavailableError
from qa.evaluation.regression import evaluate_regression
from qa.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.slow]

CHROMA = Path(sys.executable).with_name("chroma")
BRIDGE = """Harbour bridge reopens

The harbour bridge in Port Elm reopened on Tuesday after a six-month repair.
Engineers replaced 42 steel cables, the city council said.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_heartbeat(url: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no Chroma heartbeat at {url} after {timeout_s} s")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """``chroma run`` in a temporary folder on a free loopback port; stopped afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("chroma-log") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma-data")),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def _fresh_engines():
    forget_engines()
    yield
    forget_engines()


def test_regression_set_on_the_server_equals_the_embedded_store(chroma_server, seed_store, tmp_path):
    url = f"{chroma_server}/regression"
    report = build_index(tmp_path / "front-end", [SEED_ARTICLE], chroma_url=url)
    assert report.added == [SEED_ARTICLE.name]
    on_server = evaluate_regression(settings=Settings(store=tmp_path / "front-end", chroma_url=url))
    embedded = evaluate_regression(settings=Settings(store=seed_store, chroma_url=None))
    assert on_server["cases"] >= 40
    assert on_server["rows"] == embedded["rows"]   # same answers, confidences and citations


def test_a_second_front_end_sees_what_the_first_indexed(chroma_server, tmp_path):
    url = f"{chroma_server}/newsroom"
    first, second = Settings(store=tmp_path / "a", chroma_url=url), Settings(store=tmp_path / "b", chroma_url=url)
    build_index(first.store, {"bridge.txt": BRIDGE}, chroma_url=url)
    # front end B has never indexed anything: its replica of the catalog comes from the server
    answer = ask("How many steel cables were replaced?", settings=second)
    assert answer.text == "42" and answer.citations[0].source == "bridge.txt"
    build_index(first.store, {"bridge.txt": BRIDGE.replace("42", "57")}, chroma_url=url)
    time.sleep(2.1)   # QA_SYNC_SECONDS: B checks the server's generation at most every 2 s
    assert ask("How many steel cables were replaced?", settings=second).text == "57"
    from qa.library import remove_article

    assert remove_article("bridge.txt", first)
    time.sleep(2.1)
    assert ask("How many steel cables were replaced?", settings=second).citations == ()


def test_server_down_gives_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"          # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=r"does not answer.*chroma run"):
        ask("Who?", settings=Settings(store=tmp_path / "store", chroma_url=url))
    assert time.monotonic() - t0 < 15                # retried with backoff, then gave up
    with pytest.raises(StoreUnavailableError, match="Nothing was lost"):
        build_index(tmp_path / "store", {"bridge.txt": BRIDGE}, chroma_url=url)


def test_server_stopping_mid_session_is_reported_and_retried(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"

    def start():
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_heartbeat(url, proc)
        return proc

    proc = start()
    settings = Settings(store=tmp_path / "front-end", chroma_url=url)
    try:
        build_index(settings.store, {"bridge.txt": BRIDGE}, chroma_url=url)
        assert ask("How many steel cables were replaced?", settings=settings).text == "42"
        proc.terminate()
        proc.wait(timeout=20)
        with pytest.raises(StoreUnavailableError, match="does not answer"):
            ask("How many steel cables were replaced?", settings=settings)
        proc = start()     # same data folder: the index is still there
        assert ask("How many steel cables were replaced?", settings=settings).text == "42"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
