"""Elliptical fragments: "And Reed?", "What about the second one?" re-use the previous question.

    "What was Tom Reed charged with?" + "And Kartin?" -> "What was Kartin charged with?"

The fragment's phrase replaces the phrase of the previous question it contrasts with: one
with the same head noun, else one of the same kind (a person for a person).
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation.english import ABOUT, DISCOURSE, WH, splice
from qa.conversation.mentions import kind_of
from qa.conversation.turns import Turn


def _fragment(doc):
    """The noun phrase of "And Reed?" / "What about the second one?", else None."""
    tokens = [t for t in doc if not t.is_punct]
    while tokens and tokens[0].lower_ in DISCOURSE:
        tokens = tokens[1:]
    if len(tokens) >= 2 and (tokens[0].lower_, tokens[1].lower_) in ABOUT:
        tokens = tokens[2:]
    elif any(t.pos_ in {"VERB", "AUX"} or t.lower_ in WH or t.tag_.startswith("W") for t in tokens):
        return None
    if not tokens or tokens[-1].i - tokens[0].i + 1 > 12:
        return None
    if not any(t.pos_ in {"NOUN", "PROPN", "NUM", "PRON"} for t in tokens):
        return None
    return doc[tokens[0].i:tokens[-1].i + 1]


def read_ellipsis(doc, history: Sequence[Turn]) -> str | None:
    fragment = _fragment(doc)
    if fragment is None:
        return None
    previous = history[-1].interpreted or history[-1].question
    frame = nlp.parse(previous)
    target = _contrast_target(fragment, frame)
    if target is None:
        return None
    new = _fragment_text(fragment, target)
    return splice(previous, [(target.start_char, target.end_char, new)])


def _frame_spans(frame) -> list:
    spans = [e for e in frame.ents if e.label_ not in {"CARDINAL", "ORDINAL"}]
    for chunk in frame.noun_chunks:
        if chunk.root.pos_ == "PRON" or chunk.root.tag_.startswith("W"):
            continue
        spans.append(chunk)
    return spans


def _contrast_target(fragment, frame):
    """The phrase of the previous question that the fragment stands in for."""
    head = fragment.root
    spans = _frame_spans(frame)
    same_head = [s for s in spans if s.root.lemma_.lower() == head.lemma_.lower()
                 and head.lower_ not in {"one", "ones"}]
    if same_head:
        return same_head[0]
    if head.lower_ in {"one", "ones"}:
        nouns = [s for s in spans if s.root.pos_ == "NOUN"]
        modified = [s for s in nouns if any(c.dep_ in {"amod", "nummod"} or c.ent_type_ == "ORDINAL"
                                            for c in s.root.children)]
        return (modified or nouns or [None])[0]
    kind = kind_of(fragment)
    allowed = {"PROPN"} if head.pos_ == "PROPN" else {"PROPN", "NOUN"}
    same_kind = [s for s in spans if kind_of(s) == kind and s.root.pos_ in allowed]
    same_kind.sort(key=lambda s: (s.root.dep_ not in {"nsubj", "nsubjpass"}, -len(s)))
    return same_kind[0] if same_kind else None


def _fragment_text(fragment, target) -> str:
    head = fragment.root
    if head.lower_ in {"one", "ones"}:
        return fragment.doc[fragment.start:head.i].text + " " + target.root.text + \
            fragment.doc[head.i + 1:fragment.end].text_with_ws.rstrip()
    text = fragment.text
    if target.start > 0 and fragment[0].lower_ in {"the", "a", "an"}:
        text = text[0].lower() + text[1:]
    if target.start > 0 and target.doc[target.end - 1].tag_ == "POS":
        text += "'" if text.endswith("s") else "'s"
    return text
