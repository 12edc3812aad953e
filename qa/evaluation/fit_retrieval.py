"""Fit the retrieval fusion weights (``qa/fitted/retrieval.json``) on the fit split.

    python -m qa.evaluation.fit_retrieval --collect   # ask the retriever once, keep each candidate's features
    python -m qa.evaluation.fit_retrieval             # fit on the fit split, score both splits, write the file

The units are the reader fit's (``qa.evaluation.fit_reader``: the fit split outside the
benchmark's own sample, every question of each article; the validation split's benchmark
sample), over the benchmark's cached stores. Each answerable question is put to the hybrid
retriever's candidate step as ``ask()`` puts it: the question as the conversation resolved
it, taken from the reader fit's readings (``readings-<split>.pkl``, collected with
``fit_reader --collect``), searched as ``conversation.search_for`` says; a follow-up is drawn
near the previous turn's first retrieved sentence (what its answer cites, most of the time).
A candidate holds the gold when it overlaps CoQA's rationale, holds the start of a SQuAD gold
span, or else contains a gold answer (normalised as SQuAD scores).

The model is a conditional logit over each question's candidates (``fit_reader.fit_weights``),
the sentences holding the gold as positives, for each fade distance of ``NEAR_GRID``; the
distance with the best fit-split top-1 is kept. Weights are divided by the lexical one, so
the fused score stays in lexical z units. The validation split is only scored: the fitted
weights are written when they rank the gold first more often there than the file's current
ones, otherwise the current ones are written back with the measurement beside them. The
collected rows are numbers and names only, kept in the git-ignored cache.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
import json
import pickle
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.evaluation import benchmark, readings
from qa.evaluation.fit_reader import FIT_PER_ARTICLE, FIT_SCALE, FIT_SEED, L2, fit_parser, fit_weights, readings_path
from qa.evaluation.items import Item, Unit, present
from qa.evaluation.sample import FIT, VALIDATE, units
from qa.retrieve import FEATURES, FUSION_FILE, Fusion, fusion_features, load_fusion

NEAR_GRID = (300.0, 600.0, 1000.0, 1500.0)   # characters over which nearness fades out
COLUMNS = tuple(f for f in FEATURES if f != "near")   # stored as they are; nearness from the distance


@dataclass(frozen=True)
class Question:
    """One question's candidates: ``COLUMNS`` features, characters to the last answer's sentence
    (inf when none), and which hold the gold."""
    set: str
    unit: str
    scored: bool
    features: np.ndarray   # (candidates, len(COLUMNS))
    distance: np.ndarray   # (candidates,)
    gold: np.ndarray       # (candidates,) bool


def rows_path(work: Path, split: str) -> Path:
    return work / f"retrieval-{split}.pkl"


def split_units(data_dir: Path, split: str) -> list[Unit]:
    """The reader fit's units: the fit split outside the benchmark's sample, or the validation sample."""
    if split == VALIDATE:
        return [u for spec in benchmark.chosen_sets(VALIDATE) for u in units(spec, data_dir, 0, 1.0)]
    from qa.evaluation.fit_confidence import benchmark_sample

    exclude = benchmark_sample(data_dir)
    specs = [dataclasses.replace(s, per_unit=FIT_PER_ARTICLE) if s.kind == "articles" else s
             for s in benchmark.chosen_sets(FIT)]
    return [u for spec in specs for u in units(spec, data_dir, FIT_SEED, FIT_SCALE, exclude)]


def interpretations(work: Path, split: str) -> dict[tuple[str, str], list[readings.Reading]]:
    """The reader fit's readings of each unit, in the order its items are asked."""
    by_unit: dict[tuple[str, str], list[readings.Reading]] = collections.defaultdict(list)
    for r in readings.load(readings_path(work, split)):
        by_unit[(r.set, r.unit)].append(r)
    return by_unit


def collect(data_dir: Path, split: str, work: Path, progress=sys.stderr) -> list[Question]:
    sampled, read = split_units(data_dir, split), interpretations(work, split)
    out: list[Question] = []
    for n, unit in enumerate(sampled, 1):
        out += collect_unit(unit, work, read.get((unit.set, unit.name), []))
        if progress is not None:
            print(f"\r{split}: unit {n}/{len(sampled)}, {len(out)} questions", end="", file=progress, flush=True)
    if progress is not None:
        print(file=progress)
    return out


def collect_unit(unit: Unit, work: Path, unit_readings: Sequence[readings.Reading]) -> list[Question]:
    """Each answerable item's candidates; a unit whose readings do not match its items is read as typed."""
    from qa.api import engine, forget_engines
    from qa.settings import Settings

    if [r.typed for r in unit_readings] != [i.question for i in unit.items]:
        unit_readings = []
    eng = engine(Settings(store=benchmark.cached_store(unit, work / "stores")))
    out, last = [], {}
    try:
        for k, item in enumerate(unit.items):
            reading = unit_readings[k] if unit_readings else None
            near = last.get(item.conversation, ()) if item.conversation else ()
            if item.answerable:
                found = candidates(eng, item, reading.interpreted if reading else item.question, near)
                if found is not None:
                    out.append(dataclasses.replace(found, set=unit.set, unit=unit.name))
            if item.conversation and reading is not None and reading.passages:
                last[item.conversation] = ((reading.passages[0].source, reading.passages[0].start),)
    finally:
        forget_engines()
    return out


def candidates(eng, item: Item, interpreted: str, near: Sequence[tuple[str, int]]) -> Question | None:
    """The retriever's candidates for one question, searched as ``ask()`` searches."""
    from qa.api import _referent
    from qa.conversation import readings as conversation

    query, also = conversation.search_for(item.question, interpreted, _referent(item.question, interpreted))
    found = eng.retriever.candidates(query, [item.source], also=also, near=near, rank=False)
    if found is None:
        return None
    feats = fusion_features(found.rows, found.bm25, found.dense)
    return Question("", "", item.scored, np.array([[f[c] for c in COLUMNS] for f in feats], dtype=float),
                    np.array([distance(r, near) for r in found.rows], dtype=float),
                    np.array([holds_gold(item, r.start, r.end, r.text) for r in found.rows], dtype=bool))


def distance(row, near: Sequence[tuple[str, int]]) -> float:
    """Characters from ``row``'s start to the nearest place the conversation was about (inf: none)."""
    return min((abs(row.start - offset) for source, offset in near if source == row.source), default=np.inf)


def holds_gold(item: Item, start: int, end: int, text: str) -> bool:
    if item.rationale is not None:
        return start < item.rationale[1] and item.rationale[0] < end
    if item.gold_starts:
        return any(start <= s < end for s in item.gold_starts)
    return present(item.golds, text)


def nearness(d: np.ndarray, fade: float) -> np.ndarray:
    """1 at the place, fading to 0 ``fade`` characters away (as ``qa.retrieve`` computes it)."""
    return np.where(np.isfinite(d), 1.0 - np.minimum(d, fade) / fade, 0.0)


def design(questions: Sequence[Question], fade: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate of the questions with a gold among them: features (``FEATURES`` order),
    the question each belongs to, whether it holds the gold."""
    kept = [q for q in questions if q.gold.any()]
    x = np.vstack([np.column_stack([q.features, nearness(q.distance, fade)]) for q in kept])
    owner = np.concatenate([np.full(len(q.gold), n) for n, q in enumerate(kept)])
    return x, owner, np.concatenate([q.gold for q in kept])


def fit_fusion(questions: Sequence[Question], fade: float, l2: float = L2) -> Fusion:
    """The conditional logit's weights, divided by the lexical weight (so lexical is 1)."""
    x, owner, good = design(questions, fade)
    w = fit_weights(x, owner, good, l2)
    names = list(COLUMNS) + ["near"]
    lexical = w[names.index("lexical")]
    if lexical <= 0:
        raise ValueError(f"the fitted lexical weight is {lexical:.3f}: the lexical z-score no longer "
                         f"ranks the gold higher, so the weights cannot be put in its units")
    return Fusion({n: round(float(v / lexical), 4) for n, v in zip(names, w)}, fade)


def ranks(q: Question, model: Fusion) -> int | None:
    """Rank (0 = first) of the first candidate holding the gold under ``model``; None when none does."""
    if not q.gold.any():
        return None
    x = np.column_stack([q.features, nearness(q.distance, model.near_chars)])
    scores = x @ np.array([model.weights.get(n, 0.0) for n in list(COLUMNS) + ["near"]])
    order = np.argsort(-scores, kind="stable")
    return int(np.flatnonzero(q.gold[order])[0])


def score(questions: Sequence[Question], model: Fusion) -> dict[str, dict]:
    """Per set (whole and short documents together) and over all: questions, the share whose
    first / first three candidates hold the gold, and the share with a gold candidate at all."""
    groups: dict[str, list[int | None]] = collections.defaultdict(list)
    for q in questions:
        r = ranks(q, model)
        groups[q.set.removesuffix("/short")].append(r)
        groups["all"].append(r)
    return {name: _shares(found) for name, found in sorted(groups.items())}


def _shares(found: Sequence[int | None]) -> dict:
    def share(test) -> float:
        return round(statistics.fmean(1.0 if r is not None and test(r) else 0.0 for r in found), 4)
    return {"questions": len(found), "top1": share(lambda r: r == 0), "top3": share(lambda r: r < 3),
            "reachable": share(lambda r: True)}


def best_fusion(fit: Sequence[Question], l2: float = L2) -> Fusion:
    """The fitted weights for each fade distance; the one with the best fit-split top-1."""
    fitted = [fit_fusion(fit, fade, l2) for fade in NEAR_GRID]
    return max(fitted, key=lambda m: score(fit, m)["all"]["top1"])


def decide(current: Fusion, fitted: Fusion, validate: Sequence[Question]) -> tuple[Fusion, bool]:
    """The fitted weights when they put the gold first more often on the validation split."""
    better = score(validate, fitted)["all"]["top1"] > score(validate, current)["all"]["top1"]
    return (fitted if better else current), better


def weights_file(chosen: Fusion, fitted: Fusion, adopted: bool, report: dict, fit_questions: int,
                 command: str, l2: float, previous: dict) -> dict:
    """The file's content; when the previous weights are kept, where they came from (``previous``:
    the file they were read from) is kept with them."""
    kept = "the fitted weights" if adopted else \
        "the previous weights: the fitted ones did not rank the gold first more often on the validation split"
    origin = {} if adopted else {"previous": _provenance(previous)}
    return {"format": 1, "model": "retrieval fusion: weighted sum of qa.retrieve.fusion_features "
                                  "(conditional logit over each question's candidates)",
            "fitted_on": {"split": FIT, "seed": FIT_SEED, "scale": FIT_SCALE, "per_article": FIT_PER_ARTICLE,
                          "questions": fit_questions, "excluding": "the benchmark's own sample (seed 0, scale 1)"},
            "command": command, "date": datetime.date.today().isoformat(), "l2": l2, "kept": kept,
            "near_chars": chosen.near_chars, "weights": dict(chosen.weights),
            "fitted": {"near_chars": fitted.near_chars, "weights": dict(fitted.weights)},
            **origin, "measured": report}


def _provenance(previous: dict) -> dict:
    """Where a weights file's weights came from: what it says it was fitted on, or what it kept."""
    keys = ("fitted_on", "command", "date", "note")
    return previous.get("previous") or {k: previous[k] for k in keys if k in previous}


def save(questions: Sequence[Question], path: Path) -> None:
    """Plain dicts of numbers and names (a pickled class would name ``__main__`` under ``-m``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump([dataclasses.asdict(q) for q in questions], handle)


def load(path: Path) -> list[Question]:
    with path.open("rb") as handle:
        return [Question(**fields) for fields in pickle.load(handle)]


def main(argv: Sequence[str] | None = None) -> int:
    args = fit_parser(__doc__, "ask the retriever and keep each candidate's features",
                      "qa/fitted/retrieval.json").parse_args(argv)
    if args.collect:
        for split in (FIT, VALIDATE):
            save(collect(args.data, split, args.work), rows_path(args.work, split))
        return 0
    path = args.out or FUSION_FILE
    fit, validate = load(rows_path(args.work, FIT)), load(rows_path(args.work, VALIDATE))
    source = path if path.exists() else FUSION_FILE
    current, fitted = load_fusion(source), best_fusion(fit, args.l2)
    chosen, adopted = decide(current, fitted, validate)
    report = {"before": {"fit": score(fit, current), "validate": score(validate, current)},
              "after": {"fit": score(fit, fitted), "validate": score(validate, fitted)}}
    command = "python -m qa.evaluation.fit_retrieval " + " ".join(argv if argv is not None else sys.argv[1:])
    out = weights_file(chosen, fitted, adopted, report, sum(bool(q.gold.any()) for q in fit), command.strip(),
                       args.l2, json.loads(source.read_text(encoding="utf-8")))
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"fitted": out["fitted"], "kept": out["kept"], **report}, indent=1))
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
