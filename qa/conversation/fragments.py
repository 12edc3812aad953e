"""Bare wh-fragments ask about the previous question's event, its answer filled in.

    "Who canceled the concerts?" -> "the council"; "Why?" -> "Why did the council cancel the concerts?"
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation.english import DISCOURSE, WH_TAGS, clean, lower_first
from qa.conversation.turns import Turn


def read_bare_wh(doc, history: Sequence[Turn]) -> str | None:
    """ "Why?" after "What did the council cancel?" -> "Why did the council cancel <answer>?" """
    tokens = [t for t in doc if not t.is_punct and t.lower_ not in DISCOURSE]
    if len(tokens) != 1 or tokens[0].lower_ not in {"why", "when", "where", "how"}:
        return None
    wh = tokens[0].text[0].upper() + tokens[0].text[1:].lower()
    last = history[-1]
    frame = nlp.parse(last.interpreted or last.question)
    answer = clean(last.answer) if last.found else ""
    words = [t for t in frame if not t.is_punct]
    if not words:
        return None
    wh_token = next((t for t in words if t.tag_ in WH_TAGS), None)
    if wh_token is None:  # a yes/no question: "Did they cancel it?" -> "Why did they cancel it?"
        return f"{wh} {lower_first(frame[words[0].i:words[-1].i + 1])}?"
    if not answer or wh_token.i != words[0].i or wh_token.lower_ == "how":
        return None
    if any(t.pos_ in {"VERB", "AUX"} for t in nlp.parse(answer)):
        return None  # a clause answer does not fill a noun slot
    top = wh_token
    while top.dep_ in {"det", "poss"} and top.head.i > top.i:
        top = top.head  # "Which media outlet's offices"
    if top.left_edge.i != wh_token.i or any(t.i > wh_token.i for t in wh_token.children):
        return None
    asked = wh_token.head if wh_token.dep_ == "det" else wh_token
    filled = (answer + frame[asked.i + 1:top.i + 1].text_with_ws).strip()
    end = words[-1].i + 1
    verb = top.head
    inverted = any(c.dep_ in {"aux", "auxpass", "nsubj", "nsubjpass"} and c.i > top.i and
                   (c.lemma_ == "do" or c.dep_.startswith("nsubj")) for c in verb.children)
    if top.dep_ in {"nsubj", "nsubjpass"} and not inverted:  # "did" + another subject: an object
        return _subject_question(wh, top, filled, end)
    return f"{wh} {frame[top.i + 1:end].text} {filled}?"


def _subject_question(wh: str, subject, filled: str, end: int) -> str | None:
    """ "Who canceled the trip?" + "the council" -> "Why did the council cancel the trip?" """
    verb, doc = subject.head, subject.doc
    auxiliaries = [c for c in verb.children if c.dep_ in {"aux", "auxpass"} and c.i > subject.i]
    if verb.pos_ == "AUX" and not auxiliaries:
        auxiliaries = [verb]
    if auxiliaries:
        aux = auxiliaries[0]
        rest = [t.text_with_ws for t in doc[subject.i + 1:end] if t.i != aux.i]
        return f"{wh} {aux.text} {filled} {''.join(rest).strip()}?"
    do = {"VBD": "did", "VBZ": "does"}.get(verb.tag_, "do")
    rest = [verb.lemma_ + verb.whitespace_ if t.i == verb.i else t.text_with_ws
            for t in doc[subject.i + 1:end]]
    return f"{wh} {do} {filled} {''.join(rest).strip()}?"
