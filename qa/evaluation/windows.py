"""Short documents: windows of one to four paragraphs, each indexed alone, as a person's article.

The product answers questions about one short news article. From every sampled article or story
of a set, ``short_units`` cuts a seeded number of windows (at most ``MAX_WINDOWS``, never
overlapping) of one to ``MAX_BLOCKS`` consecutive paragraphs (at most ``MAX_WORDS`` words, and
fewer paragraphs than the whole whenever it has two or more, so that some of its questions lie
outside). Each window is a document of its own in a store of its own (one unit per window,
named ``<article>#<first>-<last>``), and is asked three kinds of question, at ``RATES`` over the
set (a shortfall in one window is made up in the next):

- ``answerable`` (60%): a question of the article whose answer lies in the window (SQuAD: its
  paragraph is in the window; CoQA: its rationale is), gold offsets relative to the window;
- ``near`` (25%), near-topic unanswerable: a question of the same article whose answer lies
  outside the window and whose gold does not appear in the window's text (same people and
  places, a different fact);
- ``other`` (15%), off-topic unanswerable: a question of another sampled article of the set
  whose gold does not appear in the window.

CoQA questions are asked alone (no conversation): only standalone turns (no pronoun, four words
or more; not yes/no) are used, and the story's own "unknown" turns stay, asked of its first
window (kind ``unknown``, counted with the near-topic ones). A CoQA story's paragraphs shorter
than ``MIN_BLOCK_WORDS`` join the next; a story of one such block is cut at sentences instead.
"""
from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Sequence

from index.normalise import normalise
from qa.evaluation.items import WINDOW_MARK, Item, SetSpec, Unit, present, safe_name, standalone, starts
from qa.evaluation.squad import normalize_answer

RATES = {"answerable": 0.60, "near": 0.25, "other": 0.15}
MAX_BLOCKS = 4               # paragraphs per window
MAX_WORDS = 1200             # words per window
MAX_WINDOWS = 3              # windows per article (up to one per two paragraphs)
ANSWERABLE_PER_WINDOW = 8
MIN_BLOCK_WORDS = 60         # CoQA: a shorter paragraph joins the next


@dataclass(frozen=True)
class Question:
    text: str
    golds: tuple[str, ...]
    first: int               # the blocks its answer lies in, first and last
    last: int
    rationale: tuple[int, int] | None = None   # CoQA: offsets in the source's text


@dataclass(frozen=True)
class Source:
    """An article or story cut into blocks (paragraphs), with its questions located in them."""
    name: str                            # the whole-document unit's name (the article, the story id)
    doc_prefix: str                      # documents are "<prefix>-p<first>-<last>.txt"
    text: str
    blocks: tuple[tuple[int, int], ...]  # [start, end) in ``text``
    questions: tuple[Question, ...]
    unknown: tuple[str, ...] = ()        # CoQA turns whose gold is "unknown"

    def words(self) -> list[int]:
        return [len(self.text[a:b].split()) for a, b in self.blocks]


class Mix:
    """Keeps the kinds of question at ``RATES`` across a set's windows."""

    def __init__(self) -> None:
        self.given: Counter = Counter()

    def wanted(self, kind: str) -> int:
        target = round(self.given["answerable"] * RATES[kind] / RATES["answerable"])
        return max(0, target - self.given[kind])

    def add(self, kind: str, n: int) -> None:
        self.given[kind] += n


def short_units(spec: SetSpec, chosen: Sequence, rng: random.Random) -> Iterator[Unit]:
    """The windows of the ``chosen`` articles (SQuAD dicts) or CoQA stories."""
    sources = [article_source(x) if isinstance(x, dict) else story_source(x) for x in chosen]
    mix = Mix()
    for source in sources:
        others = [s for s in sources if s.name != source.name]
        for w, (i, j) in enumerate(window_ranges(source.words(), rng)):
            unit = window_unit(spec, source, i, j, others, rng, mix, with_unknown=w == 0)
            if unit.items:
                yield unit


def window_ranges(words: Sequence[int], rng: random.Random) -> list[tuple[int, int]]:
    """Non-overlapping ``[i, j)`` block ranges: a seeded number, each of 1 to ``MAX_BLOCKS`` blocks
    (fewer than all when there are two or more), at most ``MAX_WORDS`` words unless one block."""
    n = len(words)
    count = rng.randint(1, max(1, min(MAX_WINDOWS, n // 2)))
    out: list[tuple[int, int]] = []
    for _ in range(4 * count):
        if len(out) == count:
            break
        length = rng.randint(1, max(1, min(MAX_BLOCKS, n - 1)))
        i = rng.randrange(0, n - length + 1)
        j = i + length
        while j - i > 1 and sum(words[i:j]) > MAX_WORDS:
            j -= 1
        if all(j <= a or i >= b for a, b in out):
            out.append((i, j))
    return sorted(out)


def window_unit(spec: SetSpec, source: Source, i: int, j: int, others: Sequence[Source], rng: random.Random,
                mix: Mix, with_unknown: bool = False) -> Unit:
    start, end = source.blocks[i][0], source.blocks[j - 1][1]
    text = normalise(source.text[start:end]).text
    doc = f"{source.doc_prefix}-p{i}-{j - 1}.txt"
    inside = [q for q in source.questions if i <= q.first and q.last < j]
    outside = [q for q in source.questions if (q.last < i or q.first >= j) and not present(q.golds, text)]
    rng.shuffle(inside)
    rng.shuffle(outside)
    items = [_answerable(q, doc, text, source, start) for q in inside[:ANSWERABLE_PER_WINDOW]]
    mix.add("answerable", len(items))
    if with_unknown:
        items += [Item(q, (), doc, "unknown") for q in source.unknown]
        mix.add("near", len(source.unknown))
    near = outside[: mix.wanted("near")]
    items += [Item(q.text, (), doc, "near") for q in near]
    mix.add("near", len(near))
    foreign = _foreign(others, text, rng, mix.wanted("other"))
    items += [Item(q, (), doc, "other") for q in foreign]
    mix.add("other", len(foreign))
    name = f"{source.name}{WINDOW_MARK}{i}-{j - 1}"
    return Unit(spec.name, spec.split, name, ((doc, text),), tuple(items))


def _answerable(q: Question, doc: str, text: str, source: Source, offset: int) -> Item:
    rationale = None
    if q.rationale is not None:
        span = source.text[q.rationale[0]:q.rationale[1]]
        rationale = _relocate(text, span, q.rationale[0] - offset)
    return Item(q.text, q.golds, doc, "answerable", starts(text, q.golds), rationale)


def _relocate(text: str, span: str, near: int) -> tuple[int, int] | None:
    """The occurrence of ``span`` in the (normalised) window nearest to where it lay."""
    words = span.split()
    if not words:
        return None
    hits = [(m.start(), m.end()) for m in re.finditer(r"\s+".join(map(re.escape, words)), text)]
    return min(hits, key=lambda h: abs(h[0] - near)) if hits else None


def _foreign(others: Sequence[Source], text: str, rng: random.Random, wanted: int) -> list[str]:
    """Up to ``wanted`` questions of one other article whose golds are not in ``text``."""
    if wanted <= 0 or not others:
        return []
    questions = list(rng.choice(list(others)).questions)
    rng.shuffle(questions)
    absent = (q.text for q in questions if not present(q.golds, text))
    return list(itertools.islice(absent, wanted))


# --- sources -----------------------------------------------------------------------------

def article_source(article: dict) -> Source:
    """A SQuAD-format article: its paragraphs are the blocks."""
    paragraphs = [p["context"] for p in article["paragraphs"]]
    blocks, pos = [], 0
    for p in paragraphs:
        blocks.append((pos, pos + len(p)))
        pos += len(p) + 2
    questions = tuple(Question(qa["question"].strip(), tuple(a["text"] for a in qa["answers"]), k, k)
                      for k, p in enumerate(article["paragraphs"]) for qa in p["qas"] if qa["answers"])
    name = safe_name(article.get("title", "article"))
    return Source(name, name, "\n\n".join(paragraphs), tuple(blocks), questions)


def story_source(story) -> Source:
    """A CoQA story (``qa.evaluation.coqa.Story``): paragraphs of at least ``MIN_BLOCK_WORDS``
    words, or sentences when it has only one; its standalone turns located by their rationale."""
    blocks = story_blocks(story.text)
    questions, unknown = [], []
    for turn in story.turns:
        if normalize_answer(turn.golds[0]) == "unknown":
            unknown.append(turn.question)
        elif turn.scored and standalone(turn.question) and turn.rationale is not None:
            first, last = _block_of(blocks, turn.rationale[0]), _block_of(blocks, turn.rationale[1] - 1)
            questions.append(Question(turn.question, turn.golds, first, last, turn.rationale))
    return Source(story.id, f"coqa-{story.id}", story.text, tuple(blocks), tuple(questions), tuple(unknown))


def _block_of(blocks: Sequence[tuple[int, int]], offset: int) -> int:
    return next((k for k, (_, end) in enumerate(blocks) if offset < end), len(blocks) - 1)


_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\n)[^\n]*)*")
_SENTENCE = re.compile(r".+?(?:[.!?][\"')\]]*(?=\s|$)|$)", re.S)


def story_blocks(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` blocks of at least ``MIN_BLOCK_WORDS`` words: paragraphs, or sentences."""
    blocks = _merge(text, [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)])
    if len(blocks) < 2:
        blocks = _merge(text, [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()])
    return blocks or [(0, len(text))]


def _merge(text: str, pieces: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive pieces joined until each block holds ``MIN_BLOCK_WORDS`` words; a short tail
    joins the block before it."""
    blocks: list[tuple[int, int]] = []
    start = None
    for a, b in pieces:
        start = a if start is None else start
        if len(text[start:b].split()) >= MIN_BLOCK_WORDS:
            blocks.append((start, b))
            start = None
    if start is not None:
        tail_end = pieces[-1][1]
        blocks[-1:] = [(blocks[-1][0], tail_end)] if blocks else [(start, tail_end)]
    return blocks
