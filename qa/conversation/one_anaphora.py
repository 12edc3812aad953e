"""One-anaphora: "the older one" names a plural noun of the history.

    "Two sisters, Alice and Joan, own the boat." ... "How old is the older one?"
    -> "How old is the older sister?"
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.english import COMPARATIVES, clean
from qa.conversation.turns import Turn
from qa.question import focus_kind


def _nouns(history: Sequence[Turn]):
    """The head nouns of the history's noun phrases, most recent first."""
    for turn in reversed(history):
        texts = [clean(turn.answer) if turn.found else "", turn.interpreted or turn.question,
                 turn.evidence]
        for text in filter(None, texts):
            for chunk in nlp.parse(text).noun_chunks:
                if chunk.root.pos_ == "NOUN":
                    yield chunk.root


def one_edit(token, history: Sequence[Turn]):
    """ "the older one" -> "the older sister", after "Two sisters ..." was said."""
    doc = token.doc
    if token.lower_ not in {"one", "ones"} or token.i == 0 or not rules.on("one_anaphora"):
        return None
    before = doc[token.i - 1]
    if before.pos_ not in {"ADJ", "DET"} and before.ent_type_ != "ORDINAL" or before.lower_ in {"no", "any", "every"}:
        return None
    if token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "of":
        return None
    phrases = list(_nouns(history)) + (_loose_plurals(history) if rules.on("loose_plurals") else [])
    if before.lower_ in COMPARATIVES:   # "the older one" is a person: "sisters", not "the boat"
        phrases = [t for t in phrases if focus_kind(t.lemma_.lower()) == "PERSON"] or phrases
    plural = [t for t in phrases if t.tag_ == "NNS"]
    noun = (plural or phrases or [None])[0]
    if noun is None:
        return None
    word = noun.lemma_ if token.lower_ == "one" else noun.text
    return token.idx, token.idx + len(token.text), word, token.i + 1


def _loose_plurals(history: Sequence[Turn]) -> list:
    """Plural nouns the parser left out of every noun chunk ("Two sisters, Alice and Joan ...")."""
    out = []
    for turn in reversed(history):
        for text in filter(None, [clean(turn.answer) if turn.found else "", turn.evidence]):
            doc = nlp.parse(text)
            chunked = {t.i for c in doc.noun_chunks for t in c}
            out += [t for t in doc if t.tag_ == "NNS" and t.i not in chunked]
    return out
