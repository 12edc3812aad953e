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

import os
import shlex
import shutil
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

from index import catalog as cat
from index.articles import MAX_FILE_BYTES, Article, article_from_bytes, load_articles, read_article, refuse
from index.embed import Embedder, threads
from index.folder import swap_folders, write_lock
from index.manifest import UPLOADS, record_encoder, remember_folders
from index.prepare import prepared
from index.store import Store, open_store
from index.vectors import forget_clients
from index.writer import (Batcher, BuildReport, announce, batch_size_setting, index_threads_setting, notify,
                          remove_documents, repair_parses, repair_vectors, sweep_unreferenced, use_current_parser)
from qa.errors import IndexMissingError, SourceError


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
                refuse(report.refused, (article.path or article.source, name_taken(article, have)), strict)
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
            use_current_parser(store)
        notify(progress, "start", len(todo), len(report.unchanged))
        batcher = Batcher(store, report, progress, known, batch_size or batch_size_setting())
        for record in prepared(todo, workers):
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


def _unique(articles: Sequence[Article]) -> list[Article]:
    seen: set[str] = set()
    return [a for a in articles if not (a.source in seen or seen.add(a.source))]


def remove_articles(store_path: Path, sources: Sequence[str], chroma_url: str | None = None) -> list[str]:
    """Remove articles by name (takes the write lock); returns the names that were indexed."""
    with write_lock(Path(store_path)):
        store = open_store(store_path, chroma_url, writable=True)
        try:
            return remove_documents(store, sources)
        finally:
            store.close()


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
    repaired: missing vectors are embedded again, orphans swept, sentences without a stored
    parse parsed. ``batch_size`` sentences are embedded per call and stored per Chroma upsert;
    ``workers`` processes split and parse sentences (default: one when there are many articles).

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
        announce(store)   # a previous run may have died between its two server writes
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
        if not loaded:   # `qa index` with nothing to add checks the store: an older one gains its parses
            report.parsed = repair_parses(store, options.get("progress"))
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
