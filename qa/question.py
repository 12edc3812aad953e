"""Question analysis: what a question asks for, read from its spaCy parse and WordNet.

``analyse("Which NFL team won Super Bowl 50?")`` gives wh ``"which"``, focus noun ``"team"``
(a kind of group in WordNet, so answer type ``"ORG"``), main verb ``"win"``, the wh-phrase's
role ``"subj"`` and the content words NFL, team, won, Super, Bowl, 50.

Answer types (for the confidence model and "Why?"; the reader learns its own classes):

    PERSON  ORG  PLACE  DATE  NUMBER   who / when / where / how many ... / what + a noun of that kind
    NOUN     what/which + a noun of another kind ("what instrument")
    ADJ      how + an adjective that is not a measure ("how successful")
    MANNER   how did/does ...          REASON  why ...
    YESNO    is/does/can ... ?         OTHER   bare what/which, "name the ...", no signal

Rules that are more than reading the parse are named in ``RULES`` and can be switched off
(the benchmark's ablation does).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from index import nlp
from qa import lexicon

ANSWER_TYPES = ("PERSON", "ORG", "PLACE", "DATE", "NUMBER", "NOUN", "ADJ", "MANNER", "REASON", "YESNO", "OTHER")
WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")
RULES: set[str] = {"generic_focus", "reported_clause", "stranded_preposition", "to_do"}

# closed-class words of English grammar, not knowledge of any topic
_YESNO_STARTERS = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should",
                   "has", "have", "had", "may", "might", "must", "shall"}
_LIGHT_VERBS = {"be", "do", "have"}
_MEASURES = {"many", "much", "long", "old", "far", "tall", "high", "big", "large", "deep", "wide", "heavy",
             "often", "early", "late", "soon", "fast", "hot", "cold", "small"}
# "what kind of X", "the name of the X": the noun after "of" carries the type
_GENERIC_FOCUS = {"kind", "type", "sort", "form", "name", "part", "one", "example"}
# WordNet's lexicographer files of nouns -> the answer type a focus noun of that file asks for
_SUPERSENSE_TYPES = {"person": "PERSON", "group": "ORG", "location": "PLACE", "time": "DATE", "quantity": "NUMBER"}


@dataclass(frozen=True)
class Term:
    text: str   # lower-cased surface form
    lemma: str  # lower-cased lemma
    i: int      # token index in the question
    name: bool = False   # a proper noun ("Finch")


@dataclass(frozen=True)
class Question:
    text: str
    wh: str                              # one of WH_WORDS, or "" (yes/no, imperative, ...)
    answer_type: str                     # one of ANSWER_TYPES
    focus: str                           # lemma of the focus noun ("team"), or ""
    verb: str                            # lemma of the main verb ("win"), or "" for a copula
    content: tuple[Term, ...]            # content words (no stop words, wh-words, punctuation)
    how_adj: str = ""                    # "many" in "how many ..."
    wh_role: str = ""                    # "subj" / "obj": the wh-phrase's role for the verb
    slot: tuple[str, str] = ("", "")     # (anchor lemma, relation) the answer fills, see _slot
    focus_plural: bool = False           # the focus noun is plural ("which *moons*"): a list is asked for

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset(t.lemma for t in self.content) | frozenset(t.text for t in self.content)


@functools.lru_cache(maxsize=2048)
def analyse(question: str) -> Question:
    """Parse ``question`` and read off its wh-word, answer type, focus, verb and terms (cached:
    the reader, retrieval and abstention all ask)."""
    doc = nlp.parse(question.strip())
    wh_tok = _wh_token(doc)
    wh = wh_tok.lower_ if wh_tok is not None else ""
    focus_tok = _focus_token(doc, wh_tok)
    focus = focus_tok.lemma_.lower() if focus_tok is not None else ""
    verb_tok = _main_verb_token(doc)
    answer_type, how_adj = _answer_type(doc, wh_tok, wh, focus)
    slot = _slot(doc, wh_tok)
    wh_role = "" if slot[1] else _wh_role(wh_tok, verb_tok)
    reported = _reported_clause(wh_tok, verb_tok)
    if reported is not None and not slot[1]:
        verb_tok = reported
        wh_role = _wh_role(wh_tok, reported) if wh_tok.head.i == reported.i else (
            "obj" if any(c.dep_ in ("nsubj", "nsubjpass") for c in reported.children) else "subj")
    verb = verb_tok.lemma_.lower() if verb_tok is not None else ""
    return Question(text=question, wh=wh, answer_type=answer_type, focus=focus, verb=verb,
                    content=_content_terms(doc, how_adj, verb_tok), how_adj=how_adj, wh_role=wh_role, slot=slot,
                    focus_plural=focus_tok is not None and focus_tok.tag_ in ("NNS", "NNPS"))


# The classes a report groups questions by (``report_class``): what the question asks for, read
# off the same parse; "which/what + noun" has a focus noun, "what" none.
REPORT_CLASSES = ("which/what + noun", "what", "who", "when", "where", "how many/much/long", "how", "why",
                  "yes/no", "other")


def report_class(q: Question) -> str:
    """The class of question a report groups by: "Which moons did it pass?" -> "which/what + noun",
    "How long did it last?" -> "how many/much/long", "Did it land?" -> "yes/no"."""
    if q.answer_type == "YESNO":
        return "yes/no"
    if q.wh in ("what", "which") and q.focus:
        return "which/what + noun"
    if q.wh in ("who", "whom", "whose"):
        return "who"
    if q.wh in ("what", "which"):
        return "what"
    if q.wh == "how":
        return "how many/much/long" if q.how_adj in _MEASURES else "how"
    return q.wh if q.wh in ("when", "where", "why") else "other"


def focus_kind(lemma: str) -> str:
    """The answer type a noun names ("city" -> PLACE, "minister" -> PERSON), or ""."""
    return _SUPERSENSE_TYPES.get(lexicon.supersense(lemma), "")


def _wh_token(doc):
    for tok in doc:
        if tok.lower_ in WH_WORDS and (tok.tag_ in ("WDT", "WP", "WP$", "WRB") or tok.i == 0):
            return tok
    return None


def _focus_token(doc, wh_tok):
    """The noun the question asks about: "which *team*", "what is the *capital* of ..."."""
    if wh_tok is None or wh_tok.lower_ not in ("what", "which", "whose"):
        return None
    head = wh_tok.head
    if wh_tok.dep_ == "det" and head.pos_ in ("NOUN", "PROPN"):
        focus = head
    elif wh_tok.i + 1 < len(doc) and doc[wh_tok.i + 1].pos_ == "NOUN" and doc[wh_tok.i + 1].dep_ != "ROOT":
        focus = doc[wh_tok.i + 1]
    else:
        focus = _copula_focus(doc, wh_tok)
    if focus is not None and "generic_focus" in RULES and focus.lemma_.lower() in _GENERIC_FOCUS:
        of_obj = [c for p in focus.children if p.lower_ == "of" for c in p.children if c.dep_ == "pobj"]
        if of_obj and of_obj[0].pos_ in ("NOUN", "PROPN"):
            return of_obj[0]
    return focus


def _copula_focus(doc, wh_tok):
    """ "What is the capital of France?" -> capital (the other side of the copula)."""
    root = doc[:].root
    if root.lemma_ != "be":
        return None
    return next((c for c in root.children if c.dep_ in ("nsubj", "attr") and c.i != wh_tok.i and c.pos_ == "NOUN"), None)


def _answer_type(doc, wh_tok, wh: str, focus: str) -> tuple[str, str]:
    if wh_tok is None:
        return ("YESNO" if len(doc) and doc[0].lower_ in _YESNO_STARTERS else "OTHER"), ""
    fixed = {"who": "PERSON", "whom": "PERSON", "whose": "PERSON", "when": "DATE", "where": "PLACE", "why": "REASON"}
    if wh in fixed:
        return fixed[wh], ""
    if wh == "how":
        nxt = doc[wh_tok.i + 1] if wh_tok.i + 1 < len(doc) else None
        if nxt is None or nxt.pos_ in ("AUX", "VERB"):
            return "MANNER", ""
        return ("NUMBER" if nxt.lower_ in _MEASURES else "ADJ"), nxt.lower_
    if focus:
        return focus_kind(focus) or "NOUN", ""
    return "OTHER", ""


def _main_verb_token(doc):
    root = doc[:].root
    # The small model often tags the verb of "When did the war end?" as a noun: an auxiliary
    # or a subject hanging from the root says it is the verb all the same.
    verb_like = root.pos_ == "VERB" or any(c.dep_ in ("aux", "auxpass", "nsubj", "nsubjpass") for c in root.children)
    if verb_like and root.pos_ != "AUX" and root.lemma_.lower() not in _LIGHT_VERBS:
        return root
    for tok in root.subtree:
        if (tok.pos_ == "VERB" and tok.lemma_.lower() not in _LIGHT_VERBS
                and tok.dep_ in ("xcomp", "ccomp", "relcl", "conj", "acl", "advcl", "acomp", "ROOT")):
            return tok
    return None


def _reported_clause(wh_tok, verb_tok):
    """The verb of the clause a verb of saying or thinking (WordNet: communication, cognition)
    introduces, when the wh-word is its argument: "What did X say had failed?" -> fail."""
    if "reported_clause" not in RULES or wh_tok is None or verb_tok is None:
        return None
    if lexicon.verb_supersense(verb_tok.lemma_.lower()) not in ("communication", "cognition"):
        return None
    if wh_tok.head.dep_ == "ccomp" and wh_tok.head.head.i == verb_tok.i and wh_tok.head.pos_ == "VERB":
        return wh_tok.head
    if wh_tok.head.i != verb_tok.i or wh_tok.dep_ not in ("dobj", "nsubj"):
        return None
    clauses = [c for c in verb_tok.children if c.dep_ == "ccomp" and c.pos_ == "VERB"
               and not any(g.dep_ == "dobj" for g in c.children)]
    return clauses[0] if clauses else None


def _wh_role(wh_tok, verb_tok=None) -> str:
    """ "Who founded X?" -> subj; "What did X found?" -> obj (through a what/which + noun)."""
    if wh_tok is None:
        return ""
    tok = wh_tok.head if wh_tok.dep_ in ("det", "poss") else wh_tok
    if wh_tok.lower_ == "how" and tok.head.lower_ in ("many", "much") and tok.head.head.pos_ in ("NOUN", "PROPN"):
        tok = tok.head.head   # "How many people died?": the role of "people"
    if tok.dep_ == "nsubj" and verb_tok is not None and tok.head.i != verb_tok.i and any(
            c.dep_ == "nsubj" and c.i != tok.i for c in verb_tok.children):
        return "obj"  # "Which city was the jet approaching?": the verb has its own subject
    if tok.dep_ in ("nsubj", "nsubjpass"):
        return "subj" if tok.dep_ == "nsubj" else "obj"
    if tok.dep_ in ("dobj", "attr", "oprd"):
        return "obj"
    return ""


def _slot(doc, wh_tok) -> tuple[str, str]:
    """Where the answer hangs when the wh-word is not the verb's plain argument: the object of a
    stranded preposition ("What was he charged *with*?" -> ("charge", "prep:with")) or the
    complement of "to do" ("What did she try to do?" -> ("try", "vp"))."""
    if wh_tok is None or wh_tok.lower_ not in ("what", "which", "who", "whom", "where"):
        return "", ""
    if "stranded_preposition" in RULES:
        for tok in doc:
            if tok.dep_ == "prep" and tok.i > wh_tok.i and not any(c.dep_ in ("pobj", "pcomp") and c.i > tok.i
                                                                   for c in tok.children) \
                    and (tok.i + 1 == len(doc) or doc[tok.i + 1].is_punct):
                return tok.head.lemma_.lower(), "prep:" + tok.lower_
    if "to_do" in RULES:
        for tok in doc:
            if tok.lemma_.lower() == "do" and tok.dep_ in ("xcomp", "ccomp") and tok.head.pos_ == "VERB" \
                    and not any(c.dep_ == "dobj" and c.i != wh_tok.i for c in tok.children):
                return tok.head.lemma_.lower(), "vp"
    return "", ""


def _content_terms(doc, how_adj: str = "", verb_tok=None) -> tuple[Term, ...]:
    """Content words; the main verb counts even when it is a stop word ("call", "give", "make")."""
    main = verb_tok.i if verb_tok is not None and verb_tok.lemma_.lower() not in _LIGHT_VERBS else -1
    return tuple(Term(t.lower_, t.lemma_.lower(), t.i, t.pos_ == "PROPN") for t in doc
                 if not ((t.is_stop and t.i != main) or t.is_punct or t.is_space) and t.lower_ not in WH_WORDS
                 and not (how_adj and t.lower_ == how_adj and t.i > 0 and doc[t.i - 1].lower_ == "how"))
