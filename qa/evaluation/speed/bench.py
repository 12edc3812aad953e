"""``qa bench``: speed, memory and accuracy of Verbatim as the archive grows.

Tiers (each measured in its own fresh process, so peak memory is per tier):

    seed          the seed article (``--quick`` runs only this one)
    1,000 articles, 10,000 chunks, 100,000 chunks
                  articles from the SQuAD-shifts splits new_wiki (whole Wikipedia articles),
                  reddit (one post each) and amazon_reviews (one review each) in
                  ``.cache/bench/squad_shifts/`` (never nyt, the held-out test), plus synthetic
                  filler articles (word salad from the corpus's vocabulary) above 4,133 articles
    news          the NYT articles of the fit and validation halves alone (a news archive)

For each tier: index throughput (chunks/s) next to the model's raw encode speed measured in the
same process (and their ratio), the raw encode speed of sentence-transformers (torch) on the same
sentences, the path indexing does not take (measured last, so torch stays out of the rest), warm
``ask()`` p50/p95, the *floor* (one query embedding plus one Chroma query) and ask/floor, peak
RSS of the indexing+asking process, index size on disk, and cold start to first answer (a new
``qa ask`` process, with its own peak RSS). The seed tier also runs cold ``qa ask`` five times
alternated with loading spaCy alone (medians), and a ``qa chat`` process asked 50 questions
through its ``/ask`` route (its memory when ready and after them). The largest
tier and the news tier also report accuracy at scale: each sampled article's questions asked
against the whole archive vs. scoped to the article itself (``sources=[article]``): SQuAD F1,
citation recall (the first citation is from the right article and holds a gold answer), the
first citation from the right article, and how many questions name none of their article's
rare words (words of the article that at most ``RARE_IN`` articles hold).

    qa bench                      # all tiers (the 100,000-chunk one embeds for 10+ minutes)
    qa bench --quick              # the seed article only
    qa bench --scale 1000a,10000  # 1,000 articles and 10,000 chunks ("a" = articles)
    qa bench --scale seed,news    # the seed, and an archive of the NYT articles alone

Environment: ``QA_BENCH_DIR`` (work folder, default ``.cache/bench/``; the corpus and stores
are written there, never into the repository), ``QA_BENCH_QUESTIONS`` (warm asks per tier,
default 60), ``QA_BENCH_ACCURACY_QUESTIONS`` (default 240), ``QA_BENCH_KEEP=1`` keeps the stores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from qa.evaluation.speed.corpus import NEWS, bench_dir, prepare_tier
from qa.evaluation.speed.measure import measure_tier

DEFAULT_TIERS = ("seed", "1000a", "10000", "100000", NEWS)


TIER_NAMES = {"seed": "1 article (seed)", NEWS: "news archive (NYT)"}


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
    unnamed = f"; {acc['unnamed']} of them name none of their article's rare words" if "unnamed" in acc else ""
    return ["", f"Accuracy at scale ({tier_name(r['tier'])}, {acc['archive']['questions']} SQuAD-shifts questions"
                f"{unnamed}):",
            "| asked against | EM | F1 | citation recall | first citation from the right article |",
            "|---|---:|---:|---:|---:|"] + [
        f"| {label} | {acc[mode]['em']:.3f} | {acc[mode]['f1']:.3f} | {acc[mode]['citation']:.3f} | "
        f"{acc[mode]['right_article']:.3f} |"
        for mode, label in (("own", "its own article"), ("unranked", "the whole archive, articles not ranked"),
                            ("archive", "the whole archive")) if mode in acc]


def machine() -> str:
    from index.embed import QUERY_THREADS
    from index.writer import index_threads_setting

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
    counted = [t for t in tiers if t not in ("seed", NEWS)]
    sized = [t for t in counted if not t.endswith("a")] or counted
    return max(sized, key=lambda t: int(t.rstrip("a")), default=None)


def run_bench(args: argparse.Namespace) -> list[dict]:
    """Run each tier in a fresh process and print the table row by row (stdout)."""
    tiers = tiers_from(args)
    for t in tiers:
        if t not in ("seed", NEWS) and not re.fullmatch(r"\d+a?", t):
            raise SystemExit(f"qa bench: bad tier {t!r}; use seed, news, a number of chunks (10000) or of "
                             f"articles (1000a)")
    print(f"Verbatim benchmark - {machine()}", flush=True)
    print(HEADER, flush=True)
    results = []
    for tier in tiers:
        out = bench_dir() / "runs" / f"{tier}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, QA_BENCH_ACCURACY="1" if tier in (largest(tiers), NEWS) else "0")
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
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.speed.bench",
                                     description="one benchmark tier (internal)")
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
