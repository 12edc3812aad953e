"""Phrases of a parsed sentence as token spans: a word's subtree, its core (up to a comma,
relative clause or apposition) and a span trimmed of determiners and dangling words."""
from __future__ import annotations

_TRIM_POS = {"DET", "PUNCT", "CCONJ", "ADP", "PART", "SPACE"}

Span = tuple[int, int]


def subtree(tok) -> Span:
    return tok.left_edge.i, tok.right_edge.i + 1


def core(tok) -> Span:
    """The phrase up to its first comma, relative clause or apposition on the right."""
    cut = [c.left_edge.i for c in tok.rights if c.dep_ in ("relcl", "appos", "punct", "cc", "conj")]
    cut += [t.i for t in tok.subtree if t.i > tok.i and t.text in (",", ";")]
    return tok.left_edge.i, min(cut) if cut else tok.right_edge.i + 1


def trim(doc, i: int, j: int) -> Span | None:
    """Drop leading/trailing determiners, punctuation, conjunctions and dangling prepositions."""
    while i < j and (doc[i].pos_ in _TRIM_POS or doc[i].is_space
                     or doc[i].dep_ in ("poss", "case") and doc[i].pos_ == "PRON"
                     or doc[i].dep_ == "mark" and doc[i].lower_ in ("for", "that")):
        if doc[i].pos_ == "ADP" and doc[i].dep_ not in ("prep", "agent", "dative") and j - i > 1:
            break
        i += 1
    while j > i and (doc[j - 1].pos_ in _TRIM_POS or doc[j - 1].dep_ == "case" or doc[j - 1].is_space):
        j -= 1
    return (i, j) if j > i else None
