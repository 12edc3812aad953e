"""Indexing many articles: batches across files, incremental runs, --prune, resuming after a
SIGKILL, the progress bar and the metadata filter. A deterministic fake embedder (a hash of
the text, so equal texts get equal vectors) keeps these fast; spaCy and Chroma are real."""
from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from index import parses
from index.build import build_index
from index.progress import ProgressPrinter
from index.store import open_store

ROOT = Path(__file__).resolve().parent.parent


class FakeEmbedder(Embeddings):
    """Unit vectors from a hash of the text; records every batch it was asked to embed."""

    def __init__(self, delay_s: float = 0.0):
        self.batches: list[int] = []
        self.delay_s = delay_s

    def embed_documents(self, texts):
        self.batches.append(len(texts))
        time.sleep(self.delay_s)
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)

    @staticmethod
    def _vector(text):
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384)
        return (v / np.linalg.norm(v)).tolist()


def story(i: int, sentences: int = 5, version: int = 1) -> str:
    body = " ".join(f"In the town of Elmford-{i}, market number {j} opened on day {j * version}."
                    for j in range(sentences))
    return f"Market report {i}\n\n{body}\n"


def write_corpus(folder: Path, n: int, sentences: int = 5) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"story-{i:03d}.txt").write_text(story(i, sentences), encoding="utf-8")
    return folder


def state(path: Path):
    """(chunk ids in the catalog, vector ids in Chroma, {source: sha}, {chunk id: its stored
    parse read back: (token, tag, head, dependency, entity) each})"""
    store = open_store(path, embedder=FakeEmbedder())
    try:
        ids = store.catalog.chunk_ids()
        stored = {cid: [(t.text, t.tag_, t.head.i, t.dep_, t.ent_type_) for t in parses.decode(data)]
                  for cid, data in store.catalog.parses(sorted(ids)).items()}
        return ids, store.vectors.all_ids(), store.catalog.shas(), stored
    finally:
        store.close()


def test_sentences_are_embedded_in_batches_across_files(tmp_path):
    corpus = write_corpus(tmp_path / "news", 30)          # 30 files x (title + 5 sentences)
    embedder = FakeEmbedder()
    report = build_index(tmp_path / "store", [corpus], batch_size=64, workers=0, embedder=embedder)
    ids, vectors, shas, stored = state(tmp_path / "store")
    assert len(report.added) == 30 and len(shas) == 30
    assert report.sentences_embedded == len(ids) == 180
    assert embedder.batches == [64, 64, 52]                # not one call per file
    assert ids == vectors == set(stored)                   # every sentence's parse is stored


def test_the_splitting_worker_gives_the_same_index(tmp_path):
    corpus = write_corpus(tmp_path / "news", 30)
    build_index(tmp_path / "inline", [corpus], workers=0, embedder=FakeEmbedder())
    build_index(tmp_path / "worker", [corpus], workers=1, embedder=FakeEmbedder())
    assert state(tmp_path / "inline") == state(tmp_path / "worker")


def test_only_new_or_changed_files_are_embedded(tmp_path):
    corpus = write_corpus(tmp_path / "news", 10)
    build_index(tmp_path / "store", [corpus], workers=0, embedder=FakeEmbedder())
    (corpus / "story-003.txt").write_text(story(3, version=2), encoding="utf-8")
    (corpus / "story-100.txt").write_text(story(100), encoding="utf-8")
    embedder = FakeEmbedder()
    report = build_index(tmp_path / "store", [corpus], workers=0, embedder=embedder)
    assert report.updated == ["story-003.txt"] and report.added == ["story-100.txt"]
    assert len(report.unchanged) == 10 - 1
    # story 3 v2 changes the day of markets 1..4 (market 0 opens on day 0 in both): 4 + 6 new
    assert report.sentences_embedded == sum(embedder.batches) == 4 + 6
    ids, vectors, shas, stored = state(tmp_path / "store")
    assert ids == vectors == set(stored) and len(shas) == 11   # the old version's parses went with it


def test_prune_drops_removed_files_and_their_vectors(tmp_path):
    corpus = write_corpus(tmp_path / "news", 6)
    build_index(tmp_path / "store", [corpus], workers=0, embedder=FakeEmbedder())
    (corpus / "story-002.txt").unlink()
    kept = build_index(tmp_path / "store", [corpus], workers=0, embedder=FakeEmbedder())
    assert kept.removed == [] and "story-002.txt" in state(tmp_path / "store")[2]
    pruned = build_index(tmp_path / "store", [corpus], prune=True, workers=0, embedder=FakeEmbedder())
    ids, vectors, shas, stored = state(tmp_path / "store")
    assert pruned.removed == ["story-002.txt"] and "story-002.txt" not in shas
    assert ids == vectors == set(stored) and len(ids) == 5 * 6


KILLED_BUILD = textwrap.dedent("""
    import sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from test_index_scale import FakeEmbedder
    from index.build import build_index
    build_index({store!r}, [{corpus!r}], batch_size=16, workers={workers},
                embedder=FakeEmbedder(delay_s=0.15))
    print("finished")
""")


def _switched_documents(store: Path) -> int:
    try:
        with sqlite3.connect(store / "catalog.sqlite", timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:   # not created yet
        return 0


@pytest.mark.parametrize("workers", [0, 1])
def test_a_build_killed_mid_way_resumes_without_duplicates_or_loss(tmp_path, workers):
    corpus = write_corpus(tmp_path / "news", 40)         # 240 sentences, 15 batches of 16
    store = tmp_path / "store"
    script = KILLED_BUILD.format(root=str(ROOT), tests=str(ROOT / "tests"), store=str(store),
                                 corpus=str(corpus), workers=workers)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while _switched_documents(store) < 8 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert len(children) >= workers                     # (spawn adds a resource tracker)
    _wait_gone(children)                                 # the splitting worker does not linger
    ids, vectors, shas, stored = state(store)
    done_before = len(shas)
    assert 8 <= done_before < 40 and len(ids) == 6 * done_before and set(stored) == ids
    stranded = vectors - ids                             # stored, never switched over: invisible

    embedder = FakeEmbedder()
    report = build_index(store, [corpus], batch_size=16, workers=0, embedder=embedder)
    assert len(report.unchanged) == done_before and report.swept == 0
    # the stranded vectors are reused, not embedded again
    assert sum(embedder.batches) == report.sentences_embedded == 6 * (40 - done_before) - len(stranded)
    build_index(tmp_path / "clean", [corpus], workers=0, embedder=FakeEmbedder())
    assert state(store) == state(tmp_path / "clean")    # nothing lost, nothing doubled


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _wait_gone(pids: list[int], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while any(Path(f"/proc/{p}").exists() and "zombie" not in _status(p) for p in pids):
        assert time.monotonic() < deadline, f"worker processes {pids} outlived the killed build"
        time.sleep(0.1)


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "gone"


def test_progress_shows_files_chunks_and_throughput(tmp_path):
    corpus = write_corpus(tmp_path / "news", 12)
    out = io.StringIO()
    printer = ProgressPrinter(out, every_s=0)
    build_index(tmp_path / "store", [corpus], batch_size=16, workers=0, embedder=FakeEmbedder(),
                progress=printer)
    printer.close()
    lines = [line.strip() for line in re.split(r"[\r\n]+", out.getvalue()) if line.strip()]
    assert lines[0].startswith("indexing:") and "0/12" in lines[0]
    assert any("12/12" in line and "72 chunks" in line and "chunks/s" in line for line in lines)
    assert lines[-1].startswith("done: 12 files, 72 chunks in ")
    again = io.StringIO()
    printer = ProgressPrinter(again, every_s=0)
    build_index(tmp_path / "store", [corpus], workers=0, embedder=FakeEmbedder(), progress=printer)
    printer.close()
    assert again.getvalue() == "12 unchanged file(s) skipped\n"


def test_a_plain_callable_still_gets_each_finished_file(tmp_path):
    seen: list[str] = []
    build_index(tmp_path / "store", {"a.txt": story(1), "b.txt": story(2)}, workers=0,
                embedder=FakeEmbedder(), progress=seen.append)
    assert seen == ["a.txt", "b.txt"]


def test_metadata_filter_finds_sources_by_title_name_and_path(tmp_path):
    corpus = write_corpus(tmp_path / "news", 3)
    sport = tmp_path / "sport"
    sport.mkdir()
    (sport / "derby.md").write_text("# Elmford wins the derby\n\nThe derby ended 2-1.\n", encoding="utf-8")
    build_index(tmp_path / "store", [corpus, sport], workers=0, embedder=FakeEmbedder())
    store = open_store(tmp_path / "store", embedder=FakeEmbedder())
    try:
        find = store.catalog.find_sources
        assert find(title_contains="DERBY") == ["derby.md"]
        assert find(path_prefix=str(sport)) == ["derby.md"]
        assert find(name_contains="story-00") == ["story-000.txt", "story-001.txt", "story-002.txt"]
        assert find(title_contains="market", path_prefix=str(sport)) == []
    finally:
        store.close()
