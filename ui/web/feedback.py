"""Chat feedback: thumbs up/down on answers, and the regression cases confirmed feedback becomes.

Every vote is one JSON line appended to ``<store>/feedback.jsonl``::

    {"id": "3f2a...", "time": "2025-06-01T12:00:00+00:00", "question": "...", "interpreted": "...",
     "answer": {...Answer.to_dict()...}, "vote": "up" | "down" | null, "correct_answer": "..." | null,
     "not_in_article": false}

The latest record per answer ``id`` wins (a person may change their vote, or add a correction).
``qa eval --feedback`` keeps the *confirmed* ones and writes them as regression cases in the
format of ``seeds/questions.jsonl``:

- an up-vote on a found answer: the answer is gold, its first citation the evidence;
- an up-vote on "not in the article", or a down-vote marked "the article does not say":
  an unanswerable case;
- a down-vote with a correct answer that is a verbatim span of the cited article: that span is
  gold and the sentence containing it is the evidence.

Down-votes without a usable correction are counted but not turned into cases.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from qa.errors import IndexReadOnlyError
from qa.settings import Settings
from qa.types import Answer

FEEDBACK_FILE = "feedback.jsonl"
CASES_FILE = "feedback_cases.jsonl"
VOTES = ("up", "down", None)

_append_lock = threading.Lock()


def feedback_path(settings: Settings | None = None) -> Path:
    return Path((settings or Settings()).store) / FEEDBACK_FILE


def record_feedback(answer: Answer, vote: str | None, *, answer_id: str, correct_answer: str | None = None,
                    not_in_article: bool = False, settings: Settings | None = None) -> dict[str, Any]:
    """Append one vote to the store's feedback file and return the record written."""
    if vote not in VOTES:
        raise ValueError(f"vote must be 'up', 'down' or None, got {vote!r}")
    record = {
        "id": answer_id,
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "question": answer.question,
        "interpreted": answer.interpreted or answer.question,
        "answer": answer.to_dict(),
        "vote": vote,
        "correct_answer": (correct_answer or "").strip() or None,
        "not_in_article": bool(not_in_article),
    }
    path = feedback_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _append_lock, path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    except PermissionError as exc:
        raise IndexReadOnlyError(f"Feedback cannot be saved: the index at {path.parent} is read-only for this "
                                 f"user. Answers are not affected.") from exc
    return record


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Records in file order; a torn last line (a crash mid-write) is skipped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def latest_votes(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last record for each answer id, in order of first appearance."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        latest[r.get("id") or r.get("time", "")] = r
    return list(latest.values())


# --------------------------------------------------------------------------------------------
# Feedback -> regression cases
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    case: dict[str, Any] | None  # the regression case, or None when not confirmed
    reason: str                  # why (for the report)


def case_id(question: str) -> str:
    return "f" + hashlib.sha256(question.encode("utf-8")).hexdigest()[:8]


def _case(question: str, answers: list[str], evidence: str | None) -> dict[str, Any]:
    return {"id": case_id(question), "question": question, "answers": answers, "evidence": evidence}


def judge(record: dict[str, Any], settings: Settings) -> Verdict:
    """Decide whether one (latest) feedback record is confirmed, and build its case."""
    answer, vote = record.get("answer") or {}, record.get("vote")
    question = record.get("interpreted") or record.get("question") or ""
    if not question:
        return Verdict(None, "no question")
    if vote == "up":
        if not answer.get("found"):
            return Verdict(_case(question, [], None), "confirmed: not in the article")
        cites = answer.get("citations") or []
        evidence = cites[0]["quote"] if cites else None
        return Verdict(_case(question, [answer["text"]], evidence), "confirmed: up-vote")
    if vote == "down":
        if record.get("not_in_article"):
            return Verdict(_case(question, [], None), "corrected: not in the article")
        correct = record.get("correct_answer")
        if not correct:
            return Verdict(None, "down-vote without a correct answer")
        evidence = evidence_for(correct, answer, settings)
        if evidence is None:
            return Verdict(None, f"correction {correct!r} is not a verbatim span of the article")
        return Verdict(_case(question, [correct], evidence), "corrected: verbatim span")
    return Verdict(None, "vote withdrawn")


def evidence_for(correct: str, answer: dict[str, Any], settings: Settings) -> str | None:
    """The sentence that contains ``correct`` verbatim, preferring the first cited passage.

    The cited articles are searched first, then every other indexed article; within an article
    an occurrence inside a cited passage wins (the seed article repeats whole paragraphs).
    """
    from index.normalise import NormalisedText
    from index.split import split_sentences
    from qa.errors import IndexMissingError
    from qa.library import get_article, list_articles

    cites = answer.get("citations") or []
    cited_sources = list(dict.fromkeys(c["source"] for c in cites))
    others = [a.source for a in list_articles(settings) if a.source not in cited_sources]
    for source in cited_sources + others:
        try:
            view = get_article(source, settings)
        except IndexMissingError:
            continue
        sentences = split_sentences(NormalisedText(view.text, view.blocks))
        cited = [(c["start"], c["end"]) for c in cites if c["source"] == source]
        hits = [s for s in sentences if correct in s.text]
        # The earliest citation overlapping the sentence ranks it; uncited sentences come last.
        hits.sort(key=lambda s: next((i for i, (lo, hi) in enumerate(cited) if lo < s.end and s.start < hi),
                                     len(cited)))
        if hits:
            return hits[0].text
    return None


def feedback_cases(settings: Settings | None = None, write_to: Path | str | None = None) -> dict[str, Any]:
    """Turn confirmed feedback into regression cases, write them, and run them.

    Returns the regression report of ``qa.evaluation.regression`` with a ``feedback`` section
    (votes read, cases written, what was skipped and why, where the cases went).
    """
    from qa.evaluation.regression import evaluate_regression, summarise

    settings = settings or Settings()
    records = latest_votes(read_feedback(feedback_path(settings)))
    cases: dict[str, dict[str, Any]] = {}
    skipped = []
    for record in records:
        verdict = judge(record, settings)
        if verdict.case is None:
            skipped.append({"question": record.get("question", ""), "reason": verdict.reason})
        else:
            cases[verdict.case["question"]] = verdict.case  # the latest verdict on a question wins
    out = Path(write_to) if write_to else Path(settings.store) / CASES_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases.values()), encoding="utf-8")
    report = evaluate_regression(out, settings=settings) if cases else summarise([], [])
    report["feedback"] = {"file": str(feedback_path(settings)), "records": len(records),
                          "cases": len(cases), "written_to": str(out), "skipped": skipped}
    return report


def format_report(report: dict[str, Any]) -> str:
    from qa.evaluation.regression import format_report as format_regression

    fb = report["feedback"]
    lines = [f"feedback: {fb['records']} rated answers in {fb['file']}; "
             f"{fb['cases']} confirmed -> {fb['written_to']}"]
    lines += [f"  skipped: {s['question']!r}: {s['reason']}" for s in fb["skipped"]]
    if not fb["cases"]:
        lines.append("No confirmed feedback yet: rate answers in `qa chat` (thumbs up, or thumbs down "
                     "with the correct words from the article).")
        return "\n".join(lines)
    return "\n".join(lines) + "\n\n" + format_regression(report)
