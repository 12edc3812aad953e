"""Features read off the dependency tree: what a candidate is to the sentence's word for the
question's verb (agent, patient, a preposition's object), and the dependency paths between a
candidate and the question's words, compared with the paths in the question itself."""
from __future__ import annotations

import functools

from index import nlp
from qa.question import WH_WORDS, Question
from qa.reader.span import Span


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
