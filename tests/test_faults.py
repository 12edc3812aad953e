"""Fault injection on a real store in tmp_path (real MiniLM, real Chroma), through the real `qa`
command where the fault is seen by a user: every row of the README's fault table names its test.

Here: a file of the same name, a truncated or deleted catalog, deleted vectors, leftovers of a
killed build, and `qa doctor` on each; ``test_faults_access.py`` has the rest. Each test injects
one fault and checks what the user sees and that nothing was lost.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

# news is a fixture: pytest finds it in this module
from faults_kit import BRIDGE, CABLES, MUSEUM, PAINTINGS, ask_json, news, qa, snapshot, write

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------------------
# 2. An article's identity is not its bare file name
# --------------------------------------------------------------------------------------------

def test_a_different_file_with_the_same_name_never_replaces_an_article(tmp_path):
    store = tmp_path / "store"
    first, second = write(tmp_path / "a" / "story.txt", BRIDGE), write(tmp_path / "b" / "story.txt", MUSEUM)
    assert qa("index", "--quiet", first, store=store).returncode == 0
    refused = qa("index", "--quiet", second, store=store)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "already indexed" in refused.stderr and str(first) in refused.stderr
    assert f"qa index --replace {second}" in refused.stderr
    assert ask_json(store, CABLES)["text"] == "42"              # the first article is intact
    replaced = qa("index", "--quiet", "--replace", second, store=store)
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced story.txt" in replaced.stdout and str(first) in replaced.stdout
    assert ask_json(store, PAINTINGS)["text"] == "300"


def test_the_same_file_edited_is_updated(tmp_path):
    from index.build import build_index

    story = write(tmp_path / "a" / "story.txt", BRIDGE)
    build_index(tmp_path / "store", [story])
    write(story, BRIDGE.replace("42", "57"))
    report = build_index(tmp_path / "store", [story])
    assert report.updated == ["story.txt"] and not report.refused


def test_an_upload_never_replaces_an_article_unless_asked(tmp_path):
    from index.build import build_index
    from qa.api import ask, forget_engines
    from qa.errors import SourceError
    from qa.library import add_article
    from qa.settings import Settings

    from ui.web.app import REPLACE_LABEL

    settings = Settings(store=tmp_path / "store", chroma_url=None)
    build_index(settings.store, [write(tmp_path / "a" / "story.txt", BRIDGE)])
    try:
        with pytest.raises(SourceError, match=r"already indexed") as refused:
            add_article("story.txt", MUSEUM.encode(), settings)
        assert REPLACE_LABEL in str(refused.value)        # the message names the chat's checkbox
        assert ask(CABLES, settings=settings).text == "42"
        assert add_article("story.txt", BRIDGE.encode(), settings).unchanged == ["story.txt"]
        report = add_article("story.txt", MUSEUM.encode(), settings, replace=True)
        assert report.replaced and "Harbour bridge reopens" in report.replaced[0]
        assert ask(PAINTINGS, settings=settings).text == "300"
        # the uploaded text is kept in the store, so a rebuild keeps it too
        assert (settings.store / "uploads" / "story.txt").read_text(encoding="utf-8") == MUSEUM
    finally:
        forget_engines()


# --------------------------------------------------------------------------------------------
# 3. A damaged store is never reported as an empty or smaller one
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_a_damaged_catalog_is_a_named_error_and_is_never_rewritten(tmp_path, news, damage):
    store, catalog = tmp_path / "store", tmp_path / "store" / "catalog.sqlite"
    catalog.write_bytes(b"") if damage == "truncate" else catalog.unlink()
    for args in (("ask", CABLES), ("list",)):
        out = qa(*args, store=store)
        assert out.returncode == 2 and out.stderr.startswith("error: "), out
        assert "catalog" in out.stderr and f"index --rebuild {news}" in out.stderr
        assert "Traceback" not in out.stderr
    assert (catalog.read_bytes() == b"") if damage == "truncate" else not catalog.exists()


def test_deleted_vectors_are_an_error_and_qa_index_restores_them(tmp_path, news):
    store = tmp_path / "store"
    before = ask_json(store, CABLES)
    shutil.rmtree(store / "chroma")
    out = qa("ask", CABLES, store=store)
    assert out.returncode == 2 and "vectors" in out.stderr and "qa --store" in out.stderr, out
    assert not (store / "chroma").exists()                     # the reader wrote nothing
    repaired = qa("index", "--quiet", news, store=store)
    assert repaired.returncode == 0 and "restored" in repaired.stdout, repaired
    after = ask_json(store, CABLES)
    assert (after["text"], after["confidence"]) == (before["text"], before["confidence"])


def test_qa_index_without_paths_repairs_the_store(tmp_path, news):
    store = tmp_path / "store"
    shutil.rmtree(store / "chroma")
    out = qa("index", store=store)
    assert out.returncode == 0 and "restored" in out.stdout, out
    assert ask_json(store, PAINTINGS)["text"] == "300"


def test_leftover_vectors_of_a_killed_build_do_not_stop_answers(tmp_path, news):
    """More vectors than sentences is what a build killed before its switch-over leaves: harmless."""
    from index.store import open_store
    from index.vectors import forget_clients

    store = open_store(tmp_path / "store", create=True)
    store.vectors.upsert(["0" * 32], [[1.0] + [0.0] * 383], [{"source": "gone.txt", "start": 0, "end": 1}])
    store.close()
    forget_clients()
    assert ask_json(tmp_path / "store", CABLES)["text"] == "42"


# --------------------------------------------------------------------------------------------
# qa doctor
# --------------------------------------------------------------------------------------------

def test_doctor_finds_nothing_wrong_with_a_healthy_store(tmp_path, news):
    out = qa("doctor", store=tmp_path / "store")
    assert out.returncode == 0 and "No problems found" in out.stdout, out


def _orphan(store: Path) -> None:
    from index.store import open_store
    from index.vectors import forget_clients

    s = open_store(store, create=True)
    s.vectors.upsert(["f" * 32], [[1.0] + [0.0] * 383], [{"source": "gone.txt", "start": 0, "end": 1}])
    s.close()
    forget_clients()


def _other_model(store: Path) -> None:
    manifest = store / "manifest.json"
    manifest.write_text(manifest.read_text().replace("all-MiniLM-L6-v2", "another-model"))


DAMAGE = {
    "catalog truncated": (lambda s: (s / "catalog.sqlite").write_bytes(b""), "catalog", "index --rebuild"),
    "catalog deleted": (lambda s: (s / "catalog.sqlite").unlink(), "catalog", "index --rebuild"),
    "vectors deleted": (lambda s: shutil.rmtree(s / "chroma"), "vectors", "index"),
    "orphan vectors": (_orphan, "not referenced", "index"),
    "another model": (_other_model, "another-model", "index --rebuild"),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_doctor_names_the_fault_and_the_one_command_that_fixes_it(tmp_path, news, name):
    store = tmp_path / "store"
    damage, what, command = DAMAGE[name]
    damage(store)
    before = snapshot(store)
    out = qa("doctor", store=store)
    assert out.returncode == 1 and what in out.stdout, out
    fix = next(line for line in out.stdout.splitlines() if line.startswith("Fix: "))
    assert f"qa --store {store} {command}" in fix
    assert snapshot(store) == before                            # the doctor only reads
    argv = fix.removeprefix("Fix: ").strip("`").split()[1:]     # drop the leading "qa"
    assert qa(*argv, store=store).returncode == 0
    assert qa("doctor", store=store).returncode == 0
    assert ask_json(store, CABLES)["text"] == "42" and ask_json(store, PAINTINGS)["text"] == "300"
