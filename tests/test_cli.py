"""The `qa` command from a real subprocess: output, JSON, exit codes, cheap --help."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from index.folder import write_lock

QA = [sys.executable, "-m", "ui.cli"]


def run(*args, store=None, timeout=120):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if store is not None:
        env["QA_STORE"] = str(store)
    return subprocess.run([*QA, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_import_and_help_load_no_model():
    code = ("import sys, qa, ui.cli.main; ui.cli.main.build_parser().format_help(); "
            "print(sorted(m for m in ('torch', 'spacy', 'sentence_transformers', 'chromadb', 'gradio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_every_command():
    out = run("--help")
    assert out.returncode == 0
    for command in ("index", "ask", "eval", "chat", "list", "remove", "bench"):
        assert command in out.stdout


@pytest.mark.slow
def test_ask_prints_answer_and_citation(seed_store):
    out = run("ask", "Who is the editor-in-chief of Sputnik Azerbaijan?", store=seed_store)
    assert out.returncode == 0, out.stderr
    assert "Answer: Yevgeny Belousov" in out.stdout
    assert "[1] azerbaijan-russia-sputnik-arrests.txt [" in out.stdout


@pytest.mark.slow
def test_ask_json_is_the_answer(seed_store):
    out = run("ask", "--json", "Who is the editor-in-chief of Sputnik Azerbaijan?", store=seed_store)
    data = json.loads(out.stdout)
    assert data["found"] is True and data["text"] == "Yevgeny Belousov"
    assert data["citations"][0]["quote"].startswith("Detained in the raid")


@pytest.mark.slow
def test_list_shows_the_seed(seed_store):
    out = run("list", store=seed_store)
    assert "azerbaijan-russia-sputnik-arrests.txt" in out.stdout and "sentences" in out.stdout


@pytest.mark.parametrize("args, message", [
    (("ask", "   "), "empty"),
    (("ask", "Who?"), "No index at"),
    (("index", "no/such/folder"), "does not exist"),
])
def test_errors_print_one_line_and_exit_2(tmp_path, args, message):
    out = run(*args, store=tmp_path / "store")
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and message in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_second_writer_process_is_refused(tmp_path):
    store = tmp_path / "store"
    with write_lock(store):  # this test process is the first writer
        out = run("index", str(ROOT / "seeds"), store=store)
    assert out.returncode == 2 and "Another process is writing" in out.stderr


@pytest.mark.slow
def test_metadata_filter_chooses_articles(seed_store):
    out = run("ask", "--title", "arrest of Russians", "Who is the editor-in-chief of Sputnik Azerbaijan?",
              store=seed_store)
    assert out.returncode == 0 and "Yevgeny Belousov" in out.stdout
    out = run("ask", "--title", "no such title", "Who?", store=seed_store)
    assert out.returncode == 2 and "No indexed article matches" in out.stderr


def test_the_benchmark_writes_its_table_outside_the_tree_unless_asked():
    from ui.cli.main import CACHED_TABLE, DOCS_TABLE, build_parser

    args = build_parser().parse_args(["eval", "--benchmark"])
    assert args.out is None and not args.update_docs            # -> CACHED_TABLE, git-ignored
    assert CACHED_TABLE.parts[0] == ".cache" and DOCS_TABLE == Path("docs/benchmark")
    assert build_parser().parse_args(["eval", "--benchmark", "--update-docs"]).update_docs
