"""The resolver's rules by name, each one switchable, so an ablation is a loop and not an edit.

    >>> from qa.conversation import rules
    >>> with rules.disabled("possessive"):
    ...     rules.on("possessive")
    False

Every step of the resolver asks ``on(name)`` before it acts; ``disabled(...)`` turns rules off
for the duration of a ``with`` block (``python -m qa.evaluation.ablate_conversation`` runs the
CoQA evaluation once per rule switched off). A name not in ``RULES`` is an error, so a typo
cannot silently ablate nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

RULES: dict[str, str] = {
    # readings of a whole follow-up
    "ellipsis": '"And Reed?" re-uses the previous question with the new phrase in place',
    "bare_wh": '"Why?", "When?" ask the previous question\'s event, its answer filled in',
    "wh_fragment": '"To whom?", "Since when?", "For how long?" ask the previous question\'s event',
    # references replaced where they stand
    "pronoun": "he / she / they / it (subject or object) -> the latest compatible mention",
    "possessive": "his / her / its / their -> the mention's possessive",
    "one_anaphora": '"the older one" -> the plural noun of the history ("the older brother")',
    "there": '"there" -> the latest place, with its preposition',
    "then": '"then" -> the latest time, with its preposition',
    # how antecedents are chosen and spelled
    "trusted_answers": "an earlier answer is an antecedent only when the person saw its words: given "
                       "with confidence >= 0.5, or shown as \"Not sure\" with its tentative span",
    "expletive_it": '"How long did it take?", "What day was it?": an expletive "it" is left alone',
    "name_question": '"What was his name?" is left as typed when "he" is a name: the name is the answer',
    "bound_pronoun": '"Did Finch say he ...": a pronoun bound inside its own question is left alone',
    "first_pronoun_only": '"did it kill when it crashed": only the first of two same pronouns is replaced',
    "place_phrase": '"there" after "in Harwick, Ireland" says the whole phrase',
    "loose_plurals": '"the older one" also finds plural nouns outside any noun chunk',
    # how the resolved reading and the reading as typed are combined (qa.conversation.readings)
    "typed_retrieval": "a follow-up with a pronoun is searched as typed: its antecedent is no search term",
    "typed_reading": "the question as typed is read too, and its candidates compete",
    "not_the_antecedent": "a candidate of the typed reading may not be the antecedent's own name",
    "evidence_decides": "when both readings answer from the same sentence, the typed reading's answer is taken",
    "near_previous_answer": "retrieval favours sentences near the previous answer (given or unsure)",
}

_disabled: set[str] = set()


def on(name: str) -> bool:
    """Whether the rule ``name`` is switched on (all are, unless inside ``disabled``)."""
    if name not in RULES:
        raise KeyError(f"No resolver rule named {name!r}; the rules are: {', '.join(RULES)}.")
    return name not in _disabled


@contextmanager
def disabled(*names: str) -> Iterator[None]:
    """Switch the named rules off inside a ``with`` block (not thread-local: for evaluations)."""
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise KeyError(f"No resolver rule named {unknown[0]!r}; the rules are: {', '.join(RULES)}.")
    before = set(_disabled)
    _disabled.update(names)
    try:
        yield
    finally:
        _disabled.clear()
        _disabled.update(before)
