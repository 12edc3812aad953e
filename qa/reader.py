"""Extractive reader: picks the answer span inside the best retrieved sentences.

No QA-trained model exists offline, so the reader is a small hand-weighted scorer over
spaCy parses. For each of the first ``READ_K`` passages (plus a retrieved sentence that
continues one of them with a pronoun, or names what one of them only describes) it

1. generates candidate spans: named entities, numbers with their unit, noun chunks,
   proper-noun runs, the arguments of verbs (subjects, objects, complements, appositions,
   prepositional objects) and, for how/why questions, prepositional and subordinate clauses;
2. drops spans made only of the question's own words and trims determiners and punctuation;
3. scores each span with a logistic function of a few features: expected-answer-type match,
   IDF-weighted closeness (in words and in the parse tree) to the question's words, the
   passage's retrieval score, being an argument of the question's verb, apposition, the
   question's focus noun beside the span, overlap with the question, and a length prior.

When no span is convincing the whole sentence comes first (``kind="sentence"``).
``Candidate.score`` is the logistic output, in [0, 1].
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from index import nlp
from qa.passage import Passage, first_word
from qa.question import COMPARATIVES, DEPICT_VERBS, FREQUENCY_WORDS, is_agent_noun, LINKING_VERBS, REPORTING_VERBS, WEEKDAYS, Question, analyse, focus_kind, related_verbs

READ_K = 3          # passages the reader looks inside
PEOPLE_TYPE = 0.4   # type weight of a noun for people ("residents") for a "who" question, as NORP/ORG
MAX_SPAN_TOKENS = 12
NEAR_DECAY = 4.0    # words: closeness to a question word halves every ~3 words
TREE_DECAY = 2.0    # arcs in the dependency tree
NOMINAL_SIMILARITY = 0.4   # word cosine at which a noun names the question's verb ("deaths" ~ "die")

# Hand-set weights of the span scorer (tuned on a development sample, see the README).
WEIGHTS: dict[str, float] = {
    "bias": -3.25,
    "type": 2.75,  # candidate's entity label matches the expected type (weighted)
    "mismatch": -1.5,  # candidate is an entity of a label the question rules out
    "no_type": -0.75,  # question wants an entity, candidate carries none
    "near": 2.25,  # IDF-weighted closeness to the question's words (surface)
    "tree": 1.25,  # same, along the dependency tree
    "cover": 4.75,  # share of the question's IDF mass present in the sentence
    "retrieval": 2.75,  # passage's fused retrieval score
    "first": 1.05,  # passage is the best retrieved one
    "verb_arg": 0.55,  # argument of the question's main verb
    "appos": 0.25,  # apposition to a question word ("X, the company's founder")
    "focus": 2.5,  # the question's focus noun is attached to the span
    "overlap": 0.25,  # share of the span's question words (on top of partial_copy)
    "length": 0.0,  # per word beyond three (tuned to 0: tree/modifier cover it)
    "entity": -0.1,  # span is exactly a named entity or number
    "propn": 0.3,  # span is headed by a proper noun
    "role": 0.5,  # plays the wh-phrase's role (subject/object) for the question's verb
    "pobj": 0.25,  # span is the object of a preposition
    "modifier": -0.25,  # span is a compound/possessive modifier of a bigger noun
    "numeric_noun": -2.0,  # a date or number answering a question that asks for no entity
    "verb_for_noun": -1.0,  # "What event ...?" asks for a thing: a verb phrase ("attend the festival") is less likely
    "slot": 2.0,  # fills the question's slot: object of its stranded preposition, "to do" complement
    "of_total": -0.5,  # the whole in "38 of 67": a count question mostly asks for the part
    "whole_described": 1.5,  # ... unless the question describes the whole ("one of eleven boats damaged")
    "partial_copy": -0.5,  # holds some of the question's content words, plus others
    "manner_pp": 1.0,  # how-question, span is the object of by/through/via/with/using
    "extreme": 1.5,  # the highest / lowest of the ages in the sentence for "the older / younger one"
    "heading": -0.75,  # the passage is a title or heading: it sums up a paragraph that says more
    "title_of_asked": -1.0,  # a title of someone the question names ("Captain" Nora Finch), unless
                             # the question asks for a kind of thing ("what job", "which rank")
}
# score = sigmoid(SCALE * z + SHIFT): fitted so a span's score is close to its expected SQuAD F1
# on the development sample (z is the weighted feature sum above).
CALIBRATION = (0.3, -1.75)
SENTENCE_WEIGHTS = {"bias": -3.0, "cover": 1.5, "retrieval": 1.0}
SPAN_FLOOR = 0.10     # below this the whole sentence is the better answer

_ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "pobj", "appos", "oprd", "acomp", "dative",
             "npadvmod", "conj", "agent", "pcomp", "nmod", "compound", "poss", "advmod", "xcomp",
             "ccomp"}
_CLAUSE_DEPS = {"prep", "advcl", "xcomp", "ccomp", "acl", "relcl", "agent"}
_TRIM_LEFT_POS = {"DET", "PUNCT", "CCONJ", "ADP", "PART", "SPACE"}
_TRIM_RIGHT_POS = {"PUNCT", "CCONJ", "ADP", "PART", "SPACE", "DET"}
_SUBJECTS = {"nsubj", "nsubjpass"}
_OPENING_PRONOUNS = {"he", "she", "it", "they", "his", "her", "its", "their"}
_MANNER_PREPS = {"by", "through", "via", "with", "using", "thanks"}
_NUMERIC = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "WEEKDAY", "TIME", "ORDINAL"}


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int      # offsets into the document text (inside passage.start..passage.end)
    end: int
    text: str       # == document_text[start:end]
    score: float    # in [0, 1]; higher is better
    kind: str = "span"   # "span" or "sentence" (fallback: the whole sentence)


@dataclass(frozen=True)
class Referent:
    """What a pronoun or demonstrative of a question read as typed stands for: its forms ("he",
    "his", ...) and the content words of the antecedent ("visit", "leeds", "minister")."""
    forms: frozenset[str]
    words: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.forms or self.words)

    def found(self, sentence_words: set[str]) -> float:
        """1 when the sentence holds a form of the pronoun, else the share of the antecedent's words."""
        if self.forms & sentence_words:
            return 1.0
        return len(self.words & sentence_words) / len(self.words) if self.words else 0.0


def read(question: str, passages: Sequence[Passage],
         idf: Mapping[str, float] | None = None, context: Sequence[Passage] = (),
         referent: Referent | None = None) -> list[Candidate]:
    """Candidates best first; empty only when there are no passages.

    ``idf`` maps lower-cased lemmas to inverse document frequencies (e.g. over the article's
    sentences); without it rarer-looking words (proper nouns, numbers) simply weigh more.
    ``context``: other retrieved sentences; one just before a sentence that opens with a pronoun
    tells whom the pronoun names ("Councillor Nora Finch said ... . She called for ...").
    ``referent``: for a question read as typed ("What was he charged with?"), what may stand for
    its pronoun or demonstrative in a sentence (see ``Referent``); it weighs as much as the
    question's rarest word in the sentence's cover.
    """
    if not passages:
        return []
    q = analyse(question)
    spans: list[Candidate] = []
    sentences: list[Candidate] = []
    by_place = {(p.source, p.position): p.text for p in [*context, *passages]}
    read = _with_continuations(list(passages)[:READ_K], context)
    _read_into(q, read, idf, by_place, spans, sentences, referent)
    definitions = _definitions(read, context, q)
    _read_into(q, list(definitions), idf, by_place, spans, sentences, referent, definitions)
    spans.sort(key=lambda c: (-c.score, c.start - c.end))   # a tie goes to the longer span
    sentences.sort(key=lambda c: -c.score)
    if not spans or spans[0].score < max(SPAN_FLOOR, sentences[0].score if q.answer_type in ("YESNO", "REASON") else 0):
        return sentences[:1] + spans + sentences[1:]
    return spans + sentences


def _read_into(q: Question, passages: Sequence[Passage], idf, by_place, spans: list[Candidate],
               sentences: list[Candidate], referent: Referent | None = None,
               definitions: Mapping[Passage, tuple[str, str]] | None = None) -> None:
    """Score the candidates of ``passages`` into ``spans`` and ``sentences``."""
    for passage, doc in zip(passages, nlp.parse_all([p.text for p in passages])):
        ctx = _Context(doc, q, idf, _antecedent(by_place, passage), referent, (definitions or {}).get(passage))
        for (i, j), feats in span_features(doc, q, ctx, passage).items():
            spans.append(_span_candidate(passage, doc, i, j, score(feats)))
        sentences.append(_sentence_candidate(passage, ctx))


_DEFINITION = re.compile(r"\b[Tt]he ([a-z]+), [A-Z]")   # "The operator, Alder Lines, ..."


def _definitions(read: Sequence[Passage], context: Sequence[Passage], q: Question) -> dict[Passage, tuple[str, str]]:
    """Retrieved sentences that name what a read sentence only describes: "He said the operator
    had ..." is read, "The operator, Alder Lines, said ..." names it. Each maps to
    (the describing sentences, the noun)."""
    places = {(p.source, p.position) for p in read}
    out = {}
    for p in context:
        noun = described_noun(p.text)
        if (p.source, p.position) in places or not noun or not _asked_noun(noun, q):
            continue
        describing = [r.text for r in read if r.source == p.source and re.search(rf"\b[Tt]he {noun}\b", r.text)]
        if describing:
            out[p] = (" ".join(describing), noun)
    return out


def described_noun(text: str) -> str:
    """The noun a sentence gives a name to ("operator" in "The operator, Alder Lines, ..."), or ""."""
    match = _DEFINITION.search(text)
    return match.group(1) if match else ""


def _asked_noun(noun: str, q: Question) -> bool:
    return noun in q.lemmas or is_agent_noun(noun, q.verb)


def _with_continuations(passages: list[Passage], context: Sequence[Passage]) -> list[Passage]:
    """The passages plus any retrieved sentence that continues one of them with a pronoun
    ("... the county council said ... . It blamed the flooding on ...")."""
    places = {(p.source, p.position) for p in passages}
    more = [p for p in context if (p.source, p.position - 1) in places and (p.source, p.position) not in places
            and first_word(p.text) in _OPENING_PRONOUNS]
    return passages + more[:READ_K]


def _antecedent(by_place: Mapping[tuple[str, int], str], passage: Passage) -> str | None:
    """The retrieved sentence before ``passage``, and the one before that while the sentence in
    between opens with a pronoun too ("The Office said ... . It said ... . It attributed ...")."""
    texts, position = [], passage.position - 1
    while (passage.source, position) in by_place and len(texts) < 2:
        texts.insert(0, by_place[(passage.source, position)])
        if not first_word(texts[0]) in _OPENING_PRONOUNS:
            break
        position -= 1
    return " ".join(texts) or None


def score(features: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """Calibrated logistic score of a span's features, in [0, 1]."""
    w = WEIGHTS if weights is None else weights
    z = w["bias"] + sum(w[k] * v for k, v in features.items() if k in w)
    scale, shift = CALIBRATION
    return _sigmoid(scale * z + shift)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


# --- context of one sentence ---------------------------------------------------------

class _Context:
    """Which tokens of the sentence match the question's words, and how much each weighs."""

    def __init__(self, doc, q: Question, idf: Mapping[str, float] | None, previous: str | None = None,
                 referent: Referent | None = None, described: tuple[str, str] | None = None):
        self.q = q
        self.weight = {t.lemma: _idf(t.lemma, t.text, idf) for t in q.content}
        self.total = sum(self.weight.values()) or 1.0
        self.matches: dict[str, list[int]] = {}
        # The question's verb also matches its near-synonyms ("accuse" ~ "blamed").
        names = {t.lemma: related_verbs(t.lemma) if t.lemma == q.verb else {t.lemma} for t in q.content}
        self.agents = _agent_nouns(doc, q.verb)
        nominal = _nominals(doc, q.verb) | self.agents
        for tok in doc:
            if tok.is_punct or tok.is_stop:
                continue
            for term in q.content:
                if (tok.lemma_.lower() in names[term.lemma] or tok.lower_ == term.text
                        or tok.lower_ == "a" + term.text and len(term.text) > 3   # "aboard" ~ "on board"
                        or q.extreme and term.text in COMPARATIVES and tok.lower_ in ("old", "aged")   # "55-year-old"
                        or term.lemma == q.verb and tok.i in nominal):
                    self.matches.setdefault(term.lemma, []).append(tok.i)
        if previous:
            self._resolve_opening_pronoun(doc, q, previous)
        if described:   # "The operator, Alder Lines": the words said of "the operator"
            text, noun = described
            at = next((t for t in doc if t.lower_ == noun), None)
            if at is not None:
                self._borrow(q, text, at)
        self.matched = {i for idx in self.matches.values() for i in idx}
        self.cover = sum(self.weight[lemma] for lemma in self.matches) / self.total
        if referent:
            extra = max(self.weight.values(), default=1.0)
            found = extra * referent.found({t.lower_ for t in doc})
            self.cover = (self.cover * self.total + found) / (self.total + extra)
        verbs = related_verbs(q.verb) if q.verb else frozenset()
        # ... and the same word as a noun ("visit" in "a visit to Leeds by the minister").
        self.verbs = [t for t in doc if t.lemma_.lower() in verbs and t.pos_ in ("VERB", "AUX")
                      or t.pos_ == "NOUN" and (t.lemma_.lower() == q.verb or t.i in nominal)]
        # "X apologized ... but stopped short": the conjoined verb shares its head verb's subject.
        self.sharing = {v.head.i for v in self.verbs if v.dep_ == "conj" and v.head.pos_ in ("VERB", "AUX")
                        and not any(c.dep_ in _SUBJECTS for c in v.children)}
        self.slot = _slot_tokens(doc, q) or _where_tokens(doc, q, self.matched)
        self.focus = [t.i for t in doc if q.focus and t.lemma_.lower() == q.focus]
        self.depth = [_depth(t) for t in doc]

    def _resolve_opening_pronoun(self, doc, q: Question, previous: str) -> None:
        """A sentence opening with he/she/it/they continues the previous one: the question's
        words (other than its verb) found there count as found at the pronoun, when the pronoun
        can stand for them (she: a person; it: no person)."""
        opening = next((t for t in doc if not t.is_punct), None)
        if opening is not None and opening.lower_ in _OPENING_PRONOUNS:
            self._borrow(q, previous, opening)

    def _borrow(self, q: Question, text: str, at) -> None:
        """The question's words (other than its verb) found in ``text``, which speaks of what
        token ``at`` stands for, count as found at ``at``."""
        for tok in nlp.parse(text):
            for term in q.content:
                if (term.lemma != q.verb and term.lemma not in self.matches
                        and {term.text, term.lemma} & {tok.lower_, tok.lemma_.lower()} and _can_be(tok, at.lower_)):
                    self.matches[term.lemma] = [at.i]


def _can_be(tok, pronoun: str) -> bool:
    """Whether ``pronoun`` may stand for the word ``tok``: he/she for a person, it for no person."""
    if pronoun in ("he", "she", "his", "her"):
        return tok.ent_type_ == "PERSON" or not tok.ent_type_ and (
            tok.pos_ == "PROPN" or focus_kind(tok.lemma_.lower()) == "PERSON")
    return pronoun not in ("it", "its") or tok.ent_type_ != "PERSON"


def _agent_nouns(doc, verb: str) -> set[int]:
    """Nouns for who does the question's verb: "operator" (operate), "founder", "winner"."""
    return {t.i for t in doc if t.pos_ == "NOUN" and is_agent_noun(t.lemma_.lower(), verb)}


def _nominals(doc, verb: str) -> set[int]:
    """Nouns of the sentence that name the question's verb: "deaths" for "die", "decision" for
    "decide" (MiniLM's word-piece vectors, see ``index.embed``)."""
    if not verb:
        return set()
    nouns = [t for t in doc if t.pos_ == "NOUN" and not t.is_stop]
    return {t.i for t in nouns if _similarity(verb, t.lemma_.lower()) >= NOMINAL_SIMILARITY}


@functools.lru_cache(maxsize=8192)
def _similarity(a: str, b: str) -> float:
    from index.embed import Embedder

    va, vb = Embedder().word_vectors([a, b])
    return float(sum(x * y for x, y in zip(va, vb)))


_LOCATIVE = {"in", "at", "near", "outside", "inside"}


def _where_tokens(doc, q: Question, matched: set[int]) -> set[int]:
    """For "where": the object of a locative preposition on one of the question's words
    ("the weather station [in Harwick]"), even when the name is no known place."""
    if q.wh != "where":
        return set()
    return {g.i for p in doc if p.dep_ == "prep" and p.lower_ in _LOCATIVE and p.head.i in matched
            for g in p.children if g.dep_ == "pobj"}


def _slot_tokens(doc, q: Question) -> set[int]:
    """Tokens that fill the question's slot (see ``Question.slot``) in this sentence."""
    anchor, rel = q.slot
    if not rel:
        return set()
    names = related_verbs(anchor) | ({"be"} if anchor in LINKING_VERBS else set())
    out = set()
    if rel == "pred" and anchor in DEPICT_VERBS:   # "X said it was *deeply concerned*" describes it
        out |= {c.i for v in doc if v.lemma_.lower() in REPORTING_VERBS for b in v.children
                if b.dep_ == "ccomp" and b.lemma_ == "be" for c in b.children if c.dep_ in ("acomp", "attr")}
    for a in doc:
        if a.lemma_.lower() not in names and a.lower_ not in names:
            continue
        # a near-synonym brings its own preposition: "blame X on Y" ~ "attribute X to Y"
        own = a.lemma_.lower() == anchor or a.lower_ == anchor
        for c in a.children:
            if rel.startswith("prep:") and c.dep_ in ("prep", "agent", "dative") and (c.lower_ == rel[5:] or not own and c.dep_ == "prep"):
                out |= {g.i for g in c.children if g.dep_ in ("pobj", "pcomp")}
            elif rel.startswith("prep:") and c.dep_ in ("advcl", "ccomp", "xcomp") and any(
                    m.dep_ == "mark" and m.lower_ == rel[5:] for m in c.children):
                out.add(c.i)   # "called for the inquiry to examine ...": the parser marks a clause
            elif rel == "vp" and c.dep_ in ("xcomp", "ccomp"):
                out.add(c.i)
            elif rel == "pred" and c.dep_ in ("oprd", "acomp", "xcomp", "dobj", "attr"):
                out.add(c.i)
            elif rel == "pred" and c.dep_ == "prep" and c.lower_ == "as":
                out |= {g.i for g in c.children if g.dep_ == "pobj"}
    if not out and q.wh == "where" and rel.startswith("prep:"):   # "carrying passengers to X"
        out = {g.i for c in doc if c.dep_ == "prep" and c.lower_ == rel[5:] for g in c.children if g.dep_ == "pobj"}
    return out


def _idf(lemma: str, text: str, idf: Mapping[str, float] | None) -> float:
    if idf:
        if lemma in idf:
            return idf[lemma]
        if text in idf:
            return idf[text]
        return max(idf.values())
    return 1.0


def _depth(tok) -> int:
    d = 0
    while tok.head.i != tok.i and d < 50:
        tok, d = tok.head, d + 1
    return d


def _tree_distance(doc, a: int, b: int, depth: list[int]) -> int:
    x, y = doc[a], doc[b]
    dist = 0
    while x.i != y.i and dist < 40:
        if depth[x.i] >= depth[y.i]:
            x = x.head
        else:
            y = y.head
        dist += 1
    return dist


# --- candidate generation ------------------------------------------------------------

def candidate_spans(doc, q: Question) -> set[tuple[int, int]]:
    """Token spans ``[i, j)`` worth scoring as answers (trimmed, deduplicated)."""
    raw: list[tuple[int, int]] = [(e.start, e.end) for e in doc.ents]
    raw += [(nc.start, nc.end) for nc in doc.noun_chunks]
    raw += _proper_runs(doc)
    long_ok = set()   # the whole subject / object the question asks for may run longer
    for tok in doc:
        if _asked_argument(tok, q):
            long_ok.add(_trim(doc, *_subtree(tok)))
        if tok.like_num and tok.dep_ == "nummod" and tok.head.i > tok.i:
            raw.append((tok.i, tok.head.i + 1))          # "two delegates"
        if tok.dep_ in _ARG_DEPS and tok.pos_ in ("NOUN", "PROPN", "NUM", "PRON", "ADJ"):
            raw.append(_subtree(tok))
            raw.extend(_enumeration(doc, tok))               # "theft, fraud and bribery"
            raw.append((tok.left_edge.i, tok.i + 1))     # the noun without what follows it
            raw.append(_core(tok))                       # ... or without its relative clause
            raw.extend(_with_next_prep(doc, tok))        # "an investigation [into the deaths]"
        if tok.dep_ in ("acomp", "oprd") and tok.pos_ == "VERB":
            raw.append(_subtree(tok))                    # a participle as predicate: "deeply concerned"
            raw.append((tok.left_edge.i, tok.i + 1))     # ... without what follows it
        if q.how_adj == "often" and tok.lower_ in FREQUENCY_WORDS:
            raw.append((tok.left_edge.i, tok.i + 1))     # "very frequently", "twice"
        if tok.dep_ == "amod" and tok.pos_ == "ADJ" and any(t.like_num for t in tok.subtree):
            raw.append(_subtree(tok))                    # "60-year-old", "$4-million"
        if q.answer_type in ("MANNER", "REASON", "ADJ", "OTHER", "NOUN") and tok.dep_ in _CLAUSE_DEPS:
            raw.append(_subtree(tok))
        if q.answer_type in ("OTHER", "NOUN", "MANNER") and tok.pos_ == "VERB" and tok.dep_ in ("xcomp", "conj", "advcl", "ccomp", "relcl", "ROOT"):
            raw.append((tok.i, tok.right_edge.i + 1))    # a predicate: "remain silent"
        if q.answer_type in ("OTHER", "NOUN", "MANNER") and tok.pos_ == "VERB" and tok.dep_ == "pcomp":
            raw.append(_core(tok))                       # "by canceling a trip", up to a comma
    spans = set()
    for i, j in raw:
        span = _trim(doc, i, j)
        if span and (span[1] - span[0] <= MAX_SPAN_TOKENS or _name_list(doc, *span)
                     or span in long_ok and span[1] - span[0] <= 2 * MAX_SPAN_TOKENS):
            spans.add(span)
    return spans


def _asked_argument(tok, q: Question) -> bool:
    """``tok`` heads the argument the wh-phrase stands for: the subject of the question's verb
    for "Who complain of ...?" ("Migrants from countries that once were part of ...")."""
    if not q.verb or tok.head.lemma_.lower() not in related_verbs(q.verb):
        return False
    if tok.pos_ == "VERB":   # "arranged [for a smaller boat from ... to run two crossings a day]"
        return q.wh_role == "obj" and tok.dep_ in ("ccomp", "xcomp", "advcl") and any(
            c.dep_ == "nsubj" for c in tok.children)
    return tok.pos_ in ("NOUN", "PROPN") and (q.wh_role == "subj" and tok.dep_ == "nsubj"
                                              or q.wh_role == "obj" and tok.dep_ in ("dobj", "nsubjpass"))


def _name_list(doc, i: int, j: int) -> str:
    """The entity label of a span that lists names of one kind, each with its own description
    ("the club's coach Nora Finch, and team captain Tom Reed"), else ""."""
    root = doc[i:j].root
    items = [root] + [c for c in root.children if c.dep_ == "conj"]
    labels = {t.ent_type_ for t in items}
    if len(items) < 2 or len(labels) != 1 or "" in labels or (i, j) != _trim(doc, *_subtree(root)):
        return ""
    return labels.pop() if j - i <= 2 * MAX_SPAN_TOKENS else ""


def misattached_by(prep):
    """The object noun a "by" phrase belongs to when the parser hung it on an active verb right
    after that object ("called off [a visit to Leeds] [by a minister]"), else None."""
    verb = prep.head
    if prep.dep_ != "agent" or any(c.dep_ == "auxpass" for c in verb.children):
        return None
    return next((o for o in verb.children if o.dep_ == "dobj" and o.right_edge.i + 1 == prep.i), None)


def _with_next_prep(doc, tok) -> list[tuple[int, int]]:
    """An object plus the prepositional phrase right after it that the parser hung on the verb:
    "launch [an inquiry] [into the fire]", "called off [a visit to Leeds] [by
    a minister]" (the attachment is often wrong)."""
    end = tok.right_edge.i + 1
    if tok.dep_ != "dobj" or end >= len(doc):
        return []
    nxt, verb = doc[end], tok.head
    if nxt.head.i != verb.i:
        return []
    # an active verb has no agent: "called off a visit [by a French trade minister]"
    active_by = misattached_by(nxt) is not None and any(c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")
                                                      for c in nxt.children)
    if nxt.dep_ == "prep" and nxt.lower_ in ("into", "of", "about") or active_by:
        return [(tok.left_edge.i, nxt.right_edge.i + 1)]
    return []


def _enumeration(doc, tok) -> list[tuple[int, int]]:
    """The phrase plus a following ", X and Y" (or "and Y" after "A, X") run up to the clause's
    end, which the parser often fails to attach: "for alleged theft, fraud and ..."."""
    end = tok.right_edge.i + 1
    while end - 1 > tok.i and (doc[end - 1].text == "," or doc[end - 1].pos_ == "CCONJ"):
        end -= 1   # the parser may hang the comma or the "and" on the noun
    if end >= len(doc) or not (doc[end].text == "," or doc[end].pos_ == "CCONJ"):
        return []
    for k in range(end + 1, min(len(doc), tok.left_edge.i + MAX_SPAN_TOKENS + 1)):
        if doc[k].is_punct and doc[k].text != ",":
            listed = doc[tok.i:k]   # "A, B and C": a comma and a conjunction, not "A and later did B"
            is_list = any(t.text == "," for t in listed) and any(t.pos_ == "CCONJ" for t in listed)
            return [(tok.left_edge.i, k)] if is_list else []
    return []


def _enumeration_head(doc, i: int, j: int):
    """The first item of an enumeration span (the token the list hangs on), else None."""
    for tok in doc[i:j]:
        if tok.dep_ in _ARG_DEPS and (i, j) in (_trim(doc, *e) for e in _enumeration(doc, tok)):
            return tok
    return None


def _subtree(tok) -> tuple[int, int]:
    return tok.left_edge.i, tok.right_edge.i + 1


def _core(tok) -> tuple[int, int]:
    """The phrase up to its first comma, relative clause or apposition on the right, and up to a
    comma deeper down ("breach of the code[, which carries ...]")."""
    cut = [c.left_edge.i for c in tok.rights if c.dep_ in ("relcl", "appos", "punct", "cc", "conj")]
    cut += [t.i for t in tok.subtree if t.i > tok.i and t.text in (",", ";")]
    return tok.left_edge.i, min(cut) if cut else tok.right_edge.i + 1


def _proper_runs(doc) -> list[tuple[int, int]]:
    runs, start = [], None
    for tok in list(doc) + [None]:
        if tok is not None and tok.pos_ == "PROPN":
            start = tok.i if start is None else start
        elif start is not None:
            runs.append((start, tok.i if tok is not None else len(doc)))
            start = None
    return runs


def _trim(doc, i: int, j: int) -> tuple[int, int] | None:
    while i < j and (doc[i].pos_ in _TRIM_LEFT_POS or doc[i].dep_ in ("poss", "case") and doc[i].pos_ == "PRON"
                     or doc[i].dep_ == "mark" and doc[i].lower_ in ("for", "that")   # "[for] the inquiry to ..."
                     or doc[i].is_space):
        if doc[i].pos_ == "ADP" and doc[i].dep_ not in ("prep", "agent", "dative") and j - i > 1:
            break
        i += 1
    while j > i and (doc[j - 1].pos_ in _TRIM_RIGHT_POS or doc[j - 1].dep_ == "case" or doc[j - 1].is_space):
        j -= 1
    return (i, j) if j > i else None


# --- features ------------------------------------------------------------------------

def span_features(doc, q: Question, ctx: _Context, passage: Passage) -> dict[tuple[int, int], dict[str, float]]:
    """Features of every surviving candidate span of one sentence."""
    entity_labels = {(e.start, e.end): e.label_ for e in doc.ents}
    out = {}
    for i, j in candidate_spans(doc, q):
        feats = _features(doc, i, j, q, ctx, passage, entity_labels)
        if feats is not None:
            out[(i, j)] = feats
    if q.extreme:
        _mark_extreme(doc, q.extreme, out)
    return out


def _mark_extreme(doc, extreme: str, feats: dict[tuple[int, int], dict[str, float]]) -> None:
    """ "How old is the older sister?": of the ages in the sentence, the highest gets ``extreme``."""
    numbers = {span: re.search(r"\d+", doc[span[0]:span[1]].text) for span in feats if _is_age(doc, *span)}
    ages = {span: int(number.group()) for span, number in numbers.items() if number}
    if len(set(ages.values())) < 2:
        return
    best = (max if extreme == "max" else min)(ages.values())
    for span, age in ages.items():
        feats[span]["extreme"] = float(age == best)


def _features(doc, i, j, q, ctx, passage, entity_labels):
    toks = doc[i:j]
    # a named entity is content even when its word is a stop word ("May", "US")
    content = [t for t in toks if not ((t.is_stop and not t.ent_type_) or t.is_punct or t.is_space)]
    if not content:
        if not any(t.like_num for t in toks):
            return None
        content = [t for t in toks if t.like_num]
    in_question = sum(1 for t in content if t.i in ctx.matched)
    if in_question == len(content) or _inside_asked_entity(doc, i, j, ctx):
        return None  # never answer with the question's own words
    root = _enumeration_head(doc, i, j) or toks.root
    # The focus noun heading the span is part of the answer ("which trip" -> "scheduled trip").
    copied = in_question - (root.i in ctx.matched and root.i in ctx.focus)
    label, exact = _label(doc, i, j, root, entity_labels)
    type_w = q.label_weight(label) if label else 0.0
    if label == "CARDINAL" and root.dep_ == "nummod" and q.label_weight("AGE"):
        type_w = 0.0   # "Two sisters" counts people: it is no age
    if q.wants_entity and type_w == 0.0 and _appos_kind(root) == q.answer_type:
        label, type_w = label or "APPOS", 0.8   # "Harwick, the county town": a place
    # "Who complain ...?" -> "Migrants from ...": a noun for people half answers "who"
    people = q.answer_type == "PERSON" and not label and root.pos_ == "NOUN" \
        and focus_kind(root.lemma_.lower()) == "PERSON"
    if people:
        type_w = PEOPLE_TYPE
    if q.answer_type == "ROLE":   # "What job ...?" -> a noun for what a person is, not a name
        type_w = float(not label and root.pos_ == "NOUN" and focus_kind(root.lemma_.lower()) == "PERSON")
        exact = root.i == j - 1
    arg = _argument(root)
    n = j - i
    return {
        "type": type_w * (1.0 if exact else 0.7),
        "mismatch": float((q.wants_entity or q.answer_type == "ROLE") and bool(label) and type_w == 0.0),
        "no_type": float(q.wants_entity and not label and not people),
        "near": _near(ctx, i, j),
        "tree": _tree(doc, ctx, root.i, i, j),
        "cover": ctx.cover,
        "retrieval": passage.score,
        "first": float(passage.rank == 0),
        "heading": float(passage.kind != "paragraph"),
        "title_of_asked": float(not q.focus and root.dep_ == "compound" and root.head.i in ctx.matched
                                and j <= root.head.i),
        # With "what did X try to do?" the wh-word belongs to "do", not to the main verb.
        "verb_arg": 0.0 if q.slot[1] == "vp" else _verb_arg(arg, ctx),
        "appos": _appos(root, ctx),
        "focus": _focus(doc, root, i, j, ctx),
        "overlap": copied / len(content),
        "length": max(0, n - 3),
        "entity": float(exact),
        "propn": float(root.pos_ == "PROPN"),
        "role": _role(arg, q, ctx),
        "slot": _slot_fill(doc, i, j, root, ctx),
        "of_total": float(_is_of_total(doc, i, root)),
        "whole_described": _whole_described(doc, i, j, root, ctx),
        "partial_copy": float(copied > 0),
        "manner_pp": _manner(root, q, ctx),
        "pobj": float(root.dep_ == "pobj"),
        "modifier": float(root.dep_ in ("compound", "poss", "nmod", "amod")),
        "numeric_noun": float(not q.wants_entity and label in _NUMERIC),
        "verb_for_noun": float(q.answer_type == "NOUN" and root.pos_ == "VERB"),
    }


def _inside_asked_entity(doc, i: int, j: int, ctx: _Context) -> bool:
    """The span is part of a name the question already says: "Office" of "the Prosecutor
    General's Office" for a question about the prosecutors."""
    for e in doc.ents:
        if e.start <= i and j <= e.end and (e.end - e.start) > (j - i) and any(
                k in ctx.matched for k in range(e.start, e.end) if not i <= k < j):
            return True
    return False


def _label(doc, i, j, root, entity_labels) -> tuple[str, bool]:
    """The span's entity label and whether the span is exactly that entity (or number)."""
    if _is_age(doc, i, j):
        return "AGE", True
    if doc[j - 1].lower_ in FREQUENCY_WORDS and j - i <= 2:
        return "FREQUENCY", True
    if doc[j - 1].lower_ in WEEKDAYS and j - i <= 2:
        return "WEEKDAY", True   # "Friday", "last Friday"
    for (s, e), label in entity_labels.items():
        if _trim(doc, s, e) == (i, j) or (s, e) == (i, j):
            return label, True
    listed = _listed_label(doc, i, j, entity_labels) or _name_list(doc, i, j) or _place_in_region(doc, i, j, entity_labels)
    if listed:
        return listed, True
    if root.ent_type_:
        return root.ent_type_, False
    if root.like_num or root.pos_ == "NUM":
        return "CARDINAL", j - i == 1
    return "", False


def _place_in_region(doc, i: int, j: int, entity_labels) -> str:
    """ "Leeds, England" (a place and the region it lies in) and "the island of Harwick"
    name one place (GPE)."""
    places = {(s, e) for (s, e), label in entity_labels.items() if label in ("GPE", "LOC")}
    if any((i, k) in places and doc[k].text == "," and (k + 1, j) in places for k in range(i + 1, j - 1)):
        return "GPE"
    # "nearby Wales", "northern Italy": a place with the adjective that places it
    if doc[i].pos_ == "ADJ" and doc[i].dep_ == "amod" and (i + 1, j) in places and doc[i].head.i in range(i + 1, j):
        return "GPE"
    # "the island of Harwick", "the city of Lyon": a place noun named by an "of" phrase
    head = doc[i]
    if (focus_kind(head.lemma_.lower()) == "PLACE" and i + 1 < j and doc[i + 1].lower_ == "of"
            and any((k, j) in places for k in range(i + 2, j))):
        return "GPE"
    return ""


def _listed_label(doc, i: int, j: int, entity_labels) -> str:
    """The label of a list of entities of one kind: "Ann and Joan Hale" (PERSON)."""
    inside = [(s, e, label) for (s, e), label in entity_labels.items() if i <= s and e <= j]
    if len(inside) < 2 or len({label for *_, label in inside}) > 1 or inside[0][0] != i or max(e for _, e, _ in inside) != j:
        return ""
    covered = {k for s, e, _ in inside for k in range(s, e)}
    gaps = [doc[k] for k in range(i, j) if k not in covered]
    if gaps and all(t.text == "," or t.pos_ == "CCONJ" for t in gaps) and any(t.pos_ == "CCONJ" for t in gaps):
        return inside[0][2]
    return ""


_AGE_FORM = re.compile(r"(?:aged? )?\d{1,3}(?:-year-old| years? old)?", re.IGNORECASE)


def _is_age(doc, i: int, j: int) -> bool:
    """How news writes a person's age: "55-year-old", "aged 64", "Nora Finch, 64,"."""
    text = doc[i:j].text
    if not _AGE_FORM.fullmatch(text):
        return False
    if not text.isdigit():
        return True
    before, after = doc[i - 1] if i else None, doc[j] if j < len(doc) else None
    return bool(before is not None and before.text == "," and i >= 2 and doc[i - 2].ent_type_ == "PERSON"
                and after is not None and after.is_punct)


def _argument(root):
    """The noun a number stands for: "38" in "killing 38 of 67 people" -> "people"."""
    tok = root
    for _ in range(3):
        if tok.dep_ in ("nummod", "quantmod") and tok.head.i != tok.i:
            tok = tok.head
        else:
            break
    return tok


def _appos_kind(root) -> str:
    """The answer type named by an apposition to the span ("X, the capital ...")."""
    nouns = [c for c in root.children if c.dep_ == "appos"]
    if root.dep_ == "appos":
        nouns.append(root.head)
    for noun in nouns:
        kind = focus_kind(noun.lemma_.lower())
        if kind:
            return kind
    return ""


def _is_of_total(doc, i: int, root) -> bool:
    """The span is the whole in "38 of 67 people"."""
    return bool(root.like_num and i >= 2 and doc[i - 1].lower_ == "of" and doc[i - 2].like_num)


def _whole_described(doc, i: int, j: int, root, ctx: _Context) -> float:
    """1 when the question's words describe the counted noun after it: "one of eleven vessels
    damaged in the harbour" for "How many boats were damaged?" asks for the whole."""
    if not _is_of_total(doc, i, root) or root.dep_ != "nummod":
        return 0.0
    noun = root.head
    return float(any(t.i in ctx.matched for t in noun.subtree if t.i > noun.i and not i <= t.i < j))


def _slot_fill(doc, i: int, j: int, root, ctx: _Context) -> float:
    """1 when the span is a slot filler or its phrase, 0.5 when it starts with one."""
    for s in ctx.slot:
        tok = doc[s]
        enumerations = [_trim(doc, *e) for e in _enumeration(doc, tok)]
        if (i, j) in enumerations:
            return 1.0
        if i <= s < j and tok.left_edge.i <= i and j <= tok.right_edge.i + 1:
            # the whole phrase ("breach of the safety code") beats its head word alone
            whole = (i, j) in (_trim(doc, *_subtree(tok)), _trim(doc, *_core(tok))) and not enumerations
            return 1.0 if whole else 0.7 if root.i == s or i <= tok.left_edge.i + 2 else 0.4
    return 0.0


def _closeness(ctx: _Context, i: int, j: int, distance, decay: float) -> float:
    """IDF-weighted closeness of the span to each question word matched outside it."""
    total = 0.0
    for lemma, positions in ctx.matches.items():
        best = max((math.exp(-(distance(p) - 1) / decay) for p in positions if not i <= p < j), default=0.0)
        total += ctx.weight[lemma] * best
    return total / ctx.total


def _near(ctx: _Context, i: int, j: int) -> float:
    """Closeness in words."""
    return _closeness(ctx, i, j, lambda p: i - p if p < i else p - j + 1, NEAR_DECAY)


def _tree(doc, ctx: _Context, root: int, i: int, j: int) -> float:
    """Closeness along the parse tree."""
    return _closeness(ctx, i, j, lambda p: _tree_distance(doc, root, p, ctx.depth), TREE_DECAY)


def _is_verb(tok, ctx: _Context) -> bool:
    """``tok`` is the question's verb, or the verb it controls: "declined to *attend* X" for
    "skip", so X is its object."""
    return any(tok.i == v.i for v in ctx.verbs) or tok.dep_ == "xcomp" and any(tok.head.i == v.i for v in ctx.verbs)


def _verb_arg(root, ctx: _Context) -> float:
    """1 when the span is an argument of the question's verb, 0.7 through a preposition."""
    head = root.head
    if _is_verb(head, ctx) or root.dep_ in _SUBJECTS and head.i in ctx.sharing:
        return 1.0
    if head.dep_ in ("prep", "agent", "dative") and _is_verb(head.head, ctx):
        return 0.7
    return 0.0


def _role(root, q: Question, ctx: _Context) -> float:
    """The span fills the wh-phrase's slot: subject of the verb (or its passive agent) / object."""
    if not q.wh_role or not ctx.verbs:
        return 0.0
    head, dep = root.head, root.dep_
    if dep == "pobj" and head.lower_ == "by" and misattached_by(head) is not None:
        head, dep = misattached_by(head), "nsubj"   # "called off a visit to Leeds by X": X visits
    elif dep == "pobj" and (head.dep_ == "agent" or head.lower_ == "by" and head.head.pos_ == "NOUN"):
        head, dep = head.head, "nsubj"   # passive agent, or the agent of a noun ("a visit by X")
    if dep in _SUBJECTS and head.i in ctx.sharing:
        return float(q.wh_role == "subj" and dep == "nsubj")
    if q.wh_role == "subj" and (dep == "appos" and head.i in ctx.agents
                                or any(c.dep_ == "appos" and c.i in ctx.agents for c in root.children)):
        return 1.0   # "the operator, Alder Lines" for "Which company operates ...?"
    if not _is_verb(head, ctx):
        return 0.0
    if q.wh_role == "subj":
        return float(dep == "nsubj")
    return float(dep in ("dobj", "nsubjpass", "attr", "oprd"))


def _manner(root, q: Question, ctx: _Context) -> float:
    """1 for "how" answered by a means of a verb the question names: "protested by canceling a
    trip", "kept operating via financing" (not the "by" of "a trip by officials")."""
    prep = root.head
    return float(q.answer_type == "MANNER" and root.dep_ in ("pobj", "pcomp") and prep.lower_ in _MANNER_PREPS
                 and (prep.head.i in ctx.matched or any(prep.head.i == v.i for v in ctx.verbs)))


def _appos(root, ctx: _Context) -> float:
    if root.dep_ == "appos" and (root.head.i in ctx.matched or root.head.i in ctx.focus):
        return 1.0
    return float(any(c.dep_ == "appos" and c.i in ctx.matched for c in root.children))


def _focus(doc, root, i: int, j: int, ctx: _Context) -> float:
    """The focus noun ("which *river*") stands beside the span or heads it."""
    for f in ctx.focus:
        if i <= f < j:
            return 0.5 if f == root.i and j - i > 1 else 0.0
        tok = doc[f]
        if tok.head.i == root.i or root.head.i == f:
            return 1.0
        if min(abs(f - i), abs(f - (j - 1))) <= 2:
            return 0.6
    return 0.0


# --- candidates ----------------------------------------------------------------------

def _span_candidate(passage: Passage, doc, i: int, j: int, s: float) -> Candidate:
    lo, hi = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
    return Candidate(passage, passage.start + lo, passage.start + hi, passage.text[lo:hi], s, "span")


def _sentence_candidate(passage: Passage, ctx: _Context) -> Candidate:
    w = SENTENCE_WEIGHTS
    z = w["bias"] + w["cover"] * ctx.cover + w["retrieval"] * passage.score
    return Candidate(passage, passage.start, passage.end, passage.text, _sigmoid(z), "sentence")


def span_label(candidate: Candidate) -> str:
    """The entity label of the candidate's span ("PERSON", "DATE", ...), or "" when it is none."""
    if candidate.kind != "span":
        return ""
    lo, hi = candidate.start - candidate.passage.start, candidate.end - candidate.passage.start
    doc = nlp.parse(candidate.passage.text)
    inside = [e for e in doc.ents if lo <= e.start_char and e.end_char <= hi]
    return inside[0].label_ if len(inside) == 1 else ""
