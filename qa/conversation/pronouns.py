"""Personal and possessive pronouns, "there" and "then", replaced where they stand.

    "What was he charged with?" -> "What was Tom Reed charged with?"
    "What is his age?"          -> "What is Tom Reed's age?"
    "Who travelled there?"      -> "Who travelled to Geneva?"
"""
from __future__ import annotations

from typing import Sequence

from index import nlp
from qa.conversation import rules
from qa.conversation.antecedents import fits
from qa.conversation.english import MOTION_VERBS, NUMBER_WORDS, PREPOSITIONS, PRONOUNS
from qa.conversation.mentions import Mention, make_mention


_TIME_NOUNS = {"time", "day", "date", "hour", "year", "month", "season", "weather", "holiday",
               "night", "morning", "afternoon", "evening", "week", "weekend"}


def pronoun_edit(token, mentions: Sequence[Mention]):
    """(start, end, replacement, next token) for a personal or possessive pronoun, else None."""
    entry = PRONOUNS.get(token.lower_)
    if entry is None or token.pos_ not in {"PRON", "DET"}:
        return None
    wanted, form = entry
    if token.lower_ == "her" and token.tag_ == "PRP$":
        form = "poss"
    if not rules.on("possessive" if form in {"poss", "poss_alone"} else "pronoun"):
        return None
    if wanted == "it" and rules.on("expletive_it") and _is_expletive(token):
        return None
    if form in {"subj", "poss"} and rules.on("bound_pronoun") and _bound_in_question(token, wanted):
        return None
    mention = next((m for m in mentions if fits(m, wanted)), None)
    if mention is None:
        return None
    if form == "poss" and token.head.lemma_.lower() == "name" and _is_a_name(mention) and rules.on("name_question"):
        return None   # "What was his name?" of "Tom Reed": the answer is the antecedent itself
    text = mention.text
    if wanted == "it":
        text = definite(text, bare=True)
    text = case_for_position(text, token, name=mention.kind == "person" and not mention.plural)
    if form in {"poss", "poss_alone"}:
        text += "'" if mention.plural and text.endswith("s") else "'s"
    return token.idx, token.idx + len(token.text), text, token.i + 1


def _is_a_name(mention: Mention) -> bool:
    return mention.text[:1].isupper() and mention.kind in {"person", "org", "thing"} and \
        mention.text.split(" ", 1)[0].lower() not in {"the", "a", "an"}


def _is_expletive(token) -> bool:
    """ "How long did it take", "Is it true that ...", "it is said that ...", "What time was it?" """
    head = token.head
    if token.dep_ != "nsubj" and token.dep_ != "expl":
        return False
    if token.dep_ == "expl" or head.lemma_ in {"take", "seem", "appear", "rain", "snow", "matter"}:
        return True
    if head.lemma_ == "be" and any(c.dep_ == "attr" and c.lemma_.lower() in _TIME_NOUNS for c in head.children):
        return True   # the "it" of time and weather: "What day was it?", "What season is it?"
    return head.lemma_ == "be" and any(c.dep_ in {"ccomp", "xcomp", "csubj"} or
                                        (c.dep_ == "acomp" and any(g.dep_ in {"ccomp", "xcomp"}
                                                                   for g in c.children))
                                        for c in head.children)


def _bound_in_question(token, wanted: str) -> bool:
    """ "Did Finch say he ...": an earlier phrase of the same question is the antecedent."""
    doc = token.doc
    for span in list(doc.ents) + list(doc.noun_chunks):
        if span.end > token.i or span.root.pos_ == "PRON" or span.root.tag_.startswith("W"):
            continue
        mention = make_mention(span, 0, 0)
        if mention and fits(mention, wanted):
            if wanted != "it" or span.root.dep_ in {"nsubj", "nsubjpass"}:
                return True
    return False


def definite(text: str, bare: bool = False) -> str:
    """ "a visit" -> "the visit"; a bare "fishing boat" -> "the fishing boat"."""
    words = text.split(" ", 1)
    if words[0].lower() in {"a", "an"} and len(words) == 2:
        return "the " + words[1]
    first = nlp.parse(text)[0]
    if bare and first.pos_ in {"NOUN", "ADJ"} or first.pos_ == "PROPN" and first.ent_type_ == "NORP":
        return "the " + text
    return text


def case_for_position(text: str, token, name: bool = False) -> str:
    if token.i == 0 or token.doc[token.i - 1].is_punct and token.doc[token.i - 1].text in {'"', "“"}:
        return text[:1].upper() + text[1:]
    first = text.split(" ", 1)[0]
    parsed = nlp.parse(text)
    if first in {"The", "A", "An", "This", "That", "These", "Those"} or first in NUMBER_WORDS:
        if len(parsed) > 1 and parsed[1].pos_ != "PROPN":
            return text[:1].lower() + text[1:]
    elif not name and parsed[0].pos_ == "NOUN" and parsed[0].ent_type_ == "" and not text[1:2].isupper():
        return text[:1].lower() + text[1:]  # "Migrants from ..." mid-sentence
    return text


def there_then_edit(token, mentions: Sequence[Mention]):
    """ "there" -> "in Harwick, Ireland" (the latest place); "then" -> "in December" (the latest time)."""
    if token.lower_ not in {"there", "then"} or token.dep_ == "expl" or token.pos_ != "ADV":
        return None
    wanted = token.lower_
    if not rules.on(wanted):
        return None
    if wanted == "then" and token.i == 0:
        return None  # "Then what happened?" is a sequence, not a time
    mention = next((m for m in mentions if fits(m, wanted)), None)
    if mention is None:
        return None
    text = mention.phrase or _with_preposition(mention, token)
    return token.idx, token.idx + len(token.text), _lower_preposition(text), token.i + 1


def _with_preposition(mention: Mention, token) -> str:
    text = mention.text
    if text.split(" ", 1)[0].lower() in PREPOSITIONS:
        return text
    if mention.kind == "place":
        return ("to " if token.head.lemma_ in MOTION_VERBS else "in ") + text
    words = text.lower().split()
    if words[0] in {"last", "next", "this", "that", "yesterday", "today", "tomorrow"} or "ago" in words:
        return text
    days = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    if words[0] in days or any(w.isdigit() and len(w) <= 2 for w in words):
        return "on " + text
    return "in " + text


def _lower_preposition(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first.lower() + " " + rest) if first.lower() in PREPOSITIONS and rest else text
