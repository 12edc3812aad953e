"""Fit the confidence model (``qa/confidence.py``) on the fit split; write its weights file.

    python -m qa.evaluation.fit_confidence            # asks the fit split once (tens of minutes)
    python -m qa.evaluation.fit_confidence --reuse-rows   # refit on the rows of the last run

It asks the fit split's questions (whole articles and their short windows, CoQA stories; see
``qa.evaluation.sample``) through ``ask()``, leaving out the articles and stories of the
benchmark's own sample so the benchmark's fit rows stay unseen, and fits two logistic
regressions over ``confidence.FEATURES``:

- ``correct``: is the answer (or guess) right, F1 >= 0.5 (always wrong for an unanswerable one);
- ``answerable``: does the document answer at all.

The policy's two thresholds are chosen on cross-validated predictions of the fit rows
(``ANSWER_RULE``, ``ANSWERABLE_RULE``); the coverage/precision curve they come from is written
to ``docs/benchmark/policy.md``. Validation splits are never used here. Rerun whenever the
reader changes.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.confidence import FEATURES, FORMAT, NOT_FOR_ANSWERABLE, WEIGHTS_FILE, Policy
from qa.evaluation import benchmark
from qa.evaluation.sample import FIT, units
from qa.evaluation.tables import is_short

ANSWER_PRECISION, ANSWER_FLOOR = 0.72, 0.5
ANSWER_RULE = (f"P(correct) from the lowest threshold of at least {ANSWER_FLOOR} at which the fit split's shown "
               f"answers are at least {ANSWER_PRECISION:.0%} right (out-of-fold predictions)")
SHOWN_ANSWERABLE = 0.94
ANSWERABLE_RULE = (f"P(answerable) threshold: the highest at which at least {SHOWN_ANSWERABLE:.0%} of the fit "
                   f"split's answerable questions on short documents still get \"answer\" or \"Not sure\" "
                   f"(so the most unanswerable ones get \"Not in the article\")")
CURVE = Path(__file__).resolve().parents[2] / "docs" / "benchmark" / "policy.md"
FOLDS = 5


def benchmark_sample(data_dir: Path) -> frozenset[str]:
    """The units the benchmark itself asks (seed 0, scale 1): kept out of the fit."""
    return frozenset(u.name for spec in benchmark.chosen_sets(FIT) for u in units(spec, data_dir, 0, 1.0))


def matrix(rows: Sequence[dict], names: Sequence[str] = tuple(FEATURES)) -> np.ndarray:
    return np.array([[r["features"].get(name, 0.0) for name in names] for r in rows], dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def cross_validated(x: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Out-of-fold probabilities, folds by unit (an article's questions stay together)."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        out[test] = fit_logistic(x[train], y[train]).predict_proba(x[test])[:, 1]
    return out


def answer_curve(correct: np.ndarray, p: np.ndarray) -> list[dict]:
    """For each P(correct) threshold: the share of questions answered and how many of those are right."""
    out = []
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        given = p >= t
        out.append({"threshold": float(t), "coverage": float(given.mean()),
                    "precision": float(correct[given].mean()) if given.any() else 1.0})
    return out


def choose_answer_threshold(curve: Sequence[dict]) -> float:
    """``ANSWER_RULE``: the lowest threshold >= the floor whose shown answers are precise enough."""
    meeting = [c["threshold"] for c in curve if c["threshold"] >= ANSWER_FLOOR and c["precision"] >= ANSWER_PRECISION]
    return min(meeting) if meeting else max(c["threshold"] for c in curve)


def choose_answerable_threshold(answerable: np.ndarray, shown_by_answer: np.ndarray, p: np.ndarray) -> float:
    """``ANSWERABLE_RULE``: ``shown_by_answer`` marks questions already answered (P(correct) high)."""
    best = 0.0
    for t in np.round(np.arange(0.01, 0.99, 0.01), 2):
        shown = shown_by_answer | (p >= t)
        if shown[answerable].mean() >= SHOWN_ANSWERABLE:
            best = float(t)
    return best


def policy_stats(rows: Sequence[dict], correct_p: np.ndarray, answerable_p: np.ndarray, policy: Policy) -> dict:
    """What the policy does to the fit rows (out-of-fold): the issue's measures."""
    verdicts = np.array([policy.verdict(p, q) for p, q in zip(correct_p, answerable_p)])
    answerable = np.array([bool(r["golds"]) for r in rows])
    right = np.array([r["correct"] for r in rows], dtype=bool)
    answer, shown = verdicts == "answer", verdicts != "absent"
    return {"answer_precision": float(right[answer].mean()) if answer.any() else 1.0,
            "answer_share": float(answer[answerable].mean()),
            "shown_share": float(shown[answerable].mean()),
            "unanswerable_answer": float(answer[~answerable].mean()) if (~answerable).any() else 0.0,
            "unanswerable_absent": float((~shown)[~answerable].mean()) if (~answerable).any() else 0.0}


def fit(rows: Sequence[dict], names: Sequence[str] = tuple(FEATURES)) -> dict:
    """Both models over the features ``names`` (the others weigh 0), and the policy."""
    rows = [r for r in rows if r["scored"] and r["features"]]
    x = matrix(rows, names)
    correct = np.array([r["correct"] for r in rows])
    answerable = np.array([float(bool(r["golds"])) for r in rows])
    groups = [f"{r['set']}/{r['unit']}" for r in rows]
    x_ans = x * np.array([name not in NOT_FOR_ANSWERABLE for name in names], dtype=float)
    held = cross_validated(x, correct, groups)
    held_ans = cross_validated(x_ans, answerable, groups)
    curve = answer_curve(correct, held)
    answer_t = choose_answer_threshold(curve)
    short = np.array([is_short(r["set"]) for r in rows])
    short = short if short.any() else np.ones(len(rows), dtype=bool)
    answerable_t = choose_answerable_threshold(answerable[short].astype(bool), (held >= answer_t)[short],
                                               held_ans[short])
    ece = benchmark.calibration_error([dict(r, confidence=float(q)) for r, q in zip(rows, held)])
    models = {"correct": fit_logistic(x, correct), "answerable": fit_logistic(x_ans, answerable)}
    policy = Policy(answer_t, answerable_t)
    at = {"all": policy_stats(rows, held, held_ans, policy),
          "short": policy_stats([r for r, s in zip(rows, short) if s], held[short], held_ans[short], policy)}
    return {
        **{name: {"weights": {f: 0.0 for f in FEATURES} | dict(zip(names, map(float, m.coef_[0]))),
                  "bias": float(m.intercept_[0])} for name, m in models.items()},
        "policy": {"answer": answer_t, "answerable": answerable_t, "answer_rule": ANSWER_RULE,
                   "answerable_rule": ANSWERABLE_RULE},
        "at_policy_cross_validated": {**at, "ece": ece},
        "curve": curve,
        "questions": len(rows), "unanswerable": int(len(rows) - answerable.sum()),
        "right": int(correct.sum()),
    }


def write_curve(fitted: dict, path: Path = CURVE) -> None:
    """The coverage/precision curve the answer threshold was chosen from, as Markdown."""
    policy = fitted["policy"]
    lines = ["# The answer policy: coverage and precision on the fit split",
             "", "Written by `python -m qa.evaluation.fit_confidence` (out-of-fold predictions on the fit rows).",
             "", f"- answer: {policy['answer_rule']} -> **{policy['answer']:.2f}**",
             f"- Not sure / Not in the article: {policy['answerable_rule']} -> **{policy['answerable']:.2f}**",
             "", "| P(correct) threshold | questions answered | answered right |", "|---:|---:|---:|"]
    lines += [f"| {c['threshold']:.2f}{' (chosen)' if c['threshold'] == policy['answer'] else ''} | "
              f"{c['coverage']:.3f} | {c['precision']:.3f} |" for c in fitted["curve"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=benchmark.DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=2.0, help="sample size multiplier of the fit split")
    parser.add_argument("--rows", type=Path, default=benchmark.DEFAULT_WORK / "fit-rows.jsonl",
                        help="where the fit split's rows are written (git-ignored)")
    parser.add_argument("--reuse-rows", action="store_true", help="refit on the rows of the last run")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    from qa.evaluation.data import require

    require(args.data)
    if args.reuse_rows:
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines()]
    else:
        report = benchmark.run_benchmark(args.data, split=FIT, seed=args.seed, scale=args.scale,
                                         exclude=benchmark_sample(args.data))
        rows = report["rows"]
        args.rows.parent.mkdir(parents=True, exist_ok=True)
        args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    fitted = fit(rows)
    out = {"format": FORMAT, "model": "confidence",
           "fitted_on": {"split": FIT, "sets": sorted({r["set"] for r in rows}), "seed": args.seed,
                         "scale": args.scale, "excluding": "the benchmark's own sample (seed 0, scale 1)"},
           "command": "python -m qa.evaluation.fit_confidence " + " ".join(argv if argv is not None else sys.argv[1:]),
           "date": datetime.date.today().isoformat(), "features": list(FEATURES),
           **{k: v for k, v in fitted.items() if k != "curve"}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    write_curve(fitted)
    print(json.dumps({k: out[k] for k in ("policy", "at_policy_cross_validated", "questions",
                                          "unanswerable", "right")}, indent=1))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
