"""Question analysis: wh-word, expected answer type (WordNet types the focus noun), focus noun,
main verb, content words, the wh-phrase's role and slot."""
from __future__ import annotations

import pytest

from qa import question
from qa.question import ANSWER_TYPES, analyse, focus_kind

GOLDEN = [
    # question, wh, answer type, focus, verb
    ("Who founded the company?", "who", "PERSON", "", "found"),
    ("Which NFL team represented the AFC at Super Bowl 50?", "which", "ORG", "team", "represent"),
    ("When did the war end?", "when", "DATE", "", "end"),
    ("What year did the bridge open?", "what", "DATE", "year", "open"),
    ("Where is the castle located?", "where", "PLACE", "", "locate"),
    ("In which city was she born?", "which", "PLACE", "city", "bear"),
    ("How many people died in the crash?", "how", "NUMBER", "", "die"),
    ("How much did the team pay for the stadium?", "how", "NUMBER", "", "pay"),
    ("How long did the siege last?", "how", "NUMBER", "", "last"),
    ("What kind of engine did they use?", "what", "NOUN", "engine", "use"),
    ("What is the name of the river that flows through the city?", "what", "NOUN", "river", "flow"),   # noun.object
    ("What did the minister announce?", "what", "OTHER", "", "announce"),
    ("Why did the king leave?", "why", "REASON", "", "leave"),
    ("How did the prisoners escape?", "how", "MANNER", "", "escape"),
    ("How successful was the album?", "how", "ADJ", "", ""),
    ("Is there a delegate?", "", "YESNO", "", ""),
    ("What language do they speak?", "what", "NOUN", "language", "speak"),
    ("The Broncos beat which team?", "which", "ORG", "team", "beat"),
]


@pytest.mark.parametrize("text, wh, answer_type, focus, verb", GOLDEN)
def test_golden_analysis(text, wh, answer_type, focus, verb):
    q = analyse(text)
    assert (q.wh, q.answer_type, q.focus, q.verb) == (wh, answer_type, focus, verb)
    assert q.answer_type in ANSWER_TYPES


@pytest.mark.parametrize("noun, kind", [
    ("city", "PLACE"), ("minister", "PERSON"), ("team", "ORG"), ("year", "DATE"), ("engine", ""), ("zzzz", ""),
])
def test_a_focus_noun_is_typed_by_its_wordnet_supersense(noun, kind):
    assert focus_kind(noun) == kind


@pytest.mark.parametrize("text, cls", [
    ("Which moons did the probe pass?", "which/what + noun"), ("What rocket launched the probe?", "which/what + noun"),
    ("What did the minister announce?", "what"), ("Who is Tom Reyes?", "who"), ("Whose boat sank?", "who"),
    ("When did the war end?", "when"), ("How long did the siege last?", "how many/much/long"),
    ("How much did it cost?", "how many/much/long"), ("How did the prisoners escape?", "how"),
    ("Why did the king leave?", "why"), ("Did the council approve the plan?", "yes/no"),
    ("Where is the castle?", "where"), ("Name the river.", "other"),
])
def test_every_question_falls_in_one_report_class(text, cls):
    assert question.report_class(analyse(text)) == cls and cls in question.REPORT_CLASSES


def test_content_words_skip_wh_and_stop_words_and_keep_lemmas():
    q = analyse("Which NFL team represented the AFC at Super Bowl 50?")
    assert [t.text for t in q.content] == ["nfl", "team", "represented", "afc", "super", "bowl", "50"]
    assert "represent" in q.lemmas and "represented" in q.lemmas
    assert "which" not in q.lemmas and "the" not in q.lemmas


def test_how_adjective_is_not_a_content_word():
    q = analyse("How long was the war?")
    assert q.how_adj == "long"
    assert [t.lemma for t in q.content] == ["war"]


@pytest.mark.parametrize("text, role", [
    ("Who founded the company?", "subj"),
    ("What did the minister announce?", "obj"),
    ("When did the war end?", ""),
])
def test_wh_role(text, role):
    assert analyse(text).wh_role == role


@pytest.mark.parametrize("text, slot", [
    ("What was the mayor charged with?", ("charge", "prep:with")),
    ("What are the suspects under investigation for?", ("investigation", "prep:for")),
    ("What did the minister try to do?", ("try", "vp")),
    ("Who founded the company?", ("", "")),
    ("What did the minister announce?", ("", "")),
])
def test_slot(text, slot):
    assert analyse(text).slot == slot


def test_a_stranded_preposition_or_to_do_takes_the_role_from_the_main_verb():
    assert analyse("What was the mayor charged with?").wh_role == ""
    assert analyse("What did the minister try to do?").wh_role == ""


def test_which_noun_before_a_subject_is_the_object():
    assert analyse("Which city was the jet approaching when it was attacked?").wh_role == "obj"


def test_a_reported_clause_gives_the_verb_the_answer_fills():
    q = analyse("What did the mayor say had failed?")
    assert (q.verb, q.wh_role) == ("fail", "subj")
    question.RULES.discard("reported_clause")
    question.analyse.cache_clear()
    try:
        assert analyse("What did the mayor say had failed?").verb == "say"
    finally:
        question.RULES.add("reported_clause")
        question.analyse.cache_clear()


def test_the_noun_after_a_generic_focus_carries_the_type():
    assert analyse("What kind of city did they build?").focus == "city"
    assert analyse("What kind of city did they build?").answer_type == "PLACE"


def test_lower_case_questions_are_analysed_alike():
    assert analyse("who founded the company?").answer_type == "PERSON"
    assert analyse("how many people died in the crash?").answer_type == "NUMBER"

