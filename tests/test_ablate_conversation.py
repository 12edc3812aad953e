"""The conversation ablation: the CoQA loop run with each resolver rule switched off.

Real resolver (real spaCy), a small fake reader instead of the index: what is measured here is
the loop and the table, not the answers."""
from __future__ import annotations

import json

import pytest

from qa.conversation import resolve, turns_from_history
from qa.evaluation.ablate_conversation import format_table, run, table
from qa.types import Answer, Citation

STORY = "Anna lived in Paris. She worked as a baker. Her brother Tom was a pilot."


def write_coqa(path):
    questions = ["Who lived in Paris?", "What was her job?", "Where did Tom live?"]
    answers = ["Anna", "a baker", "unknown"]
    data = {"data": [{"source": "race", "id": "s1", "filename": "f", "name": "n", "story": STORY,
                      "questions": [{"input_text": q, "turn_id": i + 1} for i, q in enumerate(questions)],
                      "answers": [{"input_text": a, "span_text": a, "span_start": STORY.find(a),
                                   "span_end": STORY.find(a) + len(a)} for a in answers]}]}
    path.write_text(json.dumps(data), encoding="utf-8")


def fake_opener(name, text):
    """Answers "a baker" only when the question names Anna's job, else the first sentence's words."""
    def ask(question, history):
        interpreted = resolve(question, turns_from_history(history))
        answer = "a baker" if "Anna's job" in interpreted else "Anna" if "Who" in question else "Paris"
        start = text.find(answer)
        return Answer(question, answer, True, 0.9, (Citation(name, start, start + len(answer), answer),),
                      interpreted=interpreted if interpreted != question else "")
    return ask


def test_a_rule_that_is_needed_shows_the_turns_it_fixes(tmp_path):
    write_coqa(tmp_path / "coqa.json")
    outcome = run(tmp_path / "coqa.json", ["race"], 1, ["possessive", "there"], opener=fake_opener)
    rows = {row["rule"]: row for row in table(outcome)}
    assert rows["possessive"] == {"rule": "possessive", "fixes": 1, "breaks": 0, "readings_changed": 1,
                                  "f1_with": 1.0, "f1_without": 0.5}
    assert (rows["there"]["fixes"], rows["there"]["breaks"], rows["there"]["readings_changed"]) == (0, 0, 0)
    assert set(outcome["results"]) == {"all", "no_history", "possessive", "there"}
    assert len(outcome["results"]["all"]) == 2        # the "unknown" turn is asked but not scored
    printed = format_table(outcome)
    assert "| `possessive` | 1 | 0 | 1 | 1.0000 | 0.5000 |" in printed
    assert "race 1.000 / 0.500" in printed             # with history / without, all rules on


def test_the_conversation_column_counts_the_turns_that_fail_with_a_rule_off(tmp_path):
    write_coqa(tmp_path / "coqa.json")
    outcome = run(tmp_path / "coqa.json", ["race"], 1, ["possessive"], opener=fake_opener)
    outcome["conversations"] = {"all": [], "possessive": ["seed/c02: Who called for their release?"]}
    assert table(outcome)[0]["conversation_misses"] == 1
    assert "| `possessive` | 1 | 0 | 1 | 1.0000 | 0.5000 | 1 |" in format_table(outcome)


@pytest.mark.slow
def test_the_regression_conversations_need_the_then_rule():
    from qa.evaluation.ablate_conversation import conversation_turns

    failed = conversation_turns(["then"])
    assert "seed/c08: Which Ukrainian minister visited Azerbaijan then?" not in failed["all"]
    assert set(failed["then"]) - set(failed["all"]) == {"seed/c08: Which Ukrainian minister visited Azerbaijan then?"}


def test_the_ablation_runs_on_a_half_of_the_news_stories(tmp_path):
    from qa.evaluation.news import half

    write_coqa(tmp_path / "coqa.json")
    data = json.loads((tmp_path / "coqa.json").read_text(encoding="utf-8"))
    ids = [f"s{n}" for n in range(20)]
    fit = next(i for i in ids if half(i) == "fit")
    validate = next(i for i in ids if half(i) == "validate")
    data["data"] = [dict(data["data"][0], source="cnn", id=i) for i in (fit, validate)]
    (tmp_path / "coqa.json").write_text(json.dumps(data), encoding="utf-8")
    outcome = run(tmp_path / "coqa.json", ["cnn:fit"], 40, ["possessive"], opener=fake_opener)
    assert {key[:2] for key in outcome["results"]["all"]} == {("cnn:fit", fit)}
    assert "first 40 stories of cnn:fit (1 stories); 2 scored turns" in format_table(outcome)
    assert "cnn:fit 1.000 / 0.500" in format_table(outcome)


@pytest.mark.slow
def test_the_story_stores_index_once_and_answer_with_the_real_pipeline(tmp_path):
    from qa.evaluation.ablate_conversation import StoryStores

    stores = StoryStores(tmp_path)
    story = stores("coqa-s1.txt", STORY)
    answer = story("Where did Anna live?", None)
    story.close()
    assert answer.best_text == "Paris" and (tmp_path / "coqa-s1").is_dir()
    again = stores("coqa-s1.txt", STORY)          # the store is reused, not rebuilt
    assert again("What was her job?", [answer]).interpreted == "What was Anna's job?"
    again.close()
