"""Demonstratives ("that visit", "those charges"), replaced by the phrase of the history they name.

    "Why was that visit canceled?" -> "Why was the visit to the island by the minister canceled?"
    "What sentence does that charge carry?" after "What was he charged with?" / "fraud"
    -> "What sentence does the charge of fraud carry?"

Removed in ab23482 (they did not pay on CoQA's wikipedia, race and mctest stories) and measured
again on the news stories (issue 19: docs/conversation-resolver.md).
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.english import DEMONSTRATIVES, clean
from qa.conversation.pronouns import case_for_position, definite
from qa.conversation.turns import Turn


def demonstrative_edit(token, history: Sequence[Turn]):
    """(start, end, replacement, next token) for "that visit", else None."""
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
            return token.idx, word.idx + len(word.text), _demonstrative_text(phrase, token), j + 1
        answer = _answer_to_verb(keys, history) if word.pos_ == "NOUN" and rules.on("demonstrative_answer") else None
        if answer:
            text = f"the {doc[token.i + 1:j + 1].text} of {answer}"
            return token.idx, word.idx + len(word.text), case_for_position(text, token), j + 1
    return None


def _noun_phrases(history: Sequence[Turn]):
    """Noun phrases of the history, most recent first, each stretched over its prepositions."""
    for turn in reversed(history):
        texts = [clean(turn.answer) if turn.found else "", turn.interpreted or turn.question, turn.evidence]
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
