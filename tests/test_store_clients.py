"""A store's Chroma client is let go when the store closes: a process that opens a thousand
stores one after another (the benchmark, the fit commands) keeps none of them open. Real
Chroma in tmp_path, the fake embedder of the scale tests."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from index import vectors
from index.build import build_index
from index.store import open_store
from qa.api import engine, forget_engines
from qa.settings import Settings
from test_index_scale import FakeEmbedder, story


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clients") / "store"
    build_index(path, {"market.txt": story(1)}, workers=0, embedder=FakeEmbedder())
    forget_engines()
    vectors.forget_clients()
    return path


def client_key(store: Path) -> str:
    return str(store / "chroma")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_closing_a_store_closes_its_client(built):
    store = open_store(built, embedder=FakeEmbedder())
    assert client_key(built) in vectors._persistent_clients
    store.close()
    assert client_key(built) not in vectors._persistent_clients
    store.close()   # closing twice is harmless


def test_a_client_shared_by_two_stores_stays_open_for_the_other(built):
    first, second = open_store(built, embedder=FakeEmbedder()), open_store(built, embedder=FakeEmbedder())
    assert first.vectors.client is second.vectors.client
    first.close()
    assert second.vectors.count() == second.catalog.sentence_count() > 0
    second.close()
    assert client_key(built) not in vectors._persistent_clients


def test_forgetting_the_engines_lets_go_of_their_clients(built):
    engine(Settings(store=built))
    assert client_key(built) in vectors._persistent_clients
    forget_engines()
    assert client_key(built) not in vectors._persistent_clients


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts open files through /proc")
def test_opening_many_stores_one_after_another_keeps_no_files_open(built, tmp_path):
    copies = [tmp_path / f"store-{n:02d}" for n in range(12)]
    for copy in copies:
        shutil.copytree(built, copy)
    engine(Settings(store=copies[0]))
    forget_engines()                 # the first opening loads what every later one shares
    before = open_files()
    for copy in copies[1:]:
        engine(Settings(store=copy))
        forget_engines()
    assert open_files() <= before + 2
