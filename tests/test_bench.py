"""The benchmark's corpus and table (no timing here: `qa bench` is a command, not a test)."""
from __future__ import annotations

import pytest

from qa.evaluation.speed import bench, corpus

needs_data = pytest.mark.skipif(not (corpus.bench_dir() / "squad_shifts" / "reddit_v1.0.json").exists(),
                                reason="SQuAD-shifts files not in .cache/bench/squad_shifts/")


@needs_data
def test_the_corpus_never_uses_the_held_out_nyt_split():
    articles = corpus.real_articles()
    assert len(articles) == 48 + 2035 + 2050
    assert not any("nyt" in a.source for a in articles)
    assert {a.source.split("-")[0] for a in articles} == {"new_wiki", "reddit", "amazon_reviews"}


@needs_data
def test_chunk_tiers_add_deterministic_filler_beyond_the_real_corpus():
    first, again = corpus.tier_corpus("100000"), corpus.tier_corpus("100000")
    assert [a.source for a in first] == [a.source for a in again]
    assert first[-1].text == again[-1].text and first[-1].source.startswith("filler-")
    assert 100000 <= sum(a.estimated_chunks() for a in first) < 100000 + 30
    assert len(corpus.tier_corpus("1000a")) == 1000


@needs_data
def test_the_news_tier_is_the_unpacked_nyt_articles_without_the_held_out_ones():
    from qa.evaluation.news import held_out

    data = (corpus.bench_dir() / "squad_shifts" / "nyt_v1.0.json").read_text(encoding="utf-8")
    assert not any(title in data for title in held_out()["nyt"])
    news = corpus.tier_corpus(corpus.NEWS)
    assert len(news) == 767 and all(a.source.startswith("nyt-") and a.questions for a in news)


def test_accuracy_runs_on_the_largest_chunk_tier_and_the_news_tier():
    assert bench.largest(["seed", "1000a", "10000", "100000", corpus.NEWS]) == "100000"
    assert bench.largest(["seed", corpus.NEWS]) is None
    assert bench.tier_name(corpus.NEWS) == "news archive (NYT)"


def test_table_row_shows_ratios():
    row = bench.table_row({"tier": "100000", "articles": 6000, "chunks": 100123, "index_per_s": 120.0,
                           "raw_encode_per_s": 150.0, "torch_encode_per_s": 100.0, "ask_p50_ms": 90.0,
                           "ask_p95_ms": 180.0, "retrieve_p50_ms": 40.0, "floor_p50_ms": 30.0, "peak_rss_mb": 1500.0,
                           "worker_peak_rss_mb": 350.0, "index_mb": 400.0, "cold_start_s": 5.5,
                           "cold_peak_rss_mb": 700.0})
    assert row.startswith("| 100,000 chunks | 6,000 | 100,123 | 120 | 150 | 80% | 100 | 90 / 180 | 40 | 30 | 3.0x |")


def test_startup_lines_give_the_cold_ratio_and_the_chat_memory():
    lines = bench.startup_lines({"cold_runs": 5, "cold_median_s": 3.0, "cold_median_peak_rss_mb": 310.0,
                                 "spacy_load_median_s": 5.0, "spacy_load_median_peak_rss_mb": 340.0,
                                 "chat_asks": 50, "chat_ready_rss_mb": 300.0, "chat_first_ask_ms": 45.0,
                                 "chat_rss_mb": 380.0, "chat_peak_rss_mb": 390.0})
    text = "\n".join(lines)
    assert "3.00 s, peak RSS 310 MB" in text and "5.00 s (340 MB)" in text and "ratio 0.60" in text
    assert "first question 45 ms" in text and "after 50 questions through /ask 380 MB (peak 390 MB)" in text
    assert bench.startup_lines({"tier": "1000a"}) == []



def test_accuracy_lines_show_the_archive_with_and_without_the_ranking():
    row = {"em": 0.2, "f1": 0.4, "citation": 0.5, "right_article": 0.7, "questions": 240}
    lines = bench.accuracy_lines({"tier": "10000", "accuracy": {
        "own": row, "unranked": row | {"right_article": 0.6}, "archive": row, "unnamed": 31}})
    text = "\n".join(lines)
    assert "31 of them name none of their article's rare words" in text
    assert "articles not ranked | 0.200 | 0.400 | 0.500 | 0.600 |" in text
    assert text.index("not ranked") < text.index("| the whole archive |")
