"""Normalise, split and parse articles into catalog records (no embedding yet); with many articles,
in a worker process, so spaCy works while the build process embeds."""
from __future__ import annotations

import collections
import hashlib
import itertools
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, Sequence

from index import parses
from index.articles import Article
from index.catalog import DocumentRecord
from index.normalise import NormalisedText, normalise
from index.split import Sentence, split_sentences

PARALLEL_FROM = 24          # articles to (re)index before a splitting worker pays off ($QA_INDEX_WORKERS)
IN_FLIGHT = 64              # articles handed to the worker ahead of the embedder
WORKER_TASKS = 1000         # articles per splitting worker process (spaCy's memory grows)
SPLIT_UNUSED = ("tagger", "attribute_ruler", "lemmatizer", "ner")


def chunk_id(source: str, sentence: Sentence) -> str:
    """Content hash of source + offsets + text: the same sentence always gets the same id."""
    key = f"{source}\x1f{sentence.start}\x1f{sentence.end}\x1f{sentence.text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _title(doc: NormalisedText, fallback: str) -> str:
    return next((doc.block_text(b) for b in doc.blocks if b.kind == "title"), fallback)


def prepare(article: Article) -> DocumentRecord:
    """Normalise, split and parse one article into its catalog record (no embedding yet)."""
    doc = normalise(article.raw)
    sentences = split_sentences(doc)
    return DocumentRecord(
        article.source, article.sha, doc.text, _title(doc, article.source), article.path, time.time(),
        tuple((b.kind, b.start, b.end) for b in doc.blocks),
        tuple((chunk_id(article.source, s), s.position, s.start, s.end, s.kind) for s in sentences),
        parses.encode_all([s.text for s in sentences]))


def prepared(articles: Sequence[Article], workers: int | None) -> Iterator[DocumentRecord]:
    """Records in order; with many articles, normalising, splitting and parsing run in a worker
    process so spaCy works while this process embeds (two cores: about twice the throughput)."""
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
    """The parser decides sentence boundaries, so the tagger, lemmatizer and NER are switched off
    while the worker splits (same sentences, three times faster); they are on again to parse each
    sentence for storing. It exits when the build process dies, even by SIGKILL."""
    from index import nlp

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()

    nlp.for_splitting_only(SPLIT_UNUSED)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
