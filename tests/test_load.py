"""`qa bench --load`: the tool itself on a short run (its numbers go in the README, not here)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from qa.evaluation.speed.load import LoadResult, format_result, sessions


def test_the_mix_has_single_questions_and_conversations():
    mix = sessions()
    assert sum(len(s) == 1 for s in mix) >= 40 and sum(len(s) > 1 for s in mix) >= 10


def test_the_report_names_errors_differences_latency_and_memory():
    result = LoadResult(users=20, questions=2000, latencies_ms=[20.0] * 1000 + [40.0] * 1000, seconds=100.0,
                        rss_before_mb=700, rss_at_mark_mb=720, rss_after_mb=730)
    text = format_result(result)
    assert "users 20, questions 2,000" in text and "errors 0" in text and "single-user answer 0" in text
    assert "throughput 20.0 questions/s" in text and "(growth +1.4%)" in text


@pytest.mark.slow
def test_a_short_load_run_against_a_real_chat(tmp_path):
    env = dict(os.environ, QA_BENCH_DIR=str(tmp_path), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run([sys.executable, "-m", "ui.cli", "bench", "--load", "3", "--questions", "40"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "users 3, questions 40" in out.stdout and "errors 0;" in out.stdout
    assert "differing from the single-user answer 0" in out.stdout
