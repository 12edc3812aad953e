"""Named features of one candidate span; the fitted model (``model.py``) weighs them.

Every feature is a small function ``(Span) -> {name: value}``; most return one named value,
the crossed ones (question class x candidate class, dependency path) return a name that says
which cell of the cross fired ("t:who|PERSON" = 1). ``FEATURES`` lists them; an ablation drops
one by name. Those read off the dependency tree (role, paths) are in ``syntax.py``.
"""
from __future__ import annotations

import math
from typing import Callable

from qa import lexicon
from qa.passage import Passage
from qa.question import Question
from qa.reader.align import Alignment
from qa.reader.asked import FEATURES as ASKED
from qa.reader.span import Span
from qa.reader.syntax import f_path, f_predicate, f_question_path

HOW_CLASSES = {"many", "much", "long", "old", "often", "far", "large", "big", "high", "tall"}
MANNER_PREPS = {"by", "through", "via", "with", "using"}
LENGTHS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (12, "9-12"))


def question_class(q: Question) -> str:
    """who / when / where / why / how / how-many ... / what:<kind of the focus noun> / what / yesno."""
    if q.answer_type == "YESNO":
        return "yesno"
    if q.wh in ("who", "whom", "whose"):
        return "who"
    if q.wh in ("when", "where", "why"):
        return q.wh
    if q.wh == "how":
        return f"how-{q.how_adj}" if q.how_adj in HOW_CLASSES else "how-adj" if q.how_adj else "how"
    if q.wh in ("what", "which"):
        if q.focus:
            return "what:" + (lexicon.supersense(q.focus) or "noun")
        return "what-do" if q.slot[1] == "vp" else "what"
    return "other"


def coarse_class(q: Question) -> str:
    c = question_class(q)
    return "how-q" if c.startswith("how-") else "what" if c.startswith("what") else c


def candidate_class(s: Span) -> str:
    """The entity label, else what the head word is: "n:person" (a noun for people), "VERB", ..."""
    root = s.root
    if s.label:
        return s.label
    if any(t.like_num for t in s.tokens) and root.pos_ in ("NUM", "ADJ", "NOUN"):
        return "NUM" if root.pos_ != "NOUN" else "n:counted"
    if root.pos_ == "NOUN":
        return "n:" + (lexicon.supersense(root.lemma_.lower()) or "other")
    return root.pos_ if root.pos_ in ("PROPN", "VERB", "AUX", "ADJ", "ADV", "PRON") else "OTHER"


def _length(n: int) -> str:
    return next((name for top, name in LENGTHS if n <= top), "13+")


def _nearest(s: Span, positions: dict[str, list[int]], distance: Callable[[int], float]) -> list[tuple[float, float]]:
    """(weight, distance) of each question word's nearest occurrence outside the span."""
    out = []
    for lemma, where in positions.items():
        outside = [p for p in where if not s.i <= p < s.j]
        if outside:
            out.append((s.align.weight[lemma], min(distance(p) for p in outside)))
    return out


def _faded(s: Span, nearest: list[tuple[float, float]], decay: float) -> float:
    return sum(w * math.exp(-(d - 1) / decay) for w, d in nearest) / s.align.total


def _surface(s: Span) -> Callable[[int], float]:
    return lambda p: s.i - p if p < s.i else p - s.j + 1


# --- the features --------------------------------------------------------------------------

_COARSE_KINDS = {"PERSON": "person", "n:person": "person", "GPE": "place", "LOC": "place", "FAC": "place",
                 "n:location": "place", "ORG": "group", "NORP": "group", "n:group": "group", "DATE": "time",
                 "TIME": "time", "n:time": "time", "CARDINAL": "number", "QUANTITY": "number", "MONEY": "number",
                 "PERCENT": "number", "ORDINAL": "number", "NUM": "number", "n:counted": "number",
                 "n:quantity": "number", "PROPN": "name", "VERB": "verb", "AUX": "verb", "ADJ": "quality",
                 "ADV": "quality"}


def coarse_kind(candidate: str) -> str:
    if candidate in _COARSE_KINDS:
        return _COARSE_KINDS[candidate]
    return "thing" if candidate.startswith("n:") else "name" if candidate.isupper() else "other"


def f_type(s: Span) -> dict[str, float]:
    """The question's class against the candidate's, finely and coarsely (the coarse cell
    carries what the fine one has too few examples to learn)."""
    q_class, c_class = question_class(s.q), candidate_class(s)
    return {f"t:{q_class}|{c_class}": 1.0, f"T:{coarse_class(s.q)}|{coarse_kind(c_class)}": 1.0}


def f_shape(s: Span) -> dict[str, float]:
    """Length (by question class), the head's relation, and where the span's edges fall."""
    coarse, root, a = coarse_class(s.q), s.root, s.align
    whole = (root.left_edge.i, root.right_edge.i + 1)
    return {f"len:{_length(s.j - s.i)}|{coarse}": 1.0, f"dep:{root.dep_}": 1.0,
            "exact_entity": float(bool(s.label) and any((e.start, e.end) == (s.i, s.j) for e in s.doc.ents)),
            "whole_phrase": float((s.i, s.j) == whole or s.j == whole[1] and s.i - whole[0] <= 1),
            "head_only": float(s.j - s.i == 1 and whole[1] - whole[0] > 1),
            f"starts:{a.tokens[s.i].pos_}|{coarse}": 1.0,
            "before_comma": float(s.j < len(a.tokens) and a.tokens[s.j].text in (",", ";", ")"))}


def f_generators(s: Span) -> dict[str, float]:
    return {f"gen:{g}": 1.0 for g in s.generators}


def sentence_features(a: Alignment, p: Passage) -> dict[str, float]:
    """What the span's sentence is worth (shared by the whole-sentence candidate)."""
    return {"cover": a.cover_exact, "cover_related": a.cover_related, "retrieval": p.score, "dense": p.dense,
            f"rank:{min(p.rank, 3)}": 1.0, "heading": float(p.kind != "paragraph"), "in_order": a.in_order,
            "referent": a.referent_found if a.referent_found is not None else 0.0}


def f_sentence(s: Span) -> dict[str, float]:
    return sentence_features(s.align, s.passage)


# How fast closeness fades, in words and in tree edges. Each is read at several lengths, so the
# fitted weights choose the fade (a mixture of the lengths) instead of a typed-in constant.
# The lengths the features always had keep their plain names ("near", "tree").
SURFACE_DECAYS, SURFACE_PLAIN = (2.0, 4.0, 8.0), 4.0
TREE_DECAYS, TREE_PLAIN = (1.0, 2.0, 4.0), 2.0


def f_closeness(s: Span) -> dict[str, float]:
    """How close the question's words stand to the span: in words (on each side) and in the tree."""
    a = s.align
    left = {k: [p for p in v if p < s.i] for k, v in a.exact.items()}
    right = {k: [p for p in v if p >= s.j] for k, v in a.exact.items()}
    surface = _surface(s)
    words = {"near": _nearest(s, a.exact, surface), "near_left": _nearest(s, left, surface),
             "near_right": _nearest(s, right, surface), "near_related": _nearest(s, a.related, surface)}
    in_tree = _nearest(s, {**a.related, **a.exact}, lambda p: a.distance(s.root.i, p))
    out = {f"{name}{_decay_tag(d, SURFACE_PLAIN)}": _faded(s, nearest, d)
           for name, nearest in words.items() for d in SURFACE_DECAYS}
    out.update({f"tree{_decay_tag(d, TREE_PLAIN)}": _faded(s, in_tree, d) for d in TREE_DECAYS})
    return out


def _decay_tag(decay: float, plain: float) -> str:
    """The feature's suffix: none at the plain length, else "~8"."""
    return "" if decay == plain else f"~{decay:g}"


def f_copy(s: Span) -> dict[str, float]:
    content = [t for t in s.tokens if not (t.is_stop or t.is_punct)]
    copied = sum(1 for t in content if t.i in s.align.matched)
    return {"copy": copied / len(content) if content else 0.0, "copy_some": float(copied > 0)}


def f_focus(s: Span) -> dict[str, float]:
    """The question's focus noun ("which *river*") heads the span, sits beside it, or names its kind."""
    q, root = s.q, s.root
    if not q.focus:
        return {}
    focus_tokens = [t.i for t in s.align.tokens if t.lemma_.lower() == q.focus]
    inside = any(s.i <= f < s.j for f in focus_tokens)
    beside = any(s.align.heads[f] == root.i or root.head.i == f or min(abs(f - s.i), abs(f - s.j + 1)) <= 2
                 for f in focus_tokens if not s.i <= f < s.j)
    kind = root.pos_ in ("NOUN", "PROPN") and lexicon.is_kind_of(root.lemma_.lower(), q.focus)
    return {"focus_inside": float(inside), "focus_beside": float(beside), "focus_kind": float(kind)}


def f_apposition(s: Span) -> dict[str, float]:
    root, matched = s.root, s.align.matched
    appos = root.dep_ == "appos" and root.head.i in matched or any(c.dep_ == "appos" and c.i in matched
                                                                   for c in root.children)
    return {"appos": float(appos)}


def f_slot(s: Span) -> dict[str, float]:
    """Fills the question's stranded preposition ("What was he charged *with*?")."""
    anchor, rel = s.q.slot
    if not rel.startswith("prep:"):
        return {}
    root = s.root
    prep = root.head
    return {"slot_prep": float(root.dep_ in ("pobj", "pcomp") and prep.lower_ == rel[5:])}


def f_quoted(s: Span) -> dict[str, float]:
    """The span is a quotation or a bracketed aside."""
    t = s.align.tokens
    before, after = (t[s.i - 1].text if s.i else ""), (t[s.j].text if s.j < len(t) else "")
    return {"quoted": float(before in ('"', "“", "'") and after in ('"', "”", "'")),
            "bracketed": float(before == "(" and after == ")")}


def f_number(s: Span) -> dict[str, float]:
    """A count that is the whole of "12 of 40 passengers"; a means ("by canceling a trip")."""
    d, root = s.doc, s.root
    of_total = root.like_num and s.i >= 2 and d[s.i - 1].lower_ == "of" and d[s.i - 2].like_num
    manner = root.dep_ in ("pobj", "pcomp") and root.head.lower_ in MANNER_PREPS
    return {"of_total": float(of_total), f"means|{coarse_class(s.q)}": float(manner)}


FEATURES: dict[str, Callable[[Span], dict[str, float]]] = {
    "question_path": f_question_path, "type": f_type, "shape": f_shape, "generators": f_generators, "sentence": f_sentence,
    "closeness": f_closeness, "copy": f_copy, "predicate": f_predicate, "path": f_path, "focus": f_focus,
    "apposition": f_apposition, "slot": f_slot, "number": f_number, "quoted": f_quoted,
    **ASKED,   # what the question asks for: instances of its noun, a description, a measure (asked.py)
}
DISABLED: set[str] = set()


def features(s: Span) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, f in FEATURES.items():
        if name not in DISABLED:
            out.update(f(s))
    return out
