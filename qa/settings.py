"""One small frozen settings object; every location comes from one environment variable.

``QA_STORE``      where the index lives (default: ``.store/`` in the project folder)
``QA_CHROMA_URL`` a Chroma server (``http://127.0.0.1:8000``); unset means an embedded store
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_store() -> Path:
    return Path(os.environ.get("QA_STORE") or PROJECT_ROOT / ".store")


@dataclass(frozen=True)
class Settings:
    store: Path = dataclasses.field(default_factory=_default_store)
    chroma_url: str | None = dataclasses.field(
        default_factory=lambda: os.environ.get("QA_CHROMA_URL") or None)
    top_k: int = 5                  # citations / closest passages returned
    read_k: int = 5                 # sentences the reader looks inside
    retrieve_k: int = 40            # candidates each retriever contributes before fusion
    max_question_chars: int = 500
    max_file_bytes: int = 5_000_000
    answer_threshold: float | None = None   # P(correct) from which an answer is given (None: the fitted policy's)
    whole_article: bool = True      # questions about the whole article get its gist / main points / byline
    rank_articles: bool = True      # in an archive, sentences of the article the question is about go first

    def __post_init__(self) -> None:
        object.__setattr__(self, "store", Path(self.store))
        for name in ("top_k", "read_k", "retrieve_k", "max_question_chars", "max_file_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Settings.{name} must be a positive integer, got {value!r}")
        if self.answer_threshold is not None and not 0.0 <= self.answer_threshold <= 1.0:
            raise ValueError(f"Settings.answer_threshold must be in [0, 1], got {self.answer_threshold!r}")

    def replace(self, **changes) -> "Settings":
        """A copy with some fields overridden; ``None`` values mean "keep the setting"."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
