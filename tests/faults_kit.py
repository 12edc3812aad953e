"""What the fault tests share: the real `qa` command run on a store in tmp_path, two small
articles and the ``news`` fixture (a folder of them, indexed by `qa index`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

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
