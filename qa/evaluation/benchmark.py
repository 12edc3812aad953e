"""``qa eval --benchmark``: the blind benchmark over many articles written by others.

Every sampled question (``qa.evaluation.sample``) is asked through ``qa.api.ask`` exactly as a
person would, scoped to its document, and scored:

    em, f1        the answer as shown: a withheld answer is empty; an unanswerable question
                  scores 1 when withheld and 0 when answered (SQuAD 2.0's convention)
    f1_all        F1 of the answer or, when withheld, of the guess, on answerable questions:
                  what answering every question would score
    answered      share of answerable questions answered
    abstained     share of unanswerable questions withheld (verdict "unsure" or "absent")
    ece           expected calibration error of ``confidence`` as the probability that the
                  answer or guess is right (F1 >= ``CORRECT_F1``; never for an unanswerable one)
    cited         the gold answer lies inside the first citation (answerable questions)
    p50_ms        median wall time of one question

Example::

    report = run_benchmark(Path(".cache/bench"), split="validate")
    print(markdown(report))
"""
from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qa.evaluation.sample import FIT, SETS, VALIDATE, Item, SetSpec, Unit, units
from qa.evaluation.squad import best_over_golds, exact_match, f1_score
from qa.types import Answer

CORRECT_F1 = 0.5
BINS = 10
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
    meta = {"seed": seed, "scale": scale, "split": split, "seconds": round(time.perf_counter() - started, 1)}
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
    path = stores / f"{unit.set}-{key}"
    if not (path / "manifest.json").exists():
        building = path.with_name(path.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        build_index(building, dict(unit.docs), workers=0)
        building.rename(path)
    return path


def score(unit: Unit, item: Item, answer: Answer, latency_ms: float) -> dict:
    """One row: the item, what was shown, and its scores."""
    shown, best = (answer.text if answer.found else ""), answer.best_text
    if item.answerable:
        f1, em = best_over_golds(f1_score, shown, item.golds), best_over_golds(exact_match, shown, item.golds)
        f1_all = best_over_golds(f1_score, best, item.golds)
    else:
        f1 = em = float(not answer.found)
        f1_all = 0.0
    first = answer.citations[0] if answer.citations else None
    return {
        "set": unit.set, "split": unit.split, "unit": unit.name, "kind": item.kind,
        "question": item.question, "interpreted": answer.interpreted or answer.question,
        "golds": list(item.golds), "scored": item.scored, "shown": shown, "best": best,
        "found": answer.found, "verdict": answer.verdict, "confidence": answer.confidence,
        "f1": f1, "em": em, "f1_all": f1_all, "correct": float(item.answerable and f1_all >= CORRECT_F1),
        "cited": _cited(item, first), "latency_ms": latency_ms,
        "features": dict(answer.explanation.features) if answer.explanation else {},
    }


def _cited(item: Item, first) -> float | None:
    if not item.answerable or first is None:
        return None
    if item.rationale is not None:
        return float(first.start < item.rationale[1] and item.rationale[0] < first.end)
    if item.gold_starts:
        return float(any(first.start <= s < first.end for s in item.gold_starts))
    return float(any(g in first.quote for g in item.golds))


# --- summaries ---------------------------------------------------------------------------

def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


def summarise(rows: Sequence[dict]) -> dict:
    scored = [r for r in rows if r["scored"]]
    answerable = [r for r in scored if r["golds"]]
    unanswerable = [r for r in scored if not r["golds"]]
    cited = [r["cited"] for r in answerable if r["cited"] is not None]
    return {
        "questions": len(scored), "unanswerable": len(unanswerable),
        "em": _mean(r["em"] for r in scored), "f1": _mean(r["f1"] for r in scored),
        "f1_all": _mean(r["f1_all"] for r in answerable),
        "answered": _mean(float(r["found"]) for r in answerable),
        "abstained": _mean(float(not r["found"]) for r in unanswerable),
        "ece": calibration_error(scored),
        "cited": _mean(cited),
        "p50_ms": statistics.median([r["latency_ms"] for r in rows]) if rows else 0.0,
    }


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


COLUMNS = (("questions", "questions", "{:,}"), ("unanswerable", "unanswerable", "{:,}"),
           ("em", "EM", "{:.3f}"), ("f1", "F1", "{:.3f}"), ("f1_all", "F1 answering all", "{:.3f}"),
           ("answered", "answered (answerable)", "{:.2f}"), ("abstained", "abstained (unanswerable)", "{:.2f}"),
           ("ece", "ECE", "{:.3f}"), ("cited", "gold in 1st citation", "{:.2f}"), ("p50_ms", "p50 ms", "{:.0f}"))


def markdown(report: dict) -> str:
    """The table the README quotes: one row per set, grouped by split, plus each split pooled."""
    head = "| split | set | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * 2 + "---:|" * len(COLUMNS)]
    split_of = {s.name: s.split for s in SETS}
    for split in (FIT, VALIDATE):
        names = [n for n in report["sets"] if split_of.get(n) == split]
        for name in names:
            lines.append(_row(split, name, report["sets"][name]))
        if len(names) > 1 and report.get("pooled", {}).get(split):
            lines.append(_row(split, "**all**", report["pooled"][split]))
    return "\n".join(lines)


def _row(split: str, name: str, s: dict) -> str:
    return f"| {split} | {name} | " + " | ".join(fmt.format(s[key]) for key, _, fmt in COLUMNS) + " |"


def pool(report: dict) -> dict:
    """Adds each split's pooled summary (all its questions together) to ``report``."""
    report["pooled"] = {split: summarise([r for r in report["rows"] if r["split"] == split])
                        for split in (FIT, VALIDATE) if any(r["split"] == split for r in report["rows"])}
    return report


def write_outputs(report: dict, out_dir: Path, rows_path: Path) -> None:
    """The table as JSON and Markdown plus the reliability diagram in ``out_dir`` (committed: no
    question text); every row, with the benchmark's questions, in ``rows_path`` (never committed)."""
    from qa.evaluation.diagram import reliability_png

    out_dir.mkdir(parents=True, exist_ok=True)
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    summary = {"meta": report["meta"], "sets": report["sets"], "pooled": report.get("pooled", {}),
               "reliability": {split: reliability([r for r in report["rows"] if r["split"] == split and r["scored"]])
                               for split in (FIT, VALIDATE)}}
    (out_dir / "benchmark.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out_dir / "benchmark.md").write_text(markdown(report) + "\n", encoding="utf-8")
    reliability_png(summary["reliability"], out_dir / "reliability.png")
    with rows_path.open("w", encoding="utf-8") as handle:
        for row in report["rows"]:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
