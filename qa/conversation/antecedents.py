"""Antecedents: every mention of the history, most recent and most salient first.

The mentions of a turn are its answer (when it was given and trusted), the entities and noun
chunks of the question as the system read it and, ranked last, those of a clause answer.
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.english import PREPOSITIONS, clean
from qa.conversation.mentions import Mention, coordinated, make_mention, wh_word
from qa.conversation.turns import Turn


def _answer_mentions(turn: Turn, age: int, wh: str) -> tuple[list[Mention], list[Mention]]:
    """(mentions that outrank the question's, mentions that rank after it)."""
    text = clean(turn.answer) if turn.found else ""
    if not text:
        return [], []
    doc = _in_context(text, turn.evidence)
    root = doc.root
    phrase = ""
    if root.pos_ == "ADP" and root.lower_ in PREPOSITIONS:
        objects = [c for c in root.children if c.dep_ == "pobj"]
        if objects:
            phrase, root = text, objects[0]
    if root.pos_ in {"NOUN", "PROPN", "NUM"}:
        whole = make_mention(doc.doc[max(root.left_edge.i, doc.start):min(root.right_edge.i + 1, doc.end)]
                             if phrase else doc, age, 0, wh, phrase)
        inner = [m for m in _span_mentions(doc, age, 1, wh) if whole is None or m.text != whole.text]
        return [m for m in [whole] if m] + inner, []
    return [], _span_mentions(doc, age, 20, wh)


def _in_context(answer: str, evidence: str):
    """The answer parsed inside its cited sentence (better tags and entities), else on its own."""
    at = evidence.find(answer) if evidence else -1
    if at >= 0:
        span = nlp.parse(evidence).char_span(at, at + len(answer), alignment_mode="expand")
        if span is not None and len(span):
            return span
    doc = nlp.parse(answer)
    return doc[:next(iter(doc.sents)).end]


def _span_mentions(doc, age: int, first_rank: int, wh: str = "") -> list[Mention]:
    """Entities and noun chunks of a parsed text (or span); subjects first, then in order."""
    spans = []
    for chunk in doc.noun_chunks:
        owners = [c for c in chunk.root.children if c.dep_ == "poss" and c.pos_ in {"PROPN", "NOUN"}]
        spans += [doc[o.left_edge.i:o.i + 1] for o in owners]  # "the trust's chairman"
        spans.append(coordinated(chunk))
    spans += [e for e in doc.ents if e.label_ not in {"CARDINAL", "ORDINAL"}]
    spans = sorted(spans, key=lambda s: (_subject_of(s) is None, s.start))
    mentions, seen = [], set()
    for rank, span in enumerate(spans, start=first_rank):
        span, phrase = _place_phrase(span)
        mention = make_mention(span, age, rank, wh, phrase)
        if mention and mention.text.lower() not in seen:
            seen.add(mention.text.lower())
            mentions.append(mention)
    return mentions


def _place_phrase(span):
    """ "Harwick" in "in Harwick, Ireland" -> (that whole place, "in Harwick, Ireland")."""
    root = span.root
    if root.ent_type_ not in {"GPE", "LOC", "FAC"} or root.dep_ != "pobj" \
            or root.head.lower_ not in PREPOSITIONS or not rules.on("place_phrase"):
        return span, ""
    doc, prep = span.doc, root.head
    end = root.i + 1
    for child in root.rights:
        if child.dep_ in {"appos", "conj", "punct", "cc"} and child.ent_type_ in {"GPE", "LOC", "FAC", ""}:
            end = child.right_edge.i + 1
    whole = doc[root.left_edge.i:end]
    while len(whole) > 1 and whole[-1].is_punct:
        whole = whole[:-1]
    return whole, doc[prep.i:whole.end].text


def _subject_of(span):
    """The clause a span is the subject of (directly or as the subject's owner), else None."""
    root = span.root
    while root.dep_ == "poss":
        root = root.head
    return root.head if root.dep_ in {"nsubj", "nsubjpass"} else None


def _turn_mentions(turn: Turn, age: int) -> list[Mention]:
    question = nlp.parse(turn.interpreted or turn.question)
    first, last = _answer_mentions(turn, age, wh_word(question))
    return first + _span_mentions(question, age, 10) + last


def history_mentions(history: Sequence[Turn]) -> list[Mention]:
    """Every mention of the history, most recent and most salient first."""
    mentions = []
    for age, turn in enumerate(reversed(history)):
        mentions += _turn_mentions(turn, age)
    return sorted(mentions, key=lambda m: (m.age, m.rank > 0, m.rank))


def fits(mention: Mention, wanted: str) -> bool:
    if wanted == "he":
        return mention.kind == "person" and not mention.plural and mention.gender != "f"
    if wanted == "she":
        return mention.kind == "person" and not mention.plural and mention.gender != "m"
    if wanted == "they":
        return mention.plural and mention.kind != "time" or mention.kind == "org"
    if wanted == "it":
        return not mention.plural and not mention.locative and mention.kind in {"thing", "org", "place"}
    if wanted == "there":
        return mention.kind == "place"
    if wanted == "then":
        return mention.kind == "time"
    return False
