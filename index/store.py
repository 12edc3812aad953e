"""A store folder: manifest, catalog (SQLite) and vectors (Chroma), opened and checked together.

    <store>/manifest.json    format version, embedding model, settings (checked on every open);
                             the encoders that wrote its vectors (recorded, not checked)
    <store>/catalog.sqlite   documents, sentences, the BM25 index (index/catalog.py)
    <store>/chroma/          sentence vectors (index/vectors.py), unless QA_CHROMA_URL is set
    <store>.lock             beside the folder, held by the one process that writes

With a Chroma server (``QA_CHROMA_URL``) the server holds the index: the sentence vectors and,
in a second collection, every document's catalog record plus the manifest and a generation
token (index/vectors.py, ``RemoteCatalog``). Each front end keeps a local *replica* of the
catalog, with its FTS5 index, in

    <store>/replica-<host>-<port>-<index>/catalog.sqlite

and brings it up to date whenever the server's generation token changes (checked at most every
``QA_SYNC_SECONDS``, default 2, when a question comes in). Writers store vectors first, then the
document records, then renew the token, so a reader never sees an article whose vectors are
missing.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index import catalog as cat
from index.catalog import Catalog
from index.embed import DIMENSIONS, MODEL_NAME, REFERENCE_ENCODER, Embedder
from index.vectors import RemoteCatalog, ServerAddress, VectorStore
from qa.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT = "verbatim-index v1"
REBUILD_HINT = "Rebuild it with `qa index --rebuild seeds/` (or delete the folder and run `qa index seeds/`)."


def expected_manifest(chroma_url: str | None = None) -> dict:
    return {"format": FORMAT, "model": MODEL_NAME, "dimensions": DIMENSIONS,
            "chunking": "sentences (spaCy en_core_web_sm 3.8)",
            "vectors": "chroma-server" if chroma_url else "chroma-embedded"}


SERVER_KEYS = ("format", "model", "dimensions", "chunking")


def record_encoder(path: Path, encoder: str) -> None:
    """Add ``encoder`` to the manifest's ``encoders``, the ways of running the model that wrote
    the store's vectors. Not checked on open: the ONNX copy and sentence-transformers give
    interchangeable vectors (cosine >= 0.9999, tests/test_embed.py), so a store written by both
    answers the same. A manifest without the key is from before the ONNX copy: sentence-transformers."""
    manifest_file = _manifest_path(path)
    found = json.loads(manifest_file.read_text(encoding="utf-8"))
    used = list(found.get("encoders", [REFERENCE_ENCODER]))
    if encoder not in used:
        _write_manifest(path, found | {"encoders": used + [encoder]})


def _write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest whole or not at all (a half-written one would read as a damaged store)."""
    partial = _manifest_path(path).with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, _manifest_path(path))


@dataclass
class Store:
    path: Path
    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    generation: int = 0
    remote: RemoteCatalog | None = None   # the catalog's copy on a Chroma server, if any

    def close(self) -> None:
        self.catalog.close()


class ServerCatalog(Catalog):
    """A local replica of the catalog on a Chroma server. ``generation()`` (which front ends
    call before each question to see whether the index changed) first pulls the server's
    changes, at most once every ``every_s`` seconds."""

    def __init__(self, path: Path, remote: RemoteCatalog, every_s: float):
        super().__init__(path)
        self.remote, self.every_s, self._checked = remote, every_s, 0.0
        self._syncing = threading.Lock()   # chat threads share this catalog: one sync at a time

    def generation(self) -> int:
        if time.monotonic() - self._checked >= self.every_s:
            self.sync()
        return super().generation()

    def sync(self, force: bool = False) -> bool:
        with self._syncing:
            self._checked = time.monotonic()
            return sync_from_server(self, self.remote, force=force)


def sync_from_server(catalog: Catalog, remote: RemoteCatalog, *, force: bool = False) -> bool:
    """Make the local catalog equal to the server's documents; True if anything changed.

    Compares shas (small metadata only), downloads just the changed records, and applies them
    in one transaction, so readers of the replica see the old or the new state, never half.
    """
    token = remote.state().get("generation", "")
    if not force and token == catalog.get_meta("server_generation"):
        return False
    theirs, ours = remote.shas(), catalog.shas()
    changed = sorted(s for s, sha in theirs.items() if ours.get(s) != sha)
    gone = sorted(s for s in ours if s not in theirs)
    records = list(remote.get(changed))
    if records or gone:
        with catalog.transaction() as tx:
            for source in gone:
                cat.delete_document(tx, source)
            for record in records:
                cat.write_record(tx, record)
    catalog.set_meta("server_generation", token)
    return bool(records or gone)


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


def open_store(path: Path, chroma_url: str | None = None, *, create: bool = False,
               embedder: Embedder | None = None, fresh: bool = False) -> Store:
    """Open (or with ``create``, start) the store at ``path``; with ``chroma_url`` the index lives
    on that Chroma server and ``path`` holds this front end's replica of its catalog. ``fresh``
    reopens the embedded vector store to see what another process wrote."""
    path = Path(path)
    embedder = embedder or Embedder()
    if chroma_url:
        return _open_server_store(path, chroma_url, create, embedder)
    if create and not _manifest_path(path).exists():
        path.mkdir(parents=True, exist_ok=True)
        _write_manifest(path, expected_manifest(chroma_url) | {"encoders": []})
    check_manifest(path, chroma_url)
    catalog = Catalog(path / "catalog.sqlite")
    vectors = VectorStore(embedder, path=path / "chroma", collection="verbatim-sentences", fresh=fresh)
    return Store(path, catalog, vectors, embedder, catalog.generation())


def replica_path(path: Path, chroma_url: str) -> Path:
    address = ServerAddress.parse(chroma_url)
    return Path(path) / f"replica-{address.host}-{address.port}-{address.index}"


def _open_server_store(path: Path, chroma_url: str, create: bool, embedder: Embedder) -> Store:
    remote = RemoteCatalog(chroma_url)
    state = remote.state()
    expected = expected_manifest(chroma_url)
    if not state and not create:
        raise IndexMissingError(
            f"The Chroma server at {chroma_url} holds no Verbatim index named "
            f"{remote.address.index!r} yet. Build one with `qa --chroma-url {chroma_url} index seeds/`.")
    diffs = [f"{k}: server has {state.get(k)!r}, this version needs {expected[k]!r}"
             for k in SERVER_KEYS if state and state.get(k) != expected[k]]
    if diffs:
        raise IndexMismatchError(
            f"The index {remote.address.index!r} on {chroma_url} was built differently ({'; '.join(diffs)}). "
            f"Build a new index under another name in the URL's path (e.g. "
            f"`qa --chroma-url {chroma_url.rstrip('/')}-v2 index seeds/`) and point the front ends at it.")
    if not state:
        remote.renew_generation(server_manifest())
    replica = replica_path(path, chroma_url)
    replica.mkdir(parents=True, exist_ok=True)
    catalog = ServerCatalog(replica / "catalog.sqlite", remote,
                            float(os.environ.get("QA_SYNC_SECONDS", "2")))
    catalog.sync()
    vectors = VectorStore(embedder, url=chroma_url)
    return Store(path, catalog, vectors, embedder, catalog.generation(), remote)


def server_manifest() -> dict:
    return {k: expected_manifest("server")[k] for k in SERVER_KEYS}


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
