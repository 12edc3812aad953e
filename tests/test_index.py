"""Indexing with the real model and a real Chroma store in tmp_path: idempotence, updates,
the manifest check, the all-or-nothing switch-over, and every error path."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import SEED_ARTICLE
from index.articles import read_article
from index.build import build_index
from index.prepare import chunk_id
from index.folder import write_lock
from index.store import open_store
from qa.api import ask, forget_engines
from qa.errors import (IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError,
                       SourceError)

pytestmark = pytest.mark.slow

STORY_V1 = """Harbour bridge reopens

The harbour bridge in Port Elm reopened on Tuesday after a six-month repair.
Engineers replaced 42 steel cables, the city council said.
"""
STORY_V2 = STORY_V1.replace("42 steel cables", "57 steel cables")


@pytest.fixture(autouse=True)
def _fresh_engines():
    forget_engines()
    yield
    forget_engines()


def store_rows(path):
    store = open_store(path)
    try:
        return store.catalog.chunk_ids(), store.vectors.all_ids(), store.catalog.documents()
    finally:
        store.close()


def test_indexing_twice_changes_nothing(fresh_store):
    first = build_index(fresh_store, [SEED_ARTICLE])
    ids_before, vectors_before, docs_before = store_rows(fresh_store)
    second = build_index(fresh_store, [SEED_ARTICLE])
    ids_after, vectors_after, docs_after = store_rows(fresh_store)
    assert first.added == [SEED_ARTICLE.name] and first.sentences_embedded == len(ids_before)
    assert second.unchanged == [SEED_ARTICLE.name] and second.sentences_embedded == 0
    assert ids_before == ids_after == vectors_before == vectors_after
    assert [d.sha for d in docs_before] == [d.sha for d in docs_after]


def test_a_changed_file_replaces_its_old_chunks(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    old_ids, _, _ = store_rows(fresh_store)
    report = build_index(fresh_store, {"bridge.txt": STORY_V2})
    new_ids, vectors, docs = store_rows(fresh_store)
    assert report.updated == ["bridge.txt"]
    assert new_ids == vectors and len(docs) == 1
    assert old_ids != new_ids and len(old_ids & new_ids) == len(old_ids) - 1  # only the changed sentence
    assert ask("How many steel cables were replaced?", store=fresh_store).text == "57"


def test_chunk_ids_are_content_hashes(fresh_store):
    article = read_article(SEED_ARTICLE)
    assert article.sha == read_article(SEED_ARTICLE).sha
    from index.normalise import normalise
    from index.split import split_sentences

    sentence = split_sentences(normalise(article.raw))[3]
    assert chunk_id("a.txt", sentence) == chunk_id("a.txt", sentence) != chunk_id("b.txt", sentence)


def test_interrupted_build_leaves_the_previous_index_usable(fresh_store, monkeypatch):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    before = ask("How many steel cables were replaced?", store=fresh_store)
    from index import embed

    def fail(self, texts):
        raise KeyboardInterrupt("simulated interruption while embedding")

    monkeypatch.setattr(embed.Embedder, "embed_documents", fail)
    with pytest.raises(KeyboardInterrupt):
        build_index(fresh_store, {"bridge.txt": STORY_V2, "other.txt": "Another story.\n\nIt is short."})
    monkeypatch.undo()
    forget_engines()
    after = ask("How many steel cables were replaced?", store=fresh_store)
    assert after.text == before.text == "42"
    assert [d.source for d in store_rows(fresh_store)[2]] == ["bridge.txt"]
    # and the next build completes the update
    build_index(fresh_store, {"bridge.txt": STORY_V2})
    forget_engines()
    assert ask("How many steel cables were replaced?", store=fresh_store).text == "57"


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexMissingError, match="qa index"):
        ask("Who?", store=tmp_path / "nowhere")


def test_manifest_mismatch_says_how_to_rebuild(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    manifest = fresh_store / "manifest.json"
    data = json.loads(manifest.read_text())
    data["model"] = "some-other-model"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="some-other-model.*--rebuild"):
        ask("Who?", store=fresh_store)
    with pytest.raises(IndexMismatchError):
        build_index(fresh_store, {"bridge.txt": STORY_V1})


def test_rebuild_replaces_a_mismatched_index(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    manifest = fresh_store / "manifest.json"
    manifest.write_text(manifest.read_text().replace("verbatim-index v1", "verbatim-index v0"))
    build_index(fresh_store, {"bridge.txt": STORY_V1}, rebuild=True)
    forget_engines()
    assert ask("How many steel cables were replaced?", store=fresh_store).text == "42"


def test_corrupt_catalog_is_reported(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    (fresh_store / "catalog.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError, match="rebuild|qa index"):
        ask("Who?", store=fresh_store)


def test_unreadable_manifest_is_reported(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    (fresh_store / "manifest.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(IndexCorruptError, match="manifest"):
        ask("Who?", store=fresh_store)


def test_second_writer_is_refused_while_one_writes(fresh_store):
    with write_lock(fresh_store):
        with pytest.raises(IndexBusyError, match="Another process"):
            build_index(fresh_store, {"bridge.txt": STORY_V1})
    build_index(fresh_store, {"bridge.txt": STORY_V1})  # free again afterwards


@pytest.mark.parametrize("name, data, message", [
    ("story.pdf", b"%PDF-1.4", "not a .txt or .md"),
    ("story.txt", b"\x00\x01\x02binary", "binary"),
    ("story.txt", "café".encode("latin-1"), "not UTF-8"),
    ("story.txt", b"   \n\n ", "empty"),
])
def test_bad_files_get_a_clear_error(tmp_path, fresh_store, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError, match=message):
        build_index(fresh_store, [path])
    assert not (fresh_store / "catalog.sqlite").exists()  # nothing half-written


def test_missing_path_gets_a_clear_error(tmp_path, fresh_store):
    with pytest.raises(SourceError, match="does not exist"):
        build_index(fresh_store, [tmp_path / "missing.txt"])


def test_folders_are_indexed_recursively(tmp_path, fresh_store):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEED_ARTICLE, folder / "seed.txt")
    (folder / "sub" / "bridge.md").write_text(STORY_V1, encoding="utf-8")
    (folder / "notes.json").write_text("{}", encoding="utf-8")
    report = build_index(fresh_store, [folder])
    assert sorted(report.added) == ["bridge.md", "seed.txt"]


def test_corrupt_vector_store_is_reported(fresh_store):
    build_index(fresh_store, {"bridge.txt": STORY_V1})
    forget_engines()
    from index.vectors import forget_clients

    forget_clients()
    (fresh_store / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError, match="vector store"):
        ask("How many steel cables were replaced?", store=fresh_store)


def test_an_open_process_sees_what_another_process_indexed(fresh_store, tmp_path):
    """A chat stays open while `qa index` runs elsewhere: its next question sees the new article
    through both retrievers (Chroma's in-process index would otherwise be stale)."""
    import subprocess
    import sys

    from conftest import ROOT

    build_index(fresh_store, {"bridge.txt": STORY_V1})
    assert ask("How many steel cables were replaced?", store=fresh_store).text == "42"
    other = tmp_path / "museum.txt"
    other.write_text("Museum reopens\n\nThe city museum reopened on Friday with 300 new paintings.\n",
                     encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(fresh_store), "index", "--quiet", str(other)],
                   check=True, capture_output=True, cwd=ROOT)
    answer = ask("How many new paintings does the museum have?", store=fresh_store)
    assert answer.citations[0].source == "museum.txt" and answer.text == "300"
    from qa.api import engine
    from qa.settings import Settings

    hits = engine(Settings(store=fresh_store)).retriever.passages("museum paintings", k=1)
    assert hits[0].source == "museum.txt" and hits[0].dense > 0.3
