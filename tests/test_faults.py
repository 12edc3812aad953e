"""Fault injection on a real store in tmp_path (real MiniLM, real Chroma), through the real `qa`
command where the fault is seen by a user: every row of the README's fault table names its test.

Each test injects one fault (a file of the same name, a truncated catalog, a deleted vector
folder, a read-only folder, an unknown source, a bad file in a folder, UTF-16 text, a closed
pipe, a link out of the folder) and checks what the user sees and that nothing was lost.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

QA = [sys.executable, "-m", "ui.cli"]
BRIDGE = "Harbour bridge reopens\n\nThe harbour bridge in Port Elm reopened on Tuesday.\nEngineers replaced 42 steel cables, the city council said.\n"
MUSEUM = "City museum reopens\n\nThe city museum in Port Elm reopened on Friday with 300 new paintings.\n"
CABLES = "How many steel cables were replaced?"
PAINTINGS = "How many new paintings does the museum have?"

# Drops the capabilities that let root write anyone's files, then runs the command: under it a
# folder without write permission is read-only even for root (as it always is for other users).
READ_ONLY_EXEC = (
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH\n"
    "    if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP\n"
    "        raise OSError(ctypes.get_errno(), 'prctl(PR_CAPBSET_DROP)')\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n")


def read_only_prefix() -> list[str]:
    return [sys.executable, "-c", READ_ONLY_EXEC] if os.geteuid() == 0 else []


def qa(*args, store: Path, prefix: list[str] | None = None, timeout: float = 180):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TMPDIR=str(store.parent))   # a read-only store's vector copy goes there, not in /tmp
    env.pop("QA_CHROMA_URL", None)
    return subprocess.run([*(prefix or []), *QA, "--store", str(store), *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=timeout, stdin=subprocess.DEVNULL)


def ask_json(store: Path, question: str, *extra) -> dict:
    out = qa("ask", "--json", *extra, question, store=store)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def news(tmp_path) -> Path:
    """A folder with two articles, and a store built from it by `qa index`."""
    folder = tmp_path / "news"
    write(folder / "bridge.txt", BRIDGE)
    write(folder / "museum.txt", MUSEUM)
    out = qa("index", "--quiet", folder, store=tmp_path / "store")
    assert out.returncode == 0, out.stderr
    return folder


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


# --------------------------------------------------------------------------------------------
# 4. A read-only store answers; writes are refused without destructive advice
# --------------------------------------------------------------------------------------------

@pytest.fixture
def read_only(tmp_path, news):
    store = tmp_path / "store"
    expected = ask_json(store, CABLES)
    for p in [store, *store.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    yield store, expected
    for p in [store, *store.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)


def test_a_read_only_store_answers_and_says_it_is_read_only(read_only, news):
    store, expected = read_only
    before = snapshot(store)
    asked = qa("ask", "--json", CABLES, store=store, prefix=read_only_prefix())
    assert asked.returncode == 0, asked.stderr
    got = json.loads(asked.stdout)
    assert (got["text"], got["confidence"]) == (expected["text"], expected["confidence"])
    listed = qa("list", store=store, prefix=read_only_prefix())
    assert listed.returncode == 0 and "bridge.txt" in listed.stdout
    for args in (("index", "--quiet", news), ("remove", "bridge.txt")):
        out = qa(*args, store=store, prefix=read_only_prefix())
        assert out.returncode == 2 and "read-only" in out.stderr, out
        assert "Delete" not in out.stderr and "rebuild" not in out.stderr.lower()
    assert snapshot(store) == before


CHAT_WRITES_ON_READ_ONLY = """
import sys
from ui.web import feedback
from qa.api import ask
from qa.errors import VerbatimError
from qa.library import add_article
from qa.settings import Settings
settings = Settings(store=sys.argv[1])
for write in (lambda: add_article("new.txt", b"Title\\n\\nA new story with 7 lines.\\n", settings),
              lambda: feedback.record_feedback(ask("Who?", settings=settings), "up", answer_id="x", settings=settings)):
    try:
        write()
    except VerbatimError as exc:
        print(exc)
"""


def test_uploads_and_feedback_to_a_read_only_store_are_refused_politely(read_only):
    """What the chat's upload and thumbs do; the chat shows these messages."""
    store, _ = read_only
    before = snapshot(store)
    out = subprocess.run([*read_only_prefix(), sys.executable, "-c", CHAT_WRITES_ON_READ_ONLY, str(store)],
                         capture_output=True, text=True, cwd=ROOT, timeout=180,
                         env=dict(os.environ, TMPDIR=str(store.parent)))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out
    upload, vote = out.stdout.strip().splitlines()
    assert "read-only" in upload and "Delete" not in upload and "read-only" in vote
    assert snapshot(store) == before


# --------------------------------------------------------------------------------------------
# 5. Unknown sources are an error; a string is one source
# --------------------------------------------------------------------------------------------

def test_an_unknown_source_is_an_error_that_lists_the_known_ones(tmp_path, news):
    out = qa("ask", "--source", "nosuch.txt", CABLES, store=tmp_path / "store")
    assert out.returncode == 2 and "nosuch.txt" in out.stderr
    assert "bridge.txt" in out.stderr and "museum.txt" in out.stderr


def test_a_string_of_sources_is_one_source(tmp_path, news):
    from qa.api import ask, forget_engines

    try:
        answer = ask(CABLES, store=tmp_path / "store", sources="bridge.txt")
        assert answer.text == "42" and {c.source for c in answer.citations} == {"bridge.txt"}
    finally:
        forget_engines()


# --------------------------------------------------------------------------------------------
# 7, 8, 11. A folder run: bad files are listed, UTF-16/32 read, links out of the folder skipped
# --------------------------------------------------------------------------------------------

def test_one_bad_file_does_not_stop_a_folder_run(tmp_path):
    folder = tmp_path / "mixed"
    write(folder / "bridge.txt", BRIDGE)
    write(folder / "binary.txt", b"\x00\x01\x02\x03 binary")
    write(folder / "latin1.txt", "Caf\xe9 story\n\nThe caf\xe9 opened.\n".encode("latin-1"))
    write(folder / "museum.md", MUSEUM)
    store = tmp_path / "store"
    out = qa("index", "--quiet", folder, store=store)
    assert out.returncode == 1, out
    assert "2 added" in out.stdout
    assert f"refused: {folder / 'binary.txt'}:" in out.stderr and "binary" in out.stderr
    assert f"refused: {folder / 'latin1.txt'}:" in out.stderr and "UTF-8" in out.stderr
    assert sorted(line.split("\t")[0] for line in qa("list", store=store).stdout.splitlines()) == \
        ["bridge.txt", "museum.md"]
    strict = qa("index", "--quiet", "--strict", folder, store=tmp_path / "strict")
    assert strict.returncode == 2 and "binary.txt" in strict.stderr
    assert not (tmp_path / "strict" / "catalog.sqlite").exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    from index.articles import read_article

    data = BRIDGE.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + BRIDGE).encode(encoding)
    article = read_article(write(tmp_path / "story.txt", data))
    assert article.raw == BRIDGE


def test_utf16_without_a_byte_order_mark_says_re_save_as_utf8(tmp_path):
    from index.articles import read_article
    from qa.errors import SourceError

    with pytest.raises(SourceError, match="re-save it as UTF-8"):
        read_article(write(tmp_path / "story.txt", BRIDGE.encode("utf-16-le")))


def test_a_link_that_leaves_the_folder_is_skipped_and_said(tmp_path):
    outside = write(tmp_path / "private" / "secret.txt", MUSEUM)
    folder = tmp_path / "news"
    write(folder / "bridge.txt", BRIDGE)
    (folder / "secret.txt").symlink_to(outside)
    (folder / "elsewhere").symlink_to(outside.parent, target_is_directory=True)
    (folder / "again.txt").symlink_to(folder / "bridge.txt")       # inside the folder: fine
    out = qa("index", "--quiet", folder, store=tmp_path / "store")
    assert out.returncode == 1, out
    assert f"refused: {folder / 'secret.txt'}:" in out.stderr and "outside" in out.stderr
    listed = qa("list", store=tmp_path / "store").stdout
    assert "secret" not in listed and "bridge.txt" in listed


# --------------------------------------------------------------------------------------------
# 9. A closed pipe ends the command quietly
# --------------------------------------------------------------------------------------------

def test_a_closed_pipe_ends_qa_ask_without_a_traceback(tmp_path, news):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    read_end, write_end = os.pipe()
    os.close(read_end)                                          # the reader (e.g. `head`) is gone
    proc = subprocess.run([*QA, "--store", str(tmp_path / "store"), "ask", CABLES], stdout=write_end,
                          stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=180)
    os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 128 + signal.SIGPIPE, -signal.SIGPIPE)
