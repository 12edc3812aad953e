"""Generic English the resolver needs: pronouns, gendered and person nouns, small word sets.

Nothing here knows any article; the lists are closed classes or common nouns.
"""
from __future__ import annotations

import re

MALE = {"man", "boy", "father", "dad", "daddy", "brother", "son", "husband", "uncle", "nephew",
        "grandfather", "grandpa", "grandson", "king", "prince", "gentleman", "spokesman",
        "chairman", "businessman", "policeman", "fisherman", "mr", "mr.", "sir", "lord",
        "monk", "priest", "emperor", "duke", "boyfriend", "groom", "actor", "waiter", "hero"}
FEMALE = {"woman", "girl", "mother", "mom", "mum", "mommy", "sister", "daughter", "wife",
          "aunt", "niece", "grandmother", "grandma", "granddaughter", "queen", "princess",
          "lady", "spokeswoman", "chairwoman", "businesswoman", "policewoman", "mrs", "mrs.",
          "ms", "ms.", "miss", "madam", "nun", "empress", "duchess", "girlfriend", "bride",
          "actress", "waitress", "heroine"}
PERSON_NOUNS = MALE | FEMALE | {
    "person", "child", "kid", "baby", "friend", "parent", "teacher", "student", "pupil",
    "doctor", "nurse", "president", "minister", "premier", "spokesperson", "editor",
    "director", "officer", "official", "leader", "chief", "author", "writer", "singer",
    "player", "farmer", "soldier", "captain", "owner", "manager", "worker", "member",
    "judge", "lawyer", "reporter", "journalist", "victim", "suspect", "diplomat",
    "ambassador", "governor", "mayor", "senator", "citizen", "neighbor", "neighbour",
    "scientist", "artist", "coach", "founder", "ceo", "chancellor", "professor", "resident",
    "driver", "pilot", "passenger", "prisoner", "detainee", "migrant", "survivor", "witness",
    "cousin", "sibling", "twin", "relative", "employee", "boss", "colleague", "partner",
    "prosecutor", "investigator", "commander", "general", "secretary", "deputy", "mother-in-law",
}
PRONOUNS = {  # word -> (antecedent class, form)
    "he": ("he", "subj"), "him": ("he", "obj"), "his": ("he", "poss"),
    "she": ("she", "subj"), "her": ("she", "obj"), "hers": ("she", "poss_alone"),
    "they": ("they", "subj"), "them": ("they", "obj"), "their": ("they", "poss"),
    "theirs": ("they", "poss_alone"),
    "it": ("it", "subj"), "its": ("it", "poss"),
}
REFLEXIVE = {"he": "himself", "she": "herself", "they": "themselves", "it": "itself"}
WH = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
WH_TAGS = {"WP", "WRB", "WDT", "WP$"}
DEMONSTRATIVES = {"this", "that", "these", "those"}
DISCOURSE = {"and", "but", "so", "ok", "okay", "also", "now", "well", "then", "oh"}
ABOUT = (("what", "about"), ("how", "about"), ("what", "of"), ("and", "about"))
MOTION_VERBS = {"go", "travel", "come", "fly", "move", "return", "send", "drive", "walk",
                "run", "head", "sail", "ride", "bring", "take", "get", "emigrate", "flee",
                "relocate", "deport", "transfer", "invite", "lead"}
NUMBER_WORDS = {"Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Both",
                "Several", "Many", "Some", "All"}
KIND_OF_LABEL = {
    "PERSON": "person", "ORG": "org", "NORP": "org", "GPE": "place", "LOC": "place",
    "FAC": "place", "DATE": "time", "TIME": "time", "CARDINAL": "number", "MONEY": "number",
    "PERCENT": "number", "QUANTITY": "number", "ORDINAL": "number",
}
PREPOSITIONS = {"in", "on", "at", "to", "from", "by", "near", "during", "since", "after",
                "before", "until", "around", "inside", "outside", "into", "within", "over"}


def pronoun_forms(question: str) -> set[str]:
    """Every form of the personal pronouns in ``question``: "What was he charged with?" ->
    {"he", "him", "his", "himself"}. A sentence holding one of them may speak of the same one."""
    classes = {PRONOUNS[w][0] for w in re.findall(r"[a-z]+", question.lower()) if w in PRONOUNS}
    both = {"both"} if "they" in classes else set()   # "Both were arrested ..." speaks of them too
    return {w for w, (group, _) in PRONOUNS.items() if group in classes} | {REFLEXIVE[c] for c in classes} | both


def clean(text: str) -> str:
    return text.strip().strip(" \t\n,;:.!?\"'“”‘’()[]").strip()


def lower_first(span) -> str:
    """A parsed span as it reads inside a sentence: "The council" -> "the council", names kept."""
    text = span.text
    return text if span[0].pos_ == "PROPN" or text[:2].isupper() else text[0].lower() + text[1:]


def splice(text: str, edits) -> str:
    """``text`` with each ``(start, end, new)`` character range replaced."""
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# "the older / younger one": comparatives of age (a person is meant)
COMPARATIVES = {"older": "max", "oldest": "max", "elder": "max", "eldest": "max",
                "younger": "min", "youngest": "min"}
