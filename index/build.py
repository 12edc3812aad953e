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
"""
from __future__ import annotations

import collections
import hashlib
import itertools
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from index import catalog as cat
from index.catalog import DocumentRecord
from index.embed import Embedder, threads
from index.normalise import NormalisedText, normalise
from index.split import Sentence, split_sentences
from index.store import Store, open_store, record_encoder, server_manifest, write_lock
from index.vectors import forget_clients
from qa.errors import SourceError

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
    path: str = ""


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    sentences_embedded: int = 0
    swept: int = 0             # vectors an interrupted build had left unreferenced

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed; {self.sentences_embedded} sentences embedded")


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
    return article_from_bytes(path.name, data, path=str(path), max_bytes=max_bytes)


def article_from_bytes(source: str, data: bytes, *, path: str = "", max_bytes: int = MAX_FILE_BYTES) -> Article:
    if len(data) > max_bytes:
        raise SourceError(f"{source} is {len(data):,} bytes; the limit is {max_bytes:,}. Split it into articles.")
    if b"\x00" in data:
        raise SourceError(f"{source} looks like a binary file (it contains NUL bytes); give a plain-text article.")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{source} is not UTF-8 text (bad byte at offset {exc.start}); "
                          f"re-save it as UTF-8 and index it again.") from exc
    if not raw.strip():
        raise SourceError(f"{source} is empty; there is nothing to index.")
    return Article(source, raw, hashlib.sha256(data).hexdigest(), path)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every .txt/.md file under named folders (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                                and not any(part.startswith(".") for part in f.relative_to(p).parts)))
        elif p.exists():
            files.append(p)
        else:
            raise SourceError(f"{p} does not exist; name an article file or a folder of them.")
    return files


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
                   batch_size: int | None = None, workers: int | None = None) -> BuildReport:
    """Add or update articles in an open store (the caller holds the write lock).

    Unchanged articles (same sha) are skipped. The others are prepared (in a worker process when
    there are many), their new sentences embedded ``batch_size`` at a time across files, and
    each article is switched over as soon as all its vectors are stored.
    """
    report = BuildReport()
    known = store.catalog.shas()
    todo: list[Article] = []
    for article in _unique(articles):
        if known.get(article.source) == article.sha and not rebuild:
            report.unchanged.append(article.source)
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


def index_threads_setting() -> int:
    """Threads while embedding documents ($QA_INDEX_THREADS, default every core)."""
    return int(os.environ.get("QA_INDEX_THREADS", os.cpu_count() or 1))


def batch_size_setting() -> int:
    return int(os.environ.get("QA_INDEX_BATCH", BATCH_SIZE))


class _Batcher:
    """Collects new sentences across documents, embeds and stores them ``size`` at a time, and
    switches documents over (one catalog transaction per batch) once their vectors are in."""

    def __init__(self, store: Store, report: BuildReport, progress, known: Mapping[str, str], size: int):
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
    """Drop documents from the catalog (and the server's), then their vectors."""
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
    return present


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


def load_articles(articles: Mapping[str, str] | Sequence[Path | Article]) -> list[Article]:
    """Texts by name, Article objects, or files and folders -> checked, uniquely named Articles."""
    if isinstance(articles, Mapping):
        loaded = [article_from_bytes(name, text.encode("utf-8")) for name, text in articles.items()]
    else:
        ready = [a for a in articles if isinstance(a, Article)]
        paths = [a for a in articles if not isinstance(a, Article)]
        loaded = ready + [read_article(f) for f in collect_files(paths)]
    _check_unique(loaded)
    return loaded


def build_index(store_path: Path, articles: Mapping[str, str] | Sequence[Path | Article], *,
                chroma_url: str | None = None, rebuild: bool = False, prune: bool = False,
                progress: Callable[[str], None] | None = None, batch_size: int | None = None,
                workers: int | None = None, embedder: Embedder | None = None) -> BuildReport:
    """Index files and folders, Articles, or texts ({name: text}) into the store at ``store_path``.

    ``rebuild`` builds a fresh store beside the old one and swaps it in only when complete (on a
    Chroma server it re-embeds in place). ``prune`` drops indexed documents not among
    ``articles``. ``batch_size`` sentences are embedded per call and stored per Chroma upsert;
    ``workers`` processes split sentences (default: one when there are many articles).

    >>> build_index(Path(".store"), [Path("seeds")]).summary()   # doctest: +SKIP
    '1 added, 0 updated, 0 unchanged, 0 removed; 41 sentences embedded'
    """
    loaded = load_articles(articles)
    store_path = Path(store_path)
    options = dict(progress=progress, batch_size=batch_size, workers=workers)
    with write_lock(store_path):
        if rebuild and not chroma_url:
            return _rebuild_beside(store_path, loaded, embedder, options)
        store = open_store(store_path, chroma_url, create=True, embedder=embedder)
        try:
            interrupted = store.catalog.get_meta("build_running") == "1"
            store.catalog.set_meta("build_running", "1")
            _announce(store)   # a previous run may have died between its two server writes
            report = index_articles(store, loaded, rebuild=rebuild, **options)
            if prune:
                keep = {a.source for a in loaded}
                report.removed = remove_documents(store, [s for s in store.catalog.shas() if s not in keep])
            if interrupted or prune:
                report.swept = sweep_unreferenced(store)
            store.catalog.set_meta("build_running", "0")
        finally:
            store.close()
        return report


def _rebuild_beside(store_path: Path, articles: Sequence[Article], embedder: Embedder | None,
                    options: dict) -> BuildReport:
    """Build into ``<store>.building`` and swap it in only once it is complete."""
    side = store_path.with_name(store_path.name + ".building")
    old = store_path.with_name(store_path.name + ".old")
    for leftover in (side, old):
        shutil.rmtree(leftover, ignore_errors=True)
    store = open_store(side, create=True, embedder=embedder)
    try:
        report = index_articles(store, articles, rebuild=True, **options)
    finally:
        store.close()
        forget_clients()
    if store_path.exists():
        store_path.rename(old)
    side.rename(store_path)
    shutil.rmtree(old, ignore_errors=True)
    report.added = [a.source for a in articles]
    return report


def _check_unique(articles: Sequence[Article]) -> None:
    seen: dict[str, str] = {}
    for a in articles:
        if a.source in seen and seen[a.source] != a.sha:
            raise SourceError(f"Two different files are both named {a.source!r} ({seen[a.source][:8]}…, "
                              f"{a.path}); rename one so citations can tell them apart.")
        seen[a.source] = a.sha
