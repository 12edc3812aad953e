"""The articles in a store: list, show, add, remove. Front ends call these, never the index."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from index import build
from index.articles import SUFFIXES
from index.normalise import Block
from qa.api import forget_engines, reading
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
        with reading(settings or Settings()) as eng:
            return [ArticleInfo(d.source, d.title, d.sentences) for d in eng.store.catalog.documents()]
    except IndexMissingError:
        return []


def find_articles(settings: Settings | None = None, *, title: str | None = None,
                  path_prefix: str | None = None, name: str | None = None) -> list[str]:
    """Names of the articles whose title / name contain a text and whose path starts with a
    prefix (as given, or made absolute: indexed paths are absolute)."""
    prefixes = [path_prefix, os.path.abspath(path_prefix) + ("/" if path_prefix.endswith("/") else "")] \
        if path_prefix else [None]
    with reading(settings or Settings()) as eng:
        found = {s for p in dict.fromkeys(prefixes)
                 for s in eng.store.catalog.find_sources(title_contains=title, path_prefix=p, name_contains=name)}
    return sorted(found)


def get_article(source: str, settings: Settings | None = None) -> ArticleView:
    with reading(settings or Settings()) as eng:
        catalog = eng.store.catalog
        text = catalog.document_text(source)
        if text is None:
            raise IndexMissingError(f"No article named {source!r} is indexed; add it with `qa index FILE`.")
        title = next((d.title for d in catalog.documents() if d.source == source), source)
        return ArticleView(source, title, text, tuple(catalog.blocks(source)))


def add_article(name: str, data: bytes, settings: Settings | None = None, *,
                replace: bool = False) -> build.BuildReport:
    """Index an uploaded article (bytes are checked: size, text, not binary). It never replaces
    an indexed article of the same name unless ``replace``; ``report.replaced`` then says what."""
    settings = settings or Settings()
    if Path(name).suffix.lower() not in SUFFIXES:
        raise SourceError(f"{name} is not a .txt or .md file; upload a plain-text or Markdown article.")
    return build.upload_article(settings.store, Path(name).name, data, replace=replace,
                                chroma_url=settings.chroma_url, max_bytes=settings.max_file_bytes)


def index_paths(paths: Sequence[Path], settings: Settings | None = None, *, rebuild: bool = False,
                prune: bool = False, progress: Callable[[str], None] | None = None,
                replace: bool = False, strict: bool = False) -> build.BuildReport:
    settings = settings or Settings()
    if rebuild:
        forget_engines()
    return build.build_index(settings.store, list(paths), chroma_url=settings.chroma_url, rebuild=rebuild,
                             prune=prune, progress=progress, replace=replace, strict=strict)


def remove_article(source: str, settings: Settings | None = None) -> bool:
    settings = settings or Settings()
    return bool(build.remove_articles(settings.store, [source], settings.chroma_url))
