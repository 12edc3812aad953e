"""What the benchmark asks: ``SetSpec``s (the sets), ``Unit``s of documents indexed together and the ``Item``s asked of them.

Shared by the whole-document sample (``qa.evaluation.sample``) and the short documents
(``qa.evaluation.windows``), with the small text helpers both use.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from qa.evaluation.squad import normalize_answer

WINDOW_MARK = "#"   # a short unit's name: "<article or story>#<first block>-<last block>"


@dataclass(frozen=True)
class Item:
    question: str
    golds: tuple[str, ...]          # empty: the document does not answer
    source: str                     # the document it is asked of
    kind: str                       # "answerable", "near", "removed", "other" or "unknown"
    gold_starts: tuple[int, ...] = ()        # where the golds lie in the document (for citations)
    rationale: tuple[int, int] | None = None  # CoQA: the gold rationale's offsets in the document
    conversation: str = ""          # CoQA: items of one conversation are asked in order, with history
    scored: bool = True             # CoQA yes/no turns are asked (they are history) but not scored

    @property
    def answerable(self) -> bool:
        return bool(self.golds)


@dataclass(frozen=True)
class Unit:
    set: str
    split: str
    name: str
    docs: tuple[tuple[str, str], ...]   # (source name, normalised text), indexed into one store
    items: tuple[Item, ...]


def origin(unit_name: str) -> str:
    """The article or story a unit was made from: ``"Harwick#2-3"`` -> ``"Harwick"``."""
    return unit_name.split(WINDOW_MARK, 1)[0]


def origins(unit_names: Iterable[str]) -> frozenset[str]:
    return frozenset(origin(n) for n in unit_names)


def present(golds: Sequence[str], text: str) -> bool:
    """A gold answer appears in ``text`` (normalised as SQuAD scores it)."""
    padded = _padded(text)
    return any(f" {g} " in padded for g in map(normalize_answer, golds) if g)


@functools.lru_cache(maxsize=64)
def _padded(text: str) -> str:
    return f" {normalize_answer(text)} "


def starts(text: str, golds: Sequence[str]) -> tuple[int, ...]:
    """Every offset in ``text`` where a gold answer begins (verbatim)."""
    return tuple(sorted({m.start() for g in golds if g.strip() for m in re.finditer(re.escape(g.strip()), text)}))


def safe_name(title: str) -> str:
    """A file-name-safe name for an article: ``"https://x.com/a b"`` -> ``"x.com_a_b"``; long
    titles keep their start and a short hash so two never share a name."""

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", re.sub(r"^https?://(www\.)?", "", title)).strip("_") or "article"
    if len(name) <= 80:
        return name
    return f"{name[:71]}-{hashlib.sha256(title.encode('utf-8')).hexdigest()[:8]}"


PRONOUNS = re.compile(r"\b(he|she|it|they|him|her|his|hers|its|their|them|this|that|these|those|there|then)\b", re.I)


def standalone(question: str) -> bool:
    """A question that reads on its own, outside its conversation (no pronoun, four words or more)."""
    return not PRONOUNS.search(question) and len(question.split()) >= 4


@dataclass(frozen=True)
class SetSpec:
    name: str
    split: str      # FIT or VALIDATE
    kind: str       # "articles", "posts" or "coqa"
    file: str       # relative to the data folder
    size: int       # articles / posts / stories at scale 1
    per_unit: int = 0   # answerable questions per article ("articles" only)
    coqa_source: str = ""
    half: str = ""      # NYT / CoQA cnn: the half (FIT or VALIDATE) this set takes
    short: bool = False  # windows of the articles or stories (``qa.evaluation.windows``)
    base_size: int = 0   # short sets: the whole set's size; its articles are taken first
