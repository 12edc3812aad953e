"""One tier measured in its own process: indexing throughput beside the model's raw encode speed,
warm ``ask()`` against the floor (one query embedding plus one Chroma query), memory, index size,
cold starts, and accuracy at scale on the largest tier."""
from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Sequence

from qa.evaluation.speed.corpus import BenchQuestion, bench_dir
from qa.evaluation.speed.process import ChildPeak, chat_memory, cold_against_spacy, cold_start
from qa.settings import PROJECT_ROOT


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def raw_encode_speed(texts: Sequence[str]) -> float:
    """Sentences per second of the bare model as the indexer runs it (the ONNX copy), batched and
    threaded the same way (warm)."""
    from index.embed import Embedder, threads
    from index.writer import index_threads_setting

    with threads(index_threads_setting()):
        return _encode_speed(Embedder().embed_documents, texts)


def torch_encode_speed(texts: Sequence[str]) -> float:
    """The same through sentence-transformers (torch, same threads and batch size): the path the
    indexer does not take, measured beside it so that the choice stays checked."""
    from index.embed import Embedder
    from index.onnx_export import reference_vectors
    from index.writer import index_threads_setting

    threads, size = index_threads_setting(), Embedder.batch_size
    return _encode_speed(lambda batch: reference_vectors(batch, threads=threads, batch_size=size), texts)


def _encode_speed(encode, texts: Sequence[str]) -> float:
    from index.writer import batch_size_setting

    size = batch_size_setting()
    encode(list(texts[:32]))
    t0 = time.perf_counter()
    for i in range(0, len(texts), size):
        encode(list(texts[i:i + size]))
    return len(texts) / (time.perf_counter() - t0)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def measure_tier(tier: str, out: Path) -> dict:
    """Index the prepared tier, then time everything; writes the result as JSON."""
    from index.build import build_index

    work = bench_dir() / "runs" / tier
    plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    store = work / "store"
    files = [PROJECT_ROOT / "seeds"] if tier == "seed" else [work / "corpus"]
    questions = plan["timing"]
    result: dict = {"tier": tier, "articles": plan["articles"]}
    result["raw_encode_per_s"] = raw_encode_speed(plan["encode"])
    watcher = ChildPeak()
    watcher.start()
    t0 = time.perf_counter()
    report = build_index(store, files, progress=_progress())
    result["index_s"] = time.perf_counter() - t0
    result["worker_peak_rss_mb"] = watcher.stop()
    result["indexing_together_mb"] = watcher.together_mb
    result["chunks"] = report.sentences_embedded
    result["index_per_s"] = report.sentences_embedded / result["index_s"]
    result.update(_ask_timings(store, questions))
    result["index_mb"] = folder_size(store) / 1e6
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if os.environ.get("QA_BENCH_ACCURACY") == "1" and plan["accuracy"]:
        result["accuracy"] = accuracy_at_scale(store, [BenchQuestion(s, q, tuple(g), ()) for s, q, g in plan["accuracy"]])
    result.update(cold_start(store, questions[0]))
    if tier == "seed":   # the cold-start and chat targets are about the seed article
        result.update(cold_against_spacy(store, questions[0]))
        result.update(chat_memory(store, questions))
    result["torch_encode_per_s"] = torch_encode_speed(plan["encode"])   # last: torch stays out of the rest
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if os.environ.get("QA_BENCH_KEEP") != "1":
        shutil.rmtree(store, ignore_errors=True)
    return result


def _progress():
    from index.progress import ProgressPrinter

    return ProgressPrinter(sys.stderr, every_s=30.0)


def _ask_timings(store: Path, questions: Sequence[str]) -> dict:
    """Warm ask() p50/p95 and the floor: one query embedding plus one Chroma query."""
    from qa.api import ask, engine
    from qa.settings import Settings

    settings = Settings(store=store, chroma_url=None)
    for q in questions[:3]:
        ask(q, settings=settings)   # warm: models loaded, caches primed
    asks, floors, retrieves = [], [], []
    eng = engine(settings)
    for q in questions:
        t0 = time.perf_counter()
        answer = ask(q, settings=settings)
        asks.append((time.perf_counter() - t0) * 1e3)
        retrieves.append(answer.timings_ms.get("retrieve", 0.0))
        t0 = time.perf_counter()
        vector = eng.store.embedder.embed_query(q)
        eng.store.vectors.query(vector, settings.retrieve_k)
        floors.append((time.perf_counter() - t0) * 1e3)
    return {"questions": len(questions), "ask_p50_ms": percentile(asks, 0.5), "ask_p95_ms": percentile(asks, 0.95),
            "floor_p50_ms": percentile(floors, 0.5), "floor_p95_ms": percentile(floors, 0.95),
            "retrieve_p50_ms": percentile(retrieves, 0.5)}


def accuracy_at_scale(store: Path, sample: Sequence[BenchQuestion]) -> dict:
    """Each sampled question asked against the whole archive (with and without the article
    ranking) and scoped to its own article."""
    from qa.api import ask
    from qa.evaluation.squad import best_over_golds, exact_match, f1_score
    from qa.settings import Settings

    settings = Settings(store=store, chroma_url=None)
    unranked = settings.replace(rank_articles=False)
    scores: dict[str, list[dict]] = {"archive": [], "unranked": [], "own": []}
    unnamed = sum(not names_its_article(store, q) for q in sample)
    for q in sample:
        for mode, sources, how in (("archive", None, settings), ("unranked", None, unranked), ("own", [q.source], settings)):
            answer = ask(q.question, settings=how, sources=sources)
            predicted = answer.text if answer.found else ""
            first = answer.citations[0] if answer.citations else None
            scores[mode].append({
                "em": best_over_golds(exact_match, predicted, q.golds),
                "f1": best_over_golds(f1_score, predicted, q.golds),
                "citation": float(first is not None and first.source == q.source
                                  and any(g in first.quote for g in q.golds)),
                "right_article": float(first is not None and first.source == q.source),
            })
    return {mode: {k: statistics.fmean(r[k] for r in rows) for k in ("em", "f1", "citation", "right_article")}
            | {"questions": len(rows)} for mode, rows in scores.items()} | {"unnamed": unnamed}


RARE_IN = 5   # a word at most this many articles hold is one of its article's rare words


def names_its_article(store: Path, q: BenchQuestion) -> bool:
    """Does the question hold a rare word of its own article?"""
    from qa.api import engine
    from qa.retrieve import query_terms
    from qa.settings import Settings

    catalog = engine(Settings(store=store, chroma_url=None)).store.catalog
    for term in dict.fromkeys(query_terms(q.question)):
        holding = catalog.articles_with(term, RARE_IN + 1)
        if q.source in holding and len(holding) <= RARE_IN:
            return True
    return False
