"""Question analysis: what kind of answer a question asks for, read from its spaCy parse.

``analyse("Which NFL team won Super Bowl 50?")`` gives wh ``"which"``, answer type ``"ORG"``
(the focus noun *team*), main verb ``"win"`` and the content words NFL, team, won, Super,
Bowl, 50. The reader matches ``labels`` (spaCy entity labels with a weight in (0, 1]) against
its candidate spans and never answers with the question's own content words.

Answer types:

    PERSON  ORG  PLACE  DATE  NUMBER   a named or numeric entity is expected
    ROLE     what job / position / post: a noun for what a person is ("director")
    NOUN     what/which + a noun head that names no entity type ("what instrument")
    ADJ      how + an adjective that is not a measure ("how successful")
    MANNER   how did/does ...          REASON  why ...
    YESNO    is/does/can ... ?         OTHER   bare what/which, "name the ...", no signal
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from index import nlp

ANSWER_TYPES = ("PERSON", "ORG", "PLACE", "DATE", "NUMBER", "ROLE", "NOUN", "ADJ", "MANNER", "REASON",
                "YESNO", "OTHER")
WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")

_PERSON = {"PERSON": 1.0, "NORP": 0.4, "ORG": 0.4}
_ORG = {"ORG": 1.0, "NORP": 0.5, "GPE": 0.4, "PRODUCT": 0.3, "PERSON": 0.3, "FAC": 0.3}
_PLACE = {"GPE": 1.0, "LOC": 1.0, "FAC": 0.9, "ORG": 0.4, "NORP": 0.3}
_DATE = {"DATE": 1.0, "WEEKDAY": 1.0, "TIME": 0.8, "CARDINAL": 0.3, "EVENT": 0.2}
_WEEKDAY = {"WEEKDAY": 1.0, "DATE": 0.3}   # WEEKDAY: the reader's "Friday"
# FREQUENCY: the reader's "frequently", "every week" (how often)
FREQUENCY_WORDS = frozenset("always usually often frequently regularly routinely repeatedly constantly "
                            "sometimes occasionally rarely seldom never daily weekly monthly yearly annually "
                            "hourly nightly twice thrice".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_COUNT = {"CARDINAL": 1.0, "QUANTITY": 0.9, "MONEY": 0.6, "PERCENT": 0.6, "DATE": 0.3, "ORDINAL": 0.2}
_AMOUNT = {"MONEY": 1.0, "QUANTITY": 1.0, "PERCENT": 0.9, "CARDINAL": 0.8}
_MONEY = {"MONEY": 1.0, "CARDINAL": 0.6, "QUANTITY": 0.4}
_PERCENT = {"PERCENT": 1.0, "CARDINAL": 0.6, "QUANTITY": 0.3}
_DURATION = {"DATE": 1.0, "TIME": 0.9, "QUANTITY": 0.7, "CARDINAL": 0.5}
_MEASURE = {"QUANTITY": 1.0, "CARDINAL": 0.7, "MONEY": 0.3, "PERCENT": 0.3}
_AGE = {"AGE": 1.0, "DATE": 0.6, "CARDINAL": 0.7, "QUANTITY": 0.4}   # AGE: the reader's "55-year-old"

# Focus nouns (what/which + noun, "the name of the X") that name an entity type.
_FOCUS = {
    "PERSON": (_PERSON, "person man woman leader president king queen emperor empress author writer "
               "scientist artist player coach architect founder director actor actress singer "
               "composer poet philosopher general minister pope ruler son daughter father mother "
               "wife husband brother sister individual inventor explorer chancellor governor mayor "
               "ceo chairman quarterback engineer physicist chemist mathematician economist "
               "politician painter commander bishop priest saint prophet owner historian "
               "scholar critic judge senator monarch prince princess duke lord successor "
               "predecessor teacher student winner designer producer manager official "
               "migrant resident worker citizen employee member officer soldier protester voter "
               "farmer passenger victim journalist reporter diplomat investigator lawyer doctor "
               "nurse child parent sibling colleague fighter rebel militant attacker gunman suspect "
               "prisoner detainee driver pilot captain guard editor chief head deputy chair "
               "chairwoman chairperson secretary ambassador envoy consul spokesman spokeswoman "
               "spokesperson correspondent analyst adviser advisor executive premier lecturer "
               "professor researcher curator clerk treasurer"),
    "ORG": (_ORG, "company organization organisation team university college school institution "
            "agency group party club band firm corporation network newspaper league council "
            "church committee association union army bank airline channel magazine publisher "
            "court business manufacturer studio institute body navy"),
    "PLACE": (_PLACE, "city country state town place region area continent nation island river "
              "mountain province county location village capital ocean sea lake district "
              "territory street site port border valley desert neighborhood neighbourhood park "
              "stadium venue building city-state airport peninsula"),
    "DATE": (_DATE, "year date day month century decade time era period season"),
    "RANK": ({"ORDINAL": 1.0, "CARDINAL": 0.5}, "rank ranking position"),
    "NUMBER": (_COUNT, "number amount population size total quantity score sum"),
}
_FOCUS_SPECIAL = {
    "percentage": _PERCENT, "percent": _PERCENT, "proportion": _PERCENT, "share": _PERCENT,
    "cost": _MONEY, "price": _MONEY, "fee": _MONEY, "salary": _MONEY, "budget": _MONEY,
    "revenue": _MONEY, "worth": _MONEY, "value": _AMOUNT,
    "temperature": _MEASURE, "distance": _MEASURE, "height": _MEASURE, "length": _MEASURE,
    "speed": _MEASURE, "weight": _MEASURE, "rate": _AMOUNT, "age": _AGE,
    "term": _DURATION, "sentence": _DURATION, "duration": _DURATION, "spell": _DURATION,
    "language": {"LANGUAGE": 1.0, "NORP": 0.6}, "nationality": {"NORP": 1.0, "GPE": 0.5},
    "religion": {"NORP": 1.0, "ORG": 0.4}, "ethnicity": {"NORP": 1.0},
}
_FOCUS_TYPE = {"percentage": "NUMBER", "percent": "NUMBER", "proportion": "NUMBER",
               "share": "NUMBER", "cost": "NUMBER", "price": "NUMBER", "fee": "NUMBER",
               "salary": "NUMBER", "budget": "NUMBER", "revenue": "NUMBER", "worth": "NUMBER",
               "value": "NUMBER", "temperature": "NUMBER", "distance": "NUMBER",
               "height": "NUMBER", "length": "NUMBER", "speed": "NUMBER", "weight": "NUMBER",
               "rate": "NUMBER", "age": "NUMBER", "term": "NUMBER", "sentence": "NUMBER",
               "duration": "NUMBER", "spell": "NUMBER"}
_FOCUS_KIND = {"RANK": "NUMBER"}
_FOCUS_LOOKUP = {word: (_FOCUS_KIND.get(kind, kind), labels) for kind, (labels, words) in _FOCUS.items() for word in words.split()}
_FOCUS_LOOKUP.update({w: (_FOCUS_TYPE.get(w, "NOUN"), labels) for w, labels in _FOCUS_SPECIAL.items()})
# "what kind of X", "the name of the X": the noun after "of" carries the type.
_GENERIC_FOCUS = {"kind", "type", "sort", "form", "name", "part", "one", "title", "example"}
# "What job does X hold?": the answer is a noun for what a person is, not a named entity.
_ROLE_FOCUS = {"job", "post", "role", "occupation", "profession"}
_ROLE_OR_RANK = {"position", "rank"}   # a role when held ("What position does X hold?"), else a rank
# Focus nouns that only say what kind of answer is wanted: the sentence that answers "What year
# did ...?" or "What event did ...?" rarely contains "year" or "event", so they are no content.
_FRAME_FOCUS = frozenset(_FOCUS["DATE"][1].split()) | _ROLE_FOCUS | {"week", "event"}
# ... nor is the verb that only carries a role: "What job does X hold / have?"
_ROLE_VERBS = {"hold", "have", "occupy", "fill", "do"}

_HOW_ADJ = {
    "many": _COUNT, "much": _AMOUNT, "long": _DURATION, "old": _AGE, "far": _MEASURE,
    "tall": _MEASURE, "high": _MEASURE, "big": _MEASURE, "large": _MEASURE, "deep": _MEASURE,
    "wide": _MEASURE, "heavy": _MEASURE, "often": {"FREQUENCY": 1.0, "DATE": 0.8, "CARDINAL": 0.5},
    "early": _DATE, "late": _DATE, "soon": _DATE, "fast": _MEASURE, "hot": _MEASURE,
    "cold": _MEASURE, "small": _MEASURE,
}
_YESNO_STARTERS = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will",
                   "would", "should", "has", "have", "had", "may", "might", "must", "shall"}
_LIGHT_VERBS = {"be", "do", "have"}
# "What did X say the measures do not match?": the wh-word belongs to the reported clause.
REPORTING_VERBS = {"say", "tell", "claim", "report", "announce", "state", "think", "believe", "insist",
                    "argue", "add", "suggest", "write", "warn", "deny", "admit", "allege"}

# Verbs that ask how something was *called*: "How did X describe Y?" wants the predicate
# ("a terrible mistake"), not a manner adverb.
DEPICT_VERBS = {"describe", "call", "characterize", "characterise", "label", "term", "brand",
                 "portray", "depict", "dub", "name", "consider", "regard", "view", "deem"}
# "How did X feel?" asks for the complement of a linking verb: "it was *deeply concerned*".
LINKING_VERBS = frozenset({"feel", "seem", "look", "sound", "appear", "become", "remain"})

# Near-synonymous verbs a question may use for the article's verb (general English, small on
# purpose: a wrong match costs more than a missed one).
_VERB_GROUPS = [
    "say tell state claim declare announce report add note remark assert",
    "describe call characterize characterise label term brand dub portray depict",
    "accuse blame charge",
    "blame attribute ascribe",             # "blamed the deaths on" ~ "attributed the deaths to"
    "skip miss boycott snub decline",      # not taking part: "skipped" ~ "declined to attend"
    "kill murder slay",
    "die perish",
    "begin start commence launch",
    "end finish conclude complete",
    "buy purchase acquire",
    "make build construct create produce",
    "found establish create form",
    "get receive obtain gain earn win",
    "give grant award donate provide offer",
    "cancel scrap drop abandon call",
    "detain arrest jail imprison",
    "attack strike hit raid assault",
    "leave depart quit",
    "show demonstrate reveal indicate",
    "help aid assist support",
    "try attempt seek",
    "use employ utilize utilise",
    "write author pen compose",
    "criticize criticise condemn denounce",
    "visit tour",
    "deny refuse reject",
    "ask request demand",
    "name appoint nominate elect",
    "lead head run direct manage",
    "cause trigger prompt",
    "increase rise grow climb",
    "decrease fall drop decline",
    "move relocate transfer",
    "live reside dwell",
    "need require",
    "allow permit let enable",
    "stop halt cease",
    "continue keep",
    "take seize confiscate remove",
    "search raid",
    "happen occur",
]
RELATED_VERBS: dict[str, frozenset[str]] = {}
for _group in _VERB_GROUPS:
    for _w in _group.split():
        RELATED_VERBS[_w] = RELATED_VERBS.get(_w, frozenset()) | frozenset(_group.split())


def related_verbs(lemma: str) -> frozenset[str]:
    """The lemma and its near-synonyms: ``related_verbs("accuse")`` holds "blame"."""
    return RELATED_VERBS.get(lemma, frozenset()) | {lemma}


def is_agent_noun(noun: str, verb: str) -> bool:
    """ "operator" names who does "operate" (also "founder", "winner", "visitor")."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return len(stem) >= 3 and noun.startswith(stem) and noun[-2:] in ("er", "or", "ar") and len(noun) - len(stem) <= 3


def focus_kind(lemma: str) -> str:
    """The answer type a noun names ("capital" -> PLACE), or "" when it names none."""
    return _FOCUS_LOOKUP.get(lemma, ("", {}))[0]


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
    labels: tuple[tuple[str, float], ...]  # spaCy entity labels the answer may carry, weighted
    focus: str                           # lemma of the focus noun ("team"), or ""
    verb: str                            # lemma of the main verb ("win"), or "" for a copula
    content: tuple[Term, ...]            # content words (no stop words, wh-words, punctuation)
    how_adj: str = ""                    # "many" in "how many ..."
    wh_role: str = ""                    # "subj" / "obj": the wh-phrase's role for the verb
    slot: tuple[str, str] = ("", "")     # (anchor lemma, relation) the answer fills, see _slot
    frame: frozenset[str] = frozenset()  # lemmas that only say what kind of answer is wanted
                                         # ("year", "job", "hold"): not content, see _frame
    extreme: str = ""                    # "max" / "min": "How old is the *older* sister?"

    def label_weight(self, label: str) -> float:
        return dict(self.labels).get(label, 0.0)

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset(t.lemma for t in self.content) | frozenset(t.text for t in self.content)

    @property
    def wants_entity(self) -> bool:
        return bool(self.labels)


@functools.lru_cache(maxsize=2048)
def analyse(question: str) -> Question:
    """Parse ``question`` and read off its wh-word, answer type, focus, verb, terms (cached: the
    reader, retrieval and abstention all ask)."""
    doc = nlp.parse(question.strip())
    wh_tok = _wh_token(doc)
    wh = wh_tok.lower_ if wh_tok is not None else ""
    focus_tok = _focus_token(doc, wh_tok)
    focus = focus_tok.lemma_.lower() if focus_tok is not None else ""
    verb_tok = _main_verb_token(doc)
    answer_type, labels, how_adj = _answer_type(doc, wh_tok, wh, focus, verb_tok)
    verb = verb_tok.lemma_.lower() if verb_tok is not None else ""
    slot = _slot(doc, wh_tok, verb_tok)
    # With a stranded preposition or "to do", the wh-word is not the main verb's argument.
    wh_role = "" if slot[1] in ("vp",) or slot[1].startswith("prep:") else _wh_role(wh_tok, verb_tok)
    if verb_tok is not None and verb_tok.pos_ == "NOUN" and wh_role:
        wh_role = "obj"   # "What did Finch skip?" (see _misread_verb): Finch is the subject
    reported = _reported_clause(wh_tok, verb_tok)
    if reported is not None and not slot[1]:
        verb_tok, verb = reported, reported.lemma_.lower()
        if wh_tok.head.i == reported.i:
            wh_role = _wh_role(wh_tok, reported)
        else:
            wh_role = "obj" if any(c.dep_ in ("nsubj", "nsubjpass") for c in reported.children) else "subj"
    event = _event_noun(verb_tok)
    if event is not None:
        verb_tok, verb = event, event.lemma_.lower()
    frame = _frame(doc, focus_tok, verb_tok, answer_type)
    # "How did X describe its *reaction*?": the stance is what the description answers
    frame |= {t.i for t in doc if t.lemma_.lower() in _STANCE_NOUNS and t.dep_ == "dobj"
              and t.head.lemma_.lower() in DEPICT_VERBS}
    extreme = _extreme(doc, labels)
    if verb_tok is not None and verb_tok.i in frame:
        verb_tok, verb = None, ""
    return Question(text=question, wh=wh, answer_type=answer_type,
                    labels=tuple(sorted(labels.items(), key=lambda kv: -kv[1])),
                    focus=focus, verb=verb, content=_content_terms(doc, how_adj, verb_tok, frame),
                    how_adj=how_adj, wh_role=wh_role, slot=slot,
                    frame=frozenset(doc[i].lemma_.lower() for i in frame), extreme=extreme)


def frame_lemmas(question: str) -> frozenset[str]:
    """Lemmas of ``question`` that only name the kind of answer: ``{"day", "week"}`` for
    "What day of the week ...?"; the comparative of "the older one", which the ages answer; and
    the verb of "How did X describe Y?", which the description answers ("said it was ...")."""
    q = analyse(question)
    depict = {q.slot[0]} if q.slot[1] == "pred" and q.slot[0] in DEPICT_VERBS else set()
    return q.frame | depict | ({t.lemma for t in q.content if t.text in COMPARATIVES} if q.extreme else frozenset())


_STANCE_NOUNS = {"reaction", "response", "view", "opinion", "stance", "attitude", "feeling", "position",
                 "mood", "state"}
# "the older / younger one": of the ages in the sentence, the highest / lowest
COMPARATIVES = {"older": "max", "oldest": "max", "elder": "max", "eldest": "max",
                 "younger": "min", "youngest": "min"}


def _extreme(doc, labels) -> str:
    if "AGE" not in labels:
        return ""
    return next((COMPARATIVES[t.lower_] for t in doc if t.lower_ in COMPARATIVES and t.i > 1), "")


def _frame(doc, focus_tok, verb_tok, answer_type: str) -> set[int]:
    """Token indices of the focus noun when it only names the answer's kind ("what *year*",
    "what *day* of the *week*", "what *job*"), and of a verb that only carries a role
    ("what job does X *hold*")."""
    if focus_tok is None or focus_tok.lemma_.lower() not in _FRAME_FOCUS | _ROLE_OR_RANK:
        return set()
    out = {focus_tok.i}
    out |= {c.i for p in focus_tok.children if p.lower_ == "of" for c in p.children
            if c.dep_ == "pobj" and c.lemma_.lower() in _FRAME_FOCUS}
    if answer_type == "ROLE" and verb_tok is not None and verb_tok.lemma_.lower() in _ROLE_VERBS:
        out.add(verb_tok.i)
    return out


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
    elif wh_tok.i + 1 < len(doc) and doc[wh_tok.i + 1].pos_ in ("NOUN",) and doc[wh_tok.i + 1].dep_ != "ROOT":
        focus = doc[wh_tok.i + 1]
    else:
        focus = _copula_focus(doc, wh_tok)
    if focus is not None and focus.lemma_.lower() in _GENERIC_FOCUS:
        of_obj = [c for p in focus.children if p.lower_ == "of" for c in p.children if c.dep_ == "pobj"]
        if of_obj and of_obj[0].pos_ in ("NOUN", "PROPN"):
            return of_obj[0]
    return focus


def _copula_focus(doc, wh_tok):
    """ "What is the capital of France?" -> capital (the other side of the copula)."""
    root = doc[:].root
    if root.lemma_ != "be":
        return None
    for child in root.children:
        if child.dep_ in ("nsubj", "attr") and child.i != wh_tok.i and child.pos_ == "NOUN":
            return child
    return None


def _answer_type(doc, wh_tok, wh, focus, verb_tok=None):
    if wh_tok is None:
        first = doc[0].lower_ if len(doc) else ""
        return ("YESNO", {}, "") if first in _YESNO_STARTERS else ("OTHER", {}, "")
    if wh in ("who", "whom"):
        return "PERSON", dict(_PERSON), ""
    if wh == "whose":
        return "PERSON", dict(_PERSON), ""
    if wh == "when":
        return "DATE", dict(_DATE), ""
    if wh == "where":
        return "PLACE", dict(_PLACE), ""
    if wh == "why":
        return "REASON", {}, ""
    if wh == "how":
        return _how_type(doc, wh_tok)
    if focus in _ROLE_FOCUS or focus in _ROLE_OR_RANK and _holds(doc, verb_tok):
        return "ROLE", {}, ""
    if focus == "day" and any(t.lemma_.lower() == "week" for t in doc):
        return "DATE", dict(_WEEKDAY), ""
    if focus in _FOCUS_LOOKUP:
        kind, labels = _FOCUS_LOOKUP[focus]
        return kind, dict(labels), ""
    return ("NOUN" if focus else "OTHER"), {}, ""


def _holds(doc, verb_tok) -> bool:
    """ "What position does X hold?", "What is X's position?": a role, not a rank."""
    if verb_tok is not None:
        return verb_tok.lemma_.lower() in _ROLE_VERBS
    return any(t.dep_ == "poss" for t in doc)


def _how_type(doc, wh_tok):
    nxt = doc[wh_tok.i + 1] if wh_tok.i + 1 < len(doc) else None
    if nxt is None or nxt.pos_ in ("AUX", "VERB"):
        return "MANNER", {}, ""
    adj = nxt.lower_
    labels = dict(_HOW_ADJ.get(adj, {}))
    if adj in ("many", "much", "long") and nxt.i + 1 < len(doc):
        unit = doc[nxt.i + 1].lemma_.lower()
        if unit in ("year", "day", "month", "week", "century", "decade", "hour", "minute"):
            labels = dict(_DURATION)
    if labels:
        return "NUMBER", labels, adj
    return "ADJ", {}, adj


def _main_verb_token(doc):
    root = doc[:].root
    misread = _misread_verb(doc, root)
    if misread is not None:
        return misread
    # The small model often tags the verb of "When did the war end?" as a noun: an auxiliary
    # or a subject hanging from the root says it is the verb all the same.
    verb_like = root.pos_ == "VERB" or any(c.dep_ in ("aux", "auxpass", "nsubj", "nsubjpass")
                                           for c in root.children)
    if verb_like and root.pos_ != "AUX" and root.lemma_.lower() not in _LIGHT_VERBS:
        return root
    for tok in root.subtree:
        if (tok.pos_ == "VERB" and tok.lemma_.lower() not in _LIGHT_VERBS
                and tok.dep_ in ("xcomp", "ccomp", "relcl", "conj", "acl", "advcl", "acomp", "ROOT")):
            return tok
    return None


_SUPPORT_VERBS = {"make", "take", "pay", "give", "hold", "carry", "conduct", "stage"}


def _event_noun(verb_tok):
    """ "make a visit", "carry out an attack": the object names the event, and a verb of its own."""
    if verb_tok is None or verb_tok.lemma_.lower() not in _SUPPORT_VERBS:
        return None
    return next((c for c in verb_tok.children if c.dep_ == "dobj" and c.pos_ == "NOUN"
                 and c.lemma_.lower() in RELATED_VERBS), None)


def _misread_verb(doc, root):
    """The small model reads "What did Finch *skip* in May?" as "did" + a noun object: a bare
    noun right after the subject name of a "do" question is the verb."""
    if root.lemma_.lower() != "do" or root.i == 0:
        return None
    for tok in root.children:
        if (tok.dep_ == "dobj" and tok.i > root.i + 1 and tok.tag_ == "NN" and doc[tok.i - 1].pos_ in ("PROPN", "PRON")
                and not any(c.dep_ in ("det", "amod", "compound", "poss") and c.i != tok.i - 1 for c in tok.children)
                and doc[tok.i - 1].dep_ in ("compound", "nsubj", "poss")):
            return tok
    return None


def _reported_clause(wh_tok, verb_tok):
    """The verb of the clause a reporting verb introduces, when the wh-word is its argument:
    "What did X say the measures do not match?" -> match ("what" hangs on "say" in the parse)."""
    if wh_tok is None or verb_tok is None or verb_tok.lemma_.lower() not in REPORTING_VERBS:
        return None
    if wh_tok.head.dep_ == "ccomp" and wh_tok.head.head.i == verb_tok.i and wh_tok.head.pos_ == "VERB":
        return wh_tok.head   # parsed right: "What did she say [what] had failed?"
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


def _slot(doc, wh_tok, verb_tok) -> tuple[str, str]:
    """Where the answer hangs in the sentence, as (anchor lemma, relation).

    ``"What was he charged with?"`` -> ("charge", "prep:with") (a stranded preposition);
    ``"What did she try to do?"`` -> ("try", "vp") (the complement of the anchor verb);
    ``"How did he describe the crash?"`` -> ("describe", "pred") (the predicative complement).
    """
    if wh_tok is None:
        return "", ""
    if wh_tok.lower_ in ("what", "which", "who", "whom", "where"):   # "Where was it sailing to?"
        for tok in doc:
            if tok.dep_ == "prep" and tok.i > wh_tok.i and not any(c.dep_ in ("pobj", "pcomp") and c.i > tok.i for c in tok.children) \
                    and (tok.i + 1 == len(doc) or doc[tok.i + 1].is_punct):
                return tok.head.lemma_.lower(), "prep:" + tok.lower_
        for tok in doc:
            if tok.lemma_.lower() == "do" and tok.dep_ in ("xcomp", "ccomp") and tok.head.pos_ == "VERB" \
                    and not any(c.dep_ == "dobj" and c.i != wh_tok.i for c in tok.children):
                return tok.head.lemma_.lower(), "vp"
    if wh_tok.lower_ == "how":
        verbs = ([verb_tok] if verb_tok is not None else []) + [t for t in doc if t.pos_ in ("VERB", "AUX")]
        for tok in verbs:
            if tok.lemma_.lower() in DEPICT_VERBS | LINKING_VERBS:
                return tok.lemma_.lower(), "pred"
    return "", ""


def _content_terms(doc, how_adj: str = "", verb_tok=None, frame: set[int] = frozenset()) -> tuple[Term, ...]:
    """Content words; the main verb counts even when it is a stop word ("call", "give", "make");
    the frame words (see ``_frame``) do not."""
    main = verb_tok.i if verb_tok is not None and verb_tok.lemma_.lower() not in _LIGHT_VERBS | REPORTING_VERBS \
        else -1
    return tuple(Term(t.lower_, t.lemma_.lower(), t.i, t.pos_ == "PROPN") for t in doc
                 if not ((t.is_stop and t.i != main) or t.is_punct or t.is_space) and t.lower_ not in WH_WORDS
                 and t.i not in frame
                 and not (how_adj and t.lower_ == how_adj and t.i > 0 and doc[t.i - 1].lower_ == "how"))
