"""The benchmark's corpora: real articles from the SQuAD-shifts validation splits (new_wiki,
reddit, amazon_reviews) topped up with synthetic filler, or the NYT articles alone (the fit and
validation halves; the held-out ones are never unpacked), written as files per tier with the
questions to time."""
from __future__ import annotations

import json
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.settings import PROJECT_ROOT

SPLITS = ("new_wiki", "reddit", "amazon_reviews")   # the news tier has the NYT articles
SEED = 13
NEWS = "news"      # the tier of NYT articles alone
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[a-z]{3,12}")


def bench_dir() -> Path:
    return Path(os.environ.get("QA_BENCH_DIR") or PROJECT_ROOT / ".cache" / "bench")


@dataclass(frozen=True)
class BenchQuestion:
    source: str
    question: str
    golds: tuple[str, ...]
    raw_starts: tuple[int, ...]


@dataclass(frozen=True)
class BenchArticle:
    source: str
    text: str
    questions: tuple[BenchQuestion, ...]

    def estimated_chunks(self) -> int:
        return sum(len(_SENTENCE_END.split(p)) for p in self.text.split("\n\n") if p.strip())


def real_articles() -> list[BenchArticle]:
    """Every article of the three splits, in a fixed shuffled order."""
    found: list[BenchArticle] = []
    for split in SPLITS:
        path = bench_dir() / "squad_shifts" / f"{split}_v1.0.json"
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        for item in data:
            groups = [item["paragraphs"]] if split == "new_wiki" else [[p] for p in item["paragraphs"]]
            for paragraphs in groups:
                found.append(_article(f"{split}-{len(found):05d}.txt", paragraphs))
    random.Random(SEED).shuffle(found)
    return found


def _article(source: str, paragraphs: list[dict]) -> BenchArticle:
    texts, questions, base = [], [], 0
    for p in paragraphs:
        for qa in p["qas"]:
            answers = [a for a in qa["answers"] if a["text"].strip()]
            if answers:
                questions.append(BenchQuestion(source, qa["question"].strip(),
                                               tuple(a["text"] for a in answers),
                                               tuple(base + a["answer_start"] for a in answers)))
        texts.append(p["context"])
        base += len(p["context"]) + 2
    return BenchArticle(source, "\n\n".join(texts), tuple(questions))


def news_articles() -> list[BenchArticle]:
    """The NYT articles of the fit and validation halves (the held-out ones were never unpacked),
    one file each: an archive of news alone."""
    data = json.loads((bench_dir() / "squad_shifts" / "nyt_v1.0.json").read_text(encoding="utf-8"))["data"]
    return [_article(f"nyt-{n:04d}.txt", item["paragraphs"]) for n, item in enumerate(data)]


def filler_articles(count: int, vocabulary: Sequence[str]) -> list[BenchArticle]:
    """Deterministic word-salad articles: a title and four paragraphs of six sentences."""
    rng = random.Random(SEED)
    made = []
    for i in range(count):
        def sentence() -> str:
            words = rng.choices(vocabulary, k=rng.randint(10, 22))
            return " ".join(words).capitalize() + "."
        title = " ".join(rng.choices(vocabulary, k=5)).title()
        body = "\n\n".join(" ".join(sentence() for _ in range(6)) for _ in range(4))
        made.append(BenchArticle(f"filler-{i:06d}.txt", f"{title}\n\n{body}", ()))
    return made


def vocabulary(articles: Sequence[BenchArticle], size: int = 20000) -> list[str]:
    counts: dict[str, int] = {}
    for a in articles:
        for w in _WORD.findall(a.text.lower()):
            counts[w] = counts.get(w, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))[:size]


def tier_corpus(tier: str) -> list[BenchArticle]:
    """"1000a" -> the first 1,000 articles; "10000" -> articles up to about 10,000 chunks,
    filler added beyond the real corpus; "news" -> the NYT articles."""
    if tier == NEWS:
        return news_articles()
    real = real_articles()
    if tier.endswith("a"):
        return real[:int(tier[:-1])]
    target, chosen, total = int(tier), [], 0
    for a in real:
        if total >= target:
            return chosen
        chosen.append(a)
        total += a.estimated_chunks()
    per_filler = 25   # title + 4 x 6 sentences
    return chosen + filler_articles(max(0, (target - total + per_filler - 1) // per_filler), vocabulary(real))


def write_corpus(articles: Sequence[BenchArticle], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for a in articles:
        (folder / a.source).write_text(a.text, encoding="utf-8")


def sample_sentences(articles: Sequence[BenchArticle], n: int) -> list[str]:
    sentences = [s.strip() for a in articles for p in a.text.split("\n\n") for s in _SENTENCE_END.split(p)
                 if len(s.strip()) >= 3]
    return random.Random(SEED).sample(sentences, min(n, len(sentences)))


def prepare_tier(tier: str) -> Path:
    """Write the tier's corpus files and question samples (run in its own process, so reading
    the SQuAD files does not count towards the measured process's memory)."""
    work = bench_dir() / "runs" / tier
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if tier == "seed":
        articles, timing, encode = [], _seed_questions(), _seed_sentences()
    else:
        articles = tier_corpus(tier)
        write_corpus(articles, work / "corpus")
        timing = _sample_questions(articles, int(os.environ.get("QA_BENCH_QUESTIONS", "60")))
        encode = sample_sentences(articles, 3000)
    pool = [q for a in articles for q in a.questions]
    accuracy = random.Random(SEED).sample(pool, min(int(os.environ.get("QA_BENCH_ACCURACY_QUESTIONS", "240")),
                                                    len(pool)))
    (work / "plan.json").write_text(json.dumps({
        "articles": len(articles) or 1, "timing": timing, "encode": encode,
        "accuracy": [[q.source, q.question, list(q.golds)] for q in accuracy]}), encoding="utf-8")
    return work


def _seed_questions() -> list[str]:
    from qa.evaluation.regression import load_cases

    return [c.question for c in load_cases()]


def _seed_sentences() -> list[str]:
    text = next((PROJECT_ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    return [s for p in text.split("\n\n") for s in _SENTENCE_END.split(p.strip()) if len(s) >= 3]


def _sample_questions(articles: Sequence[BenchArticle], n: int) -> list[str]:
    pool = [q.question for a in articles for q in a.questions]
    return random.Random(SEED).sample(pool, min(n, len(pool)))
