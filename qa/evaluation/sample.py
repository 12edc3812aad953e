"""The blind benchmark's questions: a fixed, seeded sample of data written by others.

Each *set* gives ``Unit``s: the documents indexed together in one store and the ``Item``s asked
of them, each scoped to one document (``sources=[item.source]``).

- Whole articles (SQuAD-shifts ``squaddev``, ``new_wiki``, ``nyt``): one unit per article,
  holding the article and a copy with some paragraphs removed (never the only paragraph).
  Answerable questions are asked of the article; the questions of the removed paragraphs are
  asked of the copy ("removed"), and questions of another sampled article are asked of the
  article ("other").
- Posts (``reddit``, ``amazon_reviews``): every paragraph is a document of its own (a post, a
  review); ``POSTS_PER_UNIT`` share a store. A question of one post is asked of the most similar
  other post of the unit ("other"). Posts are short documents already: these are the sets'
  short-document rows.
- CoQA stories: the conversation is asked in order with the system's own earlier answers as
  history; turns whose gold is "unknown" are real unanswerable questions, and questions of other
  stories are asked on their own ("other").
- Short documents (sets named ``<set>/short``): windows of one to four paragraphs of the same
  articles and stories, each indexed alone, with answerable, near-topic and off-topic questions
  at stated rates (``qa.evaluation.windows``).

About one question in ``1 / UNANSWERABLE_SHARE`` of the whole-document sets is unanswerable (a
realistic rate). A constructed unanswerable question is dropped when a gold answer still appears
in the document it is asked of. The held-out test material (``heldout.json``) is never in the
unpacked data and is filtered again here; the NYT articles and CoQA ``cnn`` stories are split in
halves by ``news.half`` (``SetSpec.half``).

Sizes (``_WHOLE``): articles or stories at scale 1, whole / windowed, and the scored questions
they give at seed 0 (whole / short). Both splits, 8,797 questions, took 26 minutes with a cold
store cache on the project's 2-core machine while other jobs shared it (load about 3.5); stores
are cached by content, so later runs skip the indexing (``qa eval --benchmark``):

    fit       squaddev 12/12 (418/248)   coqa-wikipedia 30/30 (472/138)   coqa-race 30/30 (449/119)
              coqa-mctest 30/30 (366/65)   coqa-gutenberg 20/20 (328/80)   coqa-science 20/20 (327/95)
              nyt-fit 30/40 (301/437)   coqa-cnn-fit 16/16 (236/71)                  4,150 questions
    validate  new_wiki 12/20 (416/479)   reddit 160 posts (911)   amazon_reviews 160 posts (913)
              nyt-validate 30/80 (234/781)   coqa-cnn-validate 20/40 (291/136)
              coqa-reddit 20/60 (305/181)                                           4,647 questions

The CoQA ``cnn`` halves hold 42 (fit) and 38 (validate) stories, so their rows stay small; the
benchmark's fit-half sample is kept small so that the fit command (which leaves it out) has
stories left. The questions per kind are in the benchmark's JSON (``kinds``).
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Iterator, Sequence

from index.normalise import normalise
from qa.evaluation import news
from qa.evaluation.items import Item, SetSpec, Unit, origins, present, safe_name, standalone, starts
from qa.evaluation.news import FIT, VALIDATE
from qa.evaluation.squad import normalize_answer

__all__ = ["FIT", "VALIDATE", "SETS", "SetSpec", "Item", "Unit", "units", "short_sets"]

UNANSWERABLE_SHARE = 1 / 6
POSTS_PER_UNIT = 20
SHORT = "/short"
COQA = "coqa/coqa.test.json"
NYT = "squad_shifts/nyt_v1.0.json"


def _short(spec: SetSpec, size: int) -> SetSpec:
    return SetSpec(spec.name + SHORT, spec.split, spec.kind, spec.file, size, spec.per_unit,
                   spec.coqa_source, spec.half, short=True, base_size=spec.size)


def _coqa(name: str, split: str, size: int, source: str, half: str = "") -> SetSpec:
    return SetSpec(name, split, "coqa", COQA, size, coqa_source=source, half=half)


_WHOLE = {   # whole-document set -> articles or stories of its short-document set (0: posts)
    SetSpec("squaddev", FIT, "articles", "squad_shifts/squaddev_v1.1.json", 12, 30): 12,
    _coqa("coqa-wikipedia", FIT, 30, "wikipedia"): 30,
    _coqa("coqa-race", FIT, 30, "race"): 30,
    _coqa("coqa-mctest", FIT, 30, "mctest"): 30,
    _coqa("coqa-gutenberg", FIT, 20, "gutenberg"): 20,
    _coqa("coqa-science", FIT, 20, "science"): 20,
    SetSpec("nyt-fit", FIT, "articles", NYT, 30, 12, half=FIT): 40,
    _coqa("coqa-cnn-fit", FIT, 16, "cnn", half=FIT): 16,
    SetSpec("new_wiki", VALIDATE, "articles", "squad_shifts/new_wiki_v1.0.json", 12, 30): 20,
    SetSpec("reddit", VALIDATE, "posts", "squad_shifts/reddit_v1.0.json", 160): 0,
    SetSpec("amazon_reviews", VALIDATE, "posts", "squad_shifts/amazon_reviews_v1.0.json", 160): 0,
    SetSpec("nyt-validate", VALIDATE, "articles", NYT, 30, 12, half=VALIDATE): 80,
    _coqa("coqa-cnn-validate", VALIDATE, 20, "cnn", half=VALIDATE): 40,
    _coqa("coqa-reddit", VALIDATE, 20, "reddit"): 60,
}
# every whole-document set followed by its short-document set (posts are short already)
SETS = tuple(s for spec, size in _WHOLE.items() for s in ((spec, _short(spec, size)) if size else (spec,)))


def short_sets(specs: Sequence[SetSpec] = SETS) -> frozenset[str]:
    """The sets whose documents are short: the windows, and the posts."""
    return frozenset(s.name for s in specs if s.short or s.kind == "posts")


def units(spec: SetSpec, data_dir: Path, seed: int = 0, scale: float = 1.0,
          exclude: frozenset[str] = frozenset()) -> list[Unit]:
    """The sampled units of one set. ``exclude``: unit names not to sample from (their articles
    and stories are left out; the fit command keeps the benchmark's own sample out of its fit)."""
    path = Path(data_dir) / spec.file
    rng = random.Random(f"{spec.name}-{seed}")
    size = max(1, round(spec.size * scale))
    left_out = origins(exclude)
    if spec.kind == "posts":
        return list(_post_units(spec, _squad(path), rng, size))
    pool = articles(spec, path, left_out) if spec.kind == "articles" else stories(spec, path, left_out)
    if spec.short:
        from qa.evaluation import windows

        return list(windows.short_units(spec, _short_choice(spec, pool, seed, scale, size), rng))
    if spec.kind == "articles":
        return list(_article_units(spec, pool, rng, size))
    return list(_coqa_units(spec, pool, rng, size))


def _short_choice(spec: SetSpec, pool: list, seed: int, scale: float, size: int) -> list:
    """A short set's articles: first those of its whole set (drawn as the whole set draws them),
    then more drawn from the rest; so the benchmark's own sample, left out of the fit, stays small."""
    base = spec.name.removesuffix(SHORT)
    whole = min(max(1, round(spec.base_size * scale)), len(pool)) if spec.base_size else 0
    first = random.Random(f"{base}-{seed}").sample(pool, whole)
    taken = {id(x) for x in first}
    rest = [x for x in pool if id(x) not in taken]
    more = random.Random(f"{spec.name}-{seed}-more").sample(rest, min(max(0, size - whole), len(rest)))
    return (first + more)[:size]


def _squad(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["data"]


def articles(spec: SetSpec, path: Path, left_out: frozenset[str] = frozenset()) -> list[dict]:
    """The set's articles, in file order: its half, never a held-out or left-out one."""
    return [a for a in _squad(path) if not news.is_held_out(a.get("title", ""))
            and (not spec.half or news.half(a.get("title", "")) == spec.half)
            and safe_name(a.get("title", "article")) not in left_out]


def stories(spec: SetSpec, path: Path, left_out: frozenset[str] = frozenset()) -> list:
    """The set's CoQA stories, in file order: its half, never a held-out or left-out one."""
    from qa.evaluation.coqa import load_stories, source_name

    return [s for s in load_stories(path, source_name(spec.coqa_source, spec.half)) if s.id not in left_out]


# --- whole articles ----------------------------------------------------------------------

def _article_units(spec: SetSpec, pool: list[dict], rng: random.Random, size: int) -> Iterator[Unit]:
    chosen = rng.sample(pool, min(size, len(pool)))
    for n, article in enumerate(chosen):
        other = chosen[(n + 1) % len(chosen)]
        asked = min(spec.per_unit, len(questions_of(article)))
        negatives = max(1, round(asked * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE)))
        yield _article_unit(spec, article, other, rng, spec.per_unit, negatives)


def questions_of(article: dict) -> list[tuple[int, str, tuple[str, ...]]]:
    """(paragraph number, question, golds) of every answered question of an article."""
    return [(k, qa["question"].strip(), tuple(a["text"] for a in qa["answers"]))
            for k, p in enumerate(article["paragraphs"]) for qa in p["qas"] if qa["answers"]]


def _article_unit(spec: SetSpec, article: dict, other: dict, rng: random.Random, per_unit: int,
                  negatives: int) -> Unit:
    paragraphs = [p["context"] for p in article["paragraphs"]]
    full = normalise("\n\n".join(paragraphs)).text
    questions = questions_of(article)
    rng.shuffle(questions)
    # the questions of at most a third of the paragraphs (never the only one) are asked with
    # their paragraph removed; without a paragraph to remove, every negative is "other"
    removable = len(paragraphs) > 1
    removed_qs = _within_paragraphs(questions, negatives // 2 + negatives % 2, len(paragraphs) // 3) \
        if removable else []
    dropped = {k for k, _, _ in removed_qs}
    asked = [q for q in questions[len(removed_qs):] if q[0] not in dropped][:per_unit]
    name = safe_name(article.get("title", "article"))
    whole, part = f"{name}.txt", f"{name}-cut.txt"
    items = [Item(q, golds, whole, "answerable", starts(full, golds)) for _, q, golds in asked]
    docs = [(whole, full)]
    if removable:
        cut = normalise("\n\n".join(p for k, p in enumerate(paragraphs) if k not in dropped)).text
        items += [Item(q, (), part, "removed") for _, q, golds in removed_qs if not present(golds, cut)]
        docs.append((part, cut))
    foreign = questions_of(other) if other is not article else []
    rng.shuffle(foreign)
    others = negatives // 2 if removable else negatives
    items += [Item(q, (), whole, "other") for _, q, golds in foreign[:others] if not present(golds, full)]
    return Unit(spec.name, spec.split, name, tuple(docs), tuple(items))


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
                items.append(Item(qa["question"].strip(), golds, names[k], "answerable", starts(texts[k], golds)))
                foreign.append((k, qa["question"].strip(), golds))
    wanted = round(len(items) * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE))
    rng.shuffle(foreign)
    words = [_content_words(t) for t in texts]
    for k, question, golds in foreign:
        if wanted <= 0:
            break
        target = _most_similar(k, words)
        if target is not None and not present(golds, texts[target]):
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

def _coqa_units(spec: SetSpec, pool: list, rng: random.Random, size: int) -> Iterator[Unit]:
    chosen = rng.sample(pool, min(size, len(pool)))
    for story in chosen:
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
    foreign = [(t.question, t.golds) for s in others for t in s.turns if t.scored and standalone(t.question)]
    rng.shuffle(foreign)
    for question, golds in foreign:
        if wanted <= 0:
            break
        if not present(golds, story.text):
            items.append(Item(question, (), name, "other"))
            wanted -= 1
    return Unit(spec.name, spec.split, story.id, ((name, story.text),), tuple(items))
