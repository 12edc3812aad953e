"""Where the reader misses, by class of question: ``python -m qa.evaluation.misses``.

Each answerable, scored row of a benchmark run is put in one kind of outcome of the reader's
pick (the answer or guess it would show if it answered everything, ``best``):

    right            F1 >= ``CORRECT_F1`` against a gold answer
    wrong sentence   the first citation does not hold the gold answer
    list cut short   the gold is a list ("Phobos and Deimos") and the pick is part of it
    boundary         the pick overlaps the gold, too long or too short ("cousin" for
                     "a cousin of the two fishermen")
    wrong type       no overlap, and the pick is another kind of thing than the gold (a date
                     for a duration, a number for a name)
    wrong words      no overlap, the same kind of thing (another person, another place)

The kind of a text is read from its parse alone (entity label, a number, the head's WordNet
class; ``qa.reader.features.coarse_kind``), so "wrong type" is an estimate. The table (one row
per class of question, the share of each outcome and the F1 lost to it) is written from the
rows file of a run; it holds no question text. Example::

    python -m qa.evaluation.misses --rows .cache/benchmark/fit-rows.jsonl --out docs/benchmark/misses.md
"""
from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path
from typing import Sequence

from qa.evaluation.tables import CORRECT_F1, row_class
from qa.text import normalize_answer

MISSES = ("right", "wrong sentence", "list cut short", "boundary", "wrong type", "wrong words")
_LIST = re.compile(r",|\band\b|\bor\b|;")


def miss(row: dict) -> str:
    """The kind of outcome of one answerable row (``MISSES``)."""
    if row["f1_all"] >= CORRECT_F1:
        return "right"
    if not row.get("cited"):
        return "wrong sentence"
    best, golds = row["best"], row["golds"]
    if any(cut_list(best, g) for g in golds):
        return "list cut short"
    if row["f1_all"] > 0.0:
        return "boundary"
    return "wrong type" if kind_of(best) not in {kind_of(g) for g in golds} else "wrong words"


def cut_list(pick: str, gold: str) -> bool:
    """``gold`` is a list of two or more items and ``pick`` holds only some of its words."""
    words, gold_words = normalize_answer(pick).split(), normalize_answer(gold).split()
    if not words or not _LIST.search(gold) or len(words) >= len(gold_words):
        return False
    return set(words) <= set(gold_words)


def kind_of(text: str) -> str:
    """The coarse kind of a text read on its own: "person", "place", "time", "number", "thing", ..."""
    from index import nlp
    from qa import lexicon
    from qa.reader.features import coarse_kind

    doc = nlp.parse(text)
    if not len(doc):
        return "other"
    entity = max(doc.ents, key=len, default=None)
    if entity is not None and 2 * len(entity) >= len(doc):
        return coarse_kind(entity.label_)
    if any(t.like_num for t in doc):
        return "number"
    root = doc[:].root
    if root.pos_ == "NOUN":
        return coarse_kind("n:" + (lexicon.supersense(root.lemma_.lower()) or "other"))
    return coarse_kind(root.pos_)


def table(rows: Sequence[dict]) -> dict:
    """{class: {"questions": n, "f1_all": mean, outcome: share, "lost:" + outcome: F1 lost}};
    F1 lost is the mean of 1 - F1 over the class's questions, split by outcome (they add up to
    1 - F1)."""
    from qa.question import REPORT_CLASSES

    answerable = [r for r in rows if r["scored"] and r["golds"]]
    groups: dict[str, list[dict]] = collections.defaultdict(list)
    for r in answerable:
        groups[row_class(r)].append(r)
        groups["all"].append(r)
    out = {}
    for name in [*REPORT_CLASSES, "all"]:
        inside = groups.get(name)
        if not inside:
            continue
        outcomes = [miss(r) for r in inside]
        n = len(inside)
        out[name] = {"questions": n, "f1_all": sum(r["f1_all"] for r in inside) / n,
                     **{m: outcomes.count(m) / n for m in MISSES},
                     **{f"lost:{m}": sum(1 - r["f1_all"] for r, o in zip(inside, outcomes) if o == m) / n
                        for m in MISSES}}
    return out


def markdown(summary: dict) -> str:
    """Share of each outcome, and in brackets the F1 it loses, per class of question."""
    head = "| class of question | questions | F1 answering all | " + " | ".join(MISSES) + " |"
    lines = [head, "|---|" + "---:|" * (2 + len(MISSES))]
    for name, s in summary.items():
        cells = [f"{s['right']:.2f}"] + [f"{s[m]:.2f} ({s['lost:' + m]:.3f})" for m in MISSES[1:]]
        label = "**all**" if name == "all" else name
        lines.append(f"| {label} | {s['questions']:,} | {s['f1_all']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_rows(path: Path, split: str | None = None) -> list[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def benchmark_table(rows: Sequence[dict]) -> str:
    """The benchmark's table (per set, pooled, per class of question) rebuilt from stored rows."""
    from qa.evaluation.tables import markdown as benchmark_markdown
    from qa.evaluation.tables import pool, summarise

    names = dict.fromkeys(r["set"] for r in rows)
    report = {"meta": {}, "sets": {n: summarise([r for r in rows if r["set"] == n]) for n in names}, "rows": list(rows)}
    return benchmark_markdown(pool(report))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, default=Path(".cache/benchmark/fit-rows.jsonl"),
                        help="rows of a benchmark run (default: the fit split's, .cache/benchmark/fit-rows.jsonl)")
    parser.add_argument("--split", default="fit", help="only rows of this split (default fit)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) and its JSON beside it")
    parser.add_argument("--table-of", type=Path, nargs="*", default=None, metavar="ROWS",
                        help="instead: print the benchmark table (per set and per class) rebuilt from these rows files")
    args = parser.parse_args(argv)
    if args.table_of:
        print(benchmark_table([r for path in args.table_of for r in load_rows(path)]))
        return 0
    summary = table(load_rows(args.rows, args.split))
    text = markdown(summary)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
