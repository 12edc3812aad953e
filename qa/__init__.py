"""Verbatim: extractive, cited answers about news articles.

    >>> from qa import ask
    >>> ask("Who chairs the rowing club?").text   # doctest: +SKIP
    'Nora Finch'

Importing ``qa`` loads no model; the first ``ask()`` does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.errors import VerbatimError
from qa.types import Answer, Citation, Span

if TYPE_CHECKING:  # pragma: no cover
    from qa.api import ask

__all__ = ["ask", "Answer", "Citation", "Span", "VerbatimError"]


def __getattr__(name: str) -> Any:
    # ask() lives in qa.api, which imports the index; loaded on first use to keep imports cheap.
    if name == "ask":
        from qa.api import ask

        return ask
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
