"""Writes to an open store: new sentence vectors embedded and stored in batches across documents,
each document switched over once its vectors are in; removal, repair of lost vectors and the sweep
of unreferenced ones. The order of writes is in ``index/build.py``'s docstring."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from index import catalog as cat
from index import parses
from index.catalog import DocumentRecord
from index.embed import threads
from index.manifest import UPLOADS, read_manifest, server_manifest, write_manifest
from index.store import Store

BATCH_SIZE = 1024           # sentences per embedding call and Chroma upsert ($QA_INDEX_BATCH); a big
                            # batch is sorted by length inside, so less padding: twice the speed of 64
SERVER_SWEEP_AFTER_S = 3600


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    sentences_embedded: int = 0
    swept: int = 0             # vectors an interrupted build had left unreferenced
    restored: int = 0          # vectors missing from the store, embedded again from the catalog
    parsed: int = 0            # sentences of earlier documents parsed and stored (an older store)
    replaced: list[str] = field(default_factory=list)               # "name (was ...)", asked for
    refused: list[tuple[str, str]] = field(default_factory=list)    # (file or name, reason)

    def summary(self) -> str:
        text = (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed; {self.sentences_embedded} sentences embedded")
        if self.restored:
            text += f"; {self.restored} missing vectors restored"
        if self.parsed:
            text += f"; {self.parsed} sentences of earlier documents parsed and stored"
        text += "".join(f"; replaced {r}" for r in self.replaced)
        return text + (f"; {len(self.refused)} refused" if self.refused else "")


def index_threads_setting() -> int:
    """Threads while embedding documents ($QA_INDEX_THREADS, default every core)."""
    return int(os.environ.get("QA_INDEX_THREADS", os.cpu_count() or 1))


def batch_size_setting() -> int:
    return int(os.environ.get("QA_INDEX_BATCH", BATCH_SIZE))


class Batcher:
    """Collects new sentences across documents, embeds and stores them ``size`` at a time, and
    switches documents over (one catalog transaction per batch) once their vectors are in."""

    def __init__(self, store: Store, report: BuildReport, progress, known: Mapping[str, object], size: int):
        self.store, self.report, self.progress, self.known, self.size = store, report, progress, known, size
        self.waiting: list[tuple[DocumentRecord, int]] = []   # document, sentences still to store
        self.queue: list[tuple[int, str, str, dict]] = []     # (waiting index, chunk id, text, metadata)
        self.stored = 0                                       # waiting documents fully stored

    def add(self, record: DocumentRecord) -> None:
        slot = len(self.waiting)
        rows = [(slot, cid, record.text[start:end], {"source": record.source, "start": start, "end": end})
                for cid, _, start, end, _ in record.sentences]
        self.waiting.append((record, len(rows)))
        self.queue.extend(rows)
        while len(self.queue) >= self.size:
            self._store_batch(self.queue[:self.size])
            del self.queue[:self.size]
            self._switch_ready()

    def finish(self) -> None:
        if self.queue:
            self._store_batch(self.queue)
            self.queue = []
        self._switch_ready()

    def _store_batch(self, batch: list[tuple[int, str, str, dict]]) -> None:
        have = self.store.vectors.existing([cid for _, cid, _, _ in batch])   # kept from an interrupted run
        new = [row for row in batch if row[1] not in have]
        if new:
            vectors = self.store.embedder.embed_documents([text for _, _, text, _ in new])
            self.store.vectors.upsert([cid for _, cid, _, _ in new], vectors, [m for *_, m in new])
        self.report.sentences_embedded += len(new)
        for slot, *_ in batch:
            record, left = self.waiting[slot]
            self.waiting[slot] = (record, left - 1)
        notify(self.progress, "chunks", len(batch))

    def _switch_ready(self) -> None:
        """Switch over every document whose vectors are all stored (they finish in order)."""
        ready = self.stored
        while ready < len(self.waiting) and self.waiting[ready][1] == 0:
            ready += 1
        if ready == self.stored:
            return
        records = [record for record, _ in self.waiting[self.stored:ready]]
        for record in records:
            (self.report.updated if record.source in self.known else self.report.added).append(record.source)
        replaced = switch_over(self.store, records)
        self.store.vectors.delete(sorted(replaced - {cid for r in records for cid in r.chunk_ids}))
        for slot in range(self.stored, ready):
            self.waiting[slot] = (None, 0)   # let the text go
        self.stored = ready
        for record in records:
            notify(self.progress, None, record.source)


def switch_over(store: Store, records: Sequence[DocumentRecord]) -> set[str]:
    """Make ``records`` the indexed version of their documents; returns the chunk ids the
    replaced versions held. On a server its catalog switches first (that is what every front end
    syncs from), then this front end's replica."""
    if store.remote is not None:
        store.catalog.set_meta("server_changed", "1")
        store.remote.put(records)
    replaced: set[str] = set()
    with store.catalog.transaction() as tx:
        for record in records:
            replaced.update(cat.write_record(tx, record))
    announce(store)
    return replaced


def announce(store: Store) -> None:
    """Tell the other front ends of a server that the catalog changed (renew its generation)."""
    if store.remote is not None and store.catalog.get_meta("server_changed") == "1":
        store.remote.renew_generation(server_manifest())
        store.catalog.set_meta("server_changed", "0")


def notify(progress, event: str | None, *args) -> None:
    """Progress hooks are optional: a plain ``progress(source)`` callable gets finished files;
    an object with ``start(files, skipped)`` / ``chunks(n)`` also gets those events."""
    if progress is None:
        return
    if event is None:
        progress(*args)
    elif callable(getattr(progress, event, None)):
        getattr(progress, event)(*args)


def remove_documents(store: Store, sources: Sequence[str]) -> list[str]:
    """Drop documents from the catalog (and the server's), then their vectors and kept uploads."""
    present = [s for s in dict.fromkeys(sources) if store.catalog.document_sha(s) is not None]
    if not present:
        return []
    if store.remote is not None:
        store.catalog.set_meta("server_changed", "1")
        store.remote.delete(present)
    ids: list[str] = []
    with store.catalog.transaction() as tx:
        for source in present:
            ids.extend(cat.delete_document(tx, source))
    announce(store)
    store.vectors.delete(ids)
    for source in present:
        (store.path / UPLOADS / source).unlink(missing_ok=True)
    return present


def repair_vectors(store: Store) -> int:
    """Embed again, from the catalog's sentence texts, the vectors the store lost (a deleted
    or emptied vector folder); returns how many. Cheap when nothing is missing (two counts)."""
    if store.remote is not None or store.vectors.count() >= store.catalog.sentence_count():
        return 0
    ids = sorted(store.catalog.chunk_ids())
    have: set[str] = set()
    for start in range(0, len(ids), 5000):
        have |= store.vectors.existing(ids[start:start + 5000])
    rows = list(store.catalog.sentences_by_chunk_ids([i for i in ids if i not in have]).values())
    size = batch_size_setting()
    with threads(index_threads_setting()):
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            vectors = store.embedder.embed_documents([r.text for r in batch])
            store.vectors.upsert([r.chunk_id for r in batch], vectors,
                                 [{"source": r.source, "start": r.start, "end": r.end} for r in batch])
    return len(rows)


PARSE_BATCH = 256   # sentences parsed and stored per transaction when a store is upgraded


def use_current_parser(store: Store) -> None:
    """Stored parses are all this parser's: when the manifest names another one (or none, a
    store from before parses were stored), the parses it made are forgotten and the manifest
    names this one. ``repair_parses`` parses the sentences left without one."""
    if store.remote is not None:
        return
    manifest = read_manifest(store.path)
    if manifest.get(parses.MANIFEST_KEY) == parses.parser_version():
        return
    if store.catalog.parsed_count():
        with store.catalog.transaction() as tx:
            cat.drop_parses(tx)
    write_manifest(store.path, manifest | {parses.MANIFEST_KEY: parses.parser_version()})


def repair_parses(store: Store, progress=None) -> int:
    """Parse and store the sentences that have no stored parse (a store indexed before parses
    were stored, or by another parser); returns how many. Cheap when none is missing."""
    if store.remote is not None:
        return 0
    use_current_parser(store)
    done = 0
    while rows := store.catalog.unparsed(PARSE_BATCH):
        encoded = parses.encode_all([r.text for r in rows])
        with store.catalog.transaction() as tx:
            cat.write_parses(tx, zip([r.chunk_id for r in rows], encoded))
        done += len(rows)
        notify(progress, "chunks", len(rows))
    return done


def sweep_unreferenced(store: Store) -> int:
    """Delete vectors no document references (left by an interrupted build); returns how many.

    On a shared server another front end may be between storing vectors and switching its
    documents over, so there only orphans older than ``SERVER_SWEEP_AFTER_S`` go.
    """
    if store.remote is not None:
        store.catalog.sync(force=True)
        candidates = store.vectors.all_ids(written_before=time.time() - SERVER_SWEEP_AFTER_S)
    else:
        candidates = store.vectors.all_ids()
    orphans = sorted(candidates - store.catalog.chunk_ids())
    store.vectors.delete(orphans)
    return len(orphans)
