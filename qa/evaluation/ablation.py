"""The ablation table: what each feature and rule of the reader and the question analysis
is worth, on the same validation questions, with it and without it.

For every switch (a feature group, a candidate generator, a reading rule, a question rule) the
reader is refitted on the fit split with that switch off and scored on the validation split.
Per question, an answer is right when its F1 is at least 0.5; a switch *fixes* the questions
right with it and wrong without, and *breaks* those wrong with it and right without.

    qa eval --benchmark --ablation        # collects the readings first if they are not cached

The readings (the questions asked once, with their retrieved passages) are those of
``python -m qa.evaluation.fit_reader --collect``; a question rule is therefore measured on the
reader only, with retrieval as the full analysis left it.

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
FIT_QUESTIONS = 3000   # fit questions the refits use (a fixed, seeded subset: the table takes about an hour)


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
    from qa.reader import align, candidates, features, syntax

    target = {"feature": features.DISABLED, "generator": candidates.DISABLED}.get(kind)
    if target is not None:
        target.add(name)
    else:
        rules = question.RULES if kind == "question rule" else reader.RULES if name in reader.RULES else align.RULES
        rules.discard(name)
    question.analyse.cache_clear()
    syntax.question_paths.cache_clear()
    try:
        yield
    finally:
        if target is not None:
            target.discard(name)
        else:
            rules.add(name)
        question.analyse.cache_clear()
        syntax.question_paths.cache_clear()


def _tagged(group: str, f):
    return lambda span: {f"{group}/{k}": v for k, v in f(span).items()}


@contextlib.contextmanager
def tagged_features() -> Iterator[None]:
    """Feature names prefixed by their group ("closeness/near_left"): one extraction then serves
    every feature ablation (a feature switched off is its columns left out of the refit)."""
    from qa.reader import features

    original = dict(features.FEATURES)
    features.FEATURES.update({name: _tagged(name, f) for name, f in original.items()})
    try:
        yield
    finally:
        features.FEATURES.update(original)


def right_answers(fit_data, val_data, drop_group: str = "") -> np.ndarray:
    """Refit on ``fit_data`` (without the columns of ``drop_group``); per validation question,
    the F1 of the candidate the reader would answer with."""
    names = [n for n in vocabulary(fit_data) if not (drop_group and n.startswith(drop_group + "/"))]
    x, owner, good = design(fit_data, names)
    weights = dict(zip(names, fit_weights(x, owner, good, L2)))
    from qa.reader.model import SpanModel

    model = SpanModel(weights, {})
    return np.array([top_f1(cands, model) for _, cands in val_data])


def _extract(fit_items, val_items):
    with tagged_features():
        return extracted(fit_items, progress=None), extracted(val_items, progress=None)


def _row(kind: str, name: str, full: np.ndarray, without: np.ndarray) -> dict:
    return {"kind": kind, "name": name, "fixes": int(np.sum((full >= RIGHT_F1) & (without < RIGHT_F1))),
            "breaks": int(np.sum((full < RIGHT_F1) & (without >= RIGHT_F1))),
            "f1_with": float(full.mean()), "f1_without": float(without.mean())}


def run(work: Path, progress=sys.stderr) -> list[dict]:
    """Every switch off in turn; feature switches reuse one extraction, the others extract again."""
    import random

    from index import nlp

    nlp.CACHE_SIZE = max(nlp.CACHE_SIZE, 200_000)   # every refit re-reads the same sentences: parse each once
    fit_items = readings.load(readings_path(work, FIT))
    random.Random(0).shuffle(fit_items)
    # the main model's switches: its questions only (a yes/no turn is scored against its
    # rationale by a model of its own; see fit_reader)
    fit_items = [r for r in fit_items[:FIT_QUESTIONS] if r.scored]
    val_items = readings.load(readings_path(work, VALIDATE))
    fit_data, val_data = _extract(fit_items, val_items)
    full = right_answers(fit_data, val_data)
    rows = []
    for kind, name in switches():
        if kind == "feature":
            without = right_answers(fit_data, val_data, drop_group=name)
        else:
            with switched_off(kind, name):
                without = right_answers(*_extract(fit_items, val_items))
        rows.append(_row(kind, name, full, without))
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


def write(data: Path, work: Path, out: Path, progress=sys.stderr) -> str:
    """Run the table (collecting the readings if needed); write ``ablation.md`` and ``.json``."""
    import json

    from qa.evaluation import fit_reader

    if not (readings_path(work, FIT).exists() and readings_path(work, VALIDATE).exists()):
        fit_reader.main(["--collect", "--data", str(data), "--work", str(work)])
    rows = run(work, progress)
    questions = sum(1 for r in readings.load(readings_path(work, VALIDATE)) if r.scored and r.golds)
    text = markdown(rows, questions)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.json").write_text(json.dumps({"fit_questions": FIT_QUESTIONS, "validation_questions": questions,
                                                   "right_f1": RIGHT_F1, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    (out / "ablation.md").write_text(text + "\n", encoding="utf-8")
    return text
