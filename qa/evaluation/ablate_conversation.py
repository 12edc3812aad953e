"""Ablation of the conversation resolver: the CoQA evaluation once with every rule, once per rule off.

    python -m qa.evaluation.ablate_conversation .cache/bench/coqa/coqa.test.json --stories 40

For each fit source (wikipedia, race, mctest; never cnn) the first ``--stories`` stories are
indexed once, then asked with history (the system's own answers) with all rules of
``qa.conversation.rules.RULES`` on, once more with each rule switched off, and once without
history. A turn counts as *fixed* by a rule when its F1 is >= 0.5 with the rule and < 0.5
without it, *broken* the other way round (scored turns only: gold not yes/no/unknown).
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from qa.conversation import rules
from qa.evaluation.coqa import evaluate_coqa

FIT_SOURCES = ("wikipedia", "race", "mctest")
GOOD = 0.5   # F1 at which a turn counts as answered


class StoryStores:
    """An opener for ``evaluate_coqa`` that indexes each story once and reuses it in later runs."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, name: str, text: str):
        from index.build import build_index
        from qa.api import ask, forget_engines
        from qa.settings import Settings

        store = self.folder / name.removesuffix(".txt")
        if not store.exists():
            build_index(store, {name: text})
        settings = Settings(store=store, abstain_below=0.0)   # as the CoQA evaluation: no abstention

        class _Story:
            def __call__(self, question, history):
                return ask(question, history=history, settings=settings)

            def close(self) -> None:
                forget_engines()

        return _Story()


def run(path: str | Path, sources: Sequence[str] = FIT_SOURCES, stories: int = 40,
        names: Sequence[str] | None = None, progress=None, opener=None) -> dict:
    """Rows per configuration: ``{"all": ..., "no_history": ..., <rule>: ...}`` (a rule's rows
    are those with it switched off), each a dict (source, story, turn) -> (f1, interpreted)
    over the scored turns. ``opener``: as for ``evaluate_coqa`` (default: real stores, built once)."""
    names = list(names or rules.RULES)
    say = progress or (lambda message: None)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="verbatim-ablation-") as tmp:
        opener = opener or StoryStores(Path(tmp))
        configurations = [("all", True, ()), ("no_history", False, ())] + [(n, True, (n,)) for n in names]
        for label, history, off in configurations:
            t0 = time.perf_counter()
            with rules.disabled(*off):
                rows = {}
                for source in sources:
                    report = evaluate_coqa(path, source, stories, use_history=history, ask_fn=opener)
                    mode = "history" if history else "no_history"
                    rows.update({(source, r["story"], r["turn"]): (r["f1"], r["interpreted"])
                                 for r in report["modes"][mode]["rows"] if r["scored"]})
            results[label] = rows
            say(f"{label}: F1 {_mean(rows):.4f} ({time.perf_counter() - t0:.0f} s)")
    return {"sources": list(sources), "stories": stories, "results": results}


def table(outcome: dict) -> list[dict]:
    """One row per rule: turns it fixes and breaks, F1 with it (all rules) and without it."""
    results = outcome["results"]
    full = results["all"]
    rows = []
    for name, without in results.items():
        if name in ("all", "no_history"):
            continue
        keys = full.keys() & without.keys()
        fixes = sum(full[k][0] >= GOOD > without[k][0] for k in keys)
        breaks = sum(without[k][0] >= GOOD > full[k][0] for k in keys)
        changed = sum(full[k][1] != without[k][1] for k in keys)
        rows.append({"rule": name, "fixes": fixes, "breaks": breaks, "readings_changed": changed,
                     "f1_with": _mean(full), "f1_without": _mean(without)})
    return rows


def format_table(outcome: dict) -> str:
    results = outcome["results"]
    per_source = ", ".join(
        f"{s} {_mean(results['all'], s):.3f} / {_mean(results['no_history'], s):.3f}" for s in outcome["sources"])
    lines = [f"CoQA, first {outcome['stories']} stories of {', '.join(outcome['sources'])}; "
             f"{len(results['all'])} scored turns",
             f"F1 with history / without, all rules on: {per_source}; "
             f"together {_mean(results['all']):.4f} / {_mean(results['no_history']):.4f}",
             "",
             "| rule | fixes | breaks | readings changed | F1 with | F1 without |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in table(outcome):
        lines.append(f"| `{row['rule']}` | {row['fixes']} | {row['breaks']} | {row['readings_changed']} "
                     f"| {row['f1_with']:.4f} | {row['f1_without']:.4f} |")
    lines.append("")
    lines.append(f"fixes: F1 >= {GOOD} with the rule and < {GOOD} without it; breaks: the other way round; "
                 "readings changed: turns whose reading differs when the rule is off.")
    return "\n".join(lines)


def _mean(rows: dict, source: str | None = None) -> float:
    values = [f1 for (s, _, _), (f1, _) in rows.items() if source in (None, s)]
    return statistics.fmean(values) if values else 0.0


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import argparse

    parser = argparse.ArgumentParser(description="CoQA with every conversation rule, and with each one off.")
    parser.add_argument("path", help="coqa.test.json")
    parser.add_argument("--stories", type=int, default=40, help="first N stories of each source (default 40)")
    parser.add_argument("--sources", default=",".join(FIT_SOURCES), help="fit sources, comma-separated")
    parser.add_argument("--rules", default="", help="only these rules, comma-separated (default all)")
    parser.add_argument("--json", help="also write the table and per-turn F1 to this file")
    args = parser.parse_args(argv)
    names = [n for n in args.rules.split(",") if n] or None
    outcome = run(args.path, args.sources.split(","), args.stories, names,
                  progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(format_table(outcome))
    if args.json:
        flat = {label: [[*key, f1, read] for key, (f1, read) in rows.items()]
                for label, rows in outcome["results"].items()}
        Path(args.json).write_text(json.dumps({"table": table(outcome), "rows": flat}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
