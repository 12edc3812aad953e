"""Questions about an article as a whole, answered in its own words.

``ask()`` hands a question here first: :func:`request_for` recognises the few wordings that ask
for the gist, the main points, the byline, the date or the source (``qa.summary.cues``); every
other question goes on to the reader unchanged. :func:`summarise` answers a request with the
article's own sentences, each a citation (``qa.summary.choose``, ``qa.summary.facts``)::

    summarise(store, request_for("What is this article about?", None), "What is ...?", None)
    # -> Answer(verdict="summary", summary_kind="gist", citations=(headline, lead, ...))

A summary has no P(correct): its sentences are chosen, not guessed, so the answer threshold does
not apply. ``found`` is True and ``confidence`` 1.0 (the words are the article's); a byline,
date or source that the article does not state is ``"absent"`` ("Not in the article").
"""
from __future__ import annotations

from typing import Any, Sequence

from qa.conversation.turns import turns_from_history
from qa.summary.compose import READ_AS, answer_whole, pick, scope_of
from qa.summary.cues import KINDS, Request, follow_up, recognise
from qa.types import Answer

__all__ = ["KINDS", "Request", "recognise", "request_for", "summarise"]


def request_for(question: str, history: Sequence[Any] | None) -> Request | None:
    """The whole-article request ``question`` makes (given the conversation so far), or None."""
    turns = turns_from_history(history)
    found = recognise(question, first=not turns)
    if found is not None or not turns:
        return found
    return follow_up(question, _previous(history, turns))


def _previous(history: Sequence[Any], turns: list) -> Request | None:
    last = history[-1]
    kind = getattr(last, "summary_kind", "")
    if kind:
        return Request(kind)
    return recognise(turns[-1].question, first=len(turns) == 1)


def summarise(store: Any, request: Request, question: str, sources: Sequence[str] | None,
              history: Sequence[Any] | None = None) -> Answer | None:
    """The answer to a whole-article request; None when a follow-up names no article in scope
    (then the question is an ordinary one)."""
    scope = scope_of(store, sources)
    if request.ordinal is None and not request.other and not request.words:
        return answer_whole(store, request, question, scope)
    before = [c.source for c in getattr((history or [None])[-1], "citations", ())]
    chosen = pick(store, request, scope, before)
    if chosen is None:
        return None
    return answer_whole(store, request, question, [chosen], READ_AS[request.kind].format(name=chosen))
