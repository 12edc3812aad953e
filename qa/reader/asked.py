"""What the question asks for, read against a candidate: an instance of its noun, the
description of a name, a measure with its unit.

- **which/what + N** ("Which moons did it pass?"): the answer is an instance of N. N's mentions in
  the sentence point at it: the words before N ("a *Falcon 9* rocket"), an apposition, a list
  after a colon or "such as" ("two moons: *Phobos and Deimos*"), "called / named X", a copula
  ("X is the N"). A candidate whose entity label names a WordNet class N falls under ("GPE" ->
  location, under which "city" falls) is one too. A plural N asks for the whole list.
- **who / what is X** ("Who is Tom Reyes?"): the description attached to X (apposition, copula,
  a title before the name), with its whole noun phrase.
- **how long / often / far / much**: a duration, frequency, distance or amount with its unit;
  a calendar date is no duration.

Each reading is a named feature (weighed by the fitted model, ``model.py``) or a candidate
generator (``GENERATORS``, merged into ``candidates.GENERATORS``); nothing here is a rule that
picks the answer.
"""
from __future__ import annotations

from typing import Iterable

from qa import lexicon
from qa.question import Question
from qa.reader.phrases import core, trim
from qa.reader.span import Span

# closed-class words that introduce the instances of a noun: "moons: A and B", "such as", "called"
_LIST_MARKERS = {":", "including", "like", "namely"}
_NAMING = {"called", "named", "dubbed", "titled", "nicknamed"}
_BEFORE_AS = {"such", "known"}   # markers only with "as": "such as", "known as"
# an entity label -> the WordNet noun naming the class of its things
LABEL_CLASSES = {"PERSON": "person", "NORP": "group", "ORG": "organization", "GPE": "location", "LOC": "location",
                 "FAC": "structure", "PRODUCT": "artifact", "EVENT": "event", "WORK_OF_ART": "creation",
                 "LAW": "document", "LANGUAGE": "language", "DATE": "time_period", "TIME": "time_unit",
                 "MONEY": "monetary_unit", "PERCENT": "proportion", "QUANTITY": "measure", "CARDINAL": "number",
                 "ORDINAL": "number"}
_UNITS = (("calendar", ("calendar_month", "day_of_the_week")), ("duration", ("time_period", "time_unit")),
          ("distance", ("linear_unit", "distance", "area_unit")), ("money", ("monetary_unit",)),
          ("amount", ("unit_of_measurement", "measure")))
_FREQUENCY = {"once", "twice", "daily", "weekly", "monthly", "yearly", "annually", "hourly", "often", "always",
              "never", "sometimes", "usually", "frequently", "rarely", "seldom", "times", "every", "each", "per"}
MEASURE_CLASSES = {"how-long", "how-often", "how-far", "how-much", "how-many", "how-old", "how-large", "how-big",
                   "how-high", "how-tall"}


def asks_description(q: Question) -> bool:
    """ "Who is Tom Reyes?", "What is Falcon Works?": who/what, a copula, and only a name."""
    return (q.wh in ("who", "what") and not q.verb and not q.focus and q.answer_type != "YESNO"
            and bool(q.content) and all(t.name for t in q.content))


def focus_mentions(doc, q: Question) -> list:
    return [t for t in doc if q.focus and t.lemma_.lower() == q.focus and t.pos_ in ("NOUN", "PROPN")]


# --- generators ---------------------------------------------------------------------------

def focus_modifiers(doc, q: Question) -> Iterable[tuple[int, int]]:
    """The name-like words right before a mention of the focus noun: "a *Falcon 9* rocket"."""
    out = []
    for f in focus_mentions(doc, q):
        i = f.i
        while i > 0 and doc[i - 1].head.i >= i - 1 and doc[i - 1].pos_ in ("PROPN", "NUM", "NOUN", "X") \
                and doc[i - 1].dep_ in ("compound", "nummod", "nmod", "npadvmod", "amod", "appos"):
            i -= 1
        if i < f.i and any(not t.like_num for t in doc[i:f.i]):
            out.append((i, f.i))
    return out


def focus_instances(doc, q: Question) -> Iterable[tuple[int, int]]:
    """What follows a mention of the focus noun after a colon, "such as", "including" or
    "called": the whole list ("moons: *Phobos and Deimos*")."""
    out = []
    for f in focus_mentions(doc, q):
        start = _after_marker(doc, f.i + 1)
        if start is not None and start < len(doc):
            out.append(_phrase_from(doc, start))
    return out


def _after_marker(doc, k: int) -> int | None:
    """Where the instances start when a list marker or naming word stands at ``k`` (after an
    optional comma); "as" after it belongs to the marker ("such as", "known as", "named as")."""
    k += k < len(doc) and doc[k].text == ","
    if k >= len(doc):
        return None
    word, as_follows = doc[k].lower_, k + 1 < len(doc) and doc[k + 1].lower_ == "as"
    if word in _LIST_MARKERS or word in _NAMING or word in _BEFORE_AS and as_follows:
        return k + 1 + as_follows
    return None


def _phrase_from(doc, start: int) -> tuple[int, int]:
    """From ``start``, the phrase it begins with its conjuncts ("Phobos and Deimos")."""
    head = doc[start]
    while head.head.i != head.i and start <= head.head.i and head.head.i - start < 24:
        head = head.head
    last = max([head, *[c for c in head.subtree if c.dep_ == "conj" and c.head.i >= start]], key=lambda t: t.i)
    end = max(last.right_edge.i + 1, head.i + 1)
    cut = [t.i for t in doc[start:end] if t.text in (";", ".", ")")]
    return start, min(cut) if cut else end


GENERATORS = {"focus_modifiers": focus_modifiers, "focus_instances": focus_instances}


# --- features -----------------------------------------------------------------------------

def f_instance(s: Span) -> dict[str, float]:
    """How the span stands to a mention of the question's focus noun, and whether its entity
    label names a class the focus falls under; a plural focus wants a list."""
    q = s.q
    if not q.focus:
        return {}
    out = {f"inst:{rel}": 1.0 for rel in _instance_relations(s)}
    if s.label and s.label in LABEL_CLASSES:
        under = q.focus == LABEL_CLASSES[s.label] or lexicon.is_kind_of(q.focus, LABEL_CLASSES[s.label])
        out["label_under_focus" if under else "label_not_under_focus"] = 1.0
    if any(t.dep_ == "conj" for t in s.tokens):
        out["list|" + ("plural" if q.focus_plural else "singular")] = 1.0
    return out


def _instance_relations(s: Span) -> set[str]:
    root, rels = s.root, set()
    for f in focus_mentions(s.doc, s.q):
        if s.i <= f.i < s.j:
            continue
        if s.j == f.i and root.head.i == f.i:
            rels.add("count" if all(t.like_num for t in s.tokens) else "modifier")
        if root.dep_ == "appos" and root.head.i == f.i or f.dep_ == "appos" and f.head.i == root.i:
            rels.add("appos")
        marker = _after_marker(s.doc, f.i + 1)
        if marker is not None and marker <= s.i and all(t.pos_ == "DET" for t in s.doc[marker:s.i]):
            rels.add("listed")
        if _copula_pair(root, f):
            rels.add("copula")
    return rels


def _copula_pair(a, b) -> bool:
    """ "The project is a bridge": subject and complement of one "be"."""
    return (a.head.i == b.head.i and a.head.lemma_ == "be" and {a.dep_, b.dep_} == {"nsubj", "attr"})


def f_description(s: Span) -> dict[str, float]:
    """For "who is X": the span describes X (apposition, copula, a title before the name), whole or in part."""
    if not asks_description(s.q):
        return {}
    root, matched = s.root, s.align.matched
    rels = []
    if root.dep_ == "appos" and root.head.i in matched or any(c.dep_ == "appos" and c.i in matched for c in root.children):
        rels.append("appos")
    if any(_copula_pair(root, t) for t in s.align.tokens if t.i in matched):
        rels.append("copula")
    if s.j < len(s.align.tokens) and s.j in matched and root.head.i == s.j and s.align.tokens[s.j].pos_ == "PROPN":
        rels.append("title")
    if not rels:
        return {}
    whole = trim(s.doc, *core(root)) == (s.i, s.j)   # the noun phrase up to a comma or apposition
    return {f"desc:{rel}": 1.0 for rel in rels} | {"desc|" + ("whole" if whole else "part"): 1.0}


def f_measure(s: Span) -> dict[str, float]:
    """For how long / often / far / much ...: the kind of measure the span holds, with or without its unit."""
    q_class = f"how-{s.q.how_adj}" if s.q.wh == "how" and s.q.how_adj else ""
    if q_class not in MEASURE_CLASSES:
        return {}
    return {f"unit:{unit_kind(s)}|{q_class}": 1.0}


def unit_kind(s: Span) -> str:
    """calendar (a date), duration, distance, money, amount, frequency, number (bare), or none."""
    tokens = s.tokens
    has_number = any(t.like_num for t in tokens)
    if any(t.lower_ in _FREQUENCY for t in tokens):
        return "frequency"
    if any(t.like_num and len(t.text) == 4 and t.text.isdigit() and 1000 < int(t.text) < 2200 for t in tokens):
        return "calendar"
    for name, classes in _UNITS:
        if any(t.pos_ == "NOUN" and any(lexicon.is_kind_of(t.lemma_.lower(), c) for c in classes) for t in tokens) \
                or name == "calendar" and any(t.pos_ == "PROPN" and lexicon.is_kind_of(t.lemma_.lower(), classes[0])
                                              for t in tokens):
            return name if has_number or name == "calendar" else name + "-word"
    if s.label == "MONEY":
        return "money"
    return "number" if has_number else "none"


def f_complement(s: Span) -> dict[str, float]:
    """The span keeps its head noun's complement ("chief planner *of the city*")."""
    root = s.root
    if root.pos_ not in ("NOUN", "PROPN"):
        return {}
    preps = [c for c in root.rights if c.dep_ == "prep"]
    if not preps:
        return {}
    kept = preps[0].right_edge.i < s.j
    return {"complement|" + ("kept" if kept else "cut"): 1.0}


FEATURES = {"instance": f_instance, "description": f_description, "measure": f_measure, "complement": f_complement}
