"""Fault injection, continued (see ``test_faults.py``): a read-only store, an unknown source, bad
files in a folder, UTF-16/32 text, a link out of the folder and a closed pipe, each through the
real `qa` command, checking what the user sees and that nothing was lost.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT
# news is a fixture: pytest finds it in this module
from faults_kit import BRIDGE, CABLES, MUSEUM, QA, ask_json, news, qa, read_only_prefix, snapshot, write

pytestmark = pytest.mark.slow


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
