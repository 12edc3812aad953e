"""The extractive reader: verbatim spans with document offsets, typed answers, fallbacks."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from qa.passage import Passage
from qa.question import analyse
from qa.reader import Candidate, read


def miss(*case, why: str):
    """A case the fitted reader gets wrong, listed rather than hidden (strict: a fix must un-list it).
    The reader is judged by the blind benchmark; these made-up sentences pin its behaviour."""
    return pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=why))

# A made-up article; the reader must answer from any text, so none of it is special-cased.
DOC = ("Bridges of Millford\n\n"
       "The Riverside Bridge was designed by the engineer Maria Lopez and opened in 1932. "
       "It cost $4 million and carries about 12,000 vehicles a day across the Ohio River. "
       "The city council voted to close the bridge in March 2019 because of corrosion in its steel cables. "
       "Repairs were carried out by Hanson Construction, a company based in Cincinnati. "
       "About 40 percent of commuters switched to the ferry while the bridge was closed. "
       "A storm in 1947 sank a ferry near the bridge, killing 12 of 40 passengers aboard. "
       "The ferry's owner, Tom Reyes, was charged with negligence and later called the sinking a preventable disaster. "
       "Barges were approaching Dunmore, the largest city on the river, when the storm began. "
       "Reyes had tried to sell the ferry company before the storm.")


def _sentences() -> list[Passage]:
    body = DOC.index("The Riverside")
    out = []
    for m in re.finditer(r"[^.]+?\.(?= |$)", DOC[body:]):
        start = body + m.start() + (1 if DOC[body + m.start()] == " " else 0)
        end = body + m.end()
        out.append(Passage("bridges.txt", start, end, DOC[start:end], "paragraph", len(out), 0.5))
    return out


SENTENCES = _sentences()


def _ranked(first: int) -> list[Passage]:
    """The sentence ``first`` retrieved best, then the next two in document order."""
    order = [first] + [i for i in range(len(SENTENCES)) if i != first][:2]
    return [Passage(**{**SENTENCES[i].__dict__, "rank": r, "score": 0.9 - 0.2 * r})
            for r, i in enumerate(order)]


GOLDEN = [
    ("Who designed the Riverside Bridge?", 0, "Maria Lopez"),
    ("When did the bridge open?", 0, "1932"),
    ("How much did the bridge cost?", 1, "$4 million"),
    ("When did the council vote to close the bridge?", 2, "March 2019"),
    ("Why did the council close the bridge?", 2, "because of corrosion in its steel cables"),
    ("Who carried out the repairs?", 3, "Hanson Construction"),
    ("Where is Hanson Construction based?", 3, "Cincinnati"),
    ("What percentage of commuters switched to the ferry?", 4, "About 40 percent"),
    # "X of Y": a count question asks for the part, not the whole
    ("How many passengers were killed when the ferry sank?", 5, "12"),
    # the object of the question's stranded preposition
    ("What was the ferry's owner charged with?", 6, "negligence"),
    # "how did X describe Y" wants the predicate, matched through a near-synonym ("called")
    ("How did Reyes describe the sinking?", 6, "preventable disaster"),
    # object of the verb although the small model parses "which city" as a subject; the
    # apposition ("the largest city") types the place
    ("Which city were the barges approaching?", 7, "Dunmore"),
    # "what did X try to do" wants the complement of "try"
    ("What had Reyes tried to do before the storm?", 8, "sell the ferry company before the storm"),
]


GOLDEN_MISSES = {
    "Why did the council close the bridge?": 'answers "corrosion in its steel cables" (the cause without "because of")',
    "How did Reyes describe the sinking?": 'answers the predicate "later called the sinking a preventable disaster"',
}


@pytest.mark.parametrize("question, first, expected",
                         [miss(*case, why=GOLDEN_MISSES[case[0]]) if case[0] in GOLDEN_MISSES else case for case in GOLDEN])
def test_golden_answers(question, first, expected):
    best = read(question, _ranked(first))[0]
    assert best.kind == "span"
    assert best.text == expected


@pytest.mark.parametrize("question, first, _", GOLDEN)
def test_every_candidate_is_verbatim_with_document_offsets(question, first, _):
    candidates = read(question, _ranked(first))
    assert candidates
    for c in candidates:
        assert DOC[c.start:c.end] == c.text
        assert c.passage.start <= c.start < c.end <= c.passage.end
        assert c.text == c.passage.text[c.start - c.passage.start:c.end - c.passage.start]
        assert 0.0 <= c.score <= 1.0
        assert c.kind in ("span", "sentence")


@pytest.mark.parametrize("question, first, _", GOLDEN)
def test_spans_are_tight(question, first, _):
    for c in read(question, _ranked(first)):
        if c.kind == "span":
            assert c.text == c.text.strip()
            assert not re.match(r"(?i)(the|a|an)\b", c.text), c.text
            assert c.text[-1] not in ",;:" and c.text[0] not in ",;:(", c.text


@pytest.mark.parametrize("question, first, _", GOLDEN)
def test_never_answers_with_the_questions_own_words(question, first, _):
    asked = analyse(question).lemmas
    for c in read(question, _ranked(first)):
        if c.kind == "span":
            words = {w.lower() for w in re.findall(r"\w+", c.text)}
            assert not words <= asked, c.text


def test_candidates_come_best_first_and_cover_the_first_passages():
    candidates = read("Who designed the Riverside Bridge?", _ranked(0))
    spans = [c for c in candidates if c.kind == "span"]
    assert [c.score for c in spans] == sorted((c.score for c in spans), reverse=True)
    assert {c.passage.position for c in candidates} == {0, 1, 2}
    assert sum(c.kind == "sentence" for c in candidates) == 3


def test_the_right_type_beats_a_closer_wrong_type():
    # "When" wants a date: the year, not the engineer standing next to "opened".
    best = read("When did the bridge open?", _ranked(0))[0]
    assert analyse("When did the bridge open?").answer_type == "DATE"
    assert best.text == "1932"


def test_a_partial_copy_of_the_question_loses_to_the_slot_filler():
    # "Reyes" and "ferry's owner" repeat the question; the charge is what it asks for.
    candidates = [c for c in read("What was Tom Reyes charged with?", _ranked(6)) if c.kind == "span"]
    assert candidates[0].text == "negligence"
    copies = [c for c in candidates if "Reyes" in c.text and c.text != "Tom Reyes"]
    assert all(c.score < candidates[0].score for c in copies)


def test_no_passages_no_candidates():
    assert read("Who designed the bridge?", []) == []


def test_the_whole_sentence_is_always_a_candidate():
    passage = Passage("x.txt", 10, 30, "It rained all week.", "paragraph", 0, 0.1)
    candidates = read("What did the committee conclude about the budget deficit?", [passage])
    sentences = [c for c in candidates if c.kind == "sentence"]
    assert [(c.text, c.start, c.end) for c in sentences] == [(passage.text, 10, 30)]


def test_score_is_an_expected_f1_so_overlapping_likely_spans_support_each_other():
    from qa.reader import expected_f1

    gains = expected_f1(["the 1914 borders", "borders", "Russia"], [0.4, 0.35, 0.25])
    assert gains[0] > gains[2] and gains[1] > gains[2]
    assert expected_f1(["Paris"], [1.0]) == [1.0]


def test_idf_mapping_is_accepted_and_changes_nothing_structural():
    idf = {"bridge": 0.1, "design": 3.0, "riverside": 3.0}
    best = read("Who designed the Riverside Bridge?", _ranked(0), idf=idf)[0]
    assert best.text == "Maria Lopez"


def test_candidate_fields_are_the_public_contract():
    assert list(Candidate.__dataclass_fields__) == ["passage", "start", "end", "text", "score", "kind", "label",
                                                    "features"]


def test_importing_the_reader_loads_no_model():
    code = "import sys, qa.reader; print('spacy' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# One sentence each (made-up news): the generic constructions the reader must handle.
ONE_SENTENCE = [
    # an age as news writes it, and a count of people is no age
    miss("The deaths of 71-year-old Ruth Kane and 68-year-old Alan Kane were ruled accidental.",
         "What age was Alan Kane when he died?", "68-year-old", why='answers "accidental" (the predicate)'),
    ("Harbour pilot Ines Moreau, 52, said the fog was the worst in years.", "How old is Ines Moreau?", "52"),
    ("Two sisters, Ruth and Ann Kane, died in the fire.", "What age was Ann Kane when she died?", None),
    # a duration asked through its noun ("term", "sentence")
    miss("The offence carries a maximum prison sentence of up to eight years.",
         "What is the longest prison term the offence can bring?", "up to eight years",
         why='answers "maximum prison sentence": "term" ~ "sentence" is read as the thing asked about'),
    # an enumeration the parser does not attach as conjuncts
    miss("The firm was fined and is under investigation for alleged bribery, tax evasion and "
         "forging documents for profit.", "What is the firm under investigation for?",
         "alleged bribery, tax evasion and forging documents for profit",
         why="the enumerations generator was removed (it did not pay on validation): the parser's conjuncts stop early"),
    # the whole of "one of eleven ..." when the question describes the whole
    miss("Her boat was one of eleven vessels damaged in the harbour.",
         "How many boats were damaged in the harbour?", "eleven", why='answers "one"'),
    # the agent of a noun: "the attack ... by X" answers "who attacked"
    ("The attack on the convoy by rebel fighters killed six soldiers.", "Who attacked the convoy?", "rebel fighters"),
]


@pytest.mark.parametrize("sentence, question, expected", ONE_SENTENCE)
def test_one_sentence_constructions(sentence, question, expected):
    passage = Passage("news.txt", 0, len(sentence), sentence, "paragraph", 0, 1.0, 5.0, 0.5, 0)
    best = read(question, [passage])[0]
    if expected is None:   # no age in the sentence: the best span must not be a bare count
        assert not best.text.isdigit() and best.text.lower() not in ("two",)
    else:
        assert best.text == expected


# A second made-up text for the parse-based rules (each case names the rule it pins).
TOWN = ("Mayor Helen Brooks apologized to the residents for the flooding but stopped short of admitting fault. "
        "The council protested the decision by closing the town hall for a week. "
        "Inspector Ravi Shah told reporters the ferry's engine had failed. "
        "In May, the festival moved to the harbour. "
        "The owners, Ann and Bob Carter, sold the farm. "
        "Councillor Joan Ellis spoke at the meeting. "
        "She called for the harbour to be dredged. "
        "The trust was charged with breach of the safety code, which carries a fine of up to 5,000 pounds. "
        "The trust said Friday it was \"deeply concerned\" by the ruling.")


def _sentences(text: str, first: int) -> list[Passage]:
    """The text's sentences as retrieved passages, sentence ``first`` ranked best."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text)]
    spans = [(s + (text[s] == " "), e) for s, e in spans]
    order = [first] + [i for i in range(len(spans)) if i != first]
    return [Passage("made-up.txt", spans[i][0], spans[i][1], text[spans[i][0]:spans[i][1]], "paragraph", i,
                    0.9 - 0.1 * r, rank=r) for r, i in enumerate(order)]


@pytest.mark.parametrize("question, first, expected", [
    # a conjoined verb shares the subject of the verb it hangs on
    ("Who stopped short of admitting fault?", 0, "Helen Brooks"),
    # "how": a by-phrase of the question's verb
    ("How did the council protest the decision?", 1, "closing the town hall for a week"),
    # "what did X say had failed": the subject of the reported clause
    ("What did Ravi Shah say had failed?", 2, "ferry's engine"),
    # "May" is a stop word and still a date
    ("When did the festival move to the harbour?", 3, "May"),
    # a list of people is one answer
    ("Who sold the farm?", 4, "Ann and Bob Carter"),
    # "She" opens the sentence after the one naming Joan Ellis; "for X to do Y" fills "for"
    ("What did Joan Ellis call for?", 6, "harbour to be dredged"),
    # a participle as the predicate of "it was": "deeply concerned" (tagged as a verb)
    miss("How did the trust say it felt about the ruling?", 8, "deeply concerned",
         why='answers the clause "it was "deeply concerned" by the ruling"'),
    # the phrase stops at the comma before a relative clause hanging on its last noun
    ("What was the trust charged with?", 7, "breach of the safety code"),
])
def test_parse_rules(question, first, expected):
    passages = _sentences(TOWN, first)
    best = read(question, passages[:3], context=passages)[0]
    assert best.text == expected


# A third made-up text for the rules added with the regression set's last misses.
HARBOUR = ("Speaking at the opening was chief curator Lena Voss. "
           "The storm hit the coast on Thursday, flooding the harbour. "
           "In March, the town held its Spring Day fair at the harbour. "
           "The brothers, 47-year-old Sam Hale and 42-year-old Joe Hale, run the bakery. "
           "Police searched homes in Leeds, England, after the theft. "
           "The drone later crashed in nearby Wales. "
           "Residents complain frequently about the noise from the port. "
           "The committee said it would launch an inquiry into the fire. "
           "In June, the mayor declined to attend the harbour festival.")


@pytest.mark.parametrize("question, first, expected", [
    # "what job" wants a noun for a role, not the name
    miss("What job does Lena Voss hold?", 0, "chief curator",
         why='answers "Spring Day fair" from another sentence: the inverted "Speaking ... was X" sentence'),
    # "day of the week" wants a weekday, not the month of the "Spring Day" sentence
    ("What day of the week did the storm hit the coast?", 2, "Thursday"),
    # "the older / younger one": the highest / lowest age in the sentence
    miss("How old is the older brother?", 3, "47-year-old", why='answers "47-year"'),
    miss("How old is the younger brother?", 3, "42-year-old",
         why="the comparatives rule (highest / lowest age) is gone with the hand-set reader"),
    # a place and its region, a place with the adjective that places it
    ("Where did police search homes?", 4, "Leeds, England"),
    ("Where did the drone crash?", 5, "Wales"),
    # "how often" wants a frequency word
    ("How often do residents complain?", 6, "frequently"),
    # the object takes the "into" phrase the parser hangs on the verb
    ("What would the committee launch?", 7, "inquiry into the fire"),
    # "did the mayor skip" is a verb; "skip" ~ "declined to attend"; a thing, not a verb phrase
    miss("What event did the mayor skip?", 8, "harbour festival", why='answers "Lena Voss": "skip" is no WordNet synonym of "decline"'),
])
def test_more_parse_rules(question, first, expected):
    passages = _sentences(HARBOUR, first)
    assert read(question, passages[:3], context=passages)[0].text == expected


@pytest.mark.xfail(strict=True, reason='answers "safe": the definitions rule reads the second sentence, the model prefers the first')
def test_a_sentence_that_names_a_description_is_read():
    """ "the operator" in the best sentence; another retrieved one says who the operator is."""
    text = ("He said the operator had passed every inspection and that the Curlew was safe. "
            "The operator, Seaway Lines, said it was cooperating with investigators.")
    cut = text.index("The operator")
    first = Passage("p.txt", 0, cut - 1, text[:cut - 1], "paragraph", 0, 1.0, rank=0)
    second = Passage("p.txt", cut, len(text), text[cut:], "paragraph", 5, 0.2, rank=1)
    assert read("Which company operates the Curlew?", [first], context=[first, second])[0].text == "Seaway Lines"


def test_a_referent_is_found_by_a_pronoun_form_or_most_of_the_antecedents_words():
    from qa.reader import Referent

    he = Referent(frozenset({"he", "him", "his", "himself"}), frozenset({"peter", "okafor"}))
    assert he.found({"later", "he", "resigned"}) == 1.0
    assert he.found({"okafor", "resigned"}) == 0.5
    visit = Referent(frozenset(), frozenset({"baku", "russian", "deputy", "prime", "minister"}))
    assert visit.found({"a", "visit", "to", "baku", "by", "a", "russian", "deputy", "prime", "minister"}) == 1.0
    assert visit.found({"foreign", "minister", "visited", "baku"}) == 0.4


@pytest.mark.parametrize("sentence, question, expected", [
    # the argument that fills the wh-slot, through a negation
    ("Under the new law, the rules do not allow the sale of tickets at the gate.", "What do the new rules not allow?",
     "sale of tickets at the gate"),
    # "who is X": the whole role with its title, not one word of it
    ("Danish Trade Minister Mara Voss visited the port of Aarhus on Monday.", "Who is Mara Voss?", "Danish Trade Minister"),
    # the place of the clause the question's verb is in, not a town named in another clause
    ("The captain, who lives in Dunport, said it sank off Cape Rell.", "Where did the boat sink, according to the captain?",
     "Cape Rell"),
    miss("The council approved the budget on Tuesday after a long debate.", "Did the council approve the budget?",
         "approved the budget on Tuesday after a long debate", why="answers the whole sentence: the yes/no weights, fitted on CoQA's rationales (often whole "
             "sentences), rate it as high as the clause"),
])
def test_the_slot_the_question_asks_for(sentence, question, expected):
    passage = Passage("news.txt", 0, len(sentence), sentence, "paragraph", 0, 1.0)
    assert read(question, [passage])[0].text == expected


def test_a_yes_no_question_is_weighed_by_the_yes_no_weights():
    from qa.reader.model import SpanModel

    m = SpanModel({"entity": 2.0}, {}, yes_no={"clause": 2.0})
    entity, clause = {"entity": 1.0}, {"clause": 1.0}
    as_wh, as_yes_no = m.probabilities([entity, clause]), m.probabilities([entity, clause], yes_no=True)
    assert as_wh[0] > as_wh[1] and as_yes_no[1] > as_yes_no[0]
    assert SpanModel({"entity": 2.0}, {}).probabilities([entity, clause], yes_no=True) == as_wh   # none fitted
