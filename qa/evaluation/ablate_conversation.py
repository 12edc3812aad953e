"""Ablation of the conversation resolver: the CoQA evaluation once with every rule, once per rule off.

    python -m qa.evaluation.ablate_conversation .cache/bench/coqa/coqa.test.json --stories 40

For each source (by default the fit sources wikipedia, race, mctest; the news stories by half,
``--sources cnn:fit`` to decide and ``cnn:validate`` to confirm, never the held-out ones) the
first ``--stories`` stories are indexed once, then asked with history (the system's own
answers) with all rules of ``qa.conversation.rules.RULES`` on, once more with each rule
switched off, and once without history. A turn counts as *fixed* by a rule when its F1 is
>= 0.5 with the rule and < 0.5 without it, *broken* the other way round (scored turns only:
gold not yes/no/unknown).
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
from qa.settings import PROJECT_ROOT

FIT_SOURCES = ("wikipedia", "race", "mctest")
GOOD = 0.5   # F1 at which a turn counts as answered


def _only_article(folder: Path) -> Path:
    """The one article file of a folder (``seeds/`` holds the seed article beside its question sets)."""
    articles = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md"))
    if len(articles) != 1:
        raise ValueError(f"{folder} should hold exactly one article, found {[a.name for a in articles]}")
    return articles[0]


CONVERSATIONS = {   # the multi-turn regression conversations: (article, conversations)
    "seed": (_only_article(PROJECT_ROOT / "seeds"), PROJECT_ROOT / "seeds" / "conversations.jsonl"),
    "second": (PROJECT_ROOT / "tests" / "data" / "second_article.txt",
               PROJECT_ROOT / "tests" / "data" / "second_conversations.jsonl"),
}


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
        settings = Settings(store=store)   # as the CoQA evaluation asks (a withheld answer's guess is scored)

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


def conversation_turns(names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The regression conversations' turns that fail (reading, answer at F1 >= 0.6 and cited
    sentence, as ``tests/test_conversation.py`` checks them) with all rules and with each off."""
    from index.build import build_index

    names = list(names or rules.RULES)
    failed: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="verbatim-ablation-") as tmp:
        stores = {}
        for name, (article, _) in CONVERSATIONS.items():
            stores[name] = Path(tmp) / name
            build_index(stores[name], [article])
        for label, off in [("all", ())] + [(n, (n,)) for n in names]:
            with rules.disabled(*off):
                failed[label] = [miss for name in CONVERSATIONS for miss in _misses(name, stores[name])]
    return failed


def _misses(name: str, store: Path) -> list[str]:
    from qa.api import ask
    from qa.evaluation.squad import f1_score

    misses = []
    for line in CONVERSATIONS[name][1].read_text(encoding="utf-8").splitlines():
        conversation, history = json.loads(line), []
        for turn in conversation["turns"]:
            answer = ask(turn["question"], history=history, store=store)
            if (answer.interpreted or answer.question) != turn["interpreted"] or not answer.found \
                    or f1_score(answer.text, turn["answer"]) < 0.6 or answer.citations[0].quote != turn["evidence"]:
                misses.append(f"{name}/{conversation['id']}: {turn['question']}")
            history.append(answer)
    return misses


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
        row = {"rule": name, "fixes": fixes, "breaks": breaks, "readings_changed": changed,
               "f1_with": _mean(full), "f1_without": _mean(without)}
        if "conversations" in outcome:
            row["conversation_misses"] = len(outcome["conversations"].get(name, ()))
        rows.append(row)
    return rows


def format_table(outcome: dict) -> str:
    results = outcome["results"]
    per_source = ", ".join(
        f"{s} {_mean(results['all'], s):.3f} / {_mean(results['no_history'], s):.3f}" for s in outcome["sources"])
    conversations = outcome.get("conversations")
    lines = [f"CoQA, first {outcome['stories']} stories of {', '.join(outcome['sources'])} "
             f"({_story_count(results['all'])} stories); {len(results['all'])} scored turns",
             f"F1 with history / without, all rules on: {per_source}; "
             f"together {_mean(results['all']):.4f} / {_mean(results['no_history']):.4f}",
             "",
             "| rule | fixes | breaks | readings changed | F1 with | F1 without |" + (" conversation misses |" if conversations else ""),
             "|---|---:|---:|---:|---:|---:|" + ("---:|" if conversations else "")]
    for row in table(outcome):
        lines.append(f"| `{row['rule']}` | {row['fixes']} | {row['breaks']} | {row['readings_changed']} "
                     f"| {row['f1_with']:.4f} | {row['f1_without']:.4f} |"
                     + (f" {row['conversation_misses']} |" if conversations else ""))
    lines.append("")
    lines.append(f"fixes: F1 >= {GOOD} with the rule and < {GOOD} without it; breaks: the other way round; "
                 "readings changed: turns whose reading differs when the rule is off.")
    if conversations:
        lines.append(f"conversation misses: turns of the regression conversations that fail with the rule off "
                     f"(with every rule: {len(conversations['all'])}: {'; '.join(conversations['all']) or 'none'}).")
    return "\n".join(lines)


def _story_count(rows: dict) -> int:
    """Stories with a scored turn (a half of cnn may hold fewer than ``--stories``)."""
    return len({(source, story) for source, story, _ in rows})


def _mean(rows: dict, source: str | None = None) -> float:
    values = [f1 for (s, _, _), (f1, _) in rows.items() if source in (None, s)]
    return statistics.fmean(values) if values else 0.0


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import argparse

    parser = argparse.ArgumentParser(description="CoQA with every conversation rule, and with each one off.")
    parser.add_argument("path", help="coqa.test.json")
    parser.add_argument("--stories", type=int, default=40, help="first N stories of each source (default 40)")
    parser.add_argument("--sources", default=",".join(FIT_SOURCES),
                        help="CoQA sources, comma-separated; a half of cnn is 'cnn:fit' or 'cnn:validate'")
    parser.add_argument("--rules", default="", help="only these rules, comma-separated (default all)")
    parser.add_argument("--conversations", action="store_true",
                        help="also count the regression conversations' failing turns with each rule off")
    parser.add_argument("--json", help="also write the table and per-turn F1 to this file")
    args = parser.parse_args(argv)
    names = [n for n in args.rules.split(",") if n] or None
    outcome = run(args.path, args.sources.split(","), args.stories, names,
                  progress=lambda m: print(m, file=sys.stderr, flush=True))
    if args.conversations:
        outcome["conversations"] = conversation_turns(names)
    print(format_table(outcome))
    if args.json:
        flat = {label: [[*key, f1, read] for key, (f1, read) in rows.items()]
                for label, rows in outcome["results"].items()}
        Path(args.json).write_text(json.dumps({"table": table(outcome), "rows": flat,
                                               "conversations": outcome.get("conversations")}, indent=1),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
