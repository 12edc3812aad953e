"""The local replica of a Chroma server's catalog (``<store>/replica-<host>-<port>-<index>/``),
brought up to date whenever the server's generation token changes (see ``index/store.py``)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from index import catalog as cat
from index.catalog import Catalog
from index.vectors import RemoteCatalog, ServerAddress


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


def replica_path(path: Path, chroma_url: str) -> Path:
    address = ServerAddress.parse(chroma_url)
    return Path(path) / f"replica-{address.host}-{address.port}-{address.index}"
