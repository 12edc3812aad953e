"""``qa eval --benchmark``: the blind benchmark over many articles written by others.

Every sampled question (``qa.evaluation.sample``, short documents from
``qa.evaluation.windows``) is asked through ``qa.api.ask`` exactly as a person would, scoped to
its document, and scored by what the person sees (``score``): the verdict, the words shown (the
answer, the "Not sure" guess, or none) and their F1, the answer-or-guess F1 (``f1_all``),
whether it is right (``correct``: answerable and ``f1_all`` >= ``CORRECT_F1``, what
``confidence`` estimates) and whether the first citation holds the gold. The summaries and
tables are in ``qa.evaluation.tables``. Example::

    report = pool(run_benchmark(Path(".cache/bench"), split="validate"))
    print(markdown(report))
    write_outputs(report, Path("/tmp/bench"), Path("/tmp/bench/rows.jsonl"))
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from qa.evaluation.news import held_out_digest
from qa.evaluation.sample import FIT, SETS, VALIDATE, Item, SetSpec, Unit, units
from qa.evaluation.squad import best_over_golds, exact_match, f1_score
from qa.evaluation.tables import (CORRECT_F1, by_kind, calibration_error, markdown, pool, reliability,
                                  summarise, write_outputs)
from qa.types import Answer

__all__ = ["run_benchmark", "run_unit", "score", "chosen_sets", "cached_store", "CORRECT_F1",
           "summarise", "by_kind", "pool", "markdown", "write_outputs", "reliability", "calibration_error"]

DEFAULT_DATA = Path(".cache/bench")
DEFAULT_WORK = Path(".cache/benchmark")

AskFn = Callable[[Item, Sequence[Answer]], Answer]


def chosen_sets(split: str = "all", names: Sequence[str] | None = None) -> list[SetSpec]:
    if split not in (FIT, VALIDATE, "all"):
        raise ValueError(f"split must be {FIT!r}, {VALIDATE!r} or 'all', got {split!r}")
    specs = [s for s in SETS if split == "all" or s.split == split]
    if names:
        unknown = set(names) - {s.name for s in SETS}
        if unknown:
            raise ValueError(f"Unknown benchmark set {sorted(unknown)[0]!r}; choose from "
                             f"{', '.join(s.name for s in SETS)}.")
        specs = [s for s in specs if s.name in names]
    return specs


def run_benchmark(data_dir: Path = DEFAULT_DATA, *, split: str = "all", names: Sequence[str] | None = None,
                  seed: int = 0, scale: float = 1.0, work_dir: Path = DEFAULT_WORK,
                  exclude: frozenset[str] = frozenset(), progress=sys.stderr) -> dict:
    """Ask every sampled question; returns {"sets": {name: summary}, "rows": [...], "meta": ...}."""
    rows: list[dict] = []
    started = time.perf_counter()
    for spec in chosen_sets(split, names):
        sampled = units(spec, data_dir, seed, scale, exclude)
        for n, unit in enumerate(sampled, 1):
            rows += run_unit(unit, work_dir)
            _progress(progress, spec.name, n, len(sampled), len(rows), started)
    sets = {name: summarise([r for r in rows if r["set"] == name]) for name in dict.fromkeys(r["set"] for r in rows)}
    meta = {"seed": seed, "scale": scale, "split": split, "seconds": round(time.perf_counter() - started, 1),
            "held_out": held_out_digest()}
    return {"meta": meta, "sets": sets, "rows": rows}


def _progress(out, name: str, n: int, total: int, questions: int, started: float) -> None:
    if out is not None:
        elapsed = time.perf_counter() - started
        print(f"\r[{elapsed:6.0f} s] {name}: unit {n}/{total}, {questions} questions so far", end="",
              file=out, flush=True)
        if n == total:
            print(file=out)


def run_unit(unit: Unit, work_dir: Path, observe: Callable | None = None) -> list[dict]:
    """Index the unit's documents (cached by content) and ask its items in order;
    ``observe(unit, item, answer, settings)`` sees each answer (to record the reader's inputs)."""
    from qa.api import ask, forget_engines
    from qa.settings import Settings

    settings = Settings(store=cached_store(unit, work_dir / "stores"))
    histories: dict[str, list[Answer]] = {}
    rows = []
    try:
        for item in unit.items:
            history = histories.setdefault(item.conversation, []) if item.conversation else []
            t0 = time.perf_counter()
            answer = ask(item.question, history=list(history) or None, sources=[item.source], settings=settings)
            latency = (time.perf_counter() - t0) * 1e3
            if item.conversation:
                history.append(answer)
            rows.append(score(unit, item, answer, latency))
            if observe is not None:
                observe(unit, item, answer, settings)
    finally:
        forget_engines()
    return rows


def cached_store(unit: Unit, stores: Path) -> Path:
    """A store holding the unit's documents, built once per content and index format."""
    from index.build import build_index
    from index.store import expected_manifest

    key = hashlib.sha256(json.dumps([expected_manifest(), unit.docs]).encode("utf-8")).hexdigest()[:16]
    path = stores / f"{unit.set.replace('/', '-')}-{key}"
    if not (path / "manifest.json").exists():
        building = path.with_name(path.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        build_index(building, dict(unit.docs), workers=0)
        building.rename(path)
    return path


def score(unit: Unit, item: Item, answer: Answer, latency_ms: float) -> dict:
    """One row: the item, what was shown, and its scores."""
    shown, best = (answer.text if answer.found else ""), answer.best_text
    words = answer.shown_words
    if item.answerable:
        f1, em = best_over_golds(f1_score, shown, item.golds), best_over_golds(exact_match, shown, item.golds)
        f1_all = best_over_golds(f1_score, best, item.golds)
        f1_shown = best_over_golds(f1_score, words, item.golds)
    else:
        f1 = em = float(not answer.found)
        f1_all = f1_shown = 0.0
    first = answer.citations[0] if answer.citations else None
    interpreted = answer.interpreted or answer.question
    return {
        "set": unit.set, "split": unit.split, "unit": unit.name, "kind": item.kind,
        "question": item.question, "interpreted": interpreted, "class": _class(interpreted),
        "golds": list(item.golds), "scored": item.scored, "shown": shown, "best": best,
        "found": answer.found, "verdict": answer.verdict, "words_shown": words, "confidence": answer.confidence,
        "f1": f1, "em": em, "f1_all": f1_all, "f1_shown": f1_shown, "correct": float(item.answerable and f1_all >= CORRECT_F1),
        "cited": _cited(item, first), "latency_ms": latency_ms,
        "features": dict(answer.explanation.features) if answer.explanation else {},
    }


def _class(question: str) -> str:
    from qa.question import analyse, report_class

    return report_class(analyse(question))


def _cited(item: Item, first) -> float | None:
    if not item.answerable or first is None:
        return None
    if item.rationale is not None:
        return float(first.start < item.rationale[1] and item.rationale[0] < first.end)
    if item.gold_starts:
        return float(any(first.start <= s < first.end for s in item.gold_starts))
    return float(any(g in first.quote for g in item.golds))
