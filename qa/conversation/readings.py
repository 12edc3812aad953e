"""Two readings of a follow-up, and which one the evidence supports.

``qa.api`` reads the question as the conversation resolved it ("What was Tom Reed charged
with?") and, when that differs, also as typed ("What was he charged with?": a story that says
"he" matches it too). This module says when the typed reading is worth reading, what its
pronoun may stand for in a sentence, and how the two lists of candidates become one.

Candidates are duck-typed (``text``, ``score``, ``passage``) and the referent is anything with
``forms`` and ``words``, so nothing here depends on the reader's module.
"""
from __future__ import annotations

import itertools
import re
from typing import Any, Sequence

from qa.conversation import rules
from qa.conversation.english import pronoun_forms
from qa.conversation.resolver import resolve
from qa.conversation.turns import turns_from_history
from qa.types import Answer


def interpret(question: str, history: Sequence[Any] | None) -> str:
    """The question as the conversation so far reads it (unchanged without history)."""
    if not history:
        return question
    return resolve(question, turns_from_history(history))


def recent_places(history: Sequence[Any] | None) -> list[tuple[str, int]]:
    """Where the last answer of the conversation was found (only ``Answer`` histories carry
    offsets); retrieval favours sentences near it. Unlike antecedents, this needs no trust: a
    conversation moves through the story, so even a doubtful answer ("unsure": its sentence
    holds the guess) tells where it is. (Asking for trust here lowered the dev sample's CoQA
    F1 from 0.373 to 0.370.)"""
    if not rules.on("near_previous_answer"):
        return []
    for turn in reversed(history or []):
        if isinstance(turn, Answer):
            given = turn.found or getattr(turn, "verdict", "") == "unsure"
            return [(turn.citations[0].source, turn.citations[0].start)] if given and turn.citations else []
    return []


def referent_parts(typed: str, interpreted: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """What may stand for the typed question's pronoun in a sentence: its forms ("he", "his",
    ...) and the content words the conversation put in its place."""
    if typed == interpreted:
        return None
    from index import nlp

    forms = pronoun_forms(typed)
    if not forms:
        return None
    added = _added(typed, interpreted)
    words = {t.lower_ for t in nlp.parse(interpreted) if t.lower_ in added and not t.is_stop and t.is_alpha}
    return frozenset(forms), frozenset(words)


def search_for(typed: str, interpreted: str, referent: Any) -> tuple[str, list[str]]:
    """What retrieval searches for: a question and other readings whose words join it.

    A pronoun's antecedent is no search term: the person a story is about is named in most of
    its sentences, so searching for "Tom Reed" finds sentences about him, not about what was
    asked of him. A follow-up with a pronoun is searched as typed (the antecedent is then found
    in the sentence by the reader, and the previous answer's sentence still draws retrieval
    near it); an ellipsis or a fragment ("Why?") is searched as resolved, with the typed words.
    """
    if referent and referent.forms and rules.on("typed_retrieval"):
        return typed, []
    return interpreted, [typed] if typed != interpreted else []


def read_as_typed(typed: str, interpreted: str, referent: Any) -> bool:
    """Whether the words as typed are worth reading: they often match a story that says "he"
    too, but an ellipsis ("And Reed?") means nothing as typed."""
    if typed == interpreted or not rules.on("typed_reading"):
        return False
    return bool(referent) or len(typed.split()) >= len(interpreted.split()) // 2


def merge_readings(resolved: list, as_typed: list, typed: str, interpreted: str, referent: Any) -> list:
    """Candidates of both readings, best first.

    A typed-reading candidate may not be the antecedent the conversation substituted in ("he"
    -> "Nora Finch"). Then the evidence decides between the readings, not the order of rules:
    when both readings' best answers lie in the same sentence, that sentence is agreed on, and
    the typed reading's answer is taken when the typed question has a pronoun to find there
    (an ellipsis means nothing as typed). The typed reading finds its pronoun in
    the sentence; the resolved question's antecedent, often from an earlier answer that was
    wrong, excludes itself from the answer and pulls the span towards itself. Answers from
    different sentences compete by score.
    """
    kept = as_typed
    if rules.on("not_the_antecedent"):
        named = antecedent_names(typed, interpreted)
        kept = [c for c in kept if not (words_of(c.text) & named)]
    merged = sorted(resolved + kept, key=lambda c: -c.score)
    if referent and resolved and kept and rules.on("evidence_decides"):
        typed_best = max(kept, key=lambda c: c.score)
        if typed_best is not merged[0] and typed_best.passage == resolved[0].passage:
            return [typed_best] + [c for c in merged if c is not typed_best]
    return merged


def antecedent_names(typed: str, interpreted: str) -> set[str]:
    """The words that name what the conversation put in: of each run of added words, up to the
    end of its first noun ("Nora Finch"; "Leeds" of "to Leeds by a French trade minister", whose
    minister a typed reading may still answer with)."""
    from index import nlp

    added, out = _added(typed, interpreted), set()
    for is_added, run in itertools.groupby(nlp.parse(interpreted), key=lambda t: t.lower_ in added):
        seen_noun = False
        for tok in run if is_added else ():
            noun = tok.pos_ in ("NOUN", "PROPN")
            if seen_noun and not noun:
                break   # the run's first noun has ended: the rest modifies it
            seen_noun |= noun
            out.add(tok.lower_)
    return out


def _added(typed: str, interpreted: str) -> set[str]:
    return words_of(interpreted) - words_of(typed)


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))
