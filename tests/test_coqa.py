"""The CoQA harness with a fake reader (the real run is `python -m qa.evaluation.coqa`): the
system's own answers are the history, yes/no turns are scored apart, the held-out source is refused."""
from __future__ import annotations

import json

import pytest

from qa.conversation import resolve, turns_from_history
from qa.types import Answer, Citation


def write_coqa(path, source="wikipedia"):
    story = "Anna lived in Paris. She worked as a baker. Her brother Tom was a pilot."
    data = {"data": [{"source": source, "id": "s1", "filename": "f", "name": "n", "story": story,
                      "questions": [{"input_text": "Who lived in Paris?", "turn_id": 1},
                                    {"input_text": "What was her job?", "turn_id": 2},
                                    {"input_text": "Was Tom a baker?", "turn_id": 3}],
                      "answers": [{"input_text": "Anna", "span_text": "Anna", "span_start": 0, "span_end": 4},
                                  {"input_text": "a baker", "span_text": "She worked as a baker.",
                                   "span_start": 21, "span_end": 43},
                                  {"input_text": "no", "span_text": "Tom was a pilot", "span_start": 57,
                                   "span_end": 72}],
                      "additional_answers": {"0": [{"input_text": "Anna."}, {"input_text": "baker"},
                                                   {"input_text": "No"}]}}]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return story


def test_coqa_uses_the_systems_own_answers_as_history(tmp_path):
    from qa.evaluation.coqa import evaluate_coqa, format_report

    story = write_coqa(tmp_path / "coqa.json")
    sentences = [(0, 20), (21, 43), (44, len(story))]
    asked = []

    def opener(name, text):
        def ask(question, history):
            asked.append((question, [a.text for a in history or ()]))
            interpreted = resolve(question, turns_from_history(history))
            start, end = next(s for s in sentences if any(w in text[s[0]:s[1]] for w in ("baker", "Anna"))
                              if ("job" in interpreted) == ("baker" in text[s[0]:s[1]]))
            word = "baker" if "job" in interpreted else "Anna"
            return Answer(question, word, True, 0.9, (Citation(name, start, end, text[start:end]),),
                          interpreted=interpreted if interpreted != question else "")
        return ask

    report = evaluate_coqa(tmp_path / "coqa.json", use_history="both", ask_fn=opener)
    history, alone = report["modes"]["history"], report["modes"]["no_history"]
    assert asked[1] == ("What was her job?", ["Anna"])           # its own earlier answer, in order
    assert history["rows"][1]["interpreted"] == "What was Anna's job?"
    assert history["scored"] == 2 and history["f1"] == 1.0        # "no" is asked but not scored
    assert history["rationale"] == 1.0 and alone["reread"] == 0.0
    # the "no" turn is scored apart, against its rationale: "Anna" shares no word with "Tom was a pilot"
    assert [r["settled"] for r in history["rows"]] == [None, None, 0.0] and history["yes_no_turns"] == 1
    assert "history" in format_report(report) and "yes/no" in format_report(report)


def test_coqa_drops_the_held_out_stories(tmp_path):
    import json

    from qa.evaluation.coqa import load_stories
    from qa.evaluation.news import held_out

    write_coqa(tmp_path / "coqa.json", source="cnn")
    data = json.loads((tmp_path / "coqa.json").read_text(encoding="utf-8"))
    data["data"].append(dict(data["data"][0], id=sorted(held_out()["cnn"])[0]))   # a held-out story's id
    (tmp_path / "coqa.json").write_text(json.dumps(data), encoding="utf-8")
    assert [s.id for s in load_stories(tmp_path / "coqa.json", source="cnn")] == ["s1"]


def _ids_by_half(count=2):
    """Story ids of each half of the news stories, as ``news.half`` puts them."""
    from qa.evaluation.news import half

    ids = {"fit": [], "validate": []}
    for n in range(100):
        if len(ids[half(f"s{n}")]) < count:
            ids[half(f"s{n}")].append(f"s{n}")
    return ids


def test_a_half_of_the_news_stories_is_a_source(tmp_path):
    from qa.evaluation.coqa import load_stories
    from qa.evaluation.news import held_out

    write_coqa(tmp_path / "coqa.json", source="cnn")
    data = json.loads((tmp_path / "coqa.json").read_text(encoding="utf-8"))
    ids = _ids_by_half()
    data["data"] = [dict(data["data"][0], id=i) for i in sorted(ids["fit"] + ids["validate"])]
    data["data"].append(dict(data["data"][0], id=sorted(held_out()["cnn"])[0]))   # never in a half
    data["data"].append(dict(data["data"][0], id=ids["fit"][0] + "-race", source="race"))
    (tmp_path / "coqa.json").write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "coqa.json"
    assert [s.id for s in load_stories(path, "cnn:fit")] == sorted(ids["fit"])
    assert [s.id for s in load_stories(path, "cnn:validate")] == sorted(ids["validate"])
    assert [s.id for s in load_stories(path, "cnn:fit", stories=1)] == sorted(ids["fit"])[:1]
    assert [s.id for s in load_stories(path, ["cnn:fit", "cnn:validate"])] == \
        [s.id for s in load_stories(path, "cnn")] == sorted(ids["fit"] + ids["validate"])
    with pytest.raises(ValueError, match="halves"):
        load_stories(path, "race:fit")
    with pytest.raises(ValueError, match="half 'test'"):
        load_stories(path, "cnn:test")
