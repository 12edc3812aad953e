"""Fit the article ranking (``qa/ranking.py``) on an archive built from the fit split.

The archive: every ``squaddev`` article (whole Wikipedia articles) and every NYT article of the
fit half, one file each, indexed together into ``.cache/articles/fit-archive`` (once). A sample
of their questions is asked of the whole archive (retrieval only); for each, every article
among the sentences found is a row (its features from ``qa.ranking.article_features``, and
whether it is the question's own). A logistic model over the rows gives the weights; the lift
is the one, on a grid, that puts a sentence of the right article first most often (on the fit
questions). Both go to ``qa/fitted/articles.json`` with what they were fitted on. The
validation archives are measured by ``qa bench`` (accuracy at scale).

    python -m qa.evaluation.fit_articles [--questions 1500]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np

from qa import ranking
from qa.evaluation.fit_confidence import fit_logistic
from qa.evaluation.news import FIT, half
from qa.settings import PROJECT_ROOT

WORK = PROJECT_ROOT / ".cache" / "articles"
LIFTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
SEED = 7


def fit_archive(data: Path) -> list[dict]:
    """[{"source", "text", "questions": [question, ...]}] of the fit split's archive."""
    out = []
    for name, keep in (("squaddev_v1.1.json", lambda a: True), ("nyt_v1.0.json", lambda a: half(a["title"]) == FIT)):
        for n, article in enumerate(json.loads((data / name).read_text(encoding="utf-8"))["data"]):
            if keep(article):
                out.append({"source": f"{name.split('_')[0]}-{n:04d}.txt",
                            "text": "\n\n".join(p["context"] for p in article["paragraphs"]),
                            "questions": [q["question"] for p in article["paragraphs"] for q in p["qas"]]})
    return out


def build(archive: Sequence[dict], store: Path) -> None:
    from index.build import build_index

    if (store / "manifest.json").exists():
        return
    build_index(store, {a["source"]: a["text"] for a in archive})


def collect(archive: Sequence[dict], store: Path, size: int) -> list[dict]:
    """One record per question: the articles found with their features, and the right one."""
    from qa.api import engine
    from qa.settings import Settings

    rng = random.Random(SEED)
    asked = [(a["source"], q) for a in archive for q in a["questions"]]
    eng = engine(Settings(store=store, chroma_url=None))
    records = []
    for source, question in rng.sample(asked, min(size, len(asked))):
        found = eng.retriever.candidates(question)
        if found is not None and found.matches is not None:
            records.append({"source": source, "sources": [r.source for r in found.rows],
                            "fused": found.fused, "matches": found.matches})
    return records


def fit(records: Sequence[dict]) -> dict:
    rows = [(f, name == r["source"]) for r in records
            for name, f in ranking.article_features(r["sources"], r["fused"], r["matches"]).items()]
    x = np.array([[f[k] for k in ranking.FEATURES] for f, _ in rows])
    y = np.array([label for _, label in rows], dtype=int)
    model = fit_logistic(x, y)
    weights = dict(zip(ranking.FEATURES, map(float, model.coef_[0])))
    bias = float(model.intercept_[0])
    curve = {lift: first_right(records, ranking.Model(weights, bias, lift)) for lift in LIFTS}
    best = max(LIFTS, key=lambda lift: (curve[lift], -lift))
    return {"weights": weights, "bias": bias, "lift": best, "first_right_by_lift": curve,
            "rows": len(rows), "questions": len(records)}


def first_right(records: Sequence[dict], model: ranking.Model) -> float:
    """Share of questions whose best sentence, lifted by its article's score, is from the right article."""
    hits = 0
    for r in records:
        lifted = ranking.lifts(r["sources"], r["fused"], r["matches"], model)
        best = int(np.argmax([f + g for f, g in zip(r["fused"], lifted)]))
        hits += r["sources"][best] == r["source"]
    return hits / max(1, len(records))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / ".cache" / "bench" / "squad_shifts")
    parser.add_argument("--questions", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=ranking.WEIGHTS_FILE)
    args = parser.parse_args(argv)
    archive = fit_archive(args.data)
    store = WORK / "fit-archive"
    build(archive, store)
    records = collect(archive, store, args.questions)
    result = fit(records)
    result |= {"fitted_on": f"fit split: squaddev and the NYT fit half, {len(archive)} articles in one archive; "
                            f"{result['questions']} questions sampled (seed {SEED})",
               "fitted": date.today().isoformat(), "features": list(ranking.FEATURES)}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("weights", "bias", "lift", "first_right_by_lift")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
