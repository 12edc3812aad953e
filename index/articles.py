"""Articles from files, folders or texts given by name: read, decoded and checked before anything
is indexed. A file that cannot be indexed (binary, not text, too big, a link out of its folder, a
name given twice) is refused with its reason; ``strict`` raises at the first instead."""
from __future__ import annotations

import codecs
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from qa.errors import SourceError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5_000_000


@dataclass(frozen=True)
class Article:
    source: str    # the name questions and citations use
    raw: str
    sha: str
    path: str = ""         # the file's full path; "" for a text given by name
    upload: bool = False   # uploaded in the chat: a new file, never the same as an indexed one


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
            refuse(refused, (label, str(exc)), strict)
    kept, twins = _unique_names(loaded)
    for twin in twins:
        refuse(refused, twin, strict)
    return kept, refused


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


def refuse(refused: list[tuple[str, str]], refusal: tuple[str, str], strict: bool) -> None:
    """Note a file that cannot be indexed, with its reason; ``strict``: stop here instead."""
    if strict:
        raise SourceError(refusal[1])
    refused.append(refusal)
