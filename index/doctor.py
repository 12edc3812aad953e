"""``qa doctor``: check a store and name the one command that repairs it.

Checks, reading only (the vectors through a private copy, as Chroma writes to any folder it
opens): the manifest (present, readable, this version's format and model), the catalog (present,
the store's own, SQLite integrity, the BM25 index complete, no sentence without its article),
the vectors (one per catalog sentence, none unreferenced), and notes what is not damage: a
read-only store, a writer at work, a leftover folder of an interrupted rebuild.

A missing or unreferenced vector is repaired by ``qa index`` (it embeds again from the
catalog's texts); anything wrong with the manifest or the catalog by a rebuild from the
article folders (``qa index --rebuild FOLDER...``; the manifest remembers them).
"""
from __future__ import annotations

import fcntl
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from index import parses
from index.catalog import Catalog
from index.folder import is_writable
from index.manifest import CATALOG, MANIFEST, VECTORS, check_manifest, qa_command, rebuild_command
from index.store import open_store
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, VerbatimError


@dataclass(frozen=True)
class Finding:
    part: str
    text: str
    problem: bool = False
    rebuild: bool = False     # the fix is a rebuild (else `qa index` repairs it)


def examine(path: Path, chroma_url: str | None = None) -> list[Finding]:
    if chroma_url:
        return _examine_server(path, chroma_url)
    try:
        manifest = check_manifest(path)
    except IndexMissingError as exc:
        return [Finding("store", str(exc), problem=True)]
    except (IndexCorruptError, IndexMismatchError) as exc:
        missing = not (path / MANIFEST).exists()
        findings = [Finding("manifest", str(exc), problem=True, rebuild=not missing)]
        return findings + (_examine_catalog_and_vectors(path, {}) if missing else [])
    findings = [Finding("manifest", f"{manifest['format']}, {manifest['model']}")]
    return findings + _examine_catalog_and_vectors(path, manifest) + _notes(path)


def _examine_catalog_and_vectors(path: Path, manifest: dict) -> list[Finding]:
    try:
        catalog = Catalog(path / CATALOG, writable=False, create=False)
    except IndexCorruptError as exc:
        return [Finding("catalog", str(exc), problem=True, rebuild=True)]
    try:
        findings = _check_catalog(catalog, manifest)
        if not any(f.problem for f in findings):
            findings += _check_parses(path, catalog, manifest) + _check_vectors(path, catalog)
        return findings
    finally:
        catalog.close()


def _check_catalog(catalog: Catalog, manifest: dict) -> list[Finding]:
    db = catalog.db
    try:
        integrity = db.execute("PRAGMA quick_check").fetchone()[0]
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        indexed = db.execute("SELECT COUNT(*) FROM sentences_fts_docsize").fetchone()[0]
        stray = db.execute("SELECT COUNT(*) FROM sentences WHERE source NOT IN (SELECT source FROM documents)"
                           ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return [Finding("catalog", f"cannot be read ({exc})", problem=True, rebuild=True)]
    problems = [text for bad, text in (
        (integrity != "ok", f"SQLite integrity check: {integrity}"),
        (manifest.get("store_id") not in (None, catalog.get_meta("store_id")),
         "it is not the catalog this store was built with (replaced or emptied)"),
        (indexed != sentences, f"the BM25 index holds {indexed} of {sentences} sentences"),
        (stray > 0, f"{stray} sentences belong to no article")) if bad]
    if problems:
        return [Finding("catalog", "; ".join(problems), problem=True, rebuild=True)]
    return [Finding("catalog", f"{documents} article{'' if documents == 1 else 's'}, {sentences} sentences, integrity ok")]


def _check_parses(path: Path, catalog: Catalog, manifest: dict) -> list[Finding]:
    """Sentences without a stored parse are parsed when asked about: slower, not damaged."""
    sentences, parsed, parser = catalog.sentence_count(), catalog.parsed_count(), manifest.get(parses.MANIFEST_KEY)
    fix = qa_command(path, "index")
    if parsed and parser != parses.parser_version():
        return [Finding("note", f"the stored parses were made by another parser ({parser}), so they are not "
                                f"read; {fix} parses every sentence again with this one")]
    if parsed < sentences:
        return [Finding("note", f"{sentences - parsed} of {sentences} sentences have no stored parse (indexed "
                                f"before parses were stored): answers are the same, only slower; {fix} parses "
                                f"them once")]
    return [Finding("parses", f"{parsed} stored parses, one per sentence ({parser})")]


def _check_vectors(path: Path, catalog: Catalog) -> list[Finding]:
    ids = catalog.chunk_ids()
    if not (path / VECTORS / "chroma.sqlite3").exists():
        return [Finding("vectors", f"0 of {len(ids)} sentence vectors: the folder {path / VECTORS} is missing",
                        problem=True)]
    try:
        stored = _vector_ids(path / VECTORS)
    except VerbatimError as exc:
        return [Finding("vectors", str(exc), problem=True, rebuild=True)]
    missing, orphans = len(ids - stored), len(stored - ids)
    findings = []
    if missing:
        findings.append(Finding("vectors", f"{len(ids) - missing} of {len(ids)} sentence vectors; {missing} missing",
                                problem=True))
    if orphans:
        findings.append(Finding("vectors", f"{orphans} vectors not referenced by any sentence (left by an "
                                           f"interrupted build; harmless, but they take room)", problem=True))
    return findings or [Finding("vectors", f"{len(stored)} vectors, one per sentence")]


def _vector_ids(folder: Path) -> set[str]:
    """Every vector id, read from a copy of the folder (Chroma writes to a folder it opens)."""
    from index.embed import Embedder
    from index.folder import copy_folder
    from index.vectors import VectorStore, forget_clients

    with tempfile.TemporaryDirectory(prefix="verbatim-doctor-") as scratch:
        copy_folder(folder, Path(scratch) / "chroma")
        try:
            return VectorStore(Embedder(), path=Path(scratch) / "chroma").all_ids()
        finally:
            forget_clients()


def _notes(path: Path) -> list[Finding]:
    notes = []
    if not is_writable(path):
        notes.append(Finding("note", "the store is read-only for this user: asking works, changes do not"))
    for leftover in (path.with_name(path.name + ".building"), path.with_name(path.name + ".old")):
        if leftover.exists():
            notes.append(Finding("note", f"{leftover} is left from an interrupted rebuild; the next "
                                         f"rebuild removes it (or delete it)"))
    if _writer_at_work(path):
        notes.append(Finding("note", "a `qa index` is writing this store right now; run the doctor again after it"))
    return notes


def _writer_at_work(path: Path) -> bool:
    lock = path.with_name(path.name + ".lock")
    if not lock.exists():
        return False
    with open(lock) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def _examine_server(path: Path, chroma_url: str) -> list[Finding]:
    try:
        store = open_store(path, chroma_url)
    except VerbatimError as exc:
        return [Finding("server", str(exc), problem=True, rebuild=isinstance(exc, IndexMismatchError))]
    try:
        count, sentences = store.vectors.count(), store.catalog.sentence_count()
    finally:
        store.close()
    return [Finding("server", f"{chroma_url}: {sentences} sentences in this front end's replica, "
                              f"{count} vectors on the server (only embedded stores are checked in depth)")]


def format_findings(path: Path, findings: list[Finding]) -> str:
    lines = [f"Checking the index at {path}"]
    for f in findings:
        mark = "PROBLEM" if f.problem else "note" if f.part == "note" else "ok"
        lines.append(f"  {mark:<8} {f.part}: {f.text}" if f.part != "note" else f"  {mark:<8} {f.text}")
    problems = [f for f in findings if f.problem]
    if not problems:
        lines.append("No problems found.")
    elif any(f.part == "store" for f in problems):
        lines.append(f"Fix: {qa_command(path, 'index', 'FOLDER')}")
    else:
        fix = rebuild_command(path) if any(f.rebuild for f in problems) else qa_command(path, "index")
        lines.append(f"Fix: {fix}")
    return "\n".join(lines)
