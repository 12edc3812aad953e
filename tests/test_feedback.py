"""Chat feedback -> feedback.jsonl -> regression cases run by ``qa eval --feedback`` (real store)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui.web import feedback
from qa.api import ask
from ui.cli.main import main as qa_main
from qa.settings import Settings
ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "seeds" / "azerbaijan-russia-sputnik-arrests.txt"

pytestmark = pytest.mark.slow

EDITOR_Q = "Who is the editor-in-chief of Sputnik Azerbaijan?"
EDITOR_SENTENCE = ("Detained in the raid were Sputnik Azerbaijan's editor-in-chief Yevgeny Belousov, "
                   "and editorial board director Igor Kartavykh.")
MISSING_Q = "Which football team won the league this season?"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    """Its own store: feedback files are written into the store folder."""
    from index.build import build_index

    path = tmp_path_factory.mktemp("feedback") / "store"
    build_index(path, [SEED_ARTICLE])
    return Settings(store=path)


@pytest.fixture
def clean(settings):
    feedback.feedback_path(settings).unlink(missing_ok=True)
    yield settings
    feedback.feedback_path(settings).unlink(missing_ok=True)


def test_records_append_and_the_latest_vote_wins(clean):
    answer = ask(EDITOR_Q, settings=clean)
    feedback.record_feedback(answer, "up", answer_id="a1", settings=clean)
    feedback.record_feedback(answer, None, answer_id="a1", settings=clean)
    feedback.record_feedback(answer, "down", answer_id="a2", correct_answer="  Belousov ", settings=clean)
    lines = feedback.feedback_path(clean).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first["question"] == EDITOR_Q and first["vote"] == "up" and first["answer"] == answer.to_dict()
    assert first["time"].endswith("+00:00")
    latest = feedback.latest_votes(feedback.read_feedback(feedback.feedback_path(clean)))
    assert [(r["id"], r["vote"], r["correct_answer"]) for r in latest] == [("a1", None, None),
                                                                          ("a2", "down", "Belousov")]


def test_bad_vote_is_refused(clean):
    with pytest.raises(ValueError, match="'sideways'"):
        feedback.record_feedback(ask(EDITOR_Q, settings=clean), "sideways", answer_id="x", settings=clean)


def test_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"id": "a", "vote": "up"}\n{"id": "b", "vo', encoding="utf-8")
    assert [r["id"] for r in feedback.read_feedback(path)] == ["a"]


def _record(answer, vote, **extra) -> dict:
    return {"id": "x", "question": answer.question, "interpreted": answer.interpreted or answer.question,
            "answer": answer.to_dict(), "vote": vote, "correct_answer": None, "not_in_article": False, **extra}


def test_judge_up_vote_makes_the_answer_gold(settings):
    answer = ask(EDITOR_Q, settings=settings)
    verdict = feedback.judge(_record(answer, "up"), settings)
    assert verdict.case == {"id": feedback.case_id(EDITOR_Q), "question": EDITOR_Q, "answers": [answer.text],
                            "evidence": answer.citations[0].quote}


def test_judge_up_vote_on_not_found_makes_an_unanswerable_case(settings):
    answer = ask(MISSING_Q, settings=settings)
    assert not answer.found
    assert feedback.judge(_record(answer, "up"), settings).case["answers"] == []


def test_judge_correction_must_be_verbatim(settings):
    answer = ask(EDITOR_Q, settings=settings)
    verdict = feedback.judge(_record(answer, "down", correct_answer="Igor Kartavykh"), settings)
    assert verdict.case["answers"] == ["Igor Kartavykh"] and verdict.case["evidence"] == EDITOR_SENTENCE
    rejected = feedback.judge(_record(answer, "down", correct_answer="Igor K."), settings)
    assert rejected.case is None and "not a verbatim span" in rejected.reason
    assert feedback.judge(_record(answer, "down"), settings).case is None
    unanswerable = feedback.judge(_record(answer, "down", not_in_article=True), settings)
    assert unanswerable.case["answers"] == [] and unanswerable.case["evidence"] is None


def test_evidence_prefers_the_cited_sentence(settings):
    # "Sputnik Azerbaijan" stands in several sentences; the one the answer cited wins.
    answer = ask(EDITOR_Q, settings=settings).to_dict()
    assert feedback.evidence_for("Sputnik Azerbaijan", answer, settings) == EDITOR_SENTENCE
    assert feedback.evidence_for("not in this article at all", answer, settings) is None


def test_feedback_cases_are_written_and_run(clean, tmp_path):
    good, missing = ask(EDITOR_Q, settings=clean), ask(MISSING_Q, settings=clean)
    wrong = ask("What job does Igor Kartavykh hold?", settings=clean)
    feedback.record_feedback(good, "up", answer_id="1", settings=clean)
    feedback.record_feedback(missing, "up", answer_id="2", settings=clean)
    feedback.record_feedback(wrong, "down", answer_id="3", correct_answer="editorial board director", settings=clean)
    feedback.record_feedback(wrong, "down", answer_id="4", settings=clean)  # no correction: skipped
    out = tmp_path / "cases.jsonl"
    report = feedback.feedback_cases(clean, write_to=out)
    cases = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["question"] for c in cases] == [EDITOR_Q, MISSING_Q, "What job does Igor Kartavykh hold?"]
    assert cases[2]["answers"] == ["editorial board director"] and cases[2]["evidence"] == EDITOR_SENTENCE
    assert report["cases"] == 3 and report["feedback"]["cases"] == 3
    assert report["feedback"]["skipped"] == [{"question": "What job does Igor Kartavykh hold?",
                                             "reason": "down-vote without a correct answer"}]
    by_question = {r["question"]: r for r in report["rows"]}
    assert by_question[EDITOR_Q]["passed"] and by_question[MISSING_Q]["passed"]
    text = feedback.format_report(report)
    assert "3 confirmed" in text and "skipped" in text and "passed" in text


def test_qa_eval_feedback_cli(clean, capsys):
    feedback.record_feedback(ask(EDITOR_Q, settings=clean), "up", answer_id="1", settings=clean)
    assert qa_main(["--store", str(clean.store), "eval", "--feedback"]) == 0
    out = capsys.readouterr().out
    assert "1 confirmed" in out and "passed 1/1" in out
    cases = Path(clean.store) / feedback.CASES_FILE
    assert json.loads(cases.read_text(encoding="utf-8"))["question"] == EDITOR_Q


def test_no_feedback_yet(clean):
    report = feedback.feedback_cases(clean)
    assert report["cases"] == 0 and "No confirmed feedback yet" in feedback.format_report(report)
