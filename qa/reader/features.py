"""Named features of one candidate span; the fitted model (``model.py``) weighs them.

Every feature is a small function ``(Span) -> {name: value}``; most return one named value,
the crossed ones (question class x candidate class, dependency path) return a name that says
which cell of the cross fired ("t:who|PERSON" = 1). ``FEATURES`` lists them; an ablation drops
one by name.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

from index import nlp
from qa import lexicon
from qa.passage import Passage
from qa.question import WH_WORDS, Question
from qa.reader.align import Alignment

HOW_CLASSES = {"many", "much", "long", "old", "often", "far", "large", "big", "high", "tall"}
MANNER_PREPS = {"by", "through", "via", "with", "using"}
LENGTHS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (12, "9-12"))


@dataclass(frozen=True)
class Span:
    """One candidate: tokens ``[i, j)`` of a parsed sentence, with what proposed it."""

    doc: object
    i: int
    j: int
    generators: frozenset[str]
    passage: Passage
    align: Alignment
    label: str          # entity label when the span is (mostly) one named entity, else ""
    root: object        # the span's syntactic head token

    @property
    def q(self) -> Question:
        return self.align.q

    @property
    def tokens(self) -> list:
        return self.align.tokens[self.i:self.j]


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


def _closeness(s: Span, positions: dict[str, list[int]], distance: Callable[[int], float], decay: float) -> float:
    a, total = s.align, 0.0
    for lemma, where in positions.items():
        outside = [p for p in where if not s.i <= p < s.j]
        if outside:
            total += a.weight[lemma] * math.exp(-(min(distance(p) for p in outside) - 1) / decay)
    return total / a.total


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


def f_closeness(s: Span) -> dict[str, float]:
    """How close the question's words stand to the span: in words (on each side) and in the tree."""
    a = s.align
    left = {k: [p for p in v if p < s.i] for k, v in a.exact.items()}
    right = {k: [p for p in v if p >= s.j] for k, v in a.exact.items()}
    return {"near": _closeness(s, a.exact, _surface(s), 4.0),
            "near_left": _closeness(s, left, _surface(s), 4.0), "near_right": _closeness(s, right, _surface(s), 4.0),
            "near_related": _closeness(s, a.related, _surface(s), 4.0),
            "tree": _closeness(s, {**a.related, **a.exact}, lambda p: a.distance(s.root.i, p), 2.0)}


def f_copy(s: Span) -> dict[str, float]:
    content = [t for t in s.tokens if not (t.is_stop or t.is_punct)]
    copied = sum(1 for t in content if t.i in s.align.matched)
    return {"copy": copied / len(content) if content else 0.0, "copy_some": float(copied > 0)}


def argument(tok):
    """The token whose relation says what the span is to its verb: through an apposition, a
    conjunct, a compound or a number ("the engineer [Maria Lopez]", "[12] passengers")."""
    for _ in range(3):
        if tok.dep_ in ("appos", "conj", "compound", "nummod", "quantmod") and tok.head.i != tok.i:
            tok = tok.head
        else:
            break
    return tok


_ROLES = {"nsubj": "agent", "csubj": "agent", "dobj": "patient", "nsubjpass": "patient", "dative": "recipient",
          "attr": "predicate", "acomp": "predicate", "oprd": "predicate", "xcomp": "predicate", "ccomp": "clause",
          "advcl": "clause", "advmod": "manner", "npadvmod": "manner"}


def question_role(q: Question) -> str:
    """What the wh-phrase is to the question's verb: agent / patient / prep:<word> / -."""
    if q.slot[1].startswith("prep:"):
        return q.slot[1]
    return {"subj": "agent", "obj": "patient"}.get(q.wh_role, "-")


def candidate_role(root, verbs: list[int]) -> str:
    """What the span is to the sentence's word for the question's verb, in the same terms; the
    agent of a passive ("sacked [by X]") is an agent, its subject a patient."""
    head, dep = root.head, root.dep_
    if head.dep_ in ("prep", "agent", "dative") and head.head.i in verbs and dep in ("pobj", "pcomp"):
        return "agent" if head.dep_ == "agent" else f"prep:{head.lower_}"
    if head.i not in verbs:
        return ""
    return _ROLES.get(dep, "other")


def f_predicate(s: Span) -> dict[str, float]:
    """The span's role for the sentence's words for the question's verb, against the role the
    wh-phrase has in the question ("role:patient|patient": the one asked for)."""
    a, root = s.align, argument(s.root)
    if not a.verbs:
        return {"no_verb": 1.0}
    role = candidate_role(root, a.verbs)
    if not role:
        return {"verb_far": min(min(a.distance(root.i, v) for v in a.verbs), 6) / 6.0}
    asked = question_role(s.q)
    return {f"role:{asked}|{role if not role.startswith('prep:') or role == asked else 'prep'}": 1.0,
            "verb_arg": 1.0, "role_match": float(role == asked)}


def f_path(s: Span) -> dict[str, float]:
    """The dependency path from the span to the nearest question word outside it."""
    a, root = s.align, s.root
    outside = [p for p in a.matched if not s.i <= p < s.j]
    if not outside:
        return {"path:none": 1.0}
    anchor = min(outside, key=lambda p: a.distance(root.i, p))
    return {f"path:{a.path(root.i, anchor, longest=2)}": 1.0}


@functools.lru_cache(maxsize=2048)
def question_paths(text: str) -> dict[str, str]:
    """For each word of the question, the dependency path from the wh-phrase to it: in "What
    did the council build in 1990?", "build" is reached by "dobj^" and "1990" by "dobj^prep>pobj"."""
    doc = nlp.parse(text)
    wh = next((t for t in doc if t.lower_ in WH_WORDS and t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
    if wh is None:
        return {}
    start = wh.head if wh.dep_ in ("det", "poss") else wh   # "which team": the team
    return {t.lemma_.lower(): path_between(start, t) for t in doc if t.i != start.i and not t.is_punct}


def path_between(a, b, longest: int = 3) -> str:
    ups, downs = [], []
    ancestors_b = {t.i: n for n, t in enumerate([b, *b.ancestors])}
    x = a
    while x.i not in ancestors_b and len(ups) <= longest:
        ups.append(x.dep_)
        if x.head.i == x.i:
            return "far"
        x = x.head
    if x.i not in ancestors_b:
        return "far"
    chain = [b, *b.ancestors][:ancestors_b[x.i]]
    downs = [t.dep_ for t in chain]
    return ">".join(ups) + "^" + ">".join(reversed(downs))


def f_question_path(s: Span) -> dict[str, float]:
    """The span stands to a question word in the sentence as the wh-phrase stands to it in the
    question (same dependency path): "[Reyes] tried to sell" for "Who tried to sell ...?"."""
    paths, a = question_paths(s.q.text), s.align
    weight = 0.0
    for lemma, where in (*a.exact.items(), *a.related.items()):
        wanted = paths.get(lemma)
        if wanted and wanted != "far" and any(not s.i <= p < s.j and a.path(s.root.i, p, longest=3) == wanted
                                              for p in where):
            weight = max(weight, a.weight[lemma] / a.total)
    return {"question_path": weight, "question_path_any": float(weight > 0)}


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
}
DISABLED: set[str] = set()


def features(s: Span) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, f in FEATURES.items():
        if name not in DISABLED:
            out.update(f(s))
    return out
