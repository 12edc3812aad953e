"""Build or update an index from article files: read, normalise, split, embed, switch over.

Order of writes, so an interruption never loses the previous index:
1. new sentence vectors are upserted into Chroma (content-hash ids, invisible until referenced);
2. the catalog swaps the document's rows in one SQLite transaction (the switch-over);
3. vectors no longer referenced are deleted (a crash here only leaves unreferenced vectors,
   which the next build sweeps up).
"""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from index import catalog as cat
from index.normalise import NormalisedText, normalise
from index.split import Sentence, split_sentences
from index.store import Store, open_store, write_lock
from index.vectors import forget_clients
from qa.errors import SourceError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5_000_000


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


def index_articles(store: Store, articles: Sequence[Article], *, rebuild: bool = False,
                   progress: Callable[[str], None] | None = None) -> BuildReport:
    """Add or update articles in an open store (the caller holds the write lock)."""
    report = BuildReport()
    _sweep_unreferenced(store)
    for article in articles:
        old_sha = store.catalog.document_sha(article.source)
        if old_sha == article.sha and not rebuild:
            report.unchanged.append(article.source)
            continue
        report.sentences_embedded += _index_one(store, article)
        (report.updated if old_sha else report.added).append(article.source)
        if progress:
            progress(article.source)
    return report


def _index_one(store: Store, article: Article) -> int:
    doc = normalise(article.raw)
    sentences = split_sentences(doc)
    ids = [chunk_id(article.source, s) for s in sentences]
    new = [(i, s) for i, s in zip(ids, sentences) if i not in store.vectors.existing(ids)]
    store.vectors.add([i for i, _ in new], [s.text for _, s in new],
                      [{"source": article.source, "start": s.start, "end": s.end} for _, s in new])
    old_ids = set()
    with store.catalog.transaction() as tx:
        old_ids = set(cat.delete_document(tx, article.source))
        cat.replace_document(tx, source=article.source, sha=article.sha, text=doc.text,
                             title=_title(doc, article.source), path=article.path,
                             blocks=doc.blocks, sentences=list(zip(ids, sentences)))
    store.vectors.delete(sorted(old_ids - set(ids)))
    return len(new)


def remove_documents(store: Store, sources: Sequence[str]) -> list[str]:
    removed = []
    for source in sources:
        with store.catalog.transaction() as tx:
            ids = cat.delete_document(tx, source)
        if ids or source in removed:
            removed.append(source)
        store.vectors.delete(ids)
    return removed


def _sweep_unreferenced(store: Store) -> None:
    """Delete vectors a previous, interrupted build left unreferenced."""
    orphans = store.vectors.all_ids() - store.catalog.chunk_ids()
    store.vectors.delete(sorted(orphans))


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
                progress: Callable[[str], None] | None = None) -> BuildReport:
    """Index files and folders, Articles, or texts ({name: text}) into the store at ``store_path``.

    ``rebuild`` builds a fresh store beside the old one and swaps it in only when complete.

    >>> build_index(Path(".store"), [Path("seeds")]).summary()   # doctest: +SKIP
    '1 added, 0 updated, 0 unchanged, 0 removed; 41 sentences embedded'
    """
    loaded = load_articles(articles)
    store_path = Path(store_path)
    with write_lock(store_path):
        if rebuild and not chroma_url:
            return _rebuild_beside(store_path, loaded, progress)
        store = open_store(store_path, chroma_url, create=True)
        try:
            report = index_articles(store, loaded, rebuild=rebuild, progress=progress)
            if prune:
                keep = {a.source for a in loaded}
                stale = [d.source for d in store.catalog.documents() if d.source not in keep]
                report.removed = remove_documents(store, stale)
        finally:
            store.close()
        return report


def _rebuild_beside(store_path: Path, articles: Sequence[Article],
                    progress: Callable[[str], None] | None) -> BuildReport:
    """Build into ``<store>.building`` and swap it in only once it is complete."""
    side = store_path.with_name(store_path.name + ".building")
    old = store_path.with_name(store_path.name + ".old")
    for leftover in (side, old):
        shutil.rmtree(leftover, ignore_errors=True)
    store = open_store(side, create=True)
    try:
        report = index_articles(store, articles, rebuild=True, progress=progress)
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
