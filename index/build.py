"""Build or update an index from article files: read, normalise, split, embed, switch over.

Order of writes, so an interruption never loses the previous index:
1. new sentence vectors are upserted into Chroma (content-hash ids, invisible until referenced),
   ``BATCH_SIZE`` sentences at a time across files;
2. the catalog swaps the finished documents' rows in one SQLite transaction (the switch-over;
   on a Chroma server the server's copy of the catalog switches first);
3. vectors no longer referenced are deleted (a crash here only leaves unreferenced vectors,
   which the next build sweeps up).

Killed half-way (even with SIGKILL), a build leaves every switched-over document complete and
the rest at their previous version; run it again and it skips what is done, reuses the vectors
already stored (their ids are content hashes) and embeds only the rest.

An article's name (what citations and ``sources=[...]`` use) is its file name, and its identity
is where it came from: the same file (same full path) indexed again is updated; a *different*
file whose name is already taken is refused, unless ``replace`` names it, and then the report
says what it replaced. Texts given by name (``build_index(path, {name: text})``) are
identified by that name. An upload is always a new file: it replaces only when asked.

A file that cannot be indexed (binary, not text, too big, a link out of its folder, a name
taken) is refused with its reason in ``BuildReport.refused`` and the others are indexed;
``strict`` stops at the first instead, before anything is written.
"""
from __future__ import annotations

import codecs
import collections
import functools
import hashlib
import itertools
import multiprocessing
import os
import shlex
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator, Mapping, Sequence

from index import catalog as cat
from index.catalog import DocumentRecord
from index.embed import Embedder, threads
from index.normalise import NormalisedText, normalise
from index.split import Sentence, split_sentences
from index.store import (UPLOADS, Store, open_store, record_encoder, remember_folders, server_manifest,
                         swap_folders, write_lock)
from index.vectors import forget_clients
from qa.errors import IndexMissingError, SourceError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5_000_000
BATCH_SIZE = 1024           # sentences per embedding call and Chroma upsert ($QA_INDEX_BATCH); a big
                            # batch is sorted by length inside, so less padding: twice the speed of 64
PARALLEL_FROM = 24          # articles to (re)index before a splitting worker pays off ($QA_INDEX_WORKERS)
IN_FLIGHT = 64              # articles handed to the worker ahead of the embedder
WORKER_TASKS = 1000         # articles per splitting worker process (spaCy's memory grows)
SPLIT_UNUSED = ("tagger", "attribute_ruler", "lemmatizer", "ner")
SERVER_SWEEP_AFTER_S = 3600


@dataclass(frozen=True)
class Article:
    source: str    # the name questions and citations use
    raw: str
    sha: str
    path: str = ""         # the file's full path; "" for a text given by name
    upload: bool = False   # uploaded in the chat: a new file, never the same as an indexed one


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    sentences_embedded: int = 0
    swept: int = 0             # vectors an interrupted build had left unreferenced
    restored: int = 0          # vectors missing from the store, embedded again from the catalog
    replaced: list[str] = field(default_factory=list)               # "name (was ...)", asked for
    refused: list[tuple[str, str]] = field(default_factory=list)    # (file or name, reason)

    def summary(self) -> str:
        text = (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed; {self.sentences_embedded} sentences embedded")
        if self.restored:
            text += f"; {self.restored} missing vectors restored"
        text += "".join(f"; replaced {r}" for r in self.replaced)
        return text + (f"; {len(self.refused)} refused" if self.refused else "")


def chunk_id(source: str, sentence: Sentence) -> str:
    """Content hash of source + offsets + text: the same sentence always gets the same id."""
    key = f"{source}\x1f{sentence.start}\x1f{sentence.end}\x1f{sentence.text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def read_article(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Article:
    """Read a .txt/.md file as UTF-8, or raise SourceError naming the file and the fix."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SourceError(f"{path} is not a .txt or .md file; Verbatim indexes plain-text or Markdown articles.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return article_from_bytes(path.name, data, path=os.path.abspath(path), max_bytes=max_bytes)


def article_from_bytes(source: str, data: bytes, *, path: str = "", max_bytes: int = MAX_FILE_BYTES,
                       upload: bool = False) -> Article:
    if len(data) > max_bytes:
        raise SourceError(f"{source} is {len(data):,} bytes; the limit is {max_bytes:,}. Split it into articles.")
    raw = decode_text(source, data)
    if not raw.strip():
        raise SourceError(f"{source} is empty; there is nothing to index.")
    return Article(source, raw, hashlib.sha256(data).hexdigest(), path, upload)


BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))   # UTF-32 LE starts like UTF-16 LE


def decode_text(source: str, data: bytes) -> str:
    """UTF-8, or UTF-16/UTF-32/UTF-8 text that starts with its byte-order mark."""
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8")
    try:
        raw = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{source} is not {encoding.upper().replace('-SIG', '')} text (bad byte at "
                          f"offset {exc.start}); re-save it as UTF-8 and index it again.") from exc
    if "\x00" in raw:
        raise SourceError(f"{source} looks like a binary file, or UTF-16 text without a byte-order mark (it "
                          f"contains NUL bytes); give a plain-text article: re-save it as UTF-8 text.")
    return raw


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named directly, plus every .txt/.md file under named folders (sorted, hidden
    folders skipped); and the refused: (path, reason) for a path that does not exist and for a
    link inside a folder that leads out of it."""
    files: list[Path] = []
    refused: list[tuple[str, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            found, links_out = _folder_files(p)
            files += found
            refused += links_out
        elif p.exists():
            files.append(p)
        else:
            refused.append((str(p), f"{p} does not exist; name an article file or a folder of them."))
    return files, refused


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The articles under ``folder``; links (to files or folders) that lead out of it are refused."""
    inside = folder.resolve()
    files, refused = [], []
    for parent, dirs, names in os.walk(folder):   # does not descend into linked folders
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        linked = [Path(parent) / d for d in dirs if (Path(parent) / d).is_symlink()]
        articles = [Path(parent) / n for n in names if not n.startswith(".") and Path(n).suffix.lower() in SUFFIXES]
        for entry in linked + articles:
            if entry.is_symlink() and not entry.resolve().is_relative_to(inside):
                refused.append((str(entry), f"{entry} is a link to {entry.resolve()}, outside the folder "
                                            f"{folder}; skipped (index that path itself if it belongs in)."))
            elif entry in articles and entry.is_file():
                files.append(entry)
    return sorted(files), sorted(refused)


def _title(doc: NormalisedText, fallback: str) -> str:
    return next((doc.block_text(b) for b in doc.blocks if b.kind == "title"), fallback)


def prepare(article: Article) -> DocumentRecord:
    """Normalise and split one article into its catalog record (no embedding yet)."""
    doc = normalise(article.raw)
    sentences = split_sentences(doc)
    return DocumentRecord(
        article.source, article.sha, doc.text, _title(doc, article.source), article.path, time.time(),
        tuple((b.kind, b.start, b.end) for b in doc.blocks),
        tuple((chunk_id(article.source, s), s.position, s.start, s.end, s.kind) for s in sentences))


def index_articles(store: Store, articles: Sequence[Article], *, rebuild: bool = False,
                   progress: Callable[[str], None] | None = None,
                   batch_size: int | None = None, workers: int | None = None,
                   replace: Collection[str] = (), strict: bool = False,
                   report: BuildReport | None = None) -> BuildReport:
    """Add or update articles in an open store (the caller holds the write lock).

    Unchanged articles (same sha) are skipped; a different article under a name already taken
    is refused unless ``replace`` holds the name (see the module's docstring). The others are
    prepared (in a worker process when there are many), their new sentences embedded
    ``batch_size`` at a time across files, and each article is switched over as soon as all its
    vectors are stored.
    """
    report = report or BuildReport()
    known = store.catalog.origins()
    todo: list[Article] = []
    for article in _unique(articles):
        have = known.get(article.source)
        if have and have.sha == article.sha and not rebuild:
            report.unchanged.append(article.source)
        elif have and not rebuild and not same_origin(have.path, article):
            if article.source not in replace:
                _refuse(report.refused, (article.path or article.source, name_taken(article, have)), strict)
                continue
            report.replaced.append(f"{article.source} (was “{have.title}”, from {have.path or 'a text given by name'})")
            todo.append(article)
        else:
            todo.append(article)
    with threads(index_threads_setting()):
        if todo and callable(getattr(store.embedder, "warm_up", None)):
            store.embedder.warm_up()   # so the progress bar's throughput leaves out loading the model
        if todo and store.remote is None:
            record_encoder(store.path, getattr(store.embedder, "encoder_name", type(store.embedder).__name__))
        _notify(progress, "start", len(todo), len(report.unchanged))
        batcher = _Batcher(store, report, progress, known, batch_size or batch_size_setting())
        for record in _prepared(todo, workers):
            batcher.add(record)
        batcher.finish()
    return report


def same_origin(stored_path: str, article: Article) -> bool:
    """Is ``article`` the one indexed from ``stored_path`` (so a changed text is an update)?"""
    if article.upload:
        return False
    if not article.path or not stored_path:
        return article.path == stored_path
    return os.path.abspath(stored_path) == os.path.abspath(article.path)


def name_taken(article: Article, have: cat.Origin) -> str:
    where = have.path or "a text given by name"
    if article.upload:
        how = ("tick “Replace the indexed article of the same name” and upload it again, or rename the file "
               "to add it as a new article")
    elif article.path:
        how = (f"rename the file to add it as a new article, or replace the indexed one on purpose with "
               f"`qa index --replace {shlex.quote(article.path)}`")
    else:
        how = "give it another name, or pass replace=True to replace the indexed one on purpose"
    return (f"An article named {article.source!r} is already indexed (“{have.title}”, from {where}); it was "
            f"left as it is. To index this one, {how}.")


def _refuse(refused: list[tuple[str, str]], refusal: tuple[str, str], strict: bool) -> None:
    """Note a file that cannot be indexed, with its reason; ``strict``: stop here instead."""
    if strict:
        raise SourceError(refusal[1])
    refused.append(refusal)


def index_threads_setting() -> int:
    """Threads while embedding documents ($QA_INDEX_THREADS, default every core)."""
    return int(os.environ.get("QA_INDEX_THREADS", os.cpu_count() or 1))


def batch_size_setting() -> int:
    return int(os.environ.get("QA_INDEX_BATCH", BATCH_SIZE))


class _Batcher:
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
        _notify(self.progress, "chunks", len(batch))

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
            _notify(self.progress, None, record.source)


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
    _announce(store)
    return replaced


def _announce(store: Store) -> None:
    """Tell the other front ends of a server that the catalog changed (renew its generation)."""
    if store.remote is not None and store.catalog.get_meta("server_changed") == "1":
        store.remote.renew_generation(server_manifest())
        store.catalog.set_meta("server_changed", "0")


def _prepared(articles: Sequence[Article], workers: int | None) -> Iterator[DocumentRecord]:
    """Records in order; with many articles, normalising and splitting run in a worker process
    so spaCy works while this process embeds (two cores: about twice the throughput)."""
    workers = _worker_count(len(articles)) if workers is None else workers
    if workers < 1:
        yield from map(prepare, articles)
        return
    done = 0
    try:
        for start in range(0, len(articles), WORKER_TASKS):
            for record in _prepared_by_worker(articles[start:start + WORKER_TASKS], workers):
                done += 1
                yield record
    except BrokenProcessPool:
        # e.g. a script without ``if __name__ == "__main__":`` cannot be re-imported by a spawned
        # worker: carry on in this process rather than fail the build
        yield from map(prepare, articles[done:])


def _prepared_by_worker(articles: Sequence[Article], workers: int) -> Iterator[DocumentRecord]:
    """One pool per ``WORKER_TASKS`` articles: spaCy's memory grows, a fresh worker caps it
    (``max_tasks_per_child`` can hang on Python 3.11)."""
    context = multiprocessing.get_context("spawn")   # never fork a process that holds onnxruntime threads
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
        pending: collections.deque = collections.deque()
        feed = iter(articles)
        for article in itertools.islice(feed, IN_FLIGHT):
            pending.append(pool.submit(prepare, article))
        while pending:
            record = pending.popleft().result()
            for article in itertools.islice(feed, 1):
                pending.append(pool.submit(prepare, article))
            yield record


def _worker_count(articles: int) -> int:
    if "QA_INDEX_WORKERS" in os.environ:
        return int(os.environ["QA_INDEX_WORKERS"])
    return 1 if articles >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 0


def _worker_init() -> None:
    """The worker only splits sentences: the parser decides boundaries, so the tagger,
    lemmatizer and NER are switched off (same sentences, three times faster). It exits when
    the build process dies, even by SIGKILL."""
    from index import nlp

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()

    pipeline = nlp.pipeline()
    pipeline.select_pipes(disable=[n for n in SPLIT_UNUSED if n in pipeline.pipe_names])


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _notify(progress, event: str | None, *args) -> None:
    """Progress hooks are optional: a plain ``progress(source)`` callable gets finished files;
    an object with ``start(files, skipped)`` / ``chunks(n)`` also gets those events."""
    if progress is None:
        return
    if event is None:
        progress(*args)
    elif callable(getattr(progress, event, None)):
        getattr(progress, event)(*args)


def _unique(articles: Sequence[Article]) -> list[Article]:
    seen: set[str] = set()
    return [a for a in articles if not (a.source in seen or seen.add(a.source))]


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
    _announce(store)
    store.vectors.delete(ids)
    for source in present:
        (store.path / UPLOADS / source).unlink(missing_ok=True)
    return present


def remove_articles(store_path: Path, sources: Sequence[str], chroma_url: str | None = None) -> list[str]:
    """Remove articles by name (takes the write lock); returns the names that were indexed."""
    with write_lock(Path(store_path)):
        store = open_store(store_path, chroma_url, writable=True)
        try:
            return remove_documents(store, sources)
        finally:
            store.close()


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


def load_articles(articles: Mapping[str, str] | Sequence[Path | Article], *, strict: bool = False
                  ) -> tuple[list[Article], list[tuple[str, str]]]:
    """Texts by name, Article objects, or files and folders -> the checked, uniquely named
    Articles, and the refused: (file or name, reason). ``strict`` raises at the first refusal."""
    refused: list[tuple[str, str]] = []
    if isinstance(articles, Mapping):
        loaded: list[Article] = []
        jobs = [(name, functools.partial(article_from_bytes, name, text.encode("utf-8")))
                for name, text in articles.items()]
    else:
        files, refused = collect_files([a for a in articles if not isinstance(a, Article)])
        if strict and refused:
            raise SourceError(refused[0][1])
        loaded = [a for a in articles if isinstance(a, Article)]
        jobs = [(str(f), functools.partial(read_article, f)) for f in files]
    for label, load in jobs:
        try:
            loaded.append(load())
        except SourceError as exc:
            _refuse(refused, (label, str(exc)), strict)
    kept, twins = _unique_names(loaded)
    for twin in twins:
        _refuse(refused, twin, strict)
    return kept, refused


def build_index(store_path: Path, articles: Mapping[str, str] | Sequence[Path | Article], *,
                chroma_url: str | None = None, rebuild: bool = False, prune: bool = False,
                progress: Callable[[str], None] | None = None, batch_size: int | None = None,
                workers: int | None = None, embedder: Embedder | None = None,
                replace: bool | Collection[str] = False, strict: bool = False) -> BuildReport:
    """Index files and folders, Articles, or texts ({name: text}) into the store at ``store_path``.

    ``rebuild`` builds a fresh store beside the old one and swaps it in only when complete (on a
    Chroma server it re-embeds in place); the store's uploads come along. ``prune`` drops
    indexed documents not among ``articles``. ``replace`` (True, or names) lets a different
    file replace the indexed article of its name. Files that cannot be indexed are listed in
    ``report.refused`` (``strict``: a SourceError at the first, before anything is written);
    when every one is refused, that is a SourceError. Given nothing, the store is checked and
    repaired: missing vectors are embedded again, orphans swept. ``batch_size`` sentences are
    embedded per call and stored per Chroma upsert; ``workers`` processes split sentences
    (default: one when there are many articles).

    >>> build_index(Path(".store"), [Path("seeds")]).summary()   # doctest: +SKIP
    '1 added, 0 updated, 0 unchanged, 0 removed; 41 sentences embedded'
    """
    store_path = Path(store_path)
    loaded, refused = load_articles(articles, strict=strict)
    if refused and not loaded:
        raise SourceError(" ".join(reason for _, reason in refused))
    if not articles and not ((store_path / "manifest.json").exists() or (store_path / "catalog.sqlite").exists()):
        raise IndexMissingError(f"No index at {store_path} to check. Build one with `qa index seeds/`.")
    names = {a.source for a in loaded} if replace is True else set(replace or ())
    options = dict(progress=progress, batch_size=batch_size, workers=workers)
    with write_lock(store_path):
        if rebuild and not chroma_url:
            report = _rebuild_beside(store_path, loaded, embedder, options)
        else:
            report = _build_in_place(store_path, loaded, chroma_url, embedder, rebuild, names, strict, options,
                                     prune=prune, keep={Path(label).name for label, _ in refused})
        report.refused[:0] = refused
        if not chroma_url and store_path.exists():
            remember_folders(store_path, [p for p in articles if isinstance(p, (str, Path))]
                             if not isinstance(articles, Mapping) else [])
    if report.refused and not (report.added or report.updated or report.unchanged or report.restored):
        raise SourceError(" ".join(reason for _, reason in report.refused))
    return report


def _build_in_place(store_path: Path, loaded: Sequence[Article], chroma_url: str | None, embedder,
                    rebuild: bool, replace: Collection[str], strict: bool, options: dict, *,
                    prune: bool = False, keep: Collection[str] = ()) -> BuildReport:
    """``prune`` drops the indexed articles neither among ``loaded`` nor in ``keep`` (the names
    of refused files: a file that could not be read this time is not a file that is gone)."""
    store = open_store(store_path, chroma_url, create=True, embedder=embedder)
    try:
        interrupted = store.catalog.get_meta("build_running") == "1"
        store.catalog.set_meta("build_running", "1")
        _announce(store)   # a previous run may have died between its two server writes
        report = BuildReport(restored=repair_vectors(store))
        try:
            index_articles(store, loaded, rebuild=rebuild, replace=replace, strict=strict, report=report,
                           **options)
        except SourceError:    # refused before anything was written
            store.catalog.set_meta("build_running", "1" if interrupted else "0")
            raise
        _keep_uploads(store, loaded, report)
        if prune:
            kept = {a.source for a in loaded} | set(keep)
            report.removed = remove_documents(store, [s for s in store.catalog.shas() if s not in kept])
        orphans = store.remote is None and store.vectors.count() > store.catalog.sentence_count()
        if interrupted or prune or not loaded or orphans:
            report.swept = sweep_unreferenced(store)
        store.catalog.set_meta("build_running", "0")
    finally:
        store.close()
    return report


def _keep_uploads(store: Store, articles: Sequence[Article], report: BuildReport) -> None:
    """Uploaded articles that went in are kept as files in the store, for a rebuild."""
    done = set(report.added) | set(report.updated)
    for article in articles:
        if article.upload and article.source in done:
            folder = store.path / UPLOADS
            folder.mkdir(exist_ok=True)
            partial = folder / f".{article.source}.{os.getpid()}"
            partial.write_text(article.raw, encoding="utf-8")
            os.replace(partial, folder / article.source)


def upload_article(store_path: Path, name: str, data: bytes, *, replace: bool = False,
                   chroma_url: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> BuildReport:
    """Index an article uploaded in the chat under ``name``; it never replaces an indexed
    article of that name unless ``replace``, and the report then says what it replaced."""
    path = Path(store_path) / UPLOADS / name
    article = article_from_bytes(name, data, path=os.path.abspath(path), max_bytes=max_bytes, upload=True)
    return build_index(store_path, [article], chroma_url=chroma_url, replace=[name] if replace else (),
                       strict=True)


def _rebuild_beside(store_path: Path, articles: Sequence[Article], embedder: Embedder | None,
                    options: dict) -> BuildReport:
    """Build into ``<store>.building`` and swap it in, in one step, only once it is complete;
    the store's kept uploads come along unless a given article has the same name."""
    side = store_path.with_name(store_path.name + ".building")
    for leftover in (side, store_path.with_name(store_path.name + ".old")):
        shutil.rmtree(leftover, ignore_errors=True)
    given = {a.source for a in articles}
    uploads = [a for a in _kept_uploads(store_path) if a.source not in given]
    store = open_store(side, create=True, embedder=embedder)
    try:
        report = index_articles(store, [*articles, *uploads], rebuild=True, **options)
        _copy_uploads(store_path, side, uploads)
    finally:
        store.close()
        forget_clients()
    shutil.rmtree(swap_folders(side, store_path), ignore_errors=True)
    report.added = [a.source for a in [*articles, *uploads]]
    return report


def _kept_uploads(store_path: Path) -> list[Article]:
    folder = store_path / UPLOADS
    files = sorted(f for f in folder.glob("*") if f.is_file() and not f.name.startswith(".")) if folder.is_dir() else []
    return [read_article(f) for f in files]


def _copy_uploads(store_path: Path, side: Path, uploads: Sequence[Article]) -> None:
    if uploads:
        (side / UPLOADS).mkdir(exist_ok=True)
    for article in uploads:
        shutil.copyfile(store_path / UPLOADS / article.source, side / UPLOADS / article.source)


def _unique_names(articles: Sequence[Article]) -> tuple[list[Article], list[tuple[str, str]]]:
    """The first article of each name; a different one under a name already given is refused."""
    seen: dict[str, Article] = {}
    kept, refused = [], []
    for a in articles:
        first = seen.setdefault(a.source, a)
        if first is a:
            kept.append(a)
        elif first.sha != a.sha:
            refused.append((a.path or a.source, f"{a.path or a.source} has the same name as {first.path or first.source}, "
                                                f"another file given in this run; rename one so citations can tell "
                                                f"them apart."))
    return kept, refused
