"""Bare wh-fragments ask about the previous question's event, its answer filled in.

    "Who canceled the concerts?" -> "the council"; "Why?" -> "Why did the council cancel the concerts?"
    "Who apologized?" -> "the mayor"; "To whom?" -> "To whom did the mayor apologize?"

A fragment is a wh-word alone ("Why?", "Where?": rule ``bare_wh``), or a wh-phrase that asks
for another part of the same event ("To whom?", "Since when?", "For how long?", "In what
year?", "How often?": rule ``wh_fragment``). "Who?", "What?" and "Which one?" ask for the same
slot again and are left alone.
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.english import DISCOURSE, WH_TAGS, clean, lower_first
from qa.conversation.turns import Turn

_EVENT_WH = {"why", "when", "where", "how"}
_MEASURES = {"long", "often", "much", "far", "soon"}   # "how long", "for how long"


def read_bare_wh(doc, history: Sequence[Turn]) -> str | None:
    """ "Why?" after "What did the council cancel?" -> "Why did the council cancel <answer>?" """
    wh = _wh_phrase([t for t in doc if not t.is_punct and t.lower_ not in DISCOURSE])
    if wh is None:
        return None
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


def _wh_phrase(tokens) -> str | None:
    """ "why" -> "Why"; "to who" -> "To whom"; "for how long" -> "For how long"; else None."""
    words = [t.lower_ for t in tokens]
    if len(words) == 1:
        return words[0].capitalize() if words[0] in _EVENT_WH and rules.on("bare_wh") else None
    if not 2 <= len(words) <= 3 or not rules.on("wh_fragment"):
        return None
    preposition, asked = (words[:1], words[1:]) if tokens[0].tag_ == "IN" else ([], words)
    measure = asked[:1] == ["how"] and len(asked) == 2 and asked[1] in _MEASURES        # "(for) how long"
    kind = preposition and len(asked) == 2 and asked[0] in {"what", "which"} and tokens[-1].pos_ == "NOUN"
    wh = preposition and len(asked) == 1 and asked[0] in _EVENT_WH | {"who", "whom", "what", "which"}
    if not (measure or kind or wh):
        return None                             # "what else", "who then": not another part of the event
    text = " ".join(preposition + (["whom"] if asked == ["who"] else asked))
    return text[0].upper() + text[1:]


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
