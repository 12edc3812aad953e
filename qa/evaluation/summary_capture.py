"""How many benchmark questions the whole-article recogniser takes away from the reader.

Every question of the benchmark files (all SQuAD-shifts files and every CoQA source, the
held-out ones dropped) and every item of the benchmark's own sample is put to
``qa.summary.recognise`` as the benchmark asks it: a CoQA turn after the first has a
conversation before it (``first=False``), anything else is asked on its own. Only counts per set
are reported, never the questions (benchmark data is not committed)::

    python -m qa.evaluation.summary_capture
"""
from __future__ import annotations

import collections
import json
from pathlib import Path

from qa.summary import recognise

DATA = Path(".cache/bench")
SQUAD_FILES = ("squaddev_v1.1", "new_wiki_v1.0", "reddit_v1.0", "amazon_reviews_v1.0", "nyt_v1.0")


def _held_out() -> frozenset[str]:
    from qa.evaluation.news import held_out

    return held_out()["nyt"] | held_out()["cnn"]


def raw_counts() -> list[tuple[str, int, collections.Counter]]:
    """(set, questions, captured by kind) over every question of the files."""
    skip, out = _held_out(), []
    for name in SQUAD_FILES:
        data = json.loads((DATA / f"squad_shifts/{name}.json").read_text(encoding="utf-8"))["data"]
        questions = [q["question"] for a in data if a.get("title") not in skip
                     for p in a["paragraphs"] for q in p["qas"]]
        out.append((name, len(questions), _kinds((q, True) for q in questions)))
    data = json.loads((DATA / "coqa/coqa.test.json").read_text(encoding="utf-8"))["data"]
    by_source = collections.defaultdict(list)
    for story in data:
        if story["id"] not in skip:
            by_source[story["source"]] += [(q["input_text"], i == 0) for i, q in enumerate(story["questions"])]
    for source, asked in sorted(by_source.items()):
        out.append((f"coqa-{source}", len(asked), _kinds(asked)))
    return out


def sample_counts() -> list[tuple[str, int, collections.Counter]]:
    """The same over the benchmark's sample (``qa.evaluation.sample``), as the benchmark asks it."""
    from qa.evaluation import sample

    out = []
    for spec in sample.SETS:
        asked, seen = [], set()
        for unit in sample.units(spec, DATA):
            for item in unit.items:
                first = not item.conversation or item.conversation not in seen
                seen.add(item.conversation)
                asked.append((item.question, first))
        out.append((spec.name, len(asked), _kinds(asked)))
    return out


def _kinds(asked) -> collections.Counter:
    found = collections.Counter()
    for question, first in asked:
        request = recognise(question, first=first)
        if request is not None:
            found[request.kind] += 1
    return found


def capture_lines() -> list[str]:
    lines = ["## Ordinary questions the whole-article path captures", "",
             "`python -m qa.evaluation.summary_capture`: benchmark questions that `qa.summary.recognise` takes "
             "for a question about the whole article (CoQA turns after the first asked with a conversation "
             "before them). Counts only.", "",
             "| questions of | set | questions | captured | by kind |", "|---|---|---:|---:|---|"]
    for label, counts in (("the whole file", raw_counts()), ("the benchmark sample", sample_counts())):
        for name, total, kinds in counts:
            detail = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "-"
            lines.append(f"| {label} | {name} | {total} | {sum(kinds.values())} | {detail} |")
    return lines


if __name__ == "__main__":
    print("\n".join(capture_lines()))
