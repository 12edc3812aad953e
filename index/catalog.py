"""The catalog: documents, blocks and sentences in SQLite, with an FTS5 (BM25) lexical index.

The catalog is the source of truth of what is indexed. Vectors live in Chroma keyed by the
same content-hash chunk ids; a document switches to its new version in one SQLite transaction,
so a build that stops half-way leaves the previous version fully answerable.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from index.catalog_search import CatalogSearch, SentenceRow, batches
from index.normalise import Block
from qa.errors import IndexCorruptError

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY,       -- the document's name, e.g. "article.txt"
    sha TEXT NOT NULL,             -- hash of the file's bytes: unchanged files are skipped
    text TEXT NOT NULL,            -- the normalised document text all offsets point into
    title TEXT NOT NULL,
    path TEXT NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
    source TEXT NOT NULL, kind TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_source ON blocks(source);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE, -- content hash, also the Chroma id
    source TEXT NOT NULL, position INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_source ON sentences(source, position);
CREATE VIRTUAL TABLE IF NOT EXISTS sentences_fts USING fts5(
    text, content='sentences', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS sentences_vocab USING fts5vocab(sentences_fts, 'row');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(  -- which article a question is about
    title, text, content='documents', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS parses (  -- each sentence's spaCy parse, made at indexing (index/parses.py)
    chunk_id TEXT PRIMARY KEY, parse BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class DocumentRecord:
    """Everything the catalog holds about one document: what a Chroma server stores so
    every front end can rebuild its local catalog (sentence texts are ``text[start:end]``)."""
    source: str
    sha: str
    text: str
    title: str
    path: str
    indexed_at: float
    blocks: tuple[tuple[str, int, int], ...]                  # (kind, start, end)
    sentences: tuple[tuple[str, int, int, int, str], ...]     # (chunk_id, position, start, end, kind)
    parses: tuple[bytes, ...] = ()   # each sentence's stored parse, in order (not kept on a server)

    @property
    def chunk_ids(self) -> list[str]:
        return [s[0] for s in self.sentences]


@dataclass(frozen=True)
class Origin:
    """Where an indexed document came from: what indexing compares a new file with."""
    sha: str
    path: str
    title: str


@dataclass(frozen=True)
class DocumentRow:
    source: str
    sha: str
    title: str
    path: str
    indexed_at: float
    sentences: int


class Catalog(CatalogSearch):
    """``Catalog(path)`` opens for writing and creates the file and its tables. With
    ``create=False`` the catalog must already be there: a missing file, an empty one or one
    without the tables is an :class:`IndexCorruptError`, never silently made anew. With
    ``writable=False`` nothing is written, and a file this process may not write opens read-only."""

    def __init__(self, path: Path, *, writable: bool = True, create: bool = True):
        self.path = Path(path)
        self._totals: dict[tuple, tuple[int, int]] = {}   # sources -> (generation, sentence count)
        if not create and not self.path.is_file():
            raise IndexCorruptError(f"its catalog {self.path} is missing")
        try:
            self.db = _connect(self.path, writable and create)
            if not create and not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='documents'").fetchone():
                raise IndexCorruptError(f"its catalog {self.path} is empty (it holds no tables)")
            if writable:
                self.db.executescript(SCHEMA)
                self._index_articles_for_search()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"its catalog {self.path} cannot be read ({exc})") from exc

    def close(self) -> None:
        self.db.close()

    # -- reading -------------------------------------------------------------------------
    def sentence_count(self) -> int:
        """Sentences in the catalog: kept in ``meta`` by every write (a COUNT is slow on an archive)."""
        kept = self.get_meta("sentences")
        return int(kept) if kept is not None else self.db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def documents(self) -> list[DocumentRow]:
        rows = self.db.execute(
            "SELECT d.source, d.sha, d.title, d.path, d.indexed_at, "
            "(SELECT COUNT(*) FROM sentences s WHERE s.source = d.source) "
            "FROM documents d ORDER BY d.source").fetchall()
        return [DocumentRow(*r) for r in rows]

    def document_sha(self, source: str) -> str | None:
        row = self.db.execute("SELECT sha FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def shas(self) -> dict[str, str]:
        """source -> sha of every indexed document (what incremental indexing compares)."""
        return dict(self.db.execute("SELECT source, sha FROM documents"))

    def origins(self) -> dict[str, Origin]:
        """source -> sha, path and title of every indexed document."""
        return {r[0]: Origin(*r[1:]) for r in self.db.execute("SELECT source, sha, path, title FROM documents")}

    def find_sources(self, *, title_contains: str | None = None, path_prefix: str | None = None,
                     name_contains: str | None = None) -> list[str]:
        """A simple metadata filter: the sources whose title / name contain a text (any case)
        and whose file path starts with a prefix. ``find_sources(title_contains="bridge")``"""
        sql, args = "SELECT source FROM documents WHERE 1", []
        for column, value in (("title", title_contains), ("source", name_contains)):
            if value:
                sql += f" AND instr(lower({column}), lower(?)) > 0"
                args.append(value)
        if path_prefix:
            sql += " AND substr(path, 1, ?) = ?"
            args += [len(path_prefix), path_prefix]
        return [r[0] for r in self.db.execute(sql + " ORDER BY source", args)]

    def record(self, source: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT source, sha, text, title, path, indexed_at FROM documents "
                              "WHERE source=?", (source,)).fetchone()
        if row is None:
            return None
        blocks = tuple(self.db.execute(
            "SELECT kind, start, end FROM blocks WHERE source=? ORDER BY start", (source,)))
        sentences = tuple(self.db.execute(
            "SELECT chunk_id, position, start, end, kind FROM sentences WHERE source=? ORDER BY position",
            (source,)))
        return DocumentRecord(*row, blocks, sentences)

    def document_text(self, source: str) -> str | None:
        row = self.db.execute("SELECT text FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def blocks(self, source: str) -> list[Block]:
        rows = self.db.execute(
            "SELECT kind, start, end FROM blocks WHERE source=? ORDER BY start", (source,))
        return [Block(*r) for r in rows]

    def sentences_by_chunk_ids(self, chunk_ids: Sequence[str]) -> dict[str, SentenceRow]:
        rows = self._by_chunk_ids("SELECT chunk_id, source, position, start, end, kind, text FROM sentences",
                                  chunk_ids)
        return {r[0]: SentenceRow(*r) for r in rows}

    def _by_chunk_ids(self, select: str, chunk_ids: Sequence[str]) -> Iterator[tuple]:
        """``select``'s rows whose chunk_id is one of ``chunk_ids`` (asked 500 at a time)."""
        for batch in batches(list(chunk_ids), 500):
            yield from self.db.execute(f"{select} WHERE chunk_id IN ({','.join('?' * len(batch))})", batch)

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM sentences")}

    def parses(self, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """chunk id -> its stored parse, for those that have one (none in a store from before)."""
        if not chunk_ids or not self._has_table("parses"):
            return {}
        return dict(self._by_chunk_ids("SELECT chunk_id, parse FROM parses", chunk_ids))

    def unparsed(self, limit: int) -> list[SentenceRow]:
        """Sentences without a stored parse (at most ``limit``)."""
        if not self._has_table("parses"):
            return []
        rows = self.db.execute("SELECT chunk_id, source, position, start, end, kind, text FROM sentences "
                               "WHERE chunk_id NOT IN (SELECT chunk_id FROM parses) LIMIT ?", (limit,))
        return [SentenceRow(*r) for r in rows]

    def parsed_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM parses").fetchone()[0] if self._has_table("parses") else 0

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
            # Which process wrote last: another process's Chroma client must be reopened to see it.
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('writer', ?)",
                            (str(os.getpid()),))
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) "
                            "SELECT 'sentences', COUNT(*) FROM sentences")

    def written_elsewhere(self) -> bool:
        """The last write came from another process (this one's vector index may be stale)."""
        writer = self.get_meta("writer")
        return writer is not None and writer != str(os.getpid())

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))


def _connect(path: Path, create: bool) -> sqlite3.Connection:
    """Create the file only when asked; open it read-only when this process may not write it."""
    mode = "rwc" if create else "rw" if os.access(path, os.W_OK) else "ro"
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30,
                           check_same_thread=False)


def write_record(tx: sqlite3.Connection, record: DocumentRecord) -> list[str]:
    """Swap a document's rows for ``record`` inside the caller's transaction; returns the chunk
    ids the replaced version held."""
    old = delete_document(tx, record.source)
    row = tx.execute("INSERT INTO documents(source, sha, text, title, path, indexed_at) VALUES(?,?,?,?,?,?)",
                     (record.source, record.sha, record.text, record.title, record.path, record.indexed_at)).lastrowid
    tx.execute("INSERT INTO documents_fts(rowid, title, text) VALUES(?, ?, ?)", (row, record.title, record.text))
    tx.executemany("INSERT INTO blocks(source, kind, start, end) VALUES(?,?,?,?)",
                   [(record.source, *b) for b in record.blocks])
    tx.executemany("INSERT INTO sentences(chunk_id, source, position, start, end, kind, text) "
                   "VALUES(?,?,?,?,?,?,?)",
                   [(cid, record.source, pos, start, end, kind, record.text[start:end])
                    for cid, pos, start, end, kind in record.sentences])
    tx.execute("INSERT INTO sentences_fts(rowid, text) SELECT id, text FROM sentences WHERE source=?",
               (record.source,))
    write_parses(tx, zip(record.chunk_ids, record.parses))
    return old


def write_parses(tx: sqlite3.Connection, parses: Iterable[tuple[str, bytes]]) -> None:
    tx.executemany("INSERT OR REPLACE INTO parses(chunk_id, parse) VALUES(?, ?)", parses)


def drop_parses(tx: sqlite3.Connection) -> None:
    """Forget every stored parse (the parser changed: ``qa index`` parses again)."""
    tx.execute("DELETE FROM parses")


def delete_document(tx: sqlite3.Connection, source: str) -> list[str]:
    """Remove a document's rows; returns the chunk ids it held."""
    rows = tx.execute("SELECT id, chunk_id, text FROM sentences WHERE source=?", (source,)).fetchall()
    tx.executemany("INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES('delete', ?, ?)",
                   [(r[0], r[2]) for r in rows])
    tx.executemany("DELETE FROM parses WHERE chunk_id=?", [(r[1],) for r in rows])
    tx.execute("DELETE FROM sentences WHERE source=?", (source,))
    tx.execute("DELETE FROM blocks WHERE source=?", (source,))
    tx.execute("INSERT INTO documents_fts(documents_fts, rowid, title, text) "
               "SELECT 'delete', rowid, title, text FROM documents WHERE source=?", (source,))
    tx.execute("DELETE FROM documents WHERE source=?", (source,))
    return [r[1] for r in rows]
