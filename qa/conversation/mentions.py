"""Mentions: the noun phrases of earlier turns, each with what it can be called back by.

A mention knows its kind (person, org, place, time, number or thing), number and gender, so
that "she" finds a woman, "they" a group or an organisation, "there" a place.
"""
from __future__ import annotations

from dataclasses import dataclass

from qa.conversation.english import DEMONSTRATIVES, FEMALE, KIND_OF_LABEL, MALE, PERSON_NOUNS, WH, WH_TAGS


@dataclass(frozen=True)
class Mention:
    text: str          # as it should be substituted ("Nora Finch")
    kind: str          # person, org, place, time, number or thing
    plural: bool
    gender: str        # "m", "f" or "" (unknown)
    head: str          # lower-case lemma of the head word
    age: int           # 0 = the latest turn
    rank: int          # salience inside its turn, lower is more salient
    phrase: str = ""   # with its preposition, when the turn said one ("in Wales")
    locative: bool = False  # answered "where": a place to say "there" of, not "it"


def wh_word(doc) -> str:
    return next((t.lower_ for t in doc if t.tag_ in WH_TAGS), "")


def _is_plural(span) -> bool:
    root = span.root
    named = root.ent_type_ in {"ORG", "GPE", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART"} or \
        root.pos_ == "PROPN" and root.ent_type_ != "NORP"  # "Alder Lines", "Finch" (NNPS)
    if root.tag_ in {"NNS", "NNPS"} and not named and root.lower_ not in {"news", "series", "species"}:
        return True
    inside = [c for c in root.children if span.start <= c.i < span.end]
    if any(c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"} for c in inside):
        return True
    return any(c.dep_ == "nummod" and c.lower_ not in {"one", "1"} for c in inside)


def kind_of(span, wh: str = "") -> str:
    kind = _kind_of_span(span, wh)
    if wh in {"who", "whom"} and kind == "place":
        return "org"  # who-answers are people or organisations, never places
    if wh == "where" and kind in {"person", "org", "thing"} and span.root.pos_ == "PROPN":
        return "place"
    return kind


def _kind_of_span(span, wh: str) -> str:
    root = span.root
    label = root.ent_type_
    if label == "PERSON" and _role_of(root):
        return "org"  # "the editor of X": X is what a person works for
    if label in KIND_OF_LABEL:
        return KIND_OF_LABEL[label]
    if label:
        return "thing"
    if root.lemma_.lower() in PERSON_NOUNS or root.lower_ in PERSON_NOUNS:
        return "person"
    if wh in {"who", "whom"} and (root.pos_ == "PROPN" or root.text[:1].isupper()):
        return "person"
    if wh == "where" and root.pos_ == "PROPN":
        return "place"
    if wh == "when":
        return "time"
    return "thing"


def _role_of(token) -> bool:
    """ "the chairman of the trust": a pobj of "of" after a person noun."""
    prep = token.head
    if token.dep_ != "pobj" or prep.lower_ != "of":
        return False
    return prep.head.lemma_.lower() in PERSON_NOUNS or prep.head.lower_ in PERSON_NOUNS


def _group_text(span) -> str:
    """A plural mention as it reads best: the names when it lists people, else the phrase."""
    names = [e.text for e in span.ents if e.label_ == "PERSON" and e.root.dep_ != "poss"
             and not e.text.endswith("'s")]
    if len(names) >= 2:
        return ", ".join(names[:-1]) + " and " + names[-1]
    appositions = [c for c in span.root.children if c.dep_ == "appos"]
    if appositions:
        apposition = appositions[0]
        return span.doc[apposition.left_edge.i:apposition.right_edge.i + 1].text
    return span.text


def _gender(span) -> str:
    words = {t.lower_ for t in span} | {span.root.lemma_.lower()}
    male, female = bool(words & MALE), bool(words & FEMALE)
    return "m" if male and not female else "f" if female and not male else ""


def _person_name(span) -> str:
    names = [e for e in span.ents if e.label_ == "PERSON"]
    if not names:
        return ""
    name, root = max(names, key=len), span.root
    if len(name) == 1:  # NER caught one word of a longer name: "Councillor Nora |Finch|"
        start = name.start
        while start > span.start and span.doc[start - 1].pos_ == "PROPN":
            start -= 1
        name = span.doc[start:name.end]
    if root.pos_ == "PROPN" and name.end <= root.i and all(t.pos_ == "PROPN" for t in span.doc[name.end:root.i + 1]):
        return span.doc[name.start:root.i + 1].text  # NER stopped short: "Councillor Nora| Finch"
    return name.text


def make_mention(span, age: int, rank: int, wh: str = "", phrase: str = "") -> Mention | None:
    """A mention for a noun phrase, or None for pronouns, wh-words and bare numbers."""
    while len(span) and (span[0].is_punct or span[0].pos_ == "CCONJ"):
        span = span[1:]
    while len(span) and span[-1].is_punct:
        span = span[:-1]
    if not len(span):
        return None
    root = span.root
    if root.pos_ in {"PRON", "ADJ"} or root.dep_ in {"compound", "amod"} and span.label_ or any(t.tag_ in {"WDT", "WP$"} and t.dep_ in {"det", "poss"} for t in span) \
            or span[0].lower_ in WH \
            or root.lower_ in WH:
        return None
    if any(t.lower_ in DEMONSTRATIVES and t.dep_ == "det" for t in span):
        return None  # an unresolved "that visit" is no antecedent
    kind, plural = kind_of(span, wh), _is_plural(span)
    text = span.text
    if kind == "person" and not plural and _person_name(span):
        text = _person_name(span)
    elif plural:
        text = _group_text(span)
    return Mention(text, kind, plural, _gender(span), root.lemma_.lower(), age, rank, phrase,
                   locative=wh == "where" or bool(phrase) and kind == "place")


def coordinated(chunk):
    """The chunk stretched over its conjuncts: "Finch" -> "Finch and Reed"."""
    conjuncts = [c for c in chunk.root.children if c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"}]
    if not conjuncts:
        return chunk
    end = max(c.right_edge.i for c in conjuncts) + 1
    return chunk.doc[chunk.start:end]
