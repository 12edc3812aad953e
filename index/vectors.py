"""The one module that talks to Chroma (through langchain-chroma) and turns its column-major
results into plain rows.

Embedded ``PersistentClient`` by default; ``chromadb.HttpClient`` when a server URL is given.
One client per process and location (Chroma refuses a second client on the same path).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from qa.errors import IndexCorruptError, StoreUnavailableError

COLLECTION = "verbatim-sentences"


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    similarity: float  # cosine similarity, higher is better


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


@functools.lru_cache(maxsize=8)
def _persistent_client(path: str):
    import chromadb

    try:
        return chromadb.PersistentClient(path=path, settings=_settings())
    except Exception as exc:  # chromadb raises several unrelated types for a bad folder
        raise IndexCorruptError(
            f"The vector store at {path} cannot be opened ({type(exc).__name__}: {exc}). "
            f"Delete the store folder and rebuild it with `qa index seeds/`.") from exc


@functools.lru_cache(maxsize=8)
def _http_client(url: str):
    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        client = chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                     ssl=parsed.scheme == "https", settings=_settings())
        client.heartbeat()
    except Exception as exc:
        _http_client.cache_clear()
        raise StoreUnavailableError(
            f"The Chroma server at {url} does not answer ({exc}). Start it with "
            f"`chroma run --path DIR --host 127.0.0.1 --port PORT`, or unset QA_CHROMA_URL "
            f"to use the embedded store.") from exc
    return client


def forget_clients() -> None:
    """Drop cached Chroma clients (after a store folder was swapped or deleted)."""
    from chromadb.api.client import SharedSystemClient

    _persistent_client.cache_clear()
    SharedSystemClient.clear_system_cache()


class VectorStore:
    """Sentence vectors keyed by chunk id, in one Chroma collection."""

    def __init__(self, embeddings: Embeddings, *, path: Path | None = None,
                 url: str | None = None, collection: str = COLLECTION):
        from langchain_chroma import Chroma

        client = _http_client(url) if url else _persistent_client(str(path))
        self._chroma = Chroma(collection_name=collection, embedding_function=embeddings,
                              client=client, collection_metadata={"hnsw:space": "cosine"})

    @property
    def _collection(self):
        return self._chroma._collection

    def count(self) -> int:
        return self._collection.count()

    def existing(self, chunk_ids: Sequence[str]) -> set[str]:
        if not chunk_ids:
            return set()
        return set(self._collection.get(ids=list(chunk_ids), include=[])["ids"])

    def add(self, chunk_ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Embed and upsert; ids are content hashes, so adding twice changes nothing."""
        if chunk_ids:
            self._chroma.add_texts(list(texts), metadatas=list(metadatas), ids=list(chunk_ids))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self._chroma.delete(ids=list(chunk_ids))

    def all_ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def query(self, vector: Sequence[float], k: int, sources: Sequence[str] | None = None) -> list[Hit]:
        where = {"source": {"$in": list(sources)}} if sources else None
        result = self._collection.query(query_embeddings=[list(vector)], n_results=k,
                                        where=where, include=["distances"])
        return [Hit(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        if not chunk_ids:
            return {}
        result = self._collection.get(ids=list(chunk_ids), include=["embeddings"])
        return {i: list(v) for i, v in zip(result["ids"], result["embeddings"])}
