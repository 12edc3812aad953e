"""Conversational follow-ups without a language model: read a question in the light of earlier turns.

    >>> resolve("What did he say?",
    ...         [Turn("Who chairs the rowing club?", "...", "Nora Finch", True)])
    'What did Nora Finch say?'

Antecedents are the mentions of earlier turns: the answer spans (only answers that were given
with a confidence of at least 0.5: a doubtful answer would make one mistake many), the
entities and noun chunks of the interpreted questions and, for "the older one", the cited
sentences. The most recent compatible mention wins (a person for he/she, a plural or an
organisation for they, a non-person thing for it, a place for there, a time for then).

The modules, in the order a question meets them:

- ``turns``: earlier turns from ``Answer`` objects, Gradio message dicts or ``[user, bot]`` pairs;
- ``resolver``: ``resolve()``, which tries the readings below in order;
- ``ellipsis`` ("And Reed?"), ``fragments`` ("Why?", "To whom?"), ``pronouns`` (he, his,
  there, then), ``one_anaphora`` ("the older one");
- ``mentions`` and ``antecedents``: what earlier turns talked about, and in which order;
- ``readings``: what ``qa.api`` searches for, how it reads both the resolved question and the
  question as typed, and how the evidence decides between them;
- ``rules``: every rule above by name, switchable for an ablation; ``english``: word lists.

Everything is derived from the history and generic English; spaCy is reached only through
``index.nlp`` and nothing is loaded at import time.
"""
from qa.conversation.english import pronoun_forms
from qa.conversation.resolver import resolve
from qa.conversation.rules import RULES, disabled
from qa.conversation.turns import Turn, turns_from_history

__all__ = ["RULES", "Turn", "disabled", "pronoun_forms", "resolve", "turns_from_history"]
