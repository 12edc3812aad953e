"""The few named errors of Verbatim; front ends turn them into a sentence a user can act on.

    VerbatimError                 base: every message says what to do
    ├── QuestionError             empty, whitespace-only or over-long question
    ├── SourceError               a file that cannot be indexed (missing, binary, not UTF-8, wrong type, too big)
    ├── IndexMissingError         no index at the store location yet
    ├── IndexMismatchError        index built with another format version, model or settings
    ├── IndexCorruptError         the store exists but cannot be read, or its parts disagree
    ├── IndexReadOnlyError        a write to a store this process may only read
    ├── IndexBusyError            another process is writing the index
    ├── StoreUnavailableError     a Chroma server named by QA_CHROMA_URL does not answer
    ├── BenchmarkDataError        the benchmark's data files are not downloaded yet
    ├── LexiconMissingError       the WordNet tables were not built (`make install` builds them)
    └── ModelMissingError         a model file the set-up makes (the ONNX copy of MiniLM) is missing
"""
from __future__ import annotations


class VerbatimError(Exception):
    """Base class. ``str(error)`` is a complete, user-facing sentence."""


class QuestionError(VerbatimError, ValueError):
    pass


class SourceError(VerbatimError, ValueError):
    pass


class IndexMissingError(VerbatimError):
    pass


class IndexMismatchError(VerbatimError):
    pass


class IndexCorruptError(VerbatimError):
    pass


class IndexReadOnlyError(VerbatimError):
    pass


class IndexBusyError(VerbatimError):
    pass


class StoreUnavailableError(VerbatimError):
    pass


class BenchmarkDataError(VerbatimError):
    pass


class LexiconMissingError(VerbatimError):
    pass


class ModelMissingError(VerbatimError):
    pass
