"""The regression question set: questions about the seed article with gold answers and the
gold supporting sentence, run through ``ask()`` and scored case by case.

File format (JSON lines), one case per line::

    {"id": "a01", "question": "...", "answers": ["gold span", "alternative"], "evidence": "gold sentence"}
    {"id": "u01", "question": "...", "answers": [], "evidence": null}      # not answerable

A case passes when ``found`` is right and, for answerable ones, the answer's F1 against a gold
answer is at least ``PASS_F1`` and the first citation is the gold sentence.
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from qa.evaluation.squad import best_over_golds, exact_match, f1_score
from qa.settings import PROJECT_ROOT, Settings
from qa.text import normalize_answer
from qa.types import Answer

DEFAULT_QUESTIONS = PROJECT_ROOT / "seeds" / "questions.jsonl"
PASS_F1 = 0.6


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answers: tuple[str, ...]
    evidence: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_cases(path: Path | None = None) -> list[Case]:
    path = Path(path or DEFAULT_QUESTIONS)
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(Case(row["id"], row["question"], tuple(row["answers"]), row.get("evidence")))
    return cases


def citation_correct(case: Case, answer: Answer) -> bool:
    """The first citation is (or lies inside) the gold sentence."""
    if not answer.citations or not case.evidence:
        return False
    quote = answer.citations[0].quote
    return quote in case.evidence or case.evidence in quote


def score_case(case: Case, answer: Answer) -> dict:
    f1 = best_over_golds(f1_score, answer.text, case.answers) if case.answerable and answer.found else 0.0
    em = best_over_golds(exact_match, answer.text, case.answers) if case.answerable and answer.found else 0.0
    contains = case.answerable and answer.found and any(
        normalize_answer(g) in normalize_answer(answer.text) for g in case.answers)
    cited = citation_correct(case, answer) if case.answerable else None
    if case.answerable:
        passed = answer.found and f1 >= PASS_F1 and bool(cited)
    else:
        passed = not answer.found
    return {"id": case.id, "question": case.question, "answerable": case.answerable,
            "found": answer.found, "answer": answer.text, "gold": list(case.answers),
            "confidence": round(answer.confidence, 3), "em": em, "f1": f1, "contains": contains,
            "cited": cited, "passed": passed}


def evaluate_regression(path: Path | None = None, *, settings: Settings | None = None,
                        ask_fn: Callable[[str], Answer] | None = None) -> dict:
    if ask_fn is None:
        from qa.api import ask

        settings = settings or Settings()
        ask_fn = lambda q: ask(q, settings=settings)  # noqa: E731
    rows, latencies = [], []
    for case in load_cases(path):
        t0 = time.perf_counter()
        answer = ask_fn(case.question)
        latencies.append((time.perf_counter() - t0) * 1e3)
        rows.append(score_case(case, answer))
    return summarise(rows, latencies)


def summarise(rows: Sequence[dict], latencies: Sequence[float]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    abstained = [r for r in rows if not r["found"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    mean = lambda xs: statistics.fmean(xs) if xs else 0.0  # noqa: E731
    ordered = sorted(latencies)
    return {
        "cases": len(rows), "passed": sum(r["passed"] for r in rows),
        "em": mean([r["em"] for r in answerable]), "f1": mean([r["f1"] for r in answerable]),
        "contains": mean([float(r["contains"]) for r in answerable]),
        "citation": mean([float(bool(r["cited"])) for r in answerable]),
        "abstain_precision": mean([float(not r["answerable"]) for r in abstained]) if abstained else 1.0,
        "abstain_recall": mean([float(not r["found"]) for r in unanswerable]) if unanswerable else 1.0,
        "latency_p50_ms": ordered[len(ordered) // 2] if ordered else 0.0,
        "latency_p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0,
        "rows": list(rows),
    }


def format_report(report: dict) -> str:
    lines = [f"{'case':5} {'ok':3} {'conf':>5}  question -> answer"]
    for r in report["rows"]:
        mark = "ok" if r["passed"] else "FAIL"
        shown = r["answer"] if r["found"] else "(not in the article)"
        lines.append(f"{r['id']:5} {mark:4} {r['confidence']:.2f}  {r['question']} -> {shown[:70]}")
    lines += [
        "",
        f"passed {report['passed']}/{report['cases']}",
        f"answerable: EM {report['em']:.3f}  F1 {report['f1']:.3f}  answer contains gold "
        f"{report['contains']:.3f}  citation correct {report['citation']:.3f}",
        f"abstention: precision {report['abstain_precision']:.3f}  recall {report['abstain_recall']:.3f}",
        f"latency: p50 {report['latency_p50_ms']:.1f} ms  p95 {report['latency_p95_ms']:.1f} ms",
    ]
    return "\n".join(lines)
