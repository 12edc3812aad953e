"""Question analysis: wh-word, expected answer type, focus noun, main verb, content words."""
from __future__ import annotations

import pytest

from qa.question import ANSWER_TYPES, analyse, related_verbs

GOLDEN = [
    # question, wh, answer type, focus, verb
    ("Who founded the company?", "who", "PERSON", "", "found"),
    ("Which NFL team represented the AFC at Super Bowl 50?", "which", "ORG", "team", "represent"),
    ("When did the war end?", "when", "DATE", "", "end"),
    ("What year did the bridge open?", "what", "DATE", "year", "open"),
    ("Where is the castle located?", "where", "PLACE", "", "locate"),
    ("In which city was she born?", "which", "PLACE", "city", "bear"),
    ("What is the capital of France?", "what", "PLACE", "capital", ""),
    ("How many people died in the crash?", "how", "NUMBER", "", "die"),
    ("How much did the team pay for the stadium?", "how", "NUMBER", "", "pay"),
    ("How long did the siege last?", "how", "NUMBER", "", "last"),
    ("What percentage of voters supported the plan?", "what", "NUMBER", "percentage", "support"),
    ("What kind of engine did they use?", "what", "NOUN", "engine", "use"),
    ("What is the name of the river that flows through the city?", "what", "PLACE", "river", "flow"),
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


@pytest.mark.parametrize("text, label, weight", [
    ("Who founded the company?", "PERSON", 1.0),
    ("When did the war end?", "DATE", 1.0),
    ("Where is the castle located?", "GPE", 1.0),
    ("How many people died in the crash?", "CARDINAL", 1.0),
    ("How much did the team pay for the stadium?", "MONEY", 1.0),
    ("What percentage of voters supported the plan?", "PERCENT", 1.0),
    ("What language do they speak?", "LANGUAGE", 1.0),
    ("Who founded the company?", "DATE", 0.0),
    ("What did the minister announce?", "PERSON", 0.0),
])
def test_expected_entity_labels(text, label, weight):
    assert analyse(text).label_weight(label) == weight


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
    ("How did the critic describe the film?", ("describe", "pred")),
    ("How did the fans feel after the game?", ("feel", "pred")),
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


@pytest.mark.parametrize("verb, related, unrelated", [
    ("accuse", "blame", "praise"),
    ("describe", "call", "build"),
    ("kill", "murder", "die"),
    ("zzz", "zzz", "say"),
])
def test_related_verbs(verb, related, unrelated):
    assert related in related_verbs(verb) and unrelated not in related_verbs(verb)


def test_lower_case_questions_are_analysed_alike():
    assert analyse("who founded the company?").answer_type == "PERSON"
    assert analyse("how many people died in the crash?").answer_type == "NUMBER"
