"""The ablation table: what each feature and rule of the reader and the question analysis
is worth, on the same validation questions, with it and without it.

For every switch (a feature group, a candidate generator, a reading rule, a question rule) the
reader is refitted on the fit split with that switch off and scored on the validation split.
Per question, an answer is right when its F1 is at least 0.5; a switch *fixes* the questions
right with it and wrong without, and *breaks* those wrong with it and right without.

    qa eval --benchmark --ablation        # after `python -m qa.evaluation.fit_reader --collect`

A switch that does not fix more than it breaks is removed from the code, with its test (the
README keeps the record).
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from qa.evaluation import readings
from qa.evaluation.fit_reader import L2, design, extracted, fit_weights, readings_path, top_f1, vocabulary
from qa.evaluation.sample import FIT, VALIDATE

RIGHT_F1 = 0.5
FIT_QUESTIONS = 4000   # fit questions the refits use (a fixed, seeded subset: the table takes an hour)


def switches() -> list[tuple[str, str]]:
    """(kind, name) of everything an ablation can switch off."""
    from qa import question
    from qa import reader as reader
    from qa.reader import align, candidates, features

    return ([("feature", n) for n in features.FEATURES] + [("generator", n) for n in candidates.GENERATORS]
            + [("reading rule", n) for n in sorted(reader.RULES | align.RULES)]
            + [("question rule", n) for n in sorted(question.RULES)])


@contextlib.contextmanager
def switched_off(kind: str, name: str) -> Iterator[None]:
    from qa import question
    from qa import reader as reader
    from qa.reader import align, candidates, features

    target = {"feature": features.DISABLED, "generator": candidates.DISABLED}.get(kind)
    if target is not None:
        target.add(name)
    else:
        rules = question.RULES if kind == "question rule" else reader.RULES if name in reader.RULES else align.RULES
        rules.discard(name)
    question.analyse.cache_clear()
    features.question_paths.cache_clear()
    try:
        yield
    finally:
        if target is not None:
            target.discard(name)
        else:
            rules.add(name)
        question.analyse.cache_clear()
        features.question_paths.cache_clear()


def right_answers(fit_items, val_items) -> np.ndarray:
    """Refit on ``fit_items``; per validation question, the F1 of the top candidate."""
    fit_data = extracted(fit_items, progress=None)
    names = vocabulary(fit_data)
    x, owner, good = design(fit_data, names)
    weights = dict(zip(names, fit_weights(x, owner, good, L2)))
    return np.array([top_f1(cands, weights) for _, cands in extracted(val_items, progress=None)])


def run(work: Path, progress=sys.stderr) -> list[dict]:
    import random

    fit_items = readings.load(readings_path(work, FIT))
    random.Random(0).shuffle(fit_items)
    fit_items = fit_items[:FIT_QUESTIONS]
    val_items = readings.load(readings_path(work, VALIDATE))
    full = right_answers(fit_items, val_items)
    rows = []
    for kind, name in switches():
        with switched_off(kind, name):
            without = right_answers(fit_items, val_items)
        rows.append({"kind": kind, "name": name, "fixes": int(np.sum((full >= RIGHT_F1) & (without < RIGHT_F1))),
                     "breaks": int(np.sum((full < RIGHT_F1) & (without >= RIGHT_F1))),
                     "f1_with": float(full.mean()), "f1_without": float(without.mean())})
        if progress is not None:
            print(f"{kind} {name}: fixes {rows[-1]['fixes']}, breaks {rows[-1]['breaks']}", file=progress, flush=True)
    return rows


def markdown(rows: Sequence[dict], questions: int) -> str:
    lines = [f"Validation questions: {questions} (new_wiki, reddit, amazon_reviews, answerable); right = F1 >= {RIGHT_F1}.",
             "", "| kind | switch | fixes | breaks | net | F1 with | F1 without |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: r["fixes"] - r["breaks"]):
        lines.append(f"| {r['kind']} | {r['name']} | {r['fixes']} | {r['breaks']} | {r['fixes'] - r['breaks']:+d} | "
                     f"{r['f1_with']:.3f} | {r['f1_without']:.3f} |")
    return "\n".join(lines)
