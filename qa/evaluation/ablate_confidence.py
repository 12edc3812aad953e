"""Which confidence signals pay: refit without each group, judge on the validation rows.

    python -m qa.evaluation.ablate_confidence                 # after fit_confidence and qa eval --benchmark

The fit rows (``fit_confidence`` writes them) and the validation rows (``qa eval --benchmark``
writes them) record every question's features. For each group of ``GROUPS`` the two models and
the policy are refitted on the fit rows without it; every validation question's verdict is then
recomputed from its recorded features (the words shown do not depend on the confidence model,
only whether and how they are shown), and the benchmark's own summary scores the result.
Validation only judges here: nothing is fitted on it. Writes ``docs/benchmark/confidence-ablation.md``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

from qa.confidence import FEATURES, Logistic, Policy
from qa.evaluation import benchmark
from qa.evaluation.fit_confidence import fit

GROUPS = {
    "own sentence coverage": ("own",),
    "question words found": ("coverage", "related", "bridged", "absent", "absent_x_length"),
    "article length": ("length", "absent_x_length"),
    "meaning (embeddings)": ("dense", "dense_margin"),
    "reader's span": ("span", "margin", "whole_sentence", "answer_words"),
    "question kind": ("wants_name", "wants_date", "wants_number", "wants_reason", "wants_yesno"),
}
OUT = Path(__file__).resolve().parents[2] / "docs" / "benchmark" / "confidence-ablation.md"
SHOWN = ("f1_shown", "answer_precision", "answer_share", "shown_share", "unans_answer", "unans_absent", "ece")


def rescore(row: dict, correct: Logistic, answerable: Logistic, policy: Policy) -> dict:
    """The row as the refitted model would have shown it."""
    p, q = correct.probability(row["features"]), answerable.probability(row["features"])
    verdict = policy.verdict(p, q)
    found = verdict == "answer"
    f1 = (row["f1_all"] if found else 0.0) if row["golds"] else float(not found)
    f1_shown = row["f1_all"] if verdict != "absent" else 0.0
    return dict(row, confidence=p, verdict=verdict, found=found, shown=row["best"] if found else "", f1=f1,
                f1_shown=f1_shown)


def evaluate(fitted: dict, rows: Sequence[dict]) -> dict:
    """Validation summaries (per set, and pooled) under a fitted model."""
    correct, answerable = (Logistic(fitted[m]["weights"], fitted[m]["bias"]) for m in ("correct", "answerable"))
    policy = Policy(fitted["policy"]["answer"], fitted["policy"]["answerable"])
    scored = [rescore(r, correct, answerable, policy) for r in rows if r["features"]]
    sets = {name: benchmark.summarise([r for r in scored if r["set"] == name])
            for name in sorted({r["set"] for r in scored})}
    sets["all"] = benchmark.summarise(scored)
    return sets


def ablate(fit_rows: Sequence[dict], validation_rows: Sequence[dict]) -> dict[str, dict]:
    out = {"all signals": evaluate(fit(fit_rows), validation_rows)}
    for group, names in GROUPS.items():
        kept = tuple(n for n in FEATURES if n not in names)
        out[f"without {group}"] = evaluate(fit(fit_rows, kept), validation_rows)
    return out


def markdown(results: dict[str, dict]) -> str:
    sets = list(next(iter(results.values())))
    lines = ["# Confidence signals: ablation on the validation split",
             "", "Written by `python -m qa.evaluation.ablate_confidence`: each row refits the confidence "
             "models and the policy on the fit split without one group of signals and rescored the "
             "validation questions. Columns as in the benchmark table.", ""]
    for name in sets:
        lines += [f"## {name}", "", "| model | " + " | ".join(SHOWN) + " |", "|---|" + "---:|" * len(SHOWN)]
        lines += [f"| {label} | " + " | ".join(f"{res[name].get(k, 0.0):.3f}" for k in SHOWN) + " |"
                  for label, res in results.items()]
        lines.append("")
    return "\n".join(lines)


def _rows(path: Path, split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("scored", True) and (split is None or r["split"] == split)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-rows", type=Path, default=benchmark.DEFAULT_WORK / "fit-rows.jsonl")
    parser.add_argument("--validation-rows", type=Path, default=benchmark.DEFAULT_WORK / "rows.jsonl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    results = ablate(_rows(args.fit_rows, "fit"), _rows(args.validation_rows, "validate"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results) + "\n", encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
