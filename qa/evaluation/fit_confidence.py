"""Fit the confidence model (``qa/confidence.py``) on the fit split; write its weights file.

    python -m qa.evaluation.fit_confidence            # about 10 minutes the first time

It asks the fit split's questions (SQuAD-shifts ``squaddev`` and the CoQA ``wikipedia``,
``race`` and ``mctest`` stories, about one in six unanswerable) through ``ask()``, leaving out
the articles and stories of the benchmark's own sample so the benchmark's fit rows stay unseen,
and fits two logistic regressions over ``confidence.FEATURES``:

- ``correct``: is the answer (or guess) right, F1 >= 0.5 (always wrong for an unanswerable one);
- ``answerable``: does the document answer at all.

An answer is given when ``answerable`` reaches a threshold, chosen on cross-validated
predictions of the fit rows for ``GOAL``. Validation splits are never used here. Rerun whenever
the reader changes.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.confidence import FEATURES, FORMAT, NOT_FOR_ANSWERABLE, WEIGHTS_FILE
from qa.evaluation import benchmark
from qa.evaluation.sample import FIT, units

GOAL = ("answer at least 85% of answerable questions and abstain on at least 75% of unanswerable ones; "
        "among thresholds that do, the one with the highest F1 with abstention")
MIN_ANSWERED, MIN_ABSTAINED = 0.85, 0.75
FOLDS = 5


def benchmark_sample(data_dir: Path) -> frozenset[str]:
    """The units the benchmark itself asks (seed 0, scale 1): kept out of the fit."""
    return frozenset(u.name for spec in benchmark.chosen_sets(FIT) for u in units(spec, data_dir, 0, 1.0))


def matrix(rows: Sequence[dict]) -> np.ndarray:
    return np.array([[r["features"].get(name, 0.0) for name in FEATURES] for r in rows], dtype=float)


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


def choose_threshold(rows: Sequence[dict], p: np.ndarray) -> tuple[float, dict]:
    """The answerability threshold meeting ``GOAL`` on the fit rows (or, if none does, the one
    closest to it); ``p``: out-of-fold probabilities that each question is answerable."""
    answerable = np.array([bool(r["golds"]) for r in rows])
    f1_all = np.array([r["f1_all"] for r in rows])
    best, best_key, best_stats = 0.5, None, {}
    for t in np.round(np.arange(0.02, 0.99, 0.01), 2):
        given = p >= t
        stats = {"answered": float(given[answerable].mean()), "abstained": float((~given[~answerable]).mean()),
                 "f1": float(np.where(answerable, given * f1_all, ~given).mean())}
        slack = min(stats["answered"] - MIN_ANSWERED, stats["abstained"] - MIN_ABSTAINED)
        key = (slack >= 0, stats["f1"] if slack >= 0 else slack)
        if best_key is None or key > best_key:
            best, best_key, best_stats = float(t), key, stats
    return best, best_stats


def fit(rows: Sequence[dict]) -> dict:
    rows = [r for r in rows if r["scored"] and r["features"]]
    x = matrix(rows)
    correct = np.array([r["correct"] for r in rows])
    answerable = np.array([float(bool(r["golds"])) for r in rows])
    groups = [f"{r['set']}/{r['unit']}" for r in rows]
    x_ans = x * np.array([name not in NOT_FOR_ANSWERABLE for name in FEATURES], dtype=float)
    threshold, at = choose_threshold(rows, cross_validated(x_ans, answerable, groups))
    held = cross_validated(x, correct, groups)
    ece = benchmark.calibration_error([dict(r, confidence=float(q)) for r, q in zip(rows, held)])
    models = {"correct": fit_logistic(x, correct), "answerable": fit_logistic(x_ans, answerable)}
    return {
        **{name: {"weights": dict(zip(FEATURES, map(float, m.coef_[0]))), "bias": float(m.intercept_[0])}
           for name, m in models.items()},
        "threshold": threshold,
        "at_threshold_cross_validated": {**at, "ece": ece},
        "questions": len(rows), "unanswerable": int(len(rows) - answerable.sum()),
        "right": int(correct.sum()),
    }


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
           "date": datetime.date.today().isoformat(), "goal": GOAL, "features": list(FEATURES), **fitted}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("threshold", "at_threshold_cross_validated", "questions",
                                          "unanswerable", "right")}, indent=1))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
