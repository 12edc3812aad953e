"""The blind benchmark's sampling and scoring, on small made-up data files (no benchmark data)."""
from __future__ import annotations

import json

import pytest

from qa.evaluation import benchmark, sample, tables
from qa.evaluation.items import present
from qa.evaluation.sample import SetSpec
from qa.types import Answer, Citation, Span

TOWNS = ["Harwick", "Dunmore", "Kessick", "Alder", "Brennan", "Corvale"]


def _article(n: int) -> dict:
    town = TOWNS[n]
    paragraphs = []
    for k in range(8):
        text = (f"The {town} ferry number {k} was built in {1900 + 10 * k + n} by shipwright Ann Vale{n}{k}. "
                f"It carried {20 + k} passengers to the island of Skerry{k}{n}.")
        qas = [{"id": f"{n}-{k}-a", "question": f"Who built the {town} ferry number {k}?",
                "answers": [{"text": f"Ann Vale{n}{k}", "answer_start": text.index("Ann")}]},
               {"id": f"{n}-{k}-b", "question": f"Where did ferry {k} of {town} go?",
                "answers": [{"text": f"Skerry{k}{n}", "answer_start": text.index("Skerry")}]}]
        paragraphs.append({"context": text, "qas": qas})
    return {"title": f"{town} ferries", "paragraphs": paragraphs}


@pytest.fixture
def squad_file(tmp_path):
    path = tmp_path / "made_up_squad.json"
    path.write_text(json.dumps({"data": [_article(n) for n in range(len(TOWNS))]}), encoding="utf-8")
    return path


def test_whole_articles_mix_in_one_unanswerable_question_in_six(squad_file):
    spec = SetSpec("made_up", "validate", "articles", squad_file.name, size=4, per_unit=10)
    units = sample.units(spec, squad_file.parent, seed=0)
    assert len(units) == 4
    for unit in units:
        docs = dict(unit.docs)
        kinds = [i.kind for i in unit.items]
        assert kinds.count("answerable") == 10 and kinds.count("removed") + kinds.count("other") == 2
        for item in unit.items:
            assert item.source in docs
            if item.answerable:   # every gold located in the document it is asked of
                assert item.gold_starts and all(docs[item.source][s:].startswith(item.golds[0]) for s in item.gold_starts[:1])
            else:                 # a constructed unanswerable question's answer is really gone
                assert not present(_golds_of(item.question), docs[item.source])


def _golds_of(question: str) -> list[str]:
    for n in range(len(TOWNS)):
        for p in _article(n)["paragraphs"]:
            for qa in p["qas"]:
                if qa["question"] == question:
                    return [a["text"] for a in qa["answers"]]
    raise AssertionError(question)


def test_the_sample_is_fixed_by_its_seed_and_excludes_what_it_is_told(squad_file):
    spec = SetSpec("made_up", "fit", "articles", squad_file.name, size=3, per_unit=5)
    first = sample.units(spec, squad_file.parent, seed=0)
    assert first == sample.units(spec, squad_file.parent, seed=0)
    other = sample.units(spec, squad_file.parent, seed=0, exclude=frozenset(u.name for u in first))
    assert not {u.name for u in first} & {u.name for u in other}


def test_posts_ask_a_near_topic_other_post(squad_file):
    spec = SetSpec("made_up_posts", "validate", "posts", squad_file.name, size=12)
    (unit,) = sample.units(spec, squad_file.parent, seed=1)
    answerable = [i for i in unit.items if i.answerable]
    other = [i for i in unit.items if i.kind == "other"]
    assert len(answerable) == 24 and len(other) == round(24 / 5)


def _row(correct: float, confidence: float, answerable: bool = True, found: bool = True,
         verdict: str = "", kind: str = "") -> dict:
    return {"set": "s", "split": "validate", "scored": True, "golds": ["x"] if answerable else [], "class": "who",
            "kind": kind or ("answerable" if answerable else "other"),
            "found": found, "verdict": verdict or ("answer" if found else "absent"), "confidence": confidence,
            "correct": correct, "f1": correct, "em": correct, "f1_all": correct,
            "f1_shown": correct if found else 0.0, "cited": 1.0 if answerable else None, "latency_ms": 10.0}


def test_calibration_error_is_the_weighted_gap_per_bin():
    rows = [_row(1.0, 0.95)] * 9 + [_row(0.0, 0.95)] + [_row(0.0, 0.15)] * 10
    # bin 0.9-1.0: confidence 0.95, right 0.9 -> gap 0.05; bin 0.1-0.2: 0.15 vs 0 -> 0.15
    assert benchmark.calibration_error(rows) == pytest.approx(0.5 * 0.05 + 0.5 * 0.15)


def test_the_summary_scores_abstention_on_unanswerable_questions_as_right():
    rows = [_row(1.0, 0.9), _row(0.0, 0.2, found=False), _row(0.0, 0.1, answerable=False, found=False),
            _row(0.0, 0.6, answerable=False, found=True)]
    rows[2]["f1"] = rows[2]["em"] = 1.0   # as score() sets it for a withheld unanswerable question
    s = benchmark.summarise(rows)
    assert s["questions"] == 4 and s["unanswerable"] == 2
    assert s["answered"] == 0.5 and s["abstained"] == 0.5
    assert s["f1"] == pytest.approx(0.5)


def test_the_summary_scores_what_a_person_sees():
    rows = [_row(1.0, 0.9), _row(0.0, 0.8),                                   # two answers, one right
            _row(1.0, 0.4, found=False, verdict="unsure") | {"f1_shown": 1.0},  # the "Not sure" guess is right
            _row(1.0, 0.3, found=False, verdict="absent"),                    # no words shown
            _row(0.0, 0.7, answerable=False, found=True),                     # an unanswerable one answered
            _row(0.0, 0.2, answerable=False, found=False, verdict="unsure"),
            _row(0.0, 0.1, answerable=False, found=False, verdict="absent", kind="near"),
            _row(0.0, 0.1, answerable=False, found=False, verdict="absent", kind="near")]
    s = benchmark.summarise(rows)
    assert s["answers"] == 3 and s["answer_precision"] == pytest.approx(1 / 3)
    assert s["f1_shown"] == pytest.approx(2 / 4)
    assert s["answer_share"] == 0.5 and s["shown_share"] == 0.75
    assert s["unans_answer"] == 0.25 and s["unans_absent"] == 0.5
    kinds = benchmark.by_kind(rows)
    assert kinds["near"] == {"questions": 2, "answer": 0.0, "unsure": 0.0, "absent": 1.0}
    assert kinds["answerable"]["questions"] == 4 and kinds["answerable"]["unsure"] == 0.25


def test_short_rows_are_pooled_apart():
    rows = [_row(1.0, 0.9) | {"set": "nyt-validate"}, _row(0.0, 0.9) | {"set": "nyt-validate/short"},
            _row(0.0, 0.9) | {"set": "reddit"}]
    report = benchmark.pool({"meta": {}, "sets": {n: benchmark.summarise([r for r in rows if r["set"] == n])
                                                  for n in ("nyt-validate", "nyt-validate/short", "reddit")},
                             "rows": rows})
    assert report["pooled"]["validate"]["questions"] == 3
    assert report["pooled_short"]["validate"]["questions"] == 2          # the windows and the posts
    assert report["kinds"]["sets"]["nyt-validate/short"]["answerable"]["questions"] == 1
    table = benchmark.markdown(report)
    assert "| validate | nyt-validate/short | 1 |" in table and "| validate | **all short** | 2 |" in table
    assert "| validate | who | 3 |" in table                        # one row per class of question


def test_rows_are_grouped_by_the_class_of_their_question():
    rows = [_row(1.0, 0.9) | {"class": "who"}, _row(0.0, 0.9) | {"class": "when"},
            _row(0.0, 0.9, answerable=False) | {"class": "", "interpreted": "How long did the strike last?"}]
    classes = tables.by_class(rows)
    assert list(classes) == ["who", "when", "how many/much/long"]          # REPORT_CLASSES order
    assert classes["who"]["f1_all"] == 1.0 and classes["how many/much/long"]["unanswerable"] == 1


def test_score_keeps_the_withheld_guess_for_f1_if_every_question_were_answered():
    unit = sample.Unit("s", "validate", "u", (("a.txt", "The ferry sailed to Skerry."),), ())
    item = sample.Item("Where did the ferry sail?", ("Skerry",), "a.txt", "answerable", (20,))
    cite = Citation("a.txt", 0, 27, "The ferry sailed to Skerry.")
    withheld = Answer("Where did the ferry sail?", "", False, 0.3, (cite,), None, verdict="unsure",
                      guess="Skerry", guess_span=Span("a.txt", 20, 26))
    row = benchmark.score(unit, item, withheld, 12.0)
    assert row["f1"] == 0.0 and row["f1_all"] == 1.0 and row["correct"] == 1.0 and row["cited"] == 1.0
    assert row["words_shown"] == "Skerry" and row["f1_shown"] == 1.0       # "Not sure" shows its guess
    absent = Answer("Where did the ferry sail?", "", False, 0.1, (cite,), None, verdict="absent",
                    guess="Skerry", guess_span=Span("a.txt", 20, 26))
    row = benchmark.score(unit, item, absent, 12.0)
    assert row["words_shown"] == "" and row["f1_shown"] == 0.0 and row["f1_all"] == 1.0


def test_outputs_hold_no_question_text(tmp_path):
    rows = [_row(1.0, 0.9) | {"question": "Who built the secret ferry?", "set": "new_wiki"}]
    report = benchmark.pool({"meta": {}, "sets": {"new_wiki": benchmark.summarise(rows)}, "rows": rows})
    benchmark.write_outputs(report, tmp_path / "out", tmp_path / "rows.jsonl")
    for name in ("benchmark.json", "benchmark.md"):
        assert "secret ferry" not in (tmp_path / "out" / name).read_text(encoding="utf-8")
    assert (tmp_path / "out" / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "secret ferry" in (tmp_path / "rows.jsonl").read_text(encoding="utf-8")
    assert "| validate | new_wiki | 1 |" in (tmp_path / "out" / "benchmark.md").read_text(encoding="utf-8")
    benchmark.write_outputs(report, tmp_path / "history", tmp_path / "rows.jsonl", stem="before-x")
    assert sorted(p.name for p in (tmp_path / "history").iterdir()) == [
        "before-x-reliability.png", "before-x.json", "before-x.md"]


def test_a_yes_no_turn_is_scored_against_the_clause_that_settles_it():
    from qa.evaluation.readings import Reading

    def reading(golds, scored, rationale):
        return Reading("coqa-race", "fit", "s1", "answerable", golds, scored, "Did she win?", "Did she win?", (), {},
                       rationale)

    assert reading(("Ann Vale",), True, "Ann Vale won").targets == ("Ann Vale",)
    assert reading(("yes",), False, "she won the race").targets == ("she won the race",)
    assert reading(("No.",), False, "she came second").targets == ("she came second",)
    assert reading(("yes",), False, "").targets == ()              # no rationale located: nothing to score
