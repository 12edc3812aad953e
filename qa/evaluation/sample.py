"""The blind benchmark's questions: a fixed, seeded sample of data written by others.

Each *set* (one source file) gives ``Unit``s: the documents indexed together in one store and
the ``Item``s asked of them, each scoped to one document (``sources=[item.source]``).

- Whole articles (SQuAD-shifts ``squaddev``, ``new_wiki``): one unit per article, holding the
  article and a copy with some paragraphs removed. Answerable questions are asked of the
  article; the questions of the removed paragraphs are asked of the copy ("removed"), and
  questions of another sampled article are asked of the article ("other").
- Posts (``reddit``, ``amazon_reviews``): every paragraph is a document of its own (a post, a
  review); ``POSTS_PER_UNIT`` share a store. A question of one post is asked of the most similar
  other post of the unit ("other").
- CoQA stories (``wikipedia``, ``race``, ``mctest``): the conversation is asked in order with
  the system's own earlier answers as history; turns whose gold is "unknown" are real
  unanswerable questions, and questions of other stories are asked on their own ("other").

About one question in ``1 / UNANSWERABLE_SHARE`` is unanswerable (a realistic rate, stated in
the README). A constructed unanswerable question is dropped when a gold answer still appears in
the document it is asked of. The NYT split and the CoQA ``cnn`` stories are held out and never
sampled.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from index.normalise import normalise
from qa.evaluation.squad import normalize_answer

UNANSWERABLE_SHARE = 1 / 6
POSTS_PER_UNIT = 20
FIT = "fit"
VALIDATE = "validate"


@dataclass(frozen=True)
class SetSpec:
    name: str
    split: str      # FIT or VALIDATE
    kind: str       # "articles", "posts" or "coqa"
    file: str       # relative to the data folder
    size: int       # articles / posts / stories at scale 1
    per_unit: int = 0   # answerable questions per article ("articles" only)
    coqa_source: str = ""


SETS = (
    SetSpec("squaddev", FIT, "articles", "squad_shifts/squaddev_v1.1.json", 12, 30),
    SetSpec("coqa-wikipedia", FIT, "coqa", "coqa/coqa.test.json", 30, coqa_source="wikipedia"),
    SetSpec("coqa-race", FIT, "coqa", "coqa/coqa.test.json", 30, coqa_source="race"),
    SetSpec("coqa-mctest", FIT, "coqa", "coqa/coqa.test.json", 30, coqa_source="mctest"),
    SetSpec("new_wiki", VALIDATE, "articles", "squad_shifts/new_wiki_v1.0.json", 12, 30),
    SetSpec("reddit", VALIDATE, "posts", "squad_shifts/reddit_v1.0.json", 160),
    SetSpec("amazon_reviews", VALIDATE, "posts", "squad_shifts/amazon_reviews_v1.0.json", 160),
)
HELD_OUT_FILES = ("nyt_v1.0.json",)
HELD_OUT_COQA = ("cnn",)


@dataclass(frozen=True)
class Item:
    question: str
    golds: tuple[str, ...]          # empty: the document does not answer
    source: str                     # the document it is asked of
    kind: str                       # "answerable", "removed", "other" or "unknown"
    gold_starts: tuple[int, ...] = ()        # where the golds lie in the document (for citations)
    rationale: tuple[int, int] | None = None  # CoQA: the gold rationale's offsets
    conversation: str = ""          # CoQA: items of one conversation are asked in order, with history
    scored: bool = True             # CoQA yes/no turns are asked (they are history) but not scored

    @property
    def answerable(self) -> bool:
        return bool(self.golds)


@dataclass(frozen=True)
class Unit:
    set: str
    split: str
    name: str
    docs: tuple[tuple[str, str], ...]   # (source name, normalised text), indexed into one store
    items: tuple[Item, ...]


def units(spec: SetSpec, data_dir: Path, seed: int = 0, scale: float = 1.0,
          exclude: frozenset[str] = frozenset()) -> list[Unit]:
    """The sampled units of one set. ``exclude``: unit names (articles, stories) not to sample
    (the fit command keeps the benchmark's own sample out of what it fits on)."""
    path = Path(data_dir) / spec.file
    if path.name in HELD_OUT_FILES or spec.coqa_source in HELD_OUT_COQA:
        raise ValueError(f"{spec.name} is held out: it is never sampled during development.")
    rng = random.Random(f"{spec.name}-{seed}")
    size = max(1, round(spec.size * scale))
    if spec.kind == "articles":
        return list(_article_units(spec, _squad(path), rng, size, exclude))
    if spec.kind == "posts":
        return list(_post_units(spec, _squad(path), rng, size))
    return list(_coqa_units(spec, path, rng, size, exclude))


def _squad(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["data"]


def _present(golds: Sequence[str], text: str) -> bool:
    """A gold answer still appears in ``text`` (normalised as SQuAD scores it)."""
    padded = f" {normalize_answer(text)} "
    return any(f" {g} " in padded for g in map(normalize_answer, golds) if g)


def _starts(text: str, golds: Sequence[str]) -> tuple[int, ...]:
    return tuple(sorted({m.start() for g in golds if g.strip() for m in re.finditer(re.escape(g.strip()), text)}))


# --- whole articles ----------------------------------------------------------------------

def _article_units(spec: SetSpec, data: list[dict], rng: random.Random, size: int,
                   exclude: frozenset[str]) -> Iterator[Unit]:
    pool = [a for a in data if _safe(a.get("title", "article")) not in exclude]
    chosen = rng.sample(pool, min(size, len(pool)))
    for n, article in enumerate(chosen):
        other = chosen[(n + 1) % len(chosen)]
        asked = min(spec.per_unit, len(_questions(article)))
        negatives = max(1, round(asked * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE)))
        yield _article_unit(spec, article, other, rng, spec.per_unit, negatives)


def _questions(article: dict) -> list[tuple[int, str, tuple[str, ...]]]:
    return [(k, qa["question"].strip(), tuple(a["text"] for a in qa["answers"]))
            for k, p in enumerate(article["paragraphs"]) for qa in p["qas"] if qa["answers"]]


def _article_unit(spec: SetSpec, article: dict, other: dict, rng: random.Random, per_unit: int,
                  negatives: int) -> Unit:
    paragraphs = [p["context"] for p in article["paragraphs"]]
    full = normalise("\n\n".join(paragraphs)).text
    questions = _questions(article)
    rng.shuffle(questions)
    # the questions of at most a third of the paragraphs are asked with their paragraph removed
    removed_qs = _within_paragraphs(questions, negatives // 2 + negatives % 2, len(paragraphs) // 3)
    dropped = {k for k, _, _ in removed_qs}
    asked = [q for q in questions[len(removed_qs):] if q[0] not in dropped][:per_unit]
    cut = normalise("\n\n".join(p for k, p in enumerate(paragraphs) if k not in dropped)).text
    name = _safe(article.get("title", "article"))
    whole, part = f"{name}.txt", f"{name}-cut.txt"
    items = [Item(q, golds, whole, "answerable", _starts(full, golds)) for _, q, golds in asked]
    items += [Item(q, (), part, "removed") for _, q, golds in removed_qs if not _present(golds, cut)]
    foreign = _questions(other)
    rng.shuffle(foreign)
    items += [Item(q, (), whole, "other") for _, q, golds in foreign[: negatives // 2]
              if not _present(golds, full)]
    return Unit(spec.name, spec.split, name, ((whole, full), (part, cut)), tuple(items))


def _within_paragraphs(questions: list, wanted: int, paragraphs: int) -> list:
    """The first ``wanted`` questions whose paragraphs number at most ``paragraphs``."""
    out, seen = [], set()
    for q in questions:
        if len(out) == wanted:
            break
        if q[0] in seen or len(seen) < max(1, paragraphs):
            seen.add(q[0])
            out.append(q)
    return out


def _safe(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", title).strip("_")[:80] or "article"


# --- posts -------------------------------------------------------------------------------

def _post_units(spec: SetSpec, data: list[dict], rng: random.Random, size: int) -> Iterator[Unit]:
    posts = [p for a in data for p in a["paragraphs"] if any(qa["answers"] for qa in p["qas"])]
    chosen = rng.sample(posts, min(size, len(posts)))
    for first in range(0, len(chosen), POSTS_PER_UNIT):
        group = chosen[first: first + POSTS_PER_UNIT]
        yield _post_unit(spec, group, first // POSTS_PER_UNIT, rng)


def _post_unit(spec: SetSpec, group: list[dict], number: int, rng: random.Random) -> Unit:
    texts = [normalise(p["context"]).text for p in group]
    names = [f"{spec.name}-{number:02d}-{k:02d}.txt" for k in range(len(group))]
    items, foreign = [], []
    for k, post in enumerate(group):
        for qa in post["qas"]:
            golds = tuple(a["text"] for a in qa["answers"])
            if golds:
                items.append(Item(qa["question"].strip(), golds, names[k], "answerable", _starts(texts[k], golds)))
                foreign.append((k, qa["question"].strip(), golds))
    wanted = round(len(items) * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE))
    rng.shuffle(foreign)
    words = [_content_words(t) for t in texts]
    for k, question, golds in foreign:
        if wanted <= 0:
            break
        target = _most_similar(k, words)
        if target is not None and not _present(golds, texts[target]):
            items.append(Item(question, (), names[target], "other"))
            wanted -= 1
    return Unit(spec.name, spec.split, f"{spec.name}-{number:02d}", tuple(zip(names, texts)), tuple(items))


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}


def _most_similar(k: int, words: Sequence[set[str]]) -> int | None:
    """The other post sharing the largest share of words with post ``k`` (a near-topic miss)."""
    def jaccard(j: int) -> float:
        union = words[k] | words[j]
        return len(words[k] & words[j]) / len(union) if union else 0.0
    others = [j for j in range(len(words)) if j != k]
    return max(others, key=jaccard) if others else None


# --- CoQA --------------------------------------------------------------------------------

_PRONOUNS = re.compile(r"\b(he|she|it|they|him|her|his|hers|its|their|them|this|that|these|those|there|then)\b", re.I)


def _coqa_units(spec: SetSpec, path: Path, rng: random.Random, size: int, exclude: frozenset[str]) -> Iterator[Unit]:
    from qa.evaluation.coqa import load_stories

    stories = [s for s in load_stories(path, spec.coqa_source) if s.id not in exclude]
    chosen = rng.sample(stories, min(size, len(stories)))
    for n, story in enumerate(chosen):
        others = [s for s in chosen if s.id != story.id]
        yield _coqa_unit(spec, story, others, rng)


def _coqa_unit(spec: SetSpec, story, others, rng: random.Random) -> Unit:
    name = f"coqa-{story.id}.txt"
    items = []
    for turn in story.turns:
        unknown = normalize_answer(turn.golds[0]) == "unknown"
        items.append(Item(turn.question, () if unknown else turn.golds, name,
                          "unknown" if unknown else "answerable", (), turn.rationale,
                          conversation=story.id, scored=unknown or turn.scored))
    scored = sum(1 for i in items if i.scored)
    unanswerable = sum(1 for i in items if i.kind == "unknown")
    wanted = round(scored * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE)) - unanswerable
    standalone = [(t.question, t.golds) for s in others for t in s.turns
                  if t.scored and not _PRONOUNS.search(t.question) and len(t.question.split()) >= 4]
    rng.shuffle(standalone)
    for question, golds in standalone:
        if wanted <= 0:
            break
        if not _present(golds, story.text):
            items.append(Item(question, (), name, "other"))
            wanted -= 1
    return Unit(spec.name, spec.split, story.id, ((name, story.text),), tuple(items))
