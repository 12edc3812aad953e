"""Where the question's words are in one sentence: the alignment the reader's features read.

Each content word of the question is found in the sentence as itself (same word or lemma) or
as a related word from WordNet (a synonym of its frequent senses, or a derivation: "die" ~
"death", "operate" ~ "operator"). The question's verb is located the same way; its matches
are the predicate the answer should hang on. A sentence opening with he/she/it/they borrows
the words its previous sentence says of what the pronoun stands for.
"""
from __future__ import annotations

from typing import Mapping

from index import nlp
from qa import lexicon
from qa.question import Question

RULES: set[str] = {"opening_pronoun", "definition", "wordnet"}   # switched off by ablations
OPENING_PRONOUNS = {"he", "she", "it", "they", "his", "her", "its", "their"}
PERSON_PRONOUNS = {"he", "she", "his", "her"}


def idf_weight(lemma: str, text: str, idf: Mapping[str, float] | None) -> float:
    if idf:
        return idf.get(lemma, idf.get(text, max(idf.values())))
    return 1.0


class Alignment:
    """The question's words in one parsed sentence (token indices), and what they weigh."""

    def __init__(self, doc, q: Question, idf: Mapping[str, float] | None = None, previous: str | None = None,
                 referent=None, described: tuple[str, str] | None = None):
        self.doc, self.q = doc, q
        self.weight = {t.lemma: idf_weight(t.lemma, t.text, idf) for t in q.content}
        self.total = sum(self.weight.values()) or 1.0
        self.exact: dict[str, list[int]] = {}
        self.related: dict[str, list[int]] = {}
        self._match_words()
        if previous and "opening_pronoun" in RULES:
            self._borrow_for_opening_pronoun(previous)
        if described and "definition" in RULES:
            self._borrow_for_definition(*described)
        self.matched = {i for idx in (*self.exact.values(), *self.related.values()) for i in idx}
        self.cover_exact = sum(self.weight[l] for l in self.exact) / self.total
        self.cover_related = sum(self.weight[l] for l in self.related if l not in self.exact) / self.total
        self.referent_found = referent.found({t.lower_ for t in doc}) if referent else None
        self.in_order = self._in_order()
        self.verbs = sorted(set(self.exact.get(q.verb, [])) | set(self.related.get(q.verb, []))) if q.verb else []
        self.tokens = list(doc)
        self.heads = [t.head.i for t in self.tokens]
        self.deps = [t.dep_ for t in self.tokens]
        self.depth = [_depth(t) for t in self.tokens]

    def _in_order(self) -> float:
        """Share of consecutive question-word pairs found in the same order in the sentence."""
        firsts = [min(self.exact[t.lemma]) for t in self.q.content if t.lemma in self.exact]
        if len(firsts) < 2:
            return 0.0
        return sum(a < b for a, b in zip(firsts, firsts[1:])) / (len(firsts) - 1)

    def _match_words(self) -> None:
        related = {t.lemma: (lexicon.related(t.lemma) if "wordnet" in RULES else {}) for t in self.q.content}
        for tok in self.doc:
            if tok.is_punct or tok.is_stop and not tok.ent_type_:
                continue
            lemma, lower = tok.lemma_.lower(), tok.lower_
            for term in self.q.content:
                if lower == term.text or lemma == term.lemma:
                    self.exact.setdefault(term.lemma, []).append(tok.i)
                elif lemma in related[term.lemma] or lower in related[term.lemma]:
                    self.related.setdefault(term.lemma, []).append(tok.i)

    def _borrow(self, text: str, at, person_only: bool | None) -> None:
        """Question words (other than its verb) found in ``text`` count as found at token ``at``."""
        for tok in nlp.parse(text):
            for term in self.q.content:
                if term.lemma == self.q.verb or term.lemma in self.exact:
                    continue
                if {term.text, term.lemma} & {tok.lower_, tok.lemma_.lower()} and _can_be(tok, person_only):
                    self.exact[term.lemma] = [at.i]

    def _borrow_for_opening_pronoun(self, previous: str) -> None:
        opening = next((t for t in self.doc if not t.is_punct), None)
        if opening is not None and opening.lower_ in OPENING_PRONOUNS:
            person = True if opening.lower_ in PERSON_PRONOUNS else False if opening.lower_ in ("it", "its") else None
            self._borrow(previous, opening, person)

    def _borrow_for_definition(self, text: str, noun: str) -> None:
        """ "The operator, Alder Lines, ...": the words said of "the operator" elsewhere."""
        at = next((t for t in self.doc if t.lower_ == noun), None)
        if at is not None:
            self._borrow(text, at, None)

    def distance(self, a: int, b: int) -> int:
        """Arcs between two tokens in the parse tree."""
        depth, heads, dist = self.depth, self.heads, 0
        while a != b and dist < 40:
            if depth[a] >= depth[b]:
                a = heads[a]
            else:
                b = heads[b]
            dist += 1
        return dist

    def path(self, a: int, b: int, longest: int = 3) -> str:
        """The dependency labels from token ``a`` up to the common head and down to ``b``:
        "nsubj^" (a is the subject of b), "^dobj" (b is a's object), "nsubj^dobj" ..."""
        ups, downs = [], []
        depth, heads, deps = self.depth, self.heads, self.deps
        while a != b and len(ups) + len(downs) <= longest:
            if depth[a] >= depth[b]:
                ups.append(deps[a])
                a = heads[a]
            else:
                downs.append(deps[b])
                b = heads[b]
        if a != b:
            return "far"
        return ">".join(ups) + "^" + ">".join(reversed(downs))


def _can_be(tok, person_only: bool | None) -> bool:
    """he/she stand only for a person, it only for what is not one."""
    if person_only is None:
        return True
    is_person = tok.ent_type_ == "PERSON" or not tok.ent_type_ and (
        tok.pos_ == "PROPN" or lexicon.supersense(tok.lemma_.lower()) == "person")
    return is_person if person_only else tok.ent_type_ != "PERSON"


def _depth(tok) -> int:
    d = 0
    while tok.head.i != tok.i and d < 50:
        tok, d = tok.head, d + 1
    return d
