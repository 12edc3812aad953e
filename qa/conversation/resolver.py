"""``resolve()``: a follow-up question made self-contained from the earlier turns.

A follow-up is read in one of three ways, tried in order:

1. an elliptical fragment ("And Reed?") re-uses the previous question (``ellipsis``);
2. a bare wh-fragment ("Why?", "To whom?") asks about the previous question's event
   (``fragments``; rules ``bare_wh`` and ``wh_fragment``);
3. otherwise each reference is replaced where it stands: pronouns and possessives, "there"
   and "then" (``pronouns``), "the older one" (``one_anaphora``). Demonstratives ("that
   visit") are left as typed: resolving them did not pay (README, "Removed resolver rules").

A question with nothing to resolve is returned unchanged, so a change of topic keeps no old
context.
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.antecedents import history_mentions
from qa.conversation.ellipsis import read_ellipsis
from qa.conversation.english import PRONOUNS, splice
from qa.conversation.fragments import read_bare_wh
from qa.conversation.one_anaphora import one_edit
from qa.conversation.pronouns import pronoun_edit, there_then_edit
from qa.conversation.turns import Turn


def resolve(question: str, history: Sequence[Turn]) -> str:
    """The question made self-contained using earlier turns; unchanged when nothing applies."""
    if not history or not question.strip():
        return question
    history = [t for t in history if (t.interpreted or t.question).strip()]
    if not history:
        return question
    doc = nlp.parse(question)
    interpreted = (read_ellipsis(doc, history) if rules.on("ellipsis") else None) or read_bare_wh(doc, history)
    if interpreted:
        return interpreted
    return replace_references(doc, history) or question


def replace_references(doc, history: Sequence[Turn]) -> str | None:
    mentions = history_mentions(history)
    own = {t.lower_ for t in doc if t.pos_ == "PROPN"}
    mentions_here = [m for m in mentions if not own & set(m.text.lower().split())]
    edits: list[tuple[int, int, str]] = []
    skip_until, resolved = -1, set()
    for token in doc:
        if token.i < skip_until:
            continue
        group = PRONOUNS.get(token.lower_, ("",))[0]
        if group in resolved and rules.on("first_pronoun_only"):
            continue  # "did it kill when it crashed": the first one now names it
        pronoun = pronoun_edit(token, mentions_here)
        if pronoun:
            resolved.add(group)
        edit = (pronoun
                or one_edit(token, history)
                or there_then_edit(token, mentions))
        if edit:
            edits.append(edit[:3])
            skip_until = edit[3]
    if not edits:
        return None
    return splice(doc.text, edits)
