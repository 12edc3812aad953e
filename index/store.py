"""A store folder: manifest, catalog (SQLite) and vectors (Chroma), opened and checked together.

    <store>/manifest.json    format version, embedding model, settings; checked on every open
    <store>/catalog.sqlite   documents, sentences, the BM25 index (index/catalog.py)
    <store>/chroma/          sentence vectors (index/vectors.py), unless QA_CHROMA_URL is set
    <store>.lock             beside the folder, held by the one process that writes
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index.catalog import Catalog
from index.embed import DIMENSIONS, MODEL_NAME, Embedder
from index.vectors import VectorStore
from qa.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT = "verbatim-index v1"
REBUILD_HINT = "Rebuild it with `qa index --rebuild seeds/` (or delete the folder and run `qa index seeds/`)."


def expected_manifest(chroma_url: str | None = None) -> dict:
    return {"format": FORMAT, "model": MODEL_NAME, "dimensions": DIMENSIONS,
            "chunking": "sentences (spaCy en_core_web_sm 3.8)",
            "vectors": "chroma-server" if chroma_url else "chroma-embedded"}


@dataclass
class Store:
    path: Path
    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    generation: int = 0

    def close(self) -> None:
        self.catalog.close()


def _manifest_path(path: Path) -> Path:
    return path / "manifest.json"


def check_manifest(path: Path, chroma_url: str | None = None) -> None:
    """Raise if the store is missing or was built with another format, model or settings."""
    manifest_file = _manifest_path(path)
    if not manifest_file.exists():
        raise IndexMissingError(
            f"No index at {path}. Build one with `qa index seeds/` (or set QA_STORE to an existing index).")
    try:
        found = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"The index manifest {manifest_file} is unreadable ({exc}). {REBUILD_HINT}") from exc
    expected = expected_manifest(chroma_url)
    diffs = [f"{k}: index has {found.get(k)!r}, this version needs {v!r}"
             for k, v in expected.items() if found.get(k) != v]
    if diffs:
        raise IndexMismatchError(f"The index at {path} was built differently ({'; '.join(diffs)}). {REBUILD_HINT}")


def open_store(path: Path, chroma_url: str | None = None, *, create: bool = False) -> Store:
    path = Path(path)
    if create and not _manifest_path(path).exists():
        path.mkdir(parents=True, exist_ok=True)
        _manifest_path(path).write_text(json.dumps(expected_manifest(chroma_url), indent=2) + "\n",
                                        encoding="utf-8")
    check_manifest(path, chroma_url)
    catalog = Catalog(path / "catalog.sqlite")
    embedder = Embedder()
    vectors = VectorStore(embedder, path=path / "chroma", url=chroma_url,
                          collection=_collection_name(path) if chroma_url else "verbatim-sentences")
    return Store(path, catalog, vectors, embedder, catalog.generation())


def _collection_name(path: Path) -> str:
    """On a shared server each store folder gets its own collection (name from its folder)."""
    name = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in path.resolve().name)
    return f"verbatim-{name}"[:60]


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """One writer at a time; a second one is told plainly instead of corrupting the index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"Another process is writing the index at {path}. Wait for it to finish, then try again.") from exc
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
