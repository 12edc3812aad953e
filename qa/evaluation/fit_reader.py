"""Fit the reader's span scorer (``qa/reader``) on the fit split; write its weights file.

    python -m qa.evaluation.fit_reader --collect    # ask the questions once, keep the reader's inputs
    python -m qa.evaluation.fit_reader              # fit on the fit split, report the validation split

The model is a conditional logit: a question's candidates compete in a softmax, and the fit
maximises the probability of the candidates with the best F1 against the gold answers, with an
L2 penalty. Only the fit split (SQuAD-shifts ``squaddev`` and the CoQA ``wikipedia``, ``race``
and ``mctest`` stories, outside the benchmark's own sample) is fitted on; the validation split
(``new_wiki``, ``reddit``, ``amazon_reviews``, the benchmark's own sample) is only scored, to
decide whether a change stays. Features seen in fewer than ``MIN_COUNT`` fit questions get no
weight.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import statistics
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.evaluation import benchmark, readings
from qa.evaluation.fit_confidence import benchmark_sample
from qa.evaluation.sample import FIT, VALIDATE
from qa.evaluation.squad import best_over_golds, f1_score

MIN_COUNT = 10
L2 = 1.0
# The fit split outside the benchmark's own sample: every squaddev article and CoQA story of
# it, and every question of each article (the benchmark asks 30 per article).
FIT_SEED, FIT_SCALE, FIT_PER_ARTICLE = 1, 3.0, 1000


def readings_path(work: Path, split: str) -> Path:
    return work / f"readings-{split}.pkl"


def extracted(items: Sequence[readings.Reading], progress=sys.stderr) -> list[tuple[readings.Reading, list]]:
    """Each reading with something to score against (``Reading.targets``: the golds, or a yes/no
    turn's settling clause) with its candidates (features, F1 against the targets)."""
    from qa.reader import extract

    out = []
    for n, r in enumerate(items, 1):
        if not r.targets:
            continue
        found = extract(r.interpreted, r.passages, r.idf, context=r.passages)
        f1 = [best_over_golds(f1_score, c.text, r.targets) for c in found]
        out.append((r, list(zip(found, f1))))
        if progress is not None and n % 500 == 0:
            print(f"\rfeatures: {n}/{len(items)}", end="", file=progress, flush=True)
    if progress is not None:
        print(file=progress)
    return out


def is_yes_no(r: readings.Reading) -> bool:
    """Read as a yes/no question, so weighed by the yes/no weights (whatever its gold)."""
    from qa.question import analyse

    return analyse(r.interpreted).answer_type == "YESNO"


def fit_model(data, l2: float = L2) -> dict[str, float]:
    """Weights over the features seen in at least ``MIN_COUNT`` of ``data``'s questions, largest first."""
    names = vocabulary(data)
    x, owner, good = design(data, names)
    w = fit_weights(x, owner, good, l2)
    return {n: round(float(v), 5) for n, v in sorted(zip(names, w), key=lambda kv: -abs(kv[1])) if abs(v) > 1e-6}


def vocabulary(data) -> list[str]:
    counts = collections.Counter(name for _, cands in data for name in {k for c, _ in cands for k in c.features})
    return sorted(name for name, n in counts.items() if n >= MIN_COUNT)


def design(data, names: Sequence[str]):
    """One sparse matrix over every candidate, the question each belongs to, the best-F1 mask."""
    from scipy.sparse import csr_matrix

    index = {name: k for k, name in enumerate(names)}
    rows, cols, vals, owner, good = [], [], [], [], []
    n = 0
    for q, (_, cands) in enumerate(data):
        best = max(f1 for _, f1 in cands) if cands else 0.0
        if best <= 0.0:
            continue
        for c, f1 in cands:
            for name, value in c.features.items():
                if name in index and value:
                    rows.append(n)
                    cols.append(index[name])
                    vals.append(value)
            owner.append(q)
            good.append(f1 >= best - 1e-9)
            n += 1
    x = csr_matrix((vals, (rows, cols)), shape=(n, len(names)))
    return x, np.array(owner), np.array(good)


def _segment_softmax(s: np.ndarray, owner: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Per-question softmax of scores ``s`` (over ``mask`` only, if given) and the summed log-normaliser."""
    z = np.where(mask, s, -np.inf) if mask is not None else s
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    top = np.maximum.reduceat(z, starts)
    top_each = np.repeat(top, np.diff(np.r_[starts, len(s)]))
    e = np.exp(z - top_each)
    sums = np.add.reduceat(e, starts)
    p = e / np.repeat(sums, np.diff(np.r_[starts, len(s)]))
    return p, float(np.sum(np.log(sums) + top))


def fit_weights(x, owner: np.ndarray, good: np.ndarray, l2: float = L2) -> np.ndarray:
    from scipy.optimize import minimize

    def loss(w: np.ndarray):
        s = x @ w
        p_all, z_all = _segment_softmax(s, owner)
        p_good, z_good = _segment_softmax(s, owner, good)
        value = z_all - z_good + 0.5 * l2 * float(w @ w)
        grad = x.T @ (p_all - p_good) + l2 * w
        return value, grad

    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


def top_f1(cands, model, yes_no: bool = False) -> float:
    """F1 of the candidate the reader would answer with (highest expected F1 under ``model``, a
    ``SpanModel``; ``yes_no``: the question is read as yes/no)."""
    from qa.reader import expected_f1

    if not cands:
        return 0.0
    probabilities = model.probabilities([c.features for c, _ in cands], yes_no)
    gains = expected_f1([c.text for c, _ in cands], probabilities)
    return max(zip(gains, cands), key=lambda gc: (gc[0], gc[1][0].end - gc[1][0].start))[1][1]


def score_readings(data, model) -> dict[str, dict]:
    """Per set: questions, answer-all F1 of the reader's answer, and the best any candidate reached
    (CoQA yes/no turns apart, scored against their settling clause)."""
    by_set: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for r, cands in data:
        chosen = top_f1(cands, model, is_yes_no(r))
        by_set[r.set if r.scored else f"{r.set} yes/no"].append((chosen, max((f1 for _, f1 in cands), default=0.0)))
    return {name: {"questions": len(v), "f1": statistics.fmean(a for a, _ in v), "oracle": statistics.fmean(b for _, b in v)}
            for name, v in sorted(by_set.items())}


def fit_parser(doc: str, collect_help: str, weights: str) -> argparse.ArgumentParser:
    """The options a fitting command shares: its data, its work folder, --collect, --l2, --out."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", type=Path, default=benchmark.DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=benchmark.DEFAULT_WORK)
    parser.add_argument("--collect", action="store_true", help=collect_help)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--out", type=Path, default=None, help=f"weights file (default {weights})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = fit_parser(__doc__, "ask the questions and keep the reader's inputs", "qa/fitted/reader.json").parse_args(argv)
    if args.collect:
        fit = readings.collect(args.data, FIT, FIT_SEED, FIT_SCALE, exclude=benchmark_sample(args.data),
                               work_dir=args.work, per_article=FIT_PER_ARTICLE)
        readings.save(fit, readings_path(args.work, FIT))
        readings.save(readings.collect(args.data, VALIDATE, 0, 1.0, work_dir=args.work), readings_path(args.work, VALIDATE))
        return 0
    from qa.reader.model import WEIGHTS_FILE, SpanModel

    fit_data = extracted(readings.load(readings_path(args.work, FIT)))
    # every scored question; and for the questions read as yes/no a model of their own, fitted
    # against their golds or, for CoQA's turns answered "yes"/"no", the clause that settles them
    scored = [(r, c) for r, c in fit_data if r.scored]
    settled = [(r, c) for r, c in fit_data if is_yes_no(r)]
    weights, yes_no = fit_model(scored, args.l2), fit_model(settled, args.l2)
    out = {"format": 1, "model": "reader span scorer (conditional logit)",
           "fitted_on": {"split": FIT, "seed": FIT_SEED, "scale": FIT_SCALE, "per_article": FIT_PER_ARTICLE,
                         "questions": len(scored),
                         "excluding": "the benchmark's own sample (seed 0, scale 1)"},
           "command": "python -m qa.evaluation.fit_reader " + " ".join(argv if argv is not None else sys.argv[1:]),
           "date": datetime.date.today().isoformat(), "l2": args.l2, "min_count": MIN_COUNT,
           "weights": weights,
           "yes_no": {"fitted_on": "the fit split's questions read as yes/no: against the gold, or for a "
                                    "CoQA turn answered yes/no, against its rationale (the settling clause)",
                      "questions": len(settled), "weights": yes_no}}
    path = args.out or WEIGHTS_FILE
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    model = SpanModel(weights, {}, yes_no)
    report = {"fit": score_readings(fit_data, model),
              "validate": score_readings(extracted(readings.load(readings_path(args.work, VALIDATE))), model)}
    print(json.dumps(report, indent=1))
    print(f"{len(weights)} + {len(yes_no)} (yes/no) weights written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
