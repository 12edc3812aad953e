"""The multi-turn regression conversations (``seeds/conversations.jsonl`` and the second
article's): well formed and verbatim, read as written after the gold answers, and answered end
to end by the real pipeline, with the known misses recorded and capped."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.conversation import resolve, turns_from_history
from qa.evaluation.ablate_conversation import CONVERSATIONS
from qa.types import Answer, Citation

CONVERSATION_FILES = CONVERSATIONS   # name -> (article, conversations file)


def load_conversations(name):
    article, path = CONVERSATION_FILES[name]
    return article, [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def document_text(article: Path) -> str:
    from index.normalise import normalise

    return normalise(article.read_text(encoding="utf-8")).text


@pytest.mark.parametrize("name", sorted(CONVERSATION_FILES))
def test_conversations_are_well_formed_and_verbatim(name):
    article, conversations = load_conversations(name)
    text = document_text(article)
    assert len(conversations) >= (12 if name == "seed" else 6)
    for conversation in conversations:
        assert 2 <= len(conversation["turns"]) <= 4, conversation["id"]
        for turn in conversation["turns"]:
            assert set(turn) >= {"question", "answer", "interpreted", "evidence"}
            assert turn["evidence"] in text, (conversation["id"], turn["evidence"])
            assert turn["answer"] in turn["evidence"], (conversation["id"], turn["answer"])


def conversation_params():
    return [pytest.param(name, c, id=f"{name}-{c['id']}")
            for name in sorted(CONVERSATION_FILES) for c in load_conversations(name)[1]]


# Turns the resolver reads otherwise than the file says, even after the gold answers; a listed
# turn that is read as written again fails the test (remove it from here).
READING_MISSES = {
    ("seed", "c01", "And Kartavykh?"):
        "read 'What was Kartavykh charged with?': the full_name rule was removed (README, Removed resolver rules)",
    ("seed", "c03", "Who was to make that visit?"): "demonstratives are left as typed (rule removed)",
    ("seed", "c04", "Who were to go on that trip?"): "demonstratives are left as typed (rule removed)",
    ("seed", "c14", "What maximum sentence does that charge carry?"): "demonstratives are left as typed (rule removed)",
    ("seed", "c10", "When was its accreditation revoked?"):
        "read \"When was the police storm's accreditation revoked?\": the recurring_topic and asked_kind "
        "rules were removed (docs/conversation-resolver.md, issue 19)",
}


@pytest.mark.parametrize("name, conversation", conversation_params())
def test_conversation_resolves_with_gold_answers(name, conversation):
    """Every turn is read as written in the file when the earlier answers are the gold ones."""
    history = []
    for turn in conversation["turns"]:
        reading = resolve(turn["question"], turns_from_history(history))
        if (name, conversation["id"], turn["question"]) in READING_MISSES:
            assert reading != turn["interpreted"], "read as written now: remove it from READING_MISSES"
        else:
            assert reading == turn["interpreted"]
        history.append(Answer(turn["question"], turn["answer"], True, 1.0,
                              (Citation("article.txt", 0, len(turn["evidence"]), turn["evidence"]),),
                              interpreted=turn["interpreted"]))


# Turns that fail end to end, each with what happens; a listed turn that passes again fails the
# test (remove it from here). No floor (issue 17): every miss is listed with its reason. A turn
# passes when it is read as written, given as the answer (P(correct) at or above the policy's
# threshold), right and cited; a right span shown only as "Not sure" is a miss. MOST_MISSES only
# keeps the count from growing unnoticed; every other turn is asserted.
KNOWN_MISSES = {
    **READING_MISSES,
    ('second', 's04', 'Which company operates the Marigold?'):
        "answers 'safety inspection in the past five years' (Not sure, confidence 0.36) for 'Bluewater Crossings'; from another sentence",
    ('second', 's04', 'Who is its chief executive?'):
        'read "Who is the safety inspection in the past five years\'s chief executive?" (after the earlier misses); answers \'Martin Hale\' (answer, confidence 0.89) for \'Martin Hale\'',
    ('second', 's07', 'What did the authority arrange?'):
        "answers 'smaller boat from the neighbouring town of Saltmouth' (Not sure, confidence 0.35) for 'a smaller boat from the neighbouring town of Saltmouth to run two crossings a day'",
    ('second', 's05', 'Where was the Marigold sailing to?'):
        "answers 'island of Kessick' (Not sure, confidence 0.42) for 'to the island of Kessick'",
    ('seed', 'c01', 'What was he charged with?'):
        "answers 'conspiracy to launder funds or other property' (answer, confidence 0.66) for 'conspiracy to commit fraud'; from another sentence",
    ('seed', 'c02', 'Who was detained in the raid?'):
        'answers \'Sputnik Azerbaijan\' (answer, confidence 0.55) for "Sputnik Azerbaijan\'s editor-in-chief Yevgeny Belousov, and editorial board director Igor Kartavykh"',
    ('seed', 'c02', 'How long were they ordered held?'):
        "read 'How long were they ordered held?' (after the earlier misses); answers 'up to 4 months' (answer, confidence 0.63) for 'at least four months'; from another sentence",
    ('seed', 'c02', 'Who called for their release?'):
        "read 'Who called for their release?' (after the earlier misses); answers 'Kremlin' (answer, confidence 0.91) for 'The Kremlin'",
    ('seed', 'c03', 'What else did Azerbaijan call off?'):
        "answers 'deaths in custody' (Not sure, confidence 0.42) for 'a visit to Baku by a Russian deputy prime minister'; from another sentence",
    ('seed', 'c04', 'What did the Culture Ministry cancel?'):
        "answers 'concerts, exhibitions' (answer, confidence 0.81) for 'concerts, exhibitions and other events by Russian state and private institutions'",
    ('seed', 'c05', 'How old was the older one?'):
        "answers '55-year' (Not sure, confidence 0.40) for '60-year-old'",
    ('seed', 'c05', 'And the younger brother?'):
        "answers 'Two' (answer, confidence 0.52) for '55-year-old'; from another sentence",
    ('seed', 'c06', 'How old was the older brother?'):
        "answers 'Two' (Not sure, confidence 0.28) for '60-year-old'; from another sentence",
    ('seed', 'c06', 'What about the younger one?'):
        "answers 'Two' (Not sure, confidence 0.48) for '55-year-old'; from another sentence",
    ('seed', 'c07', 'Where did Russian police raid the homes of ethnic Azerbaijanis?'):
        "answers 'Yekaterinburg' (answer, confidence 0.91) for 'in Yekaterinburg, Russia'",
    ('seed', 'c07', 'How many people died in custody there?'):
        "read 'How many people died in custody in Yekaterinburg?' (after the earlier misses); answers 'Two' (answer, confidence 0.78) for 'Two brothers'",
    ('seed', 'c07', 'How many people were detained there?'):
        "read 'How many people were detained in Yekaterinburg?' (after the earlier misses); answers 'nine' (answer, confidence 0.63) for 'nine people'",
    ('seed', 'c09', 'Where did it eventually crash?'):
        "answers 'Kazakhstan' (answer, confidence 0.56) for 'in nearby Kazakhstan'",
    ('seed', 'c13', 'Who complain of discrimination at the hands of Russians?'):
        "answers 'Migrants from Muslim-majority countries' (answer, confidence 0.82) for 'Migrants from Muslim-majority countries that once were part of the Soviet Union'",
    ('seed', 'c13', 'How often do they complain?'):
        "read 'How often do migrants from Muslim-majority countries complain?' (after the earlier misses); answers 'discrimination at the hands of Russians' (Not sure, confidence 0.40) for 'frequently'",
    ('seed', 'c14', 'How long were they ordered held?'):
        "answers 'up to 4 months' (answer, confidence 0.68) for 'at least four months'; from another sentence",
    ('seed', 'c15', 'How did it describe its reaction to the raid?'):
        'answers \'it was "deeply concerned" by the raid and that Azerbaijani staff members were among those detained\' (Not sure, confidence 0.08) for \'deeply concerned\'',
    ('seed', 'c16', "What did the Prosecutor General's Office of Azerbaijan say it would launch?"):
        "answers 'criminal investigation' (answer, confidence 0.90) for 'a criminal investigation into the two deaths'",
}
MOST_MISSES = 28


@pytest.mark.slow
@pytest.mark.parametrize("name, conversation", conversation_params())
def test_conversation_end_to_end(name, conversation, tmp_path_factory):
    """Through ``ask()`` with the system's own answers as history: reading, answer and citation."""
    from index.build import build_index
    from qa.api import ask
    from qa.evaluation.squad import f1_score

    article, _ = CONVERSATION_FILES[name]
    store = tmp_path_factory.getbasetemp() / f"conversation-{name}"
    if not store.exists():
        build_index(store, [article])
    history = []
    for turn in conversation["turns"]:
        answer = ask(turn["question"], history=history, store=store)
        history.append(answer)
        reading = answer.interpreted or answer.question
        right = answer.found and f1_score(answer.text, turn["answer"]) >= 0.6
        cited = bool(answer.citations) and answer.citations[0].quote == turn["evidence"]
        if (name, conversation["id"], turn["question"]) in KNOWN_MISSES:
            assert not (reading == turn["interpreted"] and right and cited), "passes now: remove it from KNOWN_MISSES"
            continue
        assert reading == turn["interpreted"]
        assert right, (turn["question"], answer.text)
        assert cited, (turn["question"], answer.citations[0].quote if answer.citations else None)


def test_known_misses_are_real_turns_and_no_more_than_recorded():
    turns = {(name, c["id"], t["question"]) for name in CONVERSATION_FILES
             for c in load_conversations(name)[1] for t in c["turns"]}
    assert set(KNOWN_MISSES) <= turns
    assert len(KNOWN_MISSES) <= MOST_MISSES
