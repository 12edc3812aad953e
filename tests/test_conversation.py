"""The conversation resolver: question + earlier turns -> the question as the system reads it.

Real spaCy throughout (no mocks). The table runs twice: with the history as ``Answer`` objects
(the Python use) and as Gradio message dicts (the chat).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.conversation import Turn, resolve, rules, turns_from_history
from qa.conversation.readings import merge_readings, search_for
from qa.types import Answer, Citation

ROOT = Path(__file__).resolve().parent.parent

DETAINED = ("Detained in the raid were Sputnik Azerbaijan's editor-in-chief Yevgeny Belousov, "
            "and editorial board director Igor Kartavykh.")
BROTHERS = ("Two brothers, Ziyaddin and Huseyn Safarov, died while in police custody and several "
            "others were seriously injured in the raids, officials said, with nine people detained.")
VISIT = ("It also called off a visit to Baku by a Russian deputy prime minister, and the Culture "
         "Ministry canceled concerts, exhibitions and other events by Russian state and private "
         "institutions.")

# (id, earlier turns as (question, answer, evidence), question, expected interpretation)
CASES = [
    # pronouns: the most recent compatible antecedent
    ("he-answer", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", DETAINED)],
     "What was he charged with?", "What was Yevgeny Belousov charged with?"),
    ("he-question-subject", [("What did Putin apologize to Aliyev for?", "a tragic incident", "")],
     "What did he stop short of?", "What did Putin stop short of?"),
    ("him-object", [("Who blamed Moscow?", "Azerbaijan President Ilham Aliyev", "")],
     "Did Putin call him?", "Did Putin call Ilham Aliyev?"),
    ("she-common-noun", [("what was the name of the girl?", "Anna", "")],
     "what did she want?", "what did the girl want?"),
    ("he-skips-a-woman", [("Who did Mr. Adams meet?", "his sister", "")],
     "Where does he live?", "Where does Mr. Adams live?"),
    ("they-coordinated-names", [("Who was detained in the raid?", "Sputnik Azerbaijan's editor-in-chief "
                                 "Yevgeny Belousov, and editorial board director Igor Kartavykh", DETAINED)],
     "What were they charged with?", "What were Yevgeny Belousov and Igor Kartavykh charged with?"),
    ("they-apposition", [("Who died in police custody?", "Two brothers, Ziyaddin and Huseyn Safarov", BROTHERS)],
     "Where were they living?", "Where were Ziyaddin and Huseyn Safarov living?"),
    ("it-thing", [("What was attacked as it approached Grozny?", "an Azerbaijani passenger jet", "")],
     "Where did it eventually crash?", "Where did the Azerbaijani passenger jet eventually crash?"),
    ("it-not-a-where-answer", [("What was attacked?", "an Azerbaijani passenger jet", ""),
                               ("Where did the Azerbaijani passenger jet eventually crash?", "in Kazakhstan", "")],
     "Why did it crash?", "Why did the Azerbaijani passenger jet crash?"),
    ("it-repeated-once", [("What was attacked?", "an Azerbaijani passenger jet", "")],
     "How many people did it kill when it crashed?",
     "How many people did the Azerbaijani passenger jet kill when it crashed?"),
    ("it-bare-answer-gets-an-article", [("What was attacked as it approached Grozny?", "Azerbaijani passenger jet", "")],
     "Where did it crash?", "Where did the Azerbaijani passenger jet crash?"),
    ("it-organisation", [("Who said the company was deeply concerned?", "Rossiya Segodnya", "")],
     "What did it call for?", "What did Rossiya Segodnya call for?"),
    ("it-expletive", [("Who called Aliyev?", "Ukrainian President Volodymyr Zelenskyy", "")],
     "How long did it take?", "How long did it take?"),
    ("it-of-time", [("What did Sam find?", "a puppy", "")], "What day was it?", "What day was it?"),
    ("name-of-a-name-is-the-name", [("Who found the dog?", "Tom Reed", "")], "What was his name?", "What was his name?"),
    ("name-of-a-thing", [("What did Sam find?", "a puppy", "")], "What was its name?", "What was the puppy's name?"),
    # possessives read naturally
    ("his-possessive", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", DETAINED)],
     "What is his age?", "What is Yevgeny Belousov's age?"),
    ("their-plural-possessive", [("Who died?", "the two brothers", "")],
     "What was their name?", "What was the two brothers' name?"),
    # demonstratives are left as typed (resolving them did not pay on CoQA: README)
    ("that-visit-left-as-typed", [("What else did the council call off?", "a visit to the island by the minister", "")],
     "Why was that visit canceled?", "Why was that visit canceled?"),
    # "one" anaphora
    ("the-older-one", [("Who died in police custody?", "Two brothers, Ziyaddin and Huseyn Safarov", BROTHERS)],
     "How old was the older one?", "How old was the older brother?"),
    ("the-older-one-is-a-person", [("Who owns the fishing boat?", "Alice and Joan Tremayne",
                                    "Two sisters, Alice and Joan Tremayne, own the fishing boat.")],
     "How old is the older one?", "How old is the older sister?"),
    # elliptical follow-ups
    ("and-name", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", DETAINED),
                  ("What was Yevgeny Belousov charged with?", "conspiracy to commit fraud", "")],
     "And Kartavykh?", "What was Kartavykh charged with?"),
    ("and-the-other-noun", [("How old was the older brother?", "60-year-old", "")],
     "And the younger brother?", "How old was the younger brother?"),
    ("what-about-the-second-one", [("What caused the first death?", "heart failure", "")],
     "What about the second one?", "What caused the second death?"),
    ("how-about-possessive", [("What is Igor Kartavykh's position?", "editorial board director", DETAINED)],
     "How about Belousov?", "What is Belousov's position?"),
    ("and-name-no-counterpart", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", "")],
     "And Kartavykh?", "And Kartavykh?"),
    ("bare-why-object", [("What did Azerbaijan cancel?", "a scheduled trip to Moscow by government officials", "")],
     "Why?", "Why did Azerbaijan cancel a scheduled trip to Moscow by government officials?"),
    ("bare-why-subject", [("Who canceled the concerts?", "the Culture Ministry", "")],
     "And why?", "Why did the Culture Ministry cancel the concerts?"),
    ("bare-when-yes-no", [("Did Azerbaijan cancel the trip?", "canceling a scheduled trip", "")],
     "When?", "When did Azerbaijan cancel the trip?"),
    # wh-phrases that ask for another part of the previous question's event
    ("to-whom-subject", [("Who apologized?", "the mayor", "")], "To whom?", "To whom did the mayor apologize?"),
    ("since-when-subject", [("Who runs the ferry?", "Alder Lines", "")],
     "And since when?", "Since when does Alder Lines run the ferry?"),
    ("for-how-long-object", [("What did the council close?", "the harbour road", "")],
     "For how long?", "For how long did the council close the harbour road?"),
    ("in-what-year-yes-no", [("Did the club sell the boat?", "", "")],
     "In what year?", "In what year did the club sell the boat?"),
    ("by-who-becomes-whom", [("Who was arrested?", "the driver", "")], "By who?", "By whom was the driver arrested?"),
    ("to-whom-without-a-trusted-answer", [("Who apologized?", "", "")], "To whom?", "To whom?"),
    ("what-else-is-no-event-fragment", [("Who apologized?", "the mayor", "")], "What else?", "What else?"),
    ("only-discourse-words", [("Who apologized?", "the mayor", "")], "And?", "And?"),
    # there / then
    ("there-prepositional-answer", [("Where did the passenger jet crash?", "in Kazakhstan", "")],
     "Who was killed there?", "Who was killed in Kazakhstan?"),
    ("there-place-in-question", [("How many people died in custody in Yekaterinburg, Russia?", "Two brothers", "")],
     "How many people were detained there?", "How many people were detained in Yekaterinburg, Russia?"),
    ("there-motion-verb", [("Where was the summit held?", "Geneva", "")],
     "Who travelled there?", "Who travelled to Geneva?"),
    ("then-month", [("When was the jet attacked?", "December", "")],
     "Who was the president then?", "Who was the president in December?"),
    ("then-weekday", [("When did police storm the offices of Sputnik Azerbaijan?", "On Monday", "")],
     "What did the ministry say then?", "What did the ministry say on Monday?"),
    # topic changes and self-contained questions stay as typed
    ("topic-change", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", DETAINED)],
     "What did Putin apologize for?", "What did Putin apologize for?"),
    ("bound-in-question", [("Who is the editor-in-chief of Sputnik Azerbaijan?", "Yevgeny Belousov", DETAINED)],
     "Did Aliyev say he was attacked?", "Did Aliyev say he was attacked?"),
    ("he-from-an-unanswered-question", [("Who is the mayor of Baku?", "", "")],
     "What did he say?", "What did the mayor say?"),
    ("nothing-compatible", [("When did the jet crash?", "in December", "")],
     "What did she say?", "What did she say?"),
    ("no-history", [], "What was he charged with?", "What was he charged with?"),
]


def as_answers(turns):
    return [Answer(question=q, text=a, found=bool(a), confidence=0.9 if a else 0.1,
                   citations=(Citation("article.txt", 0, len(e), e),) if e else ())
            for q, a, e in turns]


def as_messages(turns):
    messages = []
    for i, (q, a, e) in enumerate(turns):
        reply = f"**{a}**" if a else "The article does not say."
        if e:
            reply += f"\n\n> {e}\n\n_source: article.txt_"
        content = [{"type": "text", "text": reply}] if i % 2 else reply  # Gradio 6 sends both
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": content}]
    return messages


def interpret_in_order(turns):
    """Earlier questions resolved as the system would have, so the history carries ``interpreted``."""
    resolved = []
    for q, a, e in turns:
        read = resolve(q, turns_from_history(resolved))
        resolved.append(Answer(q, a, bool(a), 0.9, (Citation("article.txt", 0, len(e), e),) if e else (),
                               interpreted=read if read != q else ""))
    return resolved


@pytest.mark.parametrize("form", ["answers", "messages"])
@pytest.mark.parametrize("case_id, turns, question, expected", CASES, ids=[c[0] for c in CASES])
def test_resolve(case_id, turns, question, expected, form):
    history = interpret_in_order(turns) if form == "answers" else as_messages(turns)
    assert resolve(question, turns_from_history(history)) == expected


def test_turns_from_answers_keep_interpretation_and_evidence():
    answer = Answer("What was he charged with?", "conspiracy to commit fraud", True, 0.8,
                    (Citation("a.txt", 3, 9, "quoted"),), interpreted="What was Yevgeny Belousov charged with?")
    assert turns_from_history([answer]) == [Turn("What was he charged with?", "What was Yevgeny Belousov charged with?",
                                                 "conspiracy to commit fraud", True, "quoted")]


def test_turns_from_messages_read_as_lists_and_not_found():
    messages = [
        {"role": "user", "content": "What was he charged with?"},
        {"role": "assistant", "content": [{"type": "text", "text": "**conspiracy to commit fraud**\n\n"
                                           "_Read as: “What was Yevgeny Belousov charged with?”_\n\n> Belousov and "
                                           "Kartavykh were charged with conspiracy to commit fraud."}]},
        {"role": "user", "content": {"text": "Who is the mayor?", "files": []}},
        {"role": "assistant", "content": "I couldn't find that in the article."},
    ]
    first, second = turns_from_history(messages)
    assert first == Turn("What was he charged with?", "What was Yevgeny Belousov charged with?",
                         "conspiracy to commit fraud", True,
                         "Belousov and Kartavykh were charged with conspiracy to commit fraud.")
    assert second == Turn("Who is the mayor?", "Who is the mayor?", "", False, "")


@pytest.mark.parametrize("history", [None, [], ()])
def test_no_history(history):
    assert turns_from_history(history) == []
    assert resolve("What was he charged with?", turns_from_history(history)) == "What was he charged with?"


def test_import_loads_no_model():
    code = "import qa.conversation, index.nlp as n; assert n.pipeline.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- which earlier answers are antecedents -----------------------------------------------------

CHAIR = [("Who chairs the rowing club?", "Nora Finch", "Nora Finch chairs the rowing club.")]


@pytest.mark.parametrize("confidence, verdict, used", [
    (0.9, "", True),            # an Answer without a verdict: found decides
    (0.9, "answer", True),
    (0.49, "answer", False),    # probably wrong: not an antecedent
    (0.3, "unsure", True),      # "Not sure": the person saw the tentative span, and may build on it
    (0.3, "absent", False),     # "Not in the article": nothing was shown
])
def test_an_earlier_answer_is_an_antecedent_only_when_its_words_were_shown(confidence, verdict, used):
    question, text, evidence = CHAIR[0]
    given = verdict in ("", "answer")
    earlier = SimpleNamespace(question=question, interpreted="", text=text if given else "", found=given,
                              guess="" if given else text, confidence=confidence, verdict=verdict,
                              citations=(Citation("a.txt", 0, len(evidence), evidence),))
    turn = turns_from_history([earlier])[0]
    assert (turn.answer, turn.found) == ((text, True) if used else ("", False))
    assert resolve("What did she say?", [turn]) == ("What did Nora Finch say?" if used else "What did she say?")


def test_a_not_sure_reply_in_the_chat_is_leaned_on_with_its_guess():
    messages = [{"role": "user", "content": "Who chairs the rowing club?"},
                {"role": "assistant", "content": "Not sure: perhaps \u201cNora Finch\u201d"}]
    turn = turns_from_history(messages)[0]
    assert (turn.found, turn.answer) == (True, "Nora Finch")


def test_a_not_in_the_article_reply_in_the_chat_is_no_answer():
    messages = [{"role": "user", "content": "Who chairs the rowing club?"},
                {"role": "assistant", "content": "Not in the article."}]
    assert turns_from_history(messages)[0].found is False


def test_a_not_sure_answer_is_leaned_on_like_an_answer():
    unsure = Answer("Who chairs the rowing club?", "", False, 0.3, verdict="unsure", guess="Nora Finch")
    absent = Answer("Who chairs the rowing club?", "", False, 0.3, verdict="absent", guess="Nora Finch")
    assert resolve("What did she say?", turns_from_history([unsure])) == "What did Nora Finch say?"
    assert resolve("What did she say?", turns_from_history([absent])) == "What did she say?"


def test_the_trust_rule_can_be_switched_off():
    earlier = Answer("Who chairs the rowing club?", "Nora Finch", True, 0.3)
    assert resolve("What did she say?", turns_from_history([earlier])) == "What did she say?"
    with rules.disabled("trusted_answers"):
        assert resolve("What did she say?", turns_from_history([earlier])) == "What did Nora Finch say?"


# -- the resolved reading and the reading as typed ----------------------------------------------

def candidate(text, score, sentence):
    return SimpleNamespace(text=text, score=score, passage=SimpleNamespace(text=sentence))


HE = SimpleNamespace(forms=frozenset({"he", "him", "his", "himself"}), words=frozenset({"tom", "reed"}))
SAILED = "Tom Reed sailed with Ann Kartin to Harwick in 1756."
IN_1756 = candidate("1756", 0.9, SAILED)
TO_HARWICK = candidate("Harwick", 0.5, SAILED)
BORN = candidate("1741", 0.95, "Ann Kartin was born in 1741.")


def test_in_the_sentence_both_readings_chose_the_typed_reading_picks_the_answer():
    """An earlier answer was wrong ("he" -> Ann Kartin): the resolved question is read around her."""
    typed, read = "Where did he sail to?", "Where did Ann Kartin sail to?"
    assert merge_readings([IN_1756], [TO_HARWICK], typed, read, HE)[0] is TO_HARWICK
    with rules.disabled("evidence_decides"):   # by score alone
        assert merge_readings([IN_1756], [TO_HARWICK], typed, read, HE)[0] is IN_1756


def test_answers_from_different_sentences_compete_by_score():
    typed, read = "When was she born?", "When was Ann Kartin born?"
    assert merge_readings([BORN], [TO_HARWICK], typed, read, HE)[0] is BORN


def test_the_typed_reading_never_answers_with_the_antecedent():
    named = candidate("Ann Kartin", 0.99, SAILED)
    merged = merge_readings([BORN], [named, TO_HARWICK], "Who sailed with him?", "Who sailed with Ann Kartin?", HE)
    assert named not in merged and merged[0] is BORN


def test_a_pronouns_antecedent_is_no_search_term():
    typed, read = "What did he sail?", "What did Tom Reed sail?"
    assert search_for(typed, read, HE) == (typed, [])
    visit = SimpleNamespace(forms=frozenset(), words=frozenset({"visit", "harwick"}))
    assert search_for("Why was that visit cancelled?", "Why was the visit to Harwick cancelled?", visit) == \
        ("Why was the visit to Harwick cancelled?", ["Why was that visit cancelled?"])
    assert search_for("And Ann?", "What did Ann Kartin sail?", None) == ("What did Ann Kartin sail?", ["And Ann?"])
    with rules.disabled("typed_retrieval"):
        assert search_for(typed, read, HE) == (read, [typed])


# -- every rule is named and switchable --------------------------------------------------------

def test_rules_are_switched_off_by_name_and_back_on():
    history = interpret_in_order(CHAIR)
    assert resolve("What is her age?", turns_from_history(history)) == "What is Nora Finch's age?"
    with rules.disabled("possessive"):
        assert not rules.on("possessive") and rules.on("pronoun")
        assert resolve("What is her age?", turns_from_history(history)) == "What is her age?"
        assert resolve("What did she say?", turns_from_history(history)) == "What did Nora Finch say?"
    assert rules.on("possessive")


def test_an_unknown_rule_name_is_an_error():
    with pytest.raises(KeyError, match="possesive"):
        with rules.disabled("possesive"):
            pass
    with pytest.raises(KeyError):
        rules.on("no-such-rule")
