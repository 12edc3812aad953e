"""The benchmark's summaries: what a person sees, per set, per split, and per kind of question.

A scored row (``benchmark.score``) carries the verdict and the words shown: the answer
("answer"), the tentative guess ("unsure", shown as "Not sure"), or nothing ("absent", "Not in
the article"). The summary of a group of rows:

    answer_precision  among questions given "answer" (answerable or not), the share right
                      (answerable and F1 >= ``CORRECT_F1``)
    f1_shown          F1 of the words shown on answerable questions (the answer or the "Not
                      sure" guess; "absent" shows none and scores 0)
    answer_share      share of answerable questions given "answer"
    shown_share       share of answerable questions given "answer" or "unsure"
    unans_answer      share of unanswerable questions given "answer"
    unans_absent      share of unanswerable questions given "absent"
    f1_all            F1 of the answer or guess on answerable questions (answering everything)
    ece               expected calibration error of ``confidence`` as P(answer or guess right)
    cited             the gold answer lies inside the first citation (answerable questions)
    p50_ms            median wall time of one question
    em, f1            SQuAD 2.0's convention (withheld = empty; unanswerable right when withheld);
    answered, abstained   the earlier columns: share answered / withheld (JSON only)

Rows per set (the whole documents and, beside them, ``<set>/short``), each split pooled, and
each split's short documents (windows and posts) pooled alone; in the JSON also per kind of
question (answerable, near, other, removed, unknown). Below, one row per class of question
(``qa.question.report_class``: which/what + noun, who, when, how many/much/long, why, yes/no, ...)
of each split pooled; per set and class in the JSON (``classes``).
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Iterable, Sequence

from qa.evaluation.sample import FIT, SETS, SHORT, VALIDATE, short_sets

CORRECT_F1 = 0.5
BINS = 10
VERDICTS = ("answer", "unsure", "absent")
KINDS = ("answerable", "near", "other", "removed", "unknown")


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


def _share(rows: Sequence[dict], verdicts: Iterable[str]) -> float:
    wanted = set(verdicts)
    return _mean(float(r["verdict"] in wanted) for r in rows)


def summarise(rows: Sequence[dict]) -> dict:
    scored = [r for r in rows if r["scored"]]
    answerable = [r for r in scored if r["golds"]]
    unanswerable = [r for r in scored if not r["golds"]]
    given = [r for r in scored if r["verdict"] == "answer"]
    cited = [r["cited"] for r in answerable if r["cited"] is not None]
    return {
        "questions": len(scored), "unanswerable": len(unanswerable), "answers": len(given),
        "answer_precision": _mean(float(bool(r["golds"]) and r["f1"] >= CORRECT_F1) for r in given),
        "f1_shown": _mean(r["f1_shown"] for r in answerable),
        "answer_share": _share(answerable, ["answer"]),
        "shown_share": _share(answerable, ["answer", "unsure"]),
        "unans_answer": _share(unanswerable, ["answer"]),
        "unans_absent": _share(unanswerable, ["absent"]),
        "f1_all": _mean(r["f1_all"] for r in answerable),
        "ece": calibration_error(scored),
        "cited": _mean(cited),
        "p50_ms": statistics.median([r["latency_ms"] for r in rows]) if rows else 0.0,
        "em": _mean(r["em"] for r in scored), "f1": _mean(r["f1"] for r in scored),
        "answered": _mean(float(r["found"]) for r in answerable),
        "abstained": _mean(float(not r["found"]) for r in unanswerable),
    }


def by_kind(rows: Sequence[dict]) -> dict:
    """Per kind of question: how many, the share of each verdict, and (answerable) F1 shown."""
    out = {}
    for kind in KINDS:
        inside = [r for r in rows if r["scored"] and r["kind"] == kind]
        if inside:
            out[kind] = {"questions": len(inside), **{v: _share(inside, [v]) for v in VERDICTS}}
            if kind == "answerable":
                out[kind]["f1_shown"] = _mean(r["f1_shown"] for r in inside)
    return out


def row_class(row: dict) -> str:
    """The row's class of question (``qa.question.report_class`` of the question as the
    conversation resolved it); rows written before the class was kept are classified here."""
    if row.get("class"):
        return row["class"]
    from qa.question import analyse, report_class

    return report_class(analyse(row.get("interpreted") or row["question"]))


def by_class(rows: Sequence[dict]) -> dict:
    """Per class of question, in ``REPORT_CLASSES`` order: the summary of its rows."""
    from qa.question import REPORT_CLASSES

    classes = [row_class(r) for r in rows]
    return {c: summarise([r for r, k in zip(rows, classes) if k == c]) for c in REPORT_CLASSES if c in classes}


def reliability(rows: Sequence[dict], bins: int = BINS) -> list[dict]:
    """Per confidence bin: questions, mean confidence, share right."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [r for r in rows if lo <= r["confidence"] < hi or (b == bins - 1 and r["confidence"] == 1.0)]
        if inside:
            out.append({"lo": lo, "hi": hi, "n": len(inside), "confidence": _mean(r["confidence"] for r in inside),
                        "right": _mean(r["correct"] for r in inside)})
    return out


def calibration_error(rows: Sequence[dict], bins: int = BINS) -> float:
    """Expected calibration error: the questions-weighted gap between confidence and share right."""
    total = len(rows)
    return sum(b["n"] / total * abs(b["confidence"] - b["right"]) for b in reliability(rows, bins)) if total else 0.0


def is_short(set_name: str) -> bool:
    return set_name.endswith(SHORT) or set_name in short_sets()


def pool(report: dict) -> dict:
    """Adds each split's pooled summary (``pooled``), the same over its short documents alone
    (``pooled_short``), and the per-kind breakdowns (``kinds``) to ``report``."""
    rows = report["rows"]
    splits = [s for s in (FIT, VALIDATE) if any(r["split"] == s for r in rows)]
    report["pooled"] = {s: summarise([r for r in rows if r["split"] == s]) for s in splits}
    report["pooled_short"] = {s: summarise(short) for s in splits
                              if (short := [r for r in rows if r["split"] == s and is_short(r["set"])])}
    report["kinds"] = {"sets": {name: by_kind([r for r in rows if r["set"] == name]) for name in report["sets"]},
                       "pooled": {s: by_kind([r for r in rows if r["split"] == s]) for s in splits},
                       "pooled_short": {s: by_kind([r for r in rows if r["split"] == s and is_short(r["set"])])
                                        for s in report["pooled_short"]}}
    report["classes"] = {"pooled": {s: by_class([r for r in rows if r["split"] == s]) for s in splits},
                         "sets": {name: by_class([r for r in rows if r["set"] == name]) for name in report["sets"]}}
    return report


COLUMNS = (("questions", "questions", "{:,}"), ("unanswerable", "unanswerable", "{:,}"),
           ("answer_precision", "\"answer\" right", "{:.2f}"), ("f1_shown", "F1 shown", "{:.3f}"),
           ("answer_share", "answerable: \"answer\"", "{:.2f}"),
           ("shown_share", "answerable: words shown", "{:.2f}"),
           ("unans_answer", "unanswerable: \"answer\"", "{:.2f}"),
           ("unans_absent", "unanswerable: \"not in article\"", "{:.2f}"),
           ("f1_all", "F1 answering all", "{:.3f}"), ("ece", "ECE", "{:.3f}"),
           ("cited", "gold in 1st citation", "{:.2f}"), ("p50_ms", "p50 ms", "{:.0f}"))


def markdown(report: dict) -> str:
    """One row per set (whole documents, then ``/short``), grouped by split, plus each split
    pooled and its short documents pooled."""
    head = "| split | set | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * 2 + "---:|" * len(COLUMNS)]
    split_of = {s.name: s.split for s in SETS} | {r["set"]: r["split"] for r in report.get("rows", [])}
    for split in (FIT, VALIDATE):
        names = [n for n in report["sets"] if split_of.get(n) == split]
        lines += [_row(split, name, report["sets"][name]) for name in names]
        if len(names) > 1 and report.get("pooled", {}).get(split):
            lines.append(_row(split, "**all**", report["pooled"][split]))
        if len(names) > 1 and report.get("pooled_short", {}).get(split):
            lines.append(_row(split, "**all short**", report["pooled_short"][split]))
    if report.get("classes", {}).get("pooled"):
        lines += ["", class_markdown(report["classes"]["pooled"])]
    return "\n".join(lines)


CLASS_COLUMNS = (("questions", "questions", "{:,}"), ("unanswerable", "unanswerable", "{:,}"),
                 ("answer_precision", "\"answer\" right", "{:.2f}"), ("f1_shown", "F1 shown", "{:.3f}"),
                 ("answer_share", "answerable: \"answer\"", "{:.2f}"), ("f1_all", "F1 answering all", "{:.3f}"),
                 ("cited", "gold in 1st citation", "{:.2f}"))


def class_markdown(pooled: dict) -> str:
    """One row per split and class of question ({split: {class: summary}})."""
    lines = ["| split | class of question | " + " | ".join(label for _, label, _ in CLASS_COLUMNS) + " |",
             "|" + "---|" * 2 + "---:|" * len(CLASS_COLUMNS)]
    for split, classes in pooled.items():
        lines += [f"| {split} | {name} | " + " | ".join(fmt.format(s[key]) for key, _, fmt in CLASS_COLUMNS) + " |"
                  for name, s in classes.items()]
    return "\n".join(lines)


def _row(split: str, name: str, s: dict) -> str:
    return f"| {split} | {name} | " + " | ".join(fmt.format(s[key]) for key, _, fmt in COLUMNS) + " |"


def write_outputs(report: dict, out_dir: Path, rows_path: Path, stem: str = "benchmark") -> None:
    """The table as ``<stem>.json`` and ``<stem>.md`` plus the reliability diagram in ``out_dir``
    (committed: no question text); every row, with the benchmark's questions, in ``rows_path``
    (never committed). ``stem`` names the files, e.g. ``before-issue-17`` in docs/benchmark/history."""
    from qa.evaluation.diagram import reliability_png

    out_dir, rows_path = Path(out_dir), Path(rows_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    rows = report["rows"]
    summary = {"meta": report["meta"], "sets": report["sets"], "pooled": report.get("pooled", {}),
               "pooled_short": report.get("pooled_short", {}), "kinds": report.get("kinds", {}),
               "classes": report.get("classes", {}),
               "reliability": {split: reliability([r for r in rows if r["split"] == split and r["scored"]])
                               for split in (FIT, VALIDATE)}}
    (out_dir / f"{stem}.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(markdown(report) + "\n", encoding="utf-8")
    png = "reliability.png" if stem == "benchmark" else f"{stem}-reliability.png"
    reliability_png(summary["reliability"], out_dir / png)
    with rows_path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
