"""Demonstratives ("that visit", "those charges") and one-anaphora ("the older one").

    "Why was that visit canceled?" -> "Why was the visit to the island by the minister canceled?"
    "How old was the older one?"   -> "How old was the older brother?"
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.english import DEMONSTRATIVES, clean
from qa.conversation.pronouns import case_for_position, definite
from qa.conversation.turns import Turn
from qa.conversation.english import COMPARATIVES
from qa.question import focus_kind


def _noun_phrases(history: Sequence[Turn]):
    """Noun phrases of the history, most recent first, each stretched over its prepositions."""
    for turn in reversed(history):
        texts = [clean(turn.answer) if turn.found else "", turn.interpreted or turn.question,
                 turn.evidence]
        for text in filter(None, texts):
            for chunk in nlp.parse(text).noun_chunks:
                if chunk.root.pos_ == "NOUN":
                    yield _stretched(chunk)


def _stretched(chunk):
    """ "a visit" -> "a visit to the island by the regional minister" (prepositions only)."""
    doc, end = chunk.doc, chunk.end
    for child in chunk.root.rights:
        if child.dep_ in ("prep", "agent") and child.i == end:
            edge = child.right_edge.i + 1
            inner = doc[child.i:edge]
            if any(t.text in {",", ";", "(", ")"} or t.dep_ in {"relcl", "acl"} for t in inner):
                break
            end = edge
    owner = misattached_by(doc[end]) if end < len(doc) and rules.on("by_phrase") else None
    if owner is not None and owner.i == chunk.root.i:
        end = doc[end].right_edge.i + 1   # "called off [a visit to Leeds] [by a minister]"
    return doc[chunk.start:min(end, chunk.start + 16)]


def misattached_by(prep):
    """The object noun a "by" phrase belongs to when the parser hung it on an active verb right
    after that object ("called off [a visit to Leeds] [by a minister]"), else None."""
    verb = prep.head
    if prep.dep_ != "agent" or any(c.dep_ == "auxpass" for c in verb.children):
        return None
    return next((o for o in verb.children if o.dep_ == "dobj" and o.right_edge.i + 1 == prep.i), None)


def demonstrative_edit(token, history: Sequence[Turn]):
    """ "that visit" -> "the visit to the island by the regional minister" """
    if token.lower_ not in DEMONSTRATIVES or token.dep_ == "mark" or token.tag_ != "DT":
        return None
    doc = token.doc
    for j in range(token.i + 1, min(token.i + 4, len(doc))):
        word = doc[j]
        if word.pos_ not in {"NOUN", "VERB", "ADJ"}:
            return None
        keys = {word.lower_, word.lemma_.lower()}
        phrase = next((p for p in _noun_phrases(history)
                       if {p.root.lower_, p.root.lemma_.lower()} & keys), None) if rules.on("demonstrative") else None
        if phrase is not None:
            text = _demonstrative_text(phrase, token)
            return token.idx, word.idx + len(word.text), text, j + 1
        answer = _answer_to_verb(keys, history) if word.pos_ == "NOUN" and rules.on("demonstrative_answer") else None
        if answer:
            text = f"the {doc[token.i + 1:j + 1].text} of {answer}"
            return token.idx, word.idx + len(word.text), case_for_position(text, token), j + 1
    return None


def _answer_to_verb(keys: set[str], history: Sequence[Turn]) -> str:
    """ "those charges" after "What was he charged with?" -> that question's answer."""
    for turn in reversed(history[-2:]):
        question = nlp.parse(turn.interpreted or turn.question)
        answer = clean(turn.answer) if turn.found else ""
        if not answer or not any(t.pos_ == "VERB" and t.lemma_.lower() in keys for t in question):
            continue
        root = next(iter(nlp.parse(answer).sents)).root
        return definite(answer) if root.pos_ in {"NOUN", "PROPN"} else ""
    return ""


def _demonstrative_text(phrase, token) -> str:
    first = phrase[0]
    if first.lower_ in {"a", "an", "this", "that", "these", "those", "the"}:
        text = "the " + phrase[1:].text
    elif first.tag_ in {"PRP$", "POS"} or any(t.tag_ == "POS" for t in phrase) or first.pos_ == "PROPN":
        text = phrase.text
    else:
        text = "the " + phrase.text
    return text[:1].upper() + text[1:] if token.i == 0 else text


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
    phrases = [p.root for p in _noun_phrases(history)] + (_loose_plurals(history) if rules.on("loose_plurals") else [])
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
