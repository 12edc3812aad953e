"""What the reader is given for each benchmark question, kept so the span scorer can be fitted
and compared without asking again.

A ``Reading`` holds the question as typed and as the conversation resolved it, the retrieved
passages, the inverse document frequencies of its words, and the gold answers. ``collect``
asks a split's questions through ``ask()`` (so CoQA follow-ups carry the system's own history)
and records the reader's inputs beside each answer. Readings hold benchmark text: they live in
the git-ignored cache, never in the repository.
"""
from __future__ import annotations

import dataclasses
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.evaluation import benchmark
from qa.evaluation.coqa import answered_yes_no
from qa.evaluation.sample import Item, Unit, units
from qa.passage import Passage

CONTEXT_K = 7   # passages retrieved, as ask() does: max(top_k, read_k) + 2


@dataclass(frozen=True)
class Reading:
    set: str
    split: str
    unit: str
    kind: str
    golds: tuple[str, ...]
    scored: bool
    typed: str
    interpreted: str
    passages: tuple[Passage, ...]
    idf: dict[str, float]
    rationale: str = ""   # CoQA: the span the annotator marked as the support (for a yes/no
                          # turn, the clause that settles it)

    @property
    def targets(self) -> tuple[str, ...]:
        """What a span is scored against: the golds of a scored question; for a yes/no turn
        (gold "yes" or "no", which no span can be) the clause that settles it."""
        if self.scored:
            return self.golds
        return (self.rationale,) if answered_yes_no(self.golds) and self.rationale.strip() else ()


def collect(data_dir: Path, split: str, seed: int = 0, scale: float = 1.0, names: Sequence[str] | None = None,
            exclude: frozenset[str] = frozenset(), work_dir: Path = benchmark.DEFAULT_WORK,
            per_article: int | None = None, progress=sys.stderr) -> list[Reading]:
    """``per_article``: questions asked of each whole article (default: the benchmark's number)."""
    out: list[Reading] = []
    for spec in benchmark.chosen_sets(split, names):
        if per_article and spec.kind == "articles":
            spec = dataclasses.replace(spec, per_unit=per_article)
        sampled = units(spec, data_dir, seed, scale, exclude)
        for n, unit in enumerate(sampled, 1):
            benchmark.run_unit(unit, work_dir, observe=lambda u, item, answer, settings: out.append(
                _reading(u, item, answer, settings)))
            if progress is not None:
                print(f"\r{spec.name}: unit {n}/{len(sampled)}, {len(out)} readings", end="", file=progress, flush=True)
        if progress is not None:
            print(file=progress)
    return out


def _reading(unit: Unit, item: Item, answer, settings) -> Reading:
    from qa.abstain import idf
    from qa.api import engine

    eng = engine(settings)
    interpreted = answer.interpreted or answer.question
    passages = eng.retriever.passages(interpreted, k=CONTEXT_K, sources=[item.source], also=[item.question])
    words = sorted({w for text in (interpreted, item.question) for w in _words(text)})
    frequencies, total = eng.store.catalog.document_frequencies(words, [item.source])
    lemmas = {w: idf(frequencies.get(w, 0), total) for w in words}
    return Reading(unit.set, unit.split, unit.name, item.kind, item.golds, item.scored, item.question,
                   interpreted, tuple(passages), lemmas, _rationale(unit, item))


def _rationale(unit: Unit, item: Item) -> str:
    if item.rationale is None:
        return ""
    text = dict(unit.docs).get(item.source, "")
    return text[item.rationale[0]:item.rationale[1]]


def _words(text: str) -> set[str]:
    from index import nlp

    doc = nlp.parse(text)
    return {w for t in doc if t.is_alpha or t.like_num for w in (t.lower_, t.lemma_.lower())} | \
        set(re.findall(r"[a-z0-9]+", text.lower()))


def save(readings: Sequence[Reading], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(list(readings), handle)


def load(path: Path) -> list[Reading]:
    with path.open("rb") as handle:
        return pickle.load(handle)
