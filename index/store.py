"""A store folder: manifest, catalog (SQLite) and vectors (Chroma), opened and checked together.

    <store>/manifest.json    format version, embedding model, settings, the store's id and the
                             folders it was indexed from; checked on every open, written last;
                             the encoders that wrote its vectors (recorded, not checked)
    <store>/catalog.sqlite   documents, sentences, the BM25 index (index/catalog.py)
    <store>/chroma/          sentence vectors (index/vectors.py), unless QA_CHROMA_URL is set
    <store>/uploads/         the articles added in the chat, as uploaded (a rebuild keeps them)
    <store>.lock             beside the folder, held by the one process that writes

Opening never lies about what is there: a store whose manifest exists but whose catalog is
missing, empty or another store's, or whose vectors are fewer than its sentences, is an
:class:`IndexCorruptError` naming the one command that repairs it (``qa doctor`` says the
same). Readers write nothing; a store this process may not write is read, and writes to it
are an :class:`IndexReadOnlyError`.

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
import ctypes
import fcntl
import json
import os
import shlex
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from index import catalog as cat
from index.catalog import Catalog
from index.embed import DIMENSIONS, MODEL_NAME, REFERENCE_ENCODER, Embedder
from index.vectors import RemoteCatalog, ServerAddress, VectorStore
from qa.errors import (IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError,
                       IndexReadOnlyError)

FORMAT = "verbatim-index v1"
MANIFEST, CATALOG, VECTORS, UPLOADS = "manifest.json", "catalog.sqlite", "chroma", "uploads"


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
    found = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    used = list(found.get("encoders", [REFERENCE_ENCODER]))
    if encoder not in used:
        write_manifest(path, found | {"encoders": used + [encoder]})


@dataclass
class Store:
    path: Path
    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    generation: int = 0
    remote: RemoteCatalog | None = None   # the catalog's copy on a Chroma server, if any
    identity: tuple[int, int] | None = None   # (device, inode) of the catalog file opened

    def close(self) -> None:
        self.catalog.close()

    def replaced(self) -> bool:
        """The folder now holds another catalog than the one open (a rebuild swapped it in)."""
        return self.remote is None and _file_identity(self.path / CATALOG) != self.identity


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


def is_writable(path: Path) -> bool:
    """This process may write the store (not so for a read-only mount, a read-only copy or
    another user's store)."""
    path = Path(path)
    parts = [path, path / CATALOG, path / MANIFEST, path / VECTORS, path / VECTORS / "chroma.sqlite3"]
    return all(os.access(p, os.W_OK) for p in parts if p.exists())


def read_only_error(path: Path) -> IndexReadOnlyError:
    return IndexReadOnlyError(
        f"The index at {path} is read-only for this user (its folder or files cannot be written), so "
        f"articles cannot be added, changed or removed here. Asking works as usual and the index is "
        f"intact; to change it, use an account that may write {path}.")


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def open_store(path: Path, chroma_url: str | None = None, *, create: bool = False,
               embedder: Embedder | None = None, fresh: bool = False, writable: bool | None = None) -> Store:
    """Open the store at ``path`` to read it, or with ``writable`` to change it; ``create``
    (implies writable) starts a new one. With ``chroma_url`` the index lives on that Chroma
    server and ``path`` holds this front end's replica of its catalog. ``fresh`` reopens the
    embedded vector store to see what another process wrote."""
    path = Path(path)
    embedder = embedder or Embedder()
    if chroma_url:
        return _open_server_store(path, chroma_url, create, embedder)
    write = create if writable is None else (writable or create)
    if write and path.exists() and not is_writable(path):
        raise read_only_error(path)
    if create and not (path / MANIFEST).exists():
        _start_store(path)
    for attempt in (1, 2):
        manifest = check_manifest(path, chroma_url)
        identity = _file_identity(path / CATALOG)
        catalog = _open_catalog(path, write)
        if manifest.get("store_id") in (None, catalog.get_meta("store_id")) or attempt == 2:
            break
        catalog.close()   # a rebuild swapped the folder between the two reads: read both again
    _check_store_id(path, manifest, catalog, write)
    if not write:
        _check_vectors_folder(path, catalog)
    try:
        vectors = VectorStore(embedder, path=path / VECTORS, collection="verbatim-sentences", fresh=fresh,
                              read_only=not is_writable(path))
    except IndexCorruptError as exc:
        catalog.close()
        raise damaged(path, str(exc)) from exc
    store = Store(path, catalog, vectors, embedder, catalog.generation(), identity=identity)
    if not write:
        check_counts(store)
    return store


def _start_store(path: Path) -> None:
    """A new store: the catalog first, then the manifest, so a manifest always has its catalog."""
    path.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(path / CATALOG)
    try:
        store_id = catalog.get_meta("store_id") or uuid.uuid4().hex
        catalog.set_meta("store_id", store_id)
    finally:
        catalog.close()
    write_manifest(path, dict(expected_manifest(), store_id=store_id, encoders=[]))


def _open_catalog(path: Path, write: bool) -> Catalog:
    try:
        return Catalog(path / CATALOG, writable=write, create=False)
    except IndexCorruptError as exc:
        raise damaged(path, str(exc)) from exc


def _check_store_id(path: Path, manifest: dict, catalog: Catalog, write: bool) -> None:
    """The catalog must be the one the manifest was written with (not an empty one made anew)."""
    ours, theirs = manifest.get("store_id"), catalog.get_meta("store_id")
    if ours is None:               # a store from before store ids: a writer gives it one
        if write:
            ours = theirs or uuid.uuid4().hex
            catalog.set_meta("store_id", ours)
            write_manifest(path, dict(manifest, store_id=ours))
        return
    if theirs != ours:
        catalog.close()
        raise damaged(path, f"its catalog {path / CATALOG} is not the one this store was built with "
                            f"(it was replaced or emptied)")


def _check_vectors_folder(path: Path, catalog: Catalog) -> None:
    if not (path / VECTORS / "chroma.sqlite3").exists():
        count = catalog.sentence_count()
        catalog.close()
        raise damaged(path, f"its vectors folder {path / VECTORS} is missing ({count} sentences have no vector)",
                      qa_command(path, "index"))


def check_counts(store: Store) -> None:
    """Fewer vectors than catalog sentences means vectors were lost (an interrupted build
    leaves more, never fewer): an error that says how to embed them again."""
    vectors, sentences = store.vectors.count(), store.catalog.sentence_count()
    if vectors < sentences:
        store.close()
        raise damaged(store.path, f"its vector store holds {vectors} vectors for {sentences} sentences",
                      qa_command(store.path, "index"))


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


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def swap_folders(new: Path, current: Path) -> Path:
    """Put the folder ``new`` where ``current`` is, in one step where the system can (Linux's
    ``renameat2(RENAME_EXCHANGE)``), so a reader finds the old store or the new one, never
    none; returns where the old one now is (to delete)."""
    if not current.exists():
        new.rename(current)
        return new
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is not None and renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(current),
                                           RENAME_EXCHANGE) == 0:
        return new
    old = current.with_name(current.name + ".old")   # no atomic exchange here: two renames
    shutil.rmtree(old, ignore_errors=True)
    current.rename(old)
    new.rename(current)
    return old


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """One writer at a time; a second one is told plainly instead of corrupting the index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not is_writable(path):
        raise read_only_error(path)
    try:
        handle = open(path.with_name(path.name + ".lock"), "a+")
    except PermissionError as exc:
        raise read_only_error(path) from exc
    with handle:
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
