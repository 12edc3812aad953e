"""The one module that talks to Chroma (through langchain-chroma and the chromadb client) and
turns its column-major results into plain rows.

Embedded ``PersistentClient`` by default; ``chromadb.HttpClient`` when a server URL is given.
One client per process and location (Chroma refuses a second client on the same path).

On a server, a URL's path names the index: ``http://host:8000/newsroom`` uses the collections
``newsroom-sentences`` (vectors) and ``newsroom-documents`` (one record per article: what a
front end needs to rebuild its local catalog, see :class:`RemoteCatalog`); no path means
``verbatim``. Calls to a server are retried with backoff on connection failures and then
raise :class:`StoreUnavailableError`.
"""
from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar
from urllib.parse import urlparse

import numpy as np
from langchain_core.embeddings import Embeddings

from index.catalog import DocumentRecord
from index.folder import read_only_copy
from qa.errors import IndexCorruptError, StoreUnavailableError

COLLECTION = "verbatim-sentences"
DEFAULT_SERVER_INDEX = "verbatim"
RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0)   # then give up: about 4 s of a server not answering
PAGE = 5000                               # rows per get() when listing a whole collection
STATE_ID = "__verbatim_state__"
T = TypeVar("T")


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    similarity: float  # cosine similarity, higher is better


@dataclass(frozen=True)
class ServerAddress:
    url: str
    host: str
    port: int
    ssl: bool
    index: str       # collection prefix, from the URL's path

    @classmethod
    def parse(cls, url: str) -> "ServerAddress":
        """``parse("http://10.0.0.5:8000/newsroom")`` -> host 10.0.0.5, port 8000, index newsroom"""
        parsed = urlparse(url if "://" in url else f"http://{url}")
        index = parsed.path.strip("/") or DEFAULT_SERVER_INDEX
        if not (2 <= len(index) <= 60) or any(not (ch.isalnum() or ch in "._-") for ch in index):
            raise StoreUnavailableError(
                f"Bad index name {index!r} in the Chroma URL {url!r}: use 2-60 letters, digits, '.', '_' "
                f"or '-', e.g. http://127.0.0.1:8000/newsroom.")
        return cls(url, parsed.hostname or "127.0.0.1", parsed.port or 8000, parsed.scheme == "https", index)


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _down(url: str, exc: BaseException) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"The Chroma server at {url} does not answer ({exc}). Nothing was lost: an article is switched "
        f"over only after its vectors are stored, so run the same command again once the server is up "
        f"(start it with `chroma run --path DIR --host 127.0.0.1 --port PORT`), or unset "
        f"QA_CHROMA_URL to use the embedded store.")


def with_retry(url: str, call: Callable[[], T], delays: Sequence[float] = RETRY_DELAYS_S) -> T:
    """Run ``call``; on a connection failure wait and retry, then raise StoreUnavailableError."""
    import httpx

    for delay in (*delays, None):
        try:
            return call()
        except (httpx.TransportError, ConnectionError) as exc:
            failure: Exception = exc
        except ValueError as exc:  # chromadb's HttpClient(): "Could not connect to a Chroma server"
            if "could not connect" not in str(exc).lower():
                raise
            failure = exc
        if delay is None:
            raise _down(url, failure) from failure
        time.sleep(delay)
    raise AssertionError("unreachable")


_persistent_clients: dict[str, list] = {}   # path -> [client, stores using it]
_persistent_lock = threading.Lock()


def _persistent_client(path: str, fresh: bool = False):
    """The process's one client for ``path``, used by one more store until ``release_client``;
    ``fresh`` closes it and opens a new one, which is how a process sees vectors another
    process wrote (Chroma keeps no cross-process lock)."""
    import chromadb
    from chromadb.errors import ChromaError

    with _persistent_lock:
        entry = _persistent_clients.get(path)
        if entry is not None and fresh:
            _persistent_clients.pop(path)[0].close()
            entry = None
        if entry is None:
            try:
                client = chromadb.PersistentClient(path=path, settings=_settings())
            except (ChromaError, OSError, ValueError, RuntimeError) as exc:  # corrupt file, unreadable folder
                raise IndexCorruptError(
                    f"its vector store {path} cannot be opened ({type(exc).__name__}: {exc})") from exc
            entry = _persistent_clients[path] = [client, 0]
        entry[1] += 1
        return entry[0]


def release_client(path: str, client) -> None:
    """A store is done with ``client``: the last one closes it and its files (a replaced or
    forgotten client is left alone)."""
    with _persistent_lock:
        entry = _persistent_clients.get(path)
        if entry is None or entry[0] is not client:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _persistent_clients[path]
            client.close()


@functools.lru_cache(maxsize=8)
def _http_client(url: str):
    import chromadb

    address = ServerAddress.parse(url)

    def connect():
        client = chromadb.HttpClient(host=address.host, port=address.port, ssl=address.ssl,
                                     settings=_settings())
        client.heartbeat()
        return client

    return with_retry(url, connect)


def forget_clients() -> None:
    """Drop cached Chroma clients (after a store folder was swapped or deleted)."""
    from chromadb.api.client import SharedSystemClient

    with _persistent_lock:
        _persistent_clients.clear()
    _http_client.cache_clear()
    SharedSystemClient.clear_system_cache()


class VectorStore:
    """Sentence vectors keyed by chunk id, in one Chroma collection.

    Vectors carry ``source``/``start``/``end`` (for the ``sources`` filter) and ``written``
    (seconds since the epoch, so a shared server sweeps only long-abandoned orphans); the
    sentence text lives in the catalog, not in Chroma.
    """

    def __init__(self, embeddings: Embeddings, *, path: Path | None = None,
                 url: str | None = None, collection: str = COLLECTION, fresh: bool = False,
                 read_only: bool = False):
        """``read_only``: the folder may not be written by this process; a copy is opened
        (``read_only_copy``)."""
        from langchain_chroma import Chroma

        self.url = url
        self.embeddings = embeddings
        if path is not None and read_only:
            path = read_only_copy(Path(path))
        self._path = None if url else str(path)
        client = _http_client(url) if url else _persistent_client(self._path, fresh)
        if url:
            collection = f"{ServerAddress.parse(url).index}-sentences"
        self.client = client
        try:
            self._chroma = self._call(lambda: Chroma(
                collection_name=collection, embedding_function=embeddings, client=client,
                collection_metadata={"hnsw:space": "cosine"}))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Let go of the embedded client (closed once no open store uses it); idempotent."""
        if self._path is not None:
            release_client(self._path, self.client)
            self._path = None

    @property
    def langchain(self):
        """The langchain-chroma vector store over the same collection."""
        return self._chroma

    @property
    def _collection(self):
        return self._chroma._collection

    def _call(self, call: Callable[[], T]) -> T:
        return with_retry(self.url, call) if self.url else call()

    def count(self) -> int:
        return self._call(self._collection.count)

    def existing(self, chunk_ids: Sequence[str]) -> set[str]:
        if not chunk_ids:
            return set()
        return set(self._call(lambda: self._collection.get(ids=list(chunk_ids), include=[]))["ids"])

    def add(self, chunk_ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Embed ``texts`` (one call, the caller batches) and upsert; adding twice changes nothing."""
        if chunk_ids:
            self.upsert(chunk_ids, self.embeddings.embed_documents(list(texts)), metadatas)

    def upsert(self, chunk_ids: Sequence[str], vectors: Sequence[Sequence[float]],
               metadatas: Sequence[dict]) -> None:
        written = int(time.time())
        metadatas = [dict(m, written=written) for m in metadatas]
        self._call(lambda: self._collection.upsert(ids=list(chunk_ids), embeddings=list(vectors),
                                                   metadatas=metadatas))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for start in range(0, len(chunk_ids), PAGE):
            page = list(chunk_ids[start:start + PAGE])
            self._call(lambda: self._collection.delete(ids=page))

    def all_ids(self, written_before: float | None = None) -> set[str]:
        """Every vector id (optionally only those written before a time), page by page."""
        include = ["metadatas"] if written_before is not None else []
        found: set[str] = set()
        for page in _pages(lambda offset: self._call(lambda: self._collection.get(
                include=include, limit=PAGE, offset=offset))):
            if written_before is None:
                found.update(page["ids"])
            else:
                found.update(i for i, m in zip(page["ids"], page["metadatas"])
                             if (m or {}).get("written", 0) < written_before)
        return found

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of some chunks (a document's sentences), by chunk id."""
        if not chunk_ids:
            return {}
        got = self._call(lambda: self._collection.get(ids=list(chunk_ids), include=["embeddings"]))
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def query(self, vector: Sequence[float], k: int, sources: Sequence[str] | None = None) -> list[Hit]:
        where = {"source": {"$in": list(sources)}} if sources else None
        query = np.asarray([vector], dtype=np.float32)   # lists, numpy rows, np.float32 lists alike
        result = self._call(lambda: self._collection.query(
            query_embeddings=query, n_results=k, where=where, include=["distances"]))
        return [Hit(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]


class RemoteCatalog:
    """The catalog's copy on a Chroma server: one record per document plus a state record.

    A record's document is JSON (text, blocks, sentences) and its metadata the small fields
    (sha, title, path, indexed_at), so listing shas never downloads article texts. The state
    record holds the index's manifest and a generation token every writer renews after a change:
    front ends compare it with the token they last synced to. Records carry a dummy
    one-dimensional vector; nobody searches this collection.
    """

    def __init__(self, url: str):
        self.url = url
        self.address = ServerAddress.parse(url)
        client = _http_client(url)
        self.name = f"{self.address.index}-documents"
        self._collection = with_retry(url, lambda: client.get_or_create_collection(self.name))

    def _call(self, call: Callable[[], T]) -> T:
        return with_retry(self.url, call)

    def state(self) -> dict:
        """The manifest and generation (empty when nothing was ever indexed on this server)."""
        got = self._call(lambda: self._collection.get(ids=[STATE_ID], include=["metadatas"]))
        return dict(got["metadatas"][0] or {}) if got["ids"] else {}

    def renew_generation(self, manifest: dict) -> str:
        token = uuid.uuid4().hex
        self._call(lambda: self._collection.upsert(
            ids=[STATE_ID], embeddings=[[1.0]], documents=[""],
            metadatas=[dict(manifest, generation=token, updated=time.time())]))
        return token

    def shas(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for page in _pages(lambda offset: self._call(lambda: self._collection.get(
                include=["metadatas"], limit=PAGE, offset=offset))):
            found.update((i, m["sha"]) for i, m in zip(page["ids"], page["metadatas"]) if i != STATE_ID)
        return found

    def put(self, records: Sequence[DocumentRecord]) -> None:
        if not records:
            return
        documents = [json.dumps({"text": r.text, "blocks": r.blocks, "sentences": r.sentences},
                                ensure_ascii=False) for r in records]
        metadatas = [{"sha": r.sha, "title": r.title, "path": r.path, "indexed_at": r.indexed_at}
                     for r in records]
        self._call(lambda: self._collection.upsert(
            ids=[r.source for r in records], embeddings=[[1.0]] * len(records),
            documents=documents, metadatas=metadatas))

    def get(self, sources: Sequence[str], page: int = 200) -> Iterator[DocumentRecord]:
        for start in range(0, len(sources), page):
            ids = list(sources[start:start + page])
            got = self._call(lambda: self._collection.get(ids=ids, include=["documents", "metadatas"]))
            for source, document, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                body = json.loads(document)
                yield DocumentRecord(
                    source, meta["sha"], body["text"], meta.get("title", source), meta.get("path", ""),
                    float(meta.get("indexed_at", 0.0)), tuple(tuple(b) for b in body["blocks"]),
                    tuple(tuple(s) for s in body["sentences"]))

    def delete(self, sources: Sequence[str]) -> None:
        if sources:
            self._call(lambda: self._collection.delete(ids=list(sources)))


def _pages(fetch: Callable[[int], dict]) -> Iterator[dict]:
    offset = 0
    while True:
        page = fetch(offset)
        if not page["ids"]:
            return
        yield page
        if len(page["ids"]) < PAGE:
            return
        offset += len(page["ids"])
