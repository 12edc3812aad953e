"""The articles in a store: list, show, add, remove. Front ends call these, never the index."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from index import build
from index.normalise import Block
from qa.api import engine, forget_engines
from qa.errors import IndexMissingError, SourceError
from qa.settings import Settings


@dataclass(frozen=True)
class ArticleInfo:
    source: str
    title: str
    sentences: int


@dataclass(frozen=True)
class ArticleView:
    source: str
    title: str
    text: str                 # the document text every offset points into
    blocks: tuple[Block, ...] # title / byline / heading / paragraph / pullquote, with offsets


def list_articles(settings: Settings | None = None) -> list[ArticleInfo]:
    try:
        store = engine(settings or Settings()).store
    except IndexMissingError:
        return []
    return [ArticleInfo(d.source, d.title, d.sentences) for d in store.catalog.documents()]


def find_articles(settings: Settings | None = None, *, title: str | None = None,
                  path_prefix: str | None = None, name: str | None = None) -> list[str]:
    """Names of the articles whose title / name contain a text and whose path starts with a prefix."""
    store = engine(settings or Settings()).store
    return store.catalog.find_sources(title_contains=title, path_prefix=path_prefix, name_contains=name)


def get_article(source: str, settings: Settings | None = None) -> ArticleView:
    store = engine(settings or Settings()).store
    text = store.catalog.document_text(source)
    if text is None:
        raise IndexMissingError(f"No article named {source!r} is indexed; add it with `qa index FILE`.")
    title = next((d.title for d in store.catalog.documents() if d.source == source), source)
    return ArticleView(source, title, text, tuple(store.catalog.blocks(source)))


def add_article(name: str, data: bytes, settings: Settings | None = None) -> build.BuildReport:
    """Index an uploaded article (bytes are checked: size, UTF-8, not binary)."""
    settings = settings or Settings()
    if Path(name).suffix.lower() not in build.SUFFIXES:
        raise SourceError(f"{name} is not a .txt or .md file; upload a plain-text or Markdown article.")
    article = build.article_from_bytes(Path(name).name, data, max_bytes=settings.max_file_bytes)
    return build.build_index(settings.store, [article], chroma_url=settings.chroma_url)


def index_paths(paths: Sequence[Path], settings: Settings | None = None, *, rebuild: bool = False,
                prune: bool = False, progress: Callable[[str], None] | None = None) -> build.BuildReport:
    settings = settings or Settings()
    if rebuild:
        forget_engines()
    return build.build_index(settings.store, list(paths), chroma_url=settings.chroma_url,
                             rebuild=rebuild, prune=prune, progress=progress)


def remove_article(source: str, settings: Settings | None = None) -> bool:
    settings = settings or Settings()
    with build.write_lock(Path(settings.store)):
        store = engine(settings).store
        return bool(build.remove_documents(store, [source]))
