"""Candidate answer spans of one parsed sentence: every phrase an answer could be.

Each generator is a small named function ``(doc, q) -> [(i, j), ...]`` of token spans; a span
remembers which generators proposed it (a feature, and what an ablation switches off). Spans
are trimmed of determiners, punctuation and dangling prepositions, and capped in length unless
they are a whole argument or a list of names.
"""
from __future__ import annotations

from typing import Callable, Iterable

from qa.question import Question
from qa.reader.asked import GENERATORS as ASKED
from qa.reader.phrases import core, subtree, trim

__all__ = ["GENERATORS", "DISABLED", "candidate_spans", "core", "subtree", "trim"]

MAX_TOKENS = 12
LONG_TOKENS = 24   # whole arguments and lists of names may run this long
_ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "pobj", "appos", "oprd", "acomp", "dative", "npadvmod",
             "conj", "agent", "pcomp", "nmod", "compound", "poss", "advmod", "xcomp", "ccomp"}
_CLAUSE_DEPS = {"prep", "advcl", "xcomp", "ccomp", "acl", "relcl", "agent"}

Span = tuple[int, int]


# --- generators ---------------------------------------------------------------------------

def entities(doc, q: Question) -> Iterable[Span]:
    return [(e.start, e.end) for e in doc.ents]


def noun_chunks(doc, q: Question) -> Iterable[Span]:
    return [(nc.start, nc.end) for nc in doc.noun_chunks]


def proper_runs(doc, q: Question) -> Iterable[Span]:
    """Runs of proper nouns ("Danish Trade Minister Mara Voss")."""
    runs, start = [], None
    for tok in list(doc) + [None]:
        if tok is not None and tok.pos_ == "PROPN":
            start = tok.i if start is None else start
        elif start is not None:
            runs.append((start, tok.i if tok is not None else len(doc)))
            start = None
    return runs


def arguments(doc, q: Question) -> Iterable[Span]:
    """Every argument phrase: its whole subtree, the head with its left modifiers, its core."""
    out = []
    for tok in doc:
        if tok.dep_ in _ARG_DEPS and tok.pos_ in ("NOUN", "PROPN", "NUM", "PRON", "ADJ"):
            out += [subtree(tok), (tok.left_edge.i, tok.i + 1), core(tok)]
    return out


def counted(doc, q: Question) -> Iterable[Span]:
    """A number with the noun it counts ("two delegates"), and adjectives holding a number ("60-year-old")."""
    out = [(t.i, t.head.i + 1) for t in doc if t.like_num and t.dep_ == "nummod" and t.head.i > t.i]
    out += [subtree(t) for t in doc if t.dep_ == "amod" and t.pos_ == "ADJ" and any(s.like_num for s in t.subtree)]
    return out


def coordinations(doc, q: Question) -> Iterable[Span]:
    """Coordinated phrases as one: "Ann Hale and Joan Hale", "theft, fraud and bribery"."""
    out = []
    for tok in doc:
        conjuncts = [c for c in tok.children if c.dep_ == "conj"]
        if conjuncts and tok.dep_ != "conj":
            last = max(conjuncts, key=lambda c: c.i)
            out.append((tok.left_edge.i, last.right_edge.i + 1))
            out.append((tok.left_edge.i, core(last)[1]))
    return out


def predicates(doc, q: Question) -> Iterable[Span]:
    """Verb phrases ("remain silent", "sell the ferry company") and participles as predicates."""
    out = []
    for tok in doc:
        if tok.pos_ == "VERB" and tok.dep_ in ("xcomp", "conj", "advcl", "ccomp", "relcl", "ROOT", "pcomp", "acl"):
            out += [(tok.i, tok.right_edge.i + 1), (tok.i, core(tok)[1])]
        if tok.dep_ in ("acomp", "oprd") and tok.pos_ in ("VERB", "ADJ"):
            out += [subtree(tok), (tok.left_edge.i, tok.i + 1)]
    return out


def clauses(doc, q: Question) -> Iterable[Span]:
    """Prepositional phrases and subordinate clauses ("because of corrosion ...")."""
    return [subtree(t) for t in doc if t.dep_ in _CLAUSE_DEPS]


def object_with_phrase(doc, q: Question) -> Iterable[Span]:
    """An object plus the phrase right after it that the parser hung on the verb: "launch [an
    inquiry] [into the fire]" (the attachment is often wrong)."""
    out = []
    for tok in doc:
        end = tok.right_edge.i + 1
        if tok.dep_ == "dobj" and end < len(doc) and doc[end].head.i == tok.head.i and doc[end].dep_ in ("prep", "agent"):
            out.append((tok.left_edge.i, doc[end].right_edge.i + 1))
    return out


def modifiers(doc, q: Question) -> Iterable[Span]:
    """Single adjectives and adverbs with their own modifiers ("very frequently", "too big")."""
    return [(t.left_edge.i, t.i + 1) for t in doc if t.pos_ in ("ADJ", "ADV") and t.dep_ in ("amod", "advmod", "acomp", "npadvmod")]


def clause_of_sentence(doc, q: Question) -> Iterable[Span]:
    """Each clause headed by a verb, whole and up to its first comma or conjunction: what settles a
    yes/no question ("[I'd like a revolver] but I am not opposed to ...")."""
    verbs = [t for t in doc if t.pos_ in ("VERB", "AUX") and t.dep_ in ("ROOT", "conj", "ccomp", "advcl")]
    return [subtree(t) for t in verbs] + [(t.left_edge.i, core(t)[1]) for t in verbs]


GENERATORS: dict[str, Callable] = {
    "entities": entities, "noun_chunks": noun_chunks, "proper_runs": proper_runs, "arguments": arguments,
    "counted": counted, "coordinations": coordinations, "predicates": predicates, "clauses": clauses,
    "object_with_phrase": object_with_phrase, "modifiers": modifiers, "clause_of_sentence": clause_of_sentence,
    **ASKED,   # the instances of the question's focus noun (asked.py)
}
DISABLED: set[str] = set()   # generators switched off (ablations)


def candidate_spans(doc, q: Question) -> dict[Span, frozenset[str]]:
    """{(i, j): names of the generators that proposed it}, trimmed and capped in length."""
    found: dict[Span, set[str]] = {}
    for name, generate in GENERATORS.items():
        if name in DISABLED:
            continue
        for i, j in generate(doc, q):
            span = trim(doc, i, j)
            if span is not None and span[1] - span[0] <= LONG_TOKENS:
                found.setdefault(span, set()).add(name)
    return {span: frozenset(names) for span, names in found.items()
            if span[1] - span[0] <= MAX_TOKENS or names & {"arguments", "coordinations", "clause_of_sentence", "clauses"}}
