"""Conversational follow-ups without a language model: read a question in the light of earlier turns.

    >>> resolve("What did he say?",
    ...         [Turn("Who chairs the rowing club?", "...", "Nora Finch", True)])
    'What did Nora Finch say?'

A follow-up is read in one of three ways, tried in order:

1. an elliptical fragment ("And Reed?", "What about the second one?") re-uses the previous
   question's frame, with the new phrase put in place of the phrase it contrasts with;
2. a bare wh-fragment ("Why?", "And when?") asks the new wh-question of the previous question
   with its answer filled in ("Why did the council cancel the bus to the island?");
3. otherwise each reference is replaced where it stands: personal and possessive pronouns,
   demonstrative noun phrases ("that visit"), "one" anaphora ("the older one"), "there", "then".

Antecedents are the mentions of earlier turns: the answer spans, the entities and noun chunks of
the interpreted questions and, for demonstratives and "one", the cited sentences. The most
recent compatible mention wins (a person for he/she, a plural or an organisation for they, a
non-person thing for it, a place for there, a time for then). A question with nothing to
resolve is returned unchanged, so a change of topic keeps no old context.

Everything is derived from the history and generic English; spaCy is reached only through
``index.nlp`` and nothing is loaded at import time.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from index import nlp
from qa.question import COMPARATIVES, focus_kind
from qa.reader import misattached_by


ANTECEDENT_CONFIDENCE = 0.5   # below it an earlier answer is not used to resolve references


@dataclass(frozen=True)
class Turn:
    question: str          # as typed
    interpreted: str       # as the system read it (== question when nothing was resolved)
    answer: str            # the answer span text ("" when not found)
    found: bool
    evidence: str = ""     # the cited sentence (citations[0].quote) if any


# --------------------------------------------------------------------------------------------
# History adapters: Answer objects, Gradio message dicts, or nothing.
# --------------------------------------------------------------------------------------------

def turns_from_history(history: Any) -> list[Turn]:
    """Earlier turns from ``qa.types.Answer`` objects, Gradio message dicts, or ``None``."""
    if not history:
        return []
    items = list(history)
    if all(isinstance(item, dict) for item in items):
        return _turns_from_messages(items)
    if all(isinstance(item, (list, tuple)) and len(item) == 2 for item in items):
        return _turns_from_pairs(items)
    return [_turn_from_answer(item) for item in items if hasattr(item, "question")]


def _turn_from_answer(answer: Any) -> Turn:
    citations = getattr(answer, "citations", ()) or ()
    # An answer the system itself doubts is no safe antecedent for "he" or "it".
    trusted = bool(answer.found) and getattr(answer, "confidence", 1.0) >= ANTECEDENT_CONFIDENCE
    return Turn(
        question=answer.question,
        interpreted=getattr(answer, "interpreted", "") or answer.question,
        answer=(answer.text or "") if trusted else "",
        found=trusted,
        evidence=citations[0].quote if citations else "",
    )


def _turns_from_messages(messages: Sequence[dict]) -> list[Turn]:
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        role, text = message.get("role"), _content_text(message.get("content"))
        if role == "user":
            if question is not None:  # a question that never got a reply
                turns.append(Turn(question, question, "", False))
            question = text.strip()
        elif role == "assistant" and question is not None:
            turns.append(_turn_from_reply(question, text))
            question = None
    return [turn for turn in turns if turn.question]


def _turns_from_pairs(pairs: Sequence[Sequence[Any]]) -> list[Turn]:
    """Gradio's older ``[[user, bot], ...]`` format."""
    return [_turn_from_reply(_content_text(user).strip(), _content_text(bot))
            for user, bot in pairs if _content_text(user).strip()]


def _content_text(content: Any) -> str:
    """Plain text from a message content: a string, a list of parts, or a dict (Gradio 6)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        for key in ("text", "content", "value"):
            if isinstance(content.get(key), (str, list, dict)):
                return _content_text(content[key])
        return ""  # a file or component: no text
    if isinstance(content, (list, tuple)):
        return "\n".join(part for part in map(_content_text, content) if part)
    return str(content)


_READ_AS = re.compile(r"^\W*read as\W*:?\W*(?P<q>.+?)\W*$", re.IGNORECASE)
_NOT_FOUND = re.compile(r"\b(not found|no answer|couldn'?t find|could not find|does not say|"
                        r"doesn'?t say|not in the article|don'?t know)\b", re.IGNORECASE)


def _turn_from_reply(question: str, reply: str) -> Turn:
    """A turn from free assistant text: first plain line = answer, first quote = evidence."""
    answer, evidence, interpreted = "", "", question
    for line in reply.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        read_as = _READ_AS.match(_strip_markdown(stripped))
        if read_as:
            interpreted = read_as.group("q").strip().strip("\"'“”") or question
            if not interpreted.endswith("?") and question.endswith("?"):
                interpreted += "?"
        elif stripped.startswith(">"):
            evidence = evidence or _strip_markdown(stripped.lstrip("> ").strip())
        elif not answer:
            answer = _strip_markdown(stripped)
    found = bool(answer) and not _NOT_FOUND.search(answer)
    return Turn(question, interpreted, answer if found else "", found, evidence)


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)        # links and images
    text = re.sub(r"^(#+|[-*+]|\d+\.)\s+", "", text)               # headings, list markers
    text = re.sub(r"(\*\*|__|\*|`|~~)", "", text)                  # emphasis, code
    text = re.sub(r"(?<!\w)_(?=\S)|(?<=\S)_(?!\w)", "", text)      # _italic_
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------------------------
# Generic English word lists.
# --------------------------------------------------------------------------------------------

_MALE = {"man", "boy", "father", "dad", "daddy", "brother", "son", "husband", "uncle", "nephew",
         "grandfather", "grandpa", "grandson", "king", "prince", "gentleman", "spokesman",
         "chairman", "businessman", "policeman", "fisherman", "mr", "mr.", "sir", "lord",
         "monk", "priest", "emperor", "duke", "boyfriend", "groom", "actor", "waiter", "hero"}
_FEMALE = {"woman", "girl", "mother", "mom", "mum", "mommy", "sister", "daughter", "wife",
           "aunt", "niece", "grandmother", "grandma", "granddaughter", "queen", "princess",
           "lady", "spokeswoman", "chairwoman", "businesswoman", "policewoman", "mrs", "mrs.",
           "ms", "ms.", "miss", "madam", "nun", "empress", "duchess", "girlfriend", "bride",
           "actress", "waitress", "heroine"}
_PERSON_NOUNS = _MALE | _FEMALE | {
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
_PRONOUNS = {  # word -> (antecedent class, form)
    "he": ("he", "subj"), "him": ("he", "obj"), "his": ("he", "poss"),
    "she": ("she", "subj"), "her": ("she", "obj"), "hers": ("she", "poss_alone"),
    "they": ("they", "subj"), "them": ("they", "obj"), "their": ("they", "poss"),
    "theirs": ("they", "poss_alone"),
    "it": ("it", "subj"), "its": ("it", "poss"),
}
_REFLEXIVE = {"he": "himself", "she": "herself", "they": "themselves", "it": "itself"}
_WH = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}


def pronoun_forms(question: str) -> set[str]:
    """Every form of the personal pronouns in ``question``: "What was he charged with?" ->
    {"he", "him", "his", "himself"}. A sentence holding one of them may speak of the same one."""
    classes = {_PRONOUNS[w][0] for w in re.findall(r"[a-z]+", question.lower()) if w in _PRONOUNS}
    both = {"both"} if "they" in classes else set()   # "Both were arrested ..." speaks of them too
    return {w for w, (group, _) in _PRONOUNS.items() if group in classes} | {_REFLEXIVE[c] for c in classes} | both
_DEMONSTRATIVES = {"this", "that", "these", "those"}
_DISCOURSE = {"and", "but", "so", "ok", "okay", "also", "now", "well", "then", "oh"}
_ABOUT = (("what", "about"), ("how", "about"), ("what", "of"), ("and", "about"))
_MOTION_VERBS = {"go", "travel", "come", "fly", "move", "return", "send", "drive", "walk",
                 "run", "head", "sail", "ride", "bring", "take", "get", "emigrate", "flee",
                 "relocate", "deport", "transfer", "invite", "lead"}
_NUMBER_WORDS = {"Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Both",
                 "Several", "Many", "Some", "All"}
_KIND_OF_LABEL = {
    "PERSON": "person", "ORG": "org", "NORP": "org", "GPE": "place", "LOC": "place",
    "FAC": "place", "DATE": "time", "TIME": "time", "CARDINAL": "number", "MONEY": "number",
    "PERCENT": "number", "QUANTITY": "number", "ORDINAL": "number",
}
_PREPOSITIONS = {"in", "on", "at", "to", "from", "by", "near", "during", "since", "after",
                 "before", "until", "around", "inside", "outside", "into", "within", "over"}


# --------------------------------------------------------------------------------------------
# Mentions: what earlier turns talked about.
# --------------------------------------------------------------------------------------------

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
    typed: bool = False     # kind taken from the question ("Which outlet ...?"), not from NER


def _clean(text: str) -> str:
    return text.strip().strip(" \t\n,;:.!?\"'“”‘’()[]").strip()


def _wh_word(doc) -> str:
    return next((t.lower_ for t in doc if t.tag_ in {"WP", "WRB", "WDT", "WP$"}), "")


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


def _kind(span, wh: str = "") -> str:
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
    if label in _KIND_OF_LABEL:
        return _KIND_OF_LABEL[label]
    if label:
        return "thing"
    if root.lemma_.lower() in _PERSON_NOUNS or root.lower_ in _PERSON_NOUNS:
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
    return prep.head.lemma_.lower() in _PERSON_NOUNS or prep.head.lower_ in _PERSON_NOUNS


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
    male, female = bool(words & _MALE), bool(words & _FEMALE)
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


def _mention(span, age: int, rank: int, wh: str = "", phrase: str = "",
             asked: str = "") -> Mention | None:
    """A mention for a noun phrase, or None for pronouns, wh-words and bare numbers."""
    while len(span) and (span[0].is_punct or span[0].pos_ == "CCONJ"):
        span = span[1:]
    while len(span) and span[-1].is_punct:
        span = span[:-1]
    if not len(span):
        return None
    root = span.root
    if root.pos_ in {"PRON", "ADJ"} or root.dep_ in {"compound", "amod"} and span.label_ or any(t.tag_ in {"WDT", "WP$"} and t.dep_ in {"det", "poss"} for t in span) \
            or span[0].lower_ in _WH \
            or root.lower_ in _WH:
        return None
    if any(t.lower_ in _DEMONSTRATIVES and t.dep_ == "det" for t in span):
        return None  # an unresolved "that visit" is no antecedent
    kind, plural = _kind(span, wh), _is_plural(span)
    if asked:  # "Which media outlet ...?" says what the answer is, whatever NER thinks
        kind = "person" if asked in _PERSON_NOUNS else "thing" if kind in {"person", "number"} else kind
    text = span.text
    if kind == "person" and not plural and _person_name(span):
        text = _person_name(span)
    elif plural:
        text = _group_text(span)
    return Mention(text, kind, plural, _gender(span), root.lemma_.lower(), age, rank, phrase,
                   locative=wh == "where" or bool(phrase) and kind == "place", typed=bool(asked))


def _coordinated(chunk):
    """The chunk stretched over its conjuncts: "Finch" -> "Finch and Reed"."""
    conjuncts = [c for c in chunk.root.children if c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"}]
    if not conjuncts:
        return chunk
    end = max(c.right_edge.i for c in conjuncts) + 1
    return chunk.doc[chunk.start:end]


def _asked_noun(question) -> str:
    """The noun a wh-question asks for: "Which media outlet ..." -> "outlet"."""
    for token in question:
        if token.tag_ in {"WDT", "WP", "WP$"} and token.dep_ == "det" and token.head.pos_ == "NOUN":
            return token.head.lemma_.lower()
        if token.lower_ == "whose" and token.head.pos_ == "NOUN":
            return ""
    return ""


def _answer_mentions(turn: Turn, age: int, wh: str, asked: str = "") -> tuple[list[Mention], list[Mention]]:
    """(mentions that outrank the question's, mentions that rank after it)."""
    text = _clean(turn.answer) if turn.found else ""
    if not text:
        return [], []
    doc = _in_context(text, turn.evidence)
    root = doc.root
    phrase = ""
    if root.pos_ == "ADP" and root.lower_ in _PREPOSITIONS:
        objects = [c for c in root.children if c.dep_ == "pobj"]
        if objects:
            phrase, root = text, objects[0]
    if root.pos_ in {"NOUN", "PROPN", "NUM"}:
        whole = _mention(doc.doc[max(root.left_edge.i, doc.start):min(root.right_edge.i + 1, doc.end)]
                         if phrase else doc, age, 0, wh, phrase, asked)
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
        spans.append(_coordinated(chunk))
    spans += [e for e in doc.ents if e.label_ not in {"CARDINAL", "ORDINAL"}]
    spans = sorted(spans, key=lambda s: (_subject_of(s) is None, s.start))
    mentions, seen = [], set()
    for rank, span in enumerate(spans, start=first_rank):
        span, phrase = _place_phrase(span)
        mention = _mention(span, age, rank, wh, phrase)
        if mention and mention.text.lower() not in seen:
            seen.add(mention.text.lower())
            mentions.append(mention)
    return mentions


def _place_phrase(span):
    """ "Harwick" in "in Harwick, Ireland" -> (that whole place, "in Harwick, Ireland")."""
    root = span.root
    if root.ent_type_ not in {"GPE", "LOC", "FAC"} or root.dep_ != "pobj" \
            or root.head.lower_ not in _PREPOSITIONS:
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
    first, last = _answer_mentions(turn, age, _wh_word(question), _asked_noun(question))
    return first + _span_mentions(question, age, 10) + last


def _history_mentions(history: Sequence[Turn]) -> list[Mention]:
    """Every mention of the history, most recent and most salient first."""
    mentions = []
    for age, turn in enumerate(reversed(history)):
        mentions += _turn_mentions(turn, age)
    genders = _genders_from_pronouns(history)
    kinds = {m.text.lower(): m.kind for m in mentions if m.typed}
    mentions = [_with_gender(m, genders) for m in mentions]
    mentions = [dataclasses.replace(m, kind=kinds.get(_bare(m.text).lower(), m.kind)) for m in mentions]
    return sorted(mentions, key=lambda m: (m.age, m.rank > 0 and not _recurs(m, mentions), m.rank))


def _recurs(mention: Mention, mentions: Sequence[Mention]) -> bool:
    """Talked about in an earlier turn too: the topic the conversation keeps returning to."""
    key = _topic_key(mention)
    return any(other.age > mention.age and other.rank < 10 and _topic_key(other) == key
               for other in mentions)  # an earlier *answer*: what was asked about became the topic


def _topic_key(mention: Mention) -> str:
    return mention.head if mention.text[:1].islower() or mention.text[:2] in {"A ", "An"} \
        else _bare(mention.text).lower()


def _genders_from_pronouns(history: Sequence[Turn]) -> dict[str, str]:
    """Names the person asking already called "he" or "she" (typed "she", read as "Anna")."""
    genders: dict[str, str] = {}
    for turn in history:
        if turn.interpreted == turn.question:
            continue
        typed = {w.lower() for w in re.findall(r"\w+", turn.question)}
        gender = "m" if typed & {"he", "him", "his"} else "f" if typed & {"she", "her", "hers"} else ""
        if gender:
            for ent in nlp.parse(turn.interpreted).ents:
                if ent.label_ == "PERSON" and ent.text.lower() not in turn.question.lower():
                    genders[ent.text] = gender
    return genders


def _with_gender(mention: Mention, genders: dict[str, str]) -> Mention:
    gender = genders.get(mention.text)
    if not gender or mention.gender:
        return mention
    return dataclasses.replace(mention, gender=gender)


def _bare(text: str) -> str:
    return text[:-2] if text.endswith(("'s", "’s")) else text


def _fits(mention: Mention, wanted: str) -> bool:
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


def _known_names(history: Sequence[Turn]) -> list[str]:
    """Every person's name in the history, the cited sentences included."""
    names = []
    for turn in history:
        for text in (turn.interpreted or turn.question, turn.answer, turn.evidence):
            if text:
                names += [e.text for e in nlp.parse(text).ents
                          if e.label_ == "PERSON" and e.root.dep_ != "poss" and "'" not in e.text]
    return names


def _full_name(name: str, names: Iterable[str]) -> str:
    """A one-word name as the history spelled it in full: "Reed" -> "Tom Reed"."""
    if " " in name:
        return name
    longer = [n for n in names if name.lower() in n.lower().split() and len(n) > len(name)]
    return min(longer, key=len) if longer else name


# --------------------------------------------------------------------------------------------
# resolve
# --------------------------------------------------------------------------------------------

def resolve(question: str, history: Sequence[Turn]) -> str:
    """The question made self-contained using earlier turns; unchanged when nothing applies."""
    if not history or not question.strip():
        return question
    history = [t for t in history if (t.interpreted or t.question).strip()]
    if not history:
        return question
    doc = nlp.parse(question)
    for reading in (_read_ellipsis, _read_bare_wh):
        interpreted = reading(doc, history)
        if interpreted:
            return interpreted
    return _replace_references(doc, history) or question


# -- 1. elliptical fragments ------------------------------------------------------------------

def _fragment(doc):
    """The noun phrase of "And Reed?" / "What about the second one?", else None."""
    tokens = [t for t in doc if not t.is_punct]
    while tokens and tokens[0].lower_ in _DISCOURSE:
        tokens = tokens[1:]
    if len(tokens) >= 2 and (tokens[0].lower_, tokens[1].lower_) in _ABOUT:
        tokens = tokens[2:]
    elif any(t.pos_ in {"VERB", "AUX"} or t.lower_ in _WH or t.tag_.startswith("W") for t in tokens):
        return None
    if not tokens or tokens[-1].i - tokens[0].i + 1 > 12:
        return None
    if not any(t.pos_ in {"NOUN", "PROPN", "NUM", "PRON"} for t in tokens):
        return None
    return doc[tokens[0].i:tokens[-1].i + 1]


def _read_ellipsis(doc, history: Sequence[Turn]) -> str | None:
    fragment = _fragment(doc)
    if fragment is None:
        return None
    previous = history[-1].interpreted or history[-1].question
    frame = nlp.parse(previous)
    target = _contrast_target(fragment, frame)
    if target is None:
        return None
    new = _fragment_text(fragment, target, _known_names(history))
    return _splice(previous, [(target.start_char, target.end_char, new)])


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
    kind = _kind(fragment)
    allowed = {"PROPN"} if head.pos_ == "PROPN" else {"PROPN", "NOUN"}
    same_kind = [s for s in spans if _kind(s) == kind and s.root.pos_ in allowed]
    same_kind.sort(key=lambda s: (s.root.dep_ not in {"nsubj", "nsubjpass"}, -len(s)))
    return same_kind[0] if same_kind else None


def _fragment_text(fragment, target, names: Sequence[str]) -> str:
    head = fragment.root
    if head.lower_ in {"one", "ones"}:
        return fragment.doc[fragment.start:head.i].text + " " + target.root.text + \
            fragment.doc[head.i + 1:fragment.end].text_with_ws.rstrip()
    text = fragment.text
    if _kind(fragment) == "person" and len(fragment) == 1:
        text = _full_name(text, names)
    if target.start > 0 and fragment[0].lower_ in {"the", "a", "an"}:
        text = text[0].lower() + text[1:]
    if target.start > 0 and target.doc[target.end - 1].tag_ == "POS":
        text += "'" if text.endswith("s") else "'s"
    return text


# -- 2. bare wh-fragments ---------------------------------------------------------------------

def _read_bare_wh(doc, history: Sequence[Turn]) -> str | None:
    """ "Why?" after "What did the council cancel?" -> "Why did the council cancel <answer>?" """
    tokens = [t for t in doc if not t.is_punct and t.lower_ not in _DISCOURSE]
    if len(tokens) != 1 or tokens[0].lower_ not in {"why", "when", "where", "how"}:
        return None
    wh = tokens[0].text[0].upper() + tokens[0].text[1:].lower()
    last = history[-1]
    frame = nlp.parse(last.interpreted or last.question)
    answer = _clean(last.answer) if last.found else ""
    words = [t for t in frame if not t.is_punct]
    if not words:
        return None
    wh_token = next((t for t in words if t.tag_ in {"WP", "WRB", "WDT", "WP$"}), None)
    if wh_token is None:  # a yes/no question: "Did they cancel it?" -> "Why did they cancel it?"
        return f"{wh} {_lower_first(frame[words[0].i:words[-1].i + 1])}?"
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


def _lower_first(span) -> str:
    text = span.text
    return text if span[0].pos_ == "PROPN" or text[:2].isupper() else text[0].lower() + text[1:]


# -- 3. references in place -------------------------------------------------------------------

def _replace_references(doc, history: Sequence[Turn]) -> str | None:
    mentions = _history_mentions(history)
    own = {t.lower_ for t in doc if t.pos_ == "PROPN"}
    mentions_here = [m for m in mentions if not own & set(m.text.lower().split())]
    names = _known_names(history)
    edits: list[tuple[int, int, str]] = []
    skip_until, resolved = -1, set()
    for token in doc:
        if token.i < skip_until:
            continue
        group = _PRONOUNS.get(token.lower_, ("",))[0]
        if group in resolved:
            continue  # "did it kill when it crashed": the first one now names it
        pronoun = _pronoun_edit(token, mentions_here, names)
        if pronoun:
            resolved.add(group)
        edit = (pronoun
                or _demonstrative_edit(token, history)
                or _one_edit(token, history)
                or _there_then_edit(token, mentions))
        if edit:
            edits.append(edit[:3])
            skip_until = edit[3]
    if not edits:
        return None
    return _splice(doc.text, edits)


def _pronoun_edit(token, mentions: Sequence[Mention], names: Sequence[str]):
    entry = _PRONOUNS.get(token.lower_)
    if entry is None or token.pos_ not in {"PRON", "DET"}:
        return None
    wanted, form = entry
    if token.lower_ == "her" and token.tag_ == "PRP$":
        form = "poss"
    if wanted == "it" and _is_expletive(token):
        return None
    if form in {"subj", "poss"} and _bound_in_question(token, wanted):
        return None
    mention = next((m for m in mentions if _fits(m, wanted)), None)
    if mention is None:
        return None
    text = mention.text
    if mention.kind == "person" and not mention.plural:
        text = _full_name(text, names)
    if wanted == "it":
        text = _definite(text, bare=True)
    text = _case_for_position(text, token, name=mention.kind == "person" and not mention.plural)
    if form in {"poss", "poss_alone"}:
        text += "'" if mention.plural and text.endswith("s") else "'s"
    return token.idx, token.idx + len(token.text), text, token.i + 1


def _is_expletive(token) -> bool:
    """ "How long did it take", "Is it true that ...", "it is said that ..." """
    head = token.head
    if token.dep_ != "nsubj" and token.dep_ != "expl":
        return False
    if token.dep_ == "expl" or head.lemma_ in {"take", "seem", "appear", "rain", "snow", "matter"}:
        return True
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
        mention = _mention(span, 0, 0)
        if mention and _fits(mention, wanted):
            if wanted != "it" or span.root.dep_ in {"nsubj", "nsubjpass"}:
                return True
    return False


def _definite(text: str, bare: bool = False) -> str:
    """ "a visit" -> "the visit"; a bare "fishing boat" -> "the fishing boat"."""
    words = text.split(" ", 1)
    if words[0].lower() in {"a", "an"} and len(words) == 2:
        return "the " + words[1]
    first = nlp.parse(text)[0]
    if bare and first.pos_ in {"NOUN", "ADJ"} or first.pos_ == "PROPN" and first.ent_type_ == "NORP":
        return "the " + text
    return text


def _case_for_position(text: str, token, name: bool = False) -> str:
    if token.i == 0 or token.doc[token.i - 1].is_punct and token.doc[token.i - 1].text in {'"', "“"}:
        return text[:1].upper() + text[1:]
    first = text.split(" ", 1)[0]
    parsed = nlp.parse(text)
    if first in {"The", "A", "An", "This", "That", "These", "Those"} or first in _NUMBER_WORDS:
        if len(parsed) > 1 and parsed[1].pos_ != "PROPN":
            return text[:1].lower() + text[1:]
    elif not name and parsed[0].pos_ == "NOUN" and parsed[0].ent_type_ == "" and not text[1:2].isupper():
        return text[:1].lower() + text[1:]  # "Migrants from ..." mid-sentence
    return text


def _noun_phrases(history: Sequence[Turn]):
    """Noun phrases of the history, most recent first, each stretched over its prepositions."""
    for turn in reversed(history):
        texts = [_clean(turn.answer) if turn.found else "", turn.interpreted or turn.question,
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
    if end < len(doc) and misattached_by(doc[end]) is not None and misattached_by(doc[end]).i == chunk.root.i:
        end = doc[end].right_edge.i + 1   # "called off [a visit to Leeds] [by a minister]"
    return doc[chunk.start:min(end, chunk.start + 16)]


def _demonstrative_edit(token, history: Sequence[Turn]):
    """ "that visit" -> "the visit to the island by the regional minister" """
    if token.lower_ not in _DEMONSTRATIVES or token.dep_ == "mark" or token.tag_ != "DT":
        return None
    doc = token.doc
    for j in range(token.i + 1, min(token.i + 4, len(doc))):
        word = doc[j]
        if word.pos_ not in {"NOUN", "VERB", "ADJ"}:
            return None
        keys = {word.lower_, word.lemma_.lower()}
        phrase = next((p for p in _noun_phrases(history)
                       if {p.root.lower_, p.root.lemma_.lower()} & keys), None)
        if phrase is not None:
            text = _demonstrative_text(phrase, token)
            return token.idx, word.idx + len(word.text), text, j + 1
        answer = _answer_to_verb(keys, history) if word.pos_ == "NOUN" else None
        if answer:
            text = f"the {doc[token.i + 1:j + 1].text} of {answer}"
            return token.idx, word.idx + len(word.text), _case_for_position(text, token), j + 1
    return None


def _answer_to_verb(keys: set[str], history: Sequence[Turn]) -> str:
    """ "those charges" after "What was he charged with?" -> that question's answer."""
    for turn in reversed(history[-2:]):
        question = nlp.parse(turn.interpreted or turn.question)
        answer = _clean(turn.answer) if turn.found else ""
        if not answer or not any(t.pos_ == "VERB" and t.lemma_.lower() in keys for t in question):
            continue
        root = next(iter(nlp.parse(answer).sents)).root
        return _definite(answer) if root.pos_ in {"NOUN", "PROPN"} else ""
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


def _one_edit(token, history: Sequence[Turn]):
    """ "the older one" -> "the older sister", after "Two sisters ..." was said."""
    doc = token.doc
    if token.lower_ not in {"one", "ones"} or token.i == 0:
        return None
    before = doc[token.i - 1]
    if before.pos_ not in {"ADJ", "DET"} and before.ent_type_ != "ORDINAL" or before.lower_ in {"no", "any", "every"}:
        return None
    if token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "of":
        return None
    phrases = [p.root for p in _noun_phrases(history)] + _loose_plurals(history)
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
        for text in filter(None, [_clean(turn.answer) if turn.found else "", turn.evidence]):
            doc = nlp.parse(text)
            chunked = {t.i for c in doc.noun_chunks for t in c}
            out += [t for t in doc if t.tag_ == "NNS" and t.i not in chunked]
    return out


def _there_then_edit(token, mentions: Sequence[Mention]):
    if token.lower_ not in {"there", "then"} or token.dep_ == "expl" or token.pos_ != "ADV":
        return None
    wanted = token.lower_
    if wanted == "then" and token.i == 0:
        return None  # "Then what happened?" is a sequence, not a time
    mention = next((m for m in mentions if _fits(m, wanted)), None)
    if mention is None:
        return None
    text = mention.phrase or _with_preposition(mention, token)
    return token.idx, token.idx + len(token.text), _lower_preposition(text), token.i + 1


def _with_preposition(mention: Mention, token) -> str:
    text = mention.text
    if text.split(" ", 1)[0].lower() in _PREPOSITIONS:
        return text
    if mention.kind == "place":
        return ("to " if token.head.lemma_ in _MOTION_VERBS else "in ") + text
    words = text.lower().split()
    if words[0] in {"last", "next", "this", "that", "yesterday", "today", "tomorrow"} or "ago" in words:
        return text
    days = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    if words[0] in days or any(w.isdigit() and len(w) <= 2 for w in words):
        return "on " + text
    return "in " + text


def _lower_preposition(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first.lower() + " " + rest) if first.lower() in _PREPOSITIONS and rest else text


def _splice(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text
