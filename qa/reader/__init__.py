"""The extractive reader: picks the answer span inside the best retrieved sentences.

No QA-trained model exists offline, so the reader is a log-linear scorer over named features
of spaCy parses and WordNet, fitted on the fit split (``model.py``). For the first ``READ_K``
passages (plus a retrieved sentence that continues one of them with a pronoun, or names what
one of them only describes) it

1. generates candidate spans (``candidates.py``): entities, noun chunks, arguments, counts,
   coordinations, predicates, clauses, ... and the whole sentence;
2. aligns the question's words with the sentence (``align.py``: same word, or a WordNet
   synonym or derivation) and drops spans made only of the question's own words;
3. describes each span by named features (``features.py``) and weighs all spans of all read
   sentences in one softmax (``model.py``: the probability that each is the answer);
4. ranks them by expected F1 under that distribution (minimum Bayes risk): a span that overlaps
   other likely spans ("the 1914 borders" among "borders", "the 1914 borders of Russia") is a
   safer answer than an isolated one. ``Candidate.score`` is that expected F1, in [0, 1].
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from index import nlp
from qa.passage import Passage, first_word
from qa.question import Question, analyse
from qa.reader import candidates as generation
from qa.reader import features as described
from qa.reader.align import OPENING_PRONOUNS, Alignment
from qa.reader.model import model
from qa.reader.span import Span
from qa.settings import Settings
from qa.text import normalize_answer

READ_K = Settings.read_k   # passages the reader looks inside (ask() passes as many; the fit's readings hold more)
MBR_SUPPORT = 20    # the most probable spans the expected F1 is taken over
RULES: set[str] = {"continuations", "definitions", "drop_question_words"}   # switched off by ablations


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int      # offsets into the document text (inside passage.start..passage.end)
    end: int
    text: str       # == document_text[start:end]
    score: float    # the model's probability that this is the answer, in [0, 1]
    kind: str = "span"   # "span" or "sentence" (the whole sentence)
    label: str = ""      # entity label of the span, if it is one
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)


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


def read(question: str, passages: Sequence[Passage], idf: Mapping[str, float] | None = None,
         context: Sequence[Passage] = (), referent: Referent | None = None) -> list[Candidate]:
    """Candidates best first; empty only when there are no passages.

    ``idf`` maps lower-cased lemmas to inverse document frequencies; ``context``: other retrieved
    sentences (one before a sentence that opens with a pronoun tells whom it names);
    ``referent``: for a question read as typed, what may stand for its pronoun.
    """
    found = extract(question, passages, idf, context, referent)
    yes_no = analyse(question).answer_type == "YESNO"
    scores = expected_f1([c.text for c in found], model().probabilities([c.features for c in found], yes_no))
    ranked = [Candidate(c.passage, c.start, c.end, c.text, s, c.kind, c.label, c.features)
              for c, s in zip(found, scores)]
    return sorted(ranked, key=lambda c: (-c.score, c.start - c.end))


def expected_f1(texts: Sequence[str], probabilities: Sequence[float], support: int = MBR_SUPPORT) -> list[float]:
    """For each text, its expected token F1 against the answer, if the answer is drawn from the
    ``support`` most probable texts with their probabilities.

    >>> [round(x, 2) for x in expected_f1(["the 1914 borders", "borders", "Russia"], [0.4, 0.35, 0.25])]
    [0.63, 0.62, 0.25]
    """
    bags = [_bag(t) for t in texts]
    likely = sorted(range(len(texts)), key=lambda k: -probabilities[k])[:support]
    return [sum(probabilities[k] * _overlap_f1(bags[n], bags[k]) for k in likely) for n in range(len(texts))]


def _bag(text: str) -> collections.Counter:
    return collections.Counter(normalize_answer(text).split())


def _overlap_f1(a: collections.Counter, b: collections.Counter) -> float:
    same = sum((a & b).values())
    return 2 * same / (sum(a.values()) + sum(b.values())) if same else 0.0


def extract(question: str, passages: Sequence[Passage], idf: Mapping[str, float] | None = None,
            context: Sequence[Passage] = (), referent: Referent | None = None) -> list[Candidate]:
    """Every candidate with its features, unscored (what the fit command learns from)."""
    if not passages:
        return []
    q = analyse(question)
    by_place = {(p.source, p.position): p.text for p in [*context, *passages]}
    chosen = _with_continuations(list(passages)[:READ_K], context)
    definitions = _definitions(chosen, context, q) if "definitions" in RULES else {}
    out: list[Candidate] = []
    for passage in [*chosen, *definitions]:
        doc = nlp.parse(passage.text)
        align = Alignment(doc, q, idf, _antecedent(by_place, passage), referent, definitions.get(passage))
        out += _spans(doc, q, align, passage)
        out.append(_sentence(align, passage))
    return out


def _spans(doc, q: Question, align: Alignment, passage: Passage) -> list[Candidate]:
    out = []
    labels = _entity_labels(doc)
    for (i, j), generators in generation.candidate_spans(doc, q).items():
        if "drop_question_words" in RULES and _only_question_words(doc, i, j, align):
            continue   # never answer with the question's own words
        span = Span(doc, i, j, generators, passage, align, labels.get((i, j), ""), _root(align, i, j))
        lo, hi = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
        out.append(Candidate(passage, passage.start + lo, passage.start + hi, passage.text[lo:hi], 0.0,
                             "span", span.label, described.features(span)))
    return out


def _sentence(align: Alignment, passage: Passage) -> Candidate:
    """The whole sentence as a candidate (a why- or yes/no-question is often best answered so)."""
    feats = {f"whole_sentence|{described.coarse_class(align.q)}": 1.0, **described.sentence_features(align, passage)}
    return Candidate(passage, passage.start, passage.end, passage.text, 0.0, "sentence", "", feats)


def _root(align: Alignment, i: int, j: int):
    """The span's head: its token whose head lies outside it (the highest one)."""
    return min(align.tokens[i:j], key=lambda t: align.depth[t.i])


def _only_question_words(doc, i: int, j: int, align: Alignment) -> bool:
    tokens = align.tokens[i:j]
    content = [t for t in tokens if not ((t.is_stop and not t.ent_type_) or t.is_punct or t.is_space)]
    if not content:
        return not any(t.like_num for t in tokens)
    return all(t.i in align.matched for t in content)


def _entity_labels(doc) -> dict[tuple[int, int], str]:
    """Spans that are one named entity (with or without a determiner), or a list of entities of
    one kind ("Ann Hale and Joan Hale"), with their label."""
    out = {}
    for e in doc.ents:
        out[(e.start, e.end)] = e.label_
        trimmed = generation.trim(doc, e.start, e.end)
        if trimmed:
            out[trimmed] = e.label_
    for tok in doc:
        items = [tok] + [c for c in tok.children if c.dep_ == "conj"]
        kinds = {t.ent_type_ for t in items}
        if len(items) > 1 and len(kinds) == 1 and "" not in kinds:
            for span in (generation.subtree(tok), (tok.left_edge.i, generation.core(items[-1])[1])):
                trimmed = generation.trim(doc, *span)
                if trimmed:
                    out.setdefault(trimmed, tok.ent_type_)
    return out


# --- which sentences are read -------------------------------------------------------------

_DEFINITION = re.compile(r"\b[Tt]he ([a-z]+), [A-Z]")   # "The operator, Alder Lines, ..."


def described_noun(text: str) -> str:
    """The noun a sentence gives a name to ("operator" in "The operator, Alder Lines, ..."), or ""."""
    match = _DEFINITION.search(text)
    return match.group(1) if match else ""


def _definitions(read: Sequence[Passage], context: Sequence[Passage], q: Question) -> dict[Passage, tuple[str, str]]:
    """Retrieved sentences that name what a read sentence only describes: "He said the operator
    had ..." is read, "The operator, Alder Lines, said ..." names it."""
    places = {(p.source, p.position) for p in read}
    out = {}
    for p in context:
        noun = described_noun(p.text)
        if (p.source, p.position) in places or not noun or noun not in q.lemmas:
            continue
        describing = [r.text for r in read if r.source == p.source and re.search(rf"\b[Tt]he {noun}\b", r.text)]
        if describing:
            out[p] = (" ".join(describing), noun)
    return out


def _with_continuations(passages: list[Passage], context: Sequence[Passage]) -> list[Passage]:
    """The passages plus any retrieved sentence that continues one of them with a pronoun."""
    if "continuations" not in RULES:
        return passages
    places = {(p.source, p.position) for p in passages}
    more = [p for p in context if (p.source, p.position - 1) in places and (p.source, p.position) not in places
            and first_word(p.text) in OPENING_PRONOUNS]
    return passages + more[:READ_K]


def _antecedent(by_place: Mapping[tuple[str, int], str], passage: Passage) -> str | None:
    """The retrieved sentence before ``passage`` (and the one before that while it opens with a pronoun)."""
    texts, position = [], passage.position - 1
    while (passage.source, position) in by_place and len(texts) < 2:
        texts.insert(0, by_place[(passage.source, position)])
        if first_word(texts[0]) not in OPENING_PRONOUNS:
            break
        position -= 1
    return " ".join(texts) or None


def span_label(candidate: Candidate) -> str:
    """The entity label of the candidate's span ("PERSON", "DATE", ...), or ""."""
    return candidate.label
