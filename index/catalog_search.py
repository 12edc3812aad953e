"""The catalog's searches (SQLite FTS5): BM25 over sentences, the article search over whole
articles and titles, and how many sentences hold a word. ``Catalog`` (index/catalog.py) has
them; they read its ``db`` and nothing else."""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

_FTS_TERM = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SentenceRow:
    chunk_id: str
    source: str
    position: int
    start: int
    end: int
    kind: str
    text: str


class CatalogSearch:
    db: sqlite3.Connection
    _totals: dict        # set by Catalog, which also has generation()

    def _has_table(self, name: str) -> bool:
        """A catalog written before parses and the article search were stored lacks their tables
        (until it is next opened to be written)."""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone() is not None

    def search(self, terms: Iterable[str], limit: int,
               sources: Sequence[str] | None = None) -> list[tuple[SentenceRow, float]]:
        """BM25 over sentences (porter-stemmed); scores are positive, higher is better."""
        query = _any_of(terms)
        if not query:
            return []
        rows = self._best("sentences_fts", "s.chunk_id, s.source, s.position, s.start, s.end, s.kind, s.text",
                          "sentences s ON s.id = sentences_fts.rowid", query, sources, limit)
        return [(SentenceRow(*r[:7]), float(r[7])) for r in rows]

    def article_matches(self, terms: Iterable[str], limit: int, sources: Sequence[str] | None = None
                        ) -> dict[str, float]:
        """The ``limit`` articles whose whole text and title best match the terms: source ->
        BM25 (higher is better); empty in a store from before the article search."""
        query = _any_of(terms)
        if not query or not self._has_table("documents_fts"):
            return {}
        rows = self._best("documents_fts", "d.source", "documents d ON d.rowid = documents_fts.rowid",
                          query, sources, limit)
        return {r[0]: float(r[1]) for r in rows}

    def _best(self, fts: str, columns: str, join: str, query: str, sources: Sequence[str] | None,
              limit: int) -> list[tuple]:
        """The ``limit`` rows of ``fts`` best matching ``query`` (BM25), their ``columns`` and score,
        within ``sources`` if given (``join`` names the joined table with a ``source`` column)."""
        alias = join.split()[1]
        sql = f"SELECT {columns}, -bm25({fts}) FROM {fts} JOIN {join} WHERE {fts} MATCH ?"
        args: list = [query]
        if sources:
            sql += f" AND {alias}.source IN ({','.join('?' * len(sources))})"
            args += list(sources)
        return self.db.execute(sql + f" ORDER BY bm25({fts}) LIMIT ?", args + [limit]).fetchall()

    def articles_with(self, term: str, limit: int) -> list[str]:
        """Up to ``limit`` articles holding the word (stemmed match)."""
        words = _fts_terms([term])
        if not words or not self._has_table("documents_fts"):
            return []
        query = " ".join(f'"{w}"' for w in words)
        return [r[0] for r in self.db.execute(
            "SELECT d.source FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid "
            "WHERE documents_fts MATCH ? LIMIT ?", (query, limit))]

    def articles_searchable(self) -> bool:
        """Every article is in the article search (a catalog written before it was added is not)."""
        if not self._has_table("documents_fts"):
            return False
        have = self.db.execute("SELECT COUNT(*) FROM documents_fts_docsize").fetchone()[0]
        return have == self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def _index_articles_for_search(self) -> None:
        """A catalog from before the article search gains it when first opened to be written
        (before any write: FTS5 must delete exactly what it indexed)."""
        if not self.articles_searchable():
            with self.db:
                self.db.execute("INSERT INTO documents_fts(documents_fts) VALUES('rebuild')")

    def document_frequencies(self, terms: Iterable[str], sources: Sequence[str] | None = None
                             ) -> tuple[dict[str, int], int]:
        """(term -> number of sentences holding it (stemmed match), number of sentences)."""
        where, args = "", []
        if sources:
            where = f" AND s.source IN ({','.join('?' * len(sources))})"
            args = list(sources)
        total = self._sentence_count(where, args)
        # Without a source filter the FTS index alone answers (no join over every match).
        sql = ("SELECT COUNT(*) FROM sentences_fts JOIN sentences s ON s.id = sentences_fts.rowid "
               f"WHERE sentences_fts MATCH ?{where}") if sources else \
            "SELECT COUNT(*) FROM sentences_fts WHERE sentences_fts MATCH ?"
        freq = {}
        for term in dict.fromkeys(_fts_terms(terms)):
            freq[term] = self.db.execute(sql, [f'"{term}"'] + args).fetchone()[0]
        return freq, total

    def _sentence_count(self, where: str, args: list) -> int:
        """Sentences searched; counted again only after a write (a COUNT over an archive is slow)."""
        generation, key = self.generation(), tuple(args)
        cached = self._totals.get(key)
        if cached is None or cached[0] != generation:
            if len(self._totals) > 256:
                self._totals.clear()
            count = self.db.execute(f"SELECT COUNT(*) FROM sentences s WHERE 1{where}", args).fetchone()[0]
            self._totals[key] = cached = (generation, count)
        return cached[1]


def _any_of(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of the words: '"harbour" OR "bridge"'."""
    return " OR ".join(f'"{t}"' for t in dict.fromkeys(_fts_terms(terms)))


def _fts_terms(terms: Iterable[str]) -> list[str]:
    return [w.lower() for t in terms for w in _FTS_TERM.findall(t)]


def batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
