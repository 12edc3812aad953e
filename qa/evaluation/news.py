"""The news material's splits: the held-out list, and the fixed rule that halves the rest.

The squad_shifts NYT articles and CoQA's ``cnn`` stories are news, the product's own genre, so
they are in both the fit and the validation split (STACK.md). The held-out test material (30 NYT
articles by title, 20 CoQA ``cnn`` stories by id) is listed in ``heldout.json`` beside this
module, a copy of ``../shared/heldout.json`` (identifiers only, no benchmark text). It is dropped
while the data is unpacked, so it never reaches the cache; what remains is split in halves by
:func:`half`, a hash of the title or id, so no article ever moves between halves::

    half("https://www.nytimes.com/2015/01/04/sports/...")   # -> "fit" or "validate"
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

FIT = "fit"
VALIDATE = "validate"
HELD_OUT_FILE = Path(__file__).with_name("heldout.json")
NYT_KEY = "squad_shifts_nyt_titles"
CNN_KEY = "coqa_cnn_ids"


@functools.lru_cache(maxsize=1)
def held_out() -> dict[str, frozenset[str]]:
    """{"nyt": held-out NYT titles, "cnn": held-out CoQA cnn story ids}."""
    raw = json.loads(HELD_OUT_FILE.read_text(encoding="utf-8"))
    return {"nyt": frozenset(raw[NYT_KEY]), "cnn": frozenset(raw[CNN_KEY])}


def held_out_digest() -> str:
    """A short fingerprint of the held-out list (the unpacked data records which list it obeyed)."""
    lists = held_out()
    text = json.dumps({k: sorted(v) for k, v in sorted(lists.items())})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def half(key: str) -> str:
    """The half an NYT article (by title) or CoQA story (by id) belongs to, fixed forever:
    the first byte of the key's SHA-256 even -> fit, odd -> validate."""
    return FIT if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else VALIDATE


def is_held_out(key: str) -> bool:
    lists = held_out()
    return key in lists["nyt"] or key in lists["cnn"]


def drop_held_out_articles(squad: dict) -> tuple[dict, int]:
    """A SQuAD-format file without the held-out NYT articles, and how many were dropped."""
    titles = held_out()["nyt"]
    kept = [a for a in squad["data"] if a.get("title") not in titles]
    return {**squad, "data": kept}, len(squad["data"]) - len(kept)


def drop_held_out_stories(coqa: dict) -> tuple[dict, int]:
    """The CoQA file without the held-out ``cnn`` stories, and how many were dropped."""
    ids = held_out()["cnn"]
    kept = [s for s in coqa["data"] if s.get("id") not in ids]
    return {**coqa, "data": kept}, len(coqa["data"]) - len(kept)
