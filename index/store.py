"""A store folder: manifest, catalog (SQLite) and vectors (Chroma), opened and checked together.

    <store>/manifest.json    format version, embedding model, settings, the store's id and the
                             folders it was indexed from; checked on every open, written last;
                             the encoders that wrote its vectors (recorded, not checked)
    <store>/catalog.sqlite   documents, sentences, the BM25 index (index/catalog.py), each
                             sentence's parse (index/parses.py; the manifest names the parser)
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

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from index import nlp, parses
from index.catalog import Catalog, SentenceRow
from index.embed import Embedder
from index.folder import file_identity, is_writable, read_only_error
from index.manifest import (CATALOG, MANIFEST, SERVER_KEYS, VECTORS, check_manifest, damaged, expected_manifest,
                            qa_command, server_manifest, write_manifest)
from index.replica import ServerCatalog, replica_path
from index.vectors import RemoteCatalog, VectorStore
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError


@dataclass
class Store:
    path: Path
    catalog: Catalog
    vectors: VectorStore
    embedder: Embedder
    generation: int = 0
    remote: RemoteCatalog | None = None   # the catalog's copy on a Chroma server, if any
    identity: tuple[int, int] | None = None   # (device, inode) of the catalog file opened
    parses_readable: bool = False   # its stored parses are this parser's (index/parses.py)

    def close(self) -> None:
        self.catalog.close()
        self.vectors.close()

    def load_parses(self, rows: Sequence[SentenceRow]) -> None:
        """Put the stored parses of these sentences in the parse cache, so that reading them
        parses nothing (a sentence without one is parsed when read, as before)."""
        if not self.parses_readable:
            return
        wanted = {r.chunk_id: r.text for r in rows if not nlp.cached(r.text)}
        stored = self.catalog.parses(list(wanted))
        nlp.remember({wanted[cid]: parses.decode(data) for cid, data in stored.items()})

    def replaced(self) -> bool:
        """The folder now holds another catalog than the one open (a rebuild swapped it in)."""
        return self.remote is None and file_identity(self.path / CATALOG) != self.identity


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
        identity = file_identity(path / CATALOG)
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
    store = Store(path, catalog, vectors, embedder, catalog.generation(), identity=identity,
                  parses_readable=manifest.get(parses.MANIFEST_KEY) == parses.parser_version())
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
