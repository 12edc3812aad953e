"""The answer types that flow unchanged from ``qa`` to every front end.

An :class:`Answer` is what :func:`qa.ask` returns; the CLI, the chat and the evaluators only
render or score it. Offsets are the single truth: ``citation.quote`` is always
``document_text[citation.start:citation.end]`` of the cited source.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """A verbatim passage of an indexed document, located by ``[start, end)`` offsets."""

    source: str  # the document's name, e.g. "harbour-storm.txt"
    start: int
    end: int
    quote: str  # == document_text[start:end]
    score: float = 0.0  # retrieval relevance, higher is better

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Span:
    """Where the answer text itself lies in its source (inside ``citations[0]``)."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    """An extractive answer: a verbatim span plus the sentences that support it.

    When ``found`` is False the article does not answer the question; ``text`` is empty and
    ``citations`` hold the closest passages so a person can look for themselves.
    """

    question: str
    text: str
    found: bool
    confidence: float
    citations: tuple[Citation, ...] = ()
    span: Span | None = None
    interpreted: str = ""  # the question as the system read it (conversation context)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "interpreted": self.interpreted or self.question,
            "text": self.text,
            "found": self.found,
            "confidence": round(self.confidence, 4),
            "span": dataclasses.asdict(self.span) if self.span else None,
            "citations": [c.to_dict() for c in self.citations],
        }
