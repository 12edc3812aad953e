"""The store's manifest (``<store>/manifest.json``): what built the store, checked on every open,
and the commands a message names to repair or rebuild a store.

    {"format": "verbatim-index v1", "model": ..., "dimensions": 384, "chunking": ..., "vectors": ...,
     "store_id": ..., "encoders": [...], "indexed_from": [...]}
"""
from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Sequence

from index.embed import DIMENSIONS, MODEL_NAME, REFERENCE_ENCODER
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT = "verbatim-index v1"
MANIFEST, CATALOG, VECTORS, UPLOADS = "manifest.json", "catalog.sqlite", "chroma", "uploads"


def expected_manifest(chroma_url: str | None = None) -> dict:
    return {"format": FORMAT, "model": MODEL_NAME, "dimensions": DIMENSIONS,
            "chunking": "sentences (spaCy en_core_web_sm 3.8)",
            "vectors": "chroma-server" if chroma_url else "chroma-embedded"}


SERVER_KEYS = ("format", "model", "dimensions", "chunking")


def server_manifest() -> dict:
    return {k: expected_manifest("server")[k] for k in SERVER_KEYS}


def record_encoder(path: Path, encoder: str) -> None:
    """Add ``encoder`` to the manifest's ``encoders``, the ways of running the model that wrote
    the store's vectors. Not checked on open: the ONNX copy and sentence-transformers give
    interchangeable vectors (cosine >= 0.9999, tests/test_embed.py), so a store written by both
    answers the same. A manifest without the key is from before the ONNX copy: sentence-transformers."""
    found = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    used = list(found.get("encoders", [REFERENCE_ENCODER]))
    if encoder not in used:
        write_manifest(path, found | {"encoders": used + [encoder]})


def qa_command(path: Path, *args: str) -> str:
    """The command a message tells the user to run on this store, quoted for the shell."""
    return "`" + shlex.join(["qa", "--store", str(path), *args]) + "`"


def rebuild_command(path: Path) -> str:
    """`qa --store PATH index --rebuild FOLDER...` with the folders the store was indexed from
    (its uploads come along by themselves)."""
    try:
        folders = read_manifest(path).get("indexed_from") or []
    except (IndexMissingError, IndexCorruptError):
        folders = []
    return qa_command(path, "index", "--rebuild", *(folders or ["FOLDER"]))


def damaged(path: Path, what: str, fix: str | None = None) -> IndexCorruptError:
    return IndexCorruptError(f"The index at {path} is damaged: {what}. Nothing was changed. "
                             f"Repair it with {fix or rebuild_command(path)} (`qa doctor` checks the whole store).")


def read_manifest(path: Path) -> dict:
    manifest_file = Path(path) / MANIFEST
    if not manifest_file.exists():
        if (Path(path) / CATALOG).exists():
            raise damaged(path, f"its manifest {manifest_file} is missing", qa_command(path, "index"))
        raise IndexMissingError(
            f"No index at {path}. Build one with `qa index seeds/` (or set QA_STORE to an existing index).")
    try:
        found = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"The index manifest {manifest_file} is unreadable ({exc}). Rebuild the index "
                                f"with {qa_command(path, 'index', '--rebuild', 'FOLDER')}.") from exc
    if not isinstance(found, dict):
        raise IndexCorruptError(f"The index manifest {manifest_file} is not a manifest. Rebuild the index "
                                f"with {qa_command(path, 'index', '--rebuild', 'FOLDER')}.")
    return found


def check_manifest(path: Path, chroma_url: str | None = None) -> dict:
    """The store's manifest; raise if the store is missing or was built with another format,
    model or settings."""
    found = read_manifest(path)
    expected = expected_manifest(chroma_url)
    diffs = [f"{k}: index has {found.get(k)!r}, this version needs {v!r}"
             for k, v in expected.items() if found.get(k) != v]
    if diffs:
        raise IndexMismatchError(f"The index at {path} was built differently ({'; '.join(diffs)}). "
                                 f"Rebuild it with {rebuild_command(path)}.")
    return found


def write_manifest(path: Path, manifest: dict) -> None:
    """Replace the manifest in one step (a reader sees the old one or the new one)."""
    tmp = Path(path) / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, Path(path) / MANIFEST)


def remember_folders(path: Path, folders: Sequence[Path]) -> None:
    """Add the folders and files given to `qa index` to the manifest: the rebuild command
    names them (keeps the first ``FOLDERS_KEPT``)."""
    manifest = read_manifest(path)
    known = list(manifest.get("indexed_from") or [])
    new = [str(Path(f).resolve()) for f in folders if str(Path(f).resolve()) not in known]
    if new:
        write_manifest(path, dict(manifest, indexed_from=(known + new)[:FOLDERS_KEPT]))


FOLDERS_KEPT = 50
