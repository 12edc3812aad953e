"""``qa bench --load N``: N concurrent ``gradio_client`` users against a real ``qa chat`` process.

    qa bench --load 20                    # 20 users, 2,000 questions (and follow-ups)
    qa bench --load 20 --questions 5000   # a longer soak

The chat serves its own store, indexed from ``seeds/`` into ``.cache/bench/load/`` (never the
user's store). Every user asks the same fixed mix: each regression question of
``seeds/questions.jsonl`` on its own, and each conversation of ``seeds/conversations.jsonl``
turn by turn with the earlier turns as ``history``; users start at different places in the
mix. First one user asks the whole mix alone: those answers are the reference every answer
under load must equal (text, found, confidence, span, citations). Printed: errors, answers
that differ from the reference, latency p50/p95, throughput, and the chat's resident memory
before the load, after 200 questions and at the end (the growth from 200 on is the leak check).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from qa.settings import PROJECT_ROOT

ANSWER_KEYS = ("interpreted", "text", "found", "confidence", "span", "citations")
RSS_MARK = 200          # questions after which the baseline memory is read
READY_TIMEOUT_S = 240.0


# --- a real `qa chat` process ------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChatProcess:
    """``qa chat`` in its own process on a free loopback port, until the ``with`` block ends.

    ``prefix`` runs the command under a wrapper (tests use one that drops write permission);
    ``log`` is what the process printed on stderr (the server log)."""

    def __init__(self, store: Path, *, args: Sequence[str] = (), env: dict | None = None,
                 prefix: Sequence[str] = ()):
        self.store, self.args, self.prefix = Path(store), list(args), list(prefix)
        self.env = dict(os.environ, **(env or {}))
        self.env.pop("QA_CHROMA_URL", None)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._stderr = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> "ChatProcess":
        command = [*self.prefix, sys.executable, "-m", "ui.cli", "--store", str(self.store), "chat",
                   "--port", str(self.port), *self.args]
        self.proc = subprocess.Popen(command, env=self.env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                     stderr=self._stderr, stdin=subprocess.DEVNULL)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`qa chat` exited with status {self.proc.returncode}: {self.log[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "config", timeout=5).close()
                return
            except urllib.error.HTTPError:
                return                      # 401: up, behind a login
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"`qa chat` did not answer on {self.url} within {READY_TIMEOUT_S:.0f} s")

    @property
    def log(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def client(url: str, **kwargs):
    from gradio_client import Client

    for name, value in {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}.items():
        os.environ.setdefault(name, value)
    return Client(url, verbose=False, **kwargs)


# --- the mix of questions ----------------------------------------------------------------

def sessions() -> list[tuple[str, ...]]:
    """Single questions, then conversations (a tuple of turns each), from the seed files."""
    from qa.evaluation.regression import load_cases

    singles = [(c.question,) for c in load_cases()]
    path = PROJECT_ROOT / "seeds" / "conversations.jsonl"
    talks = [tuple(t["question"] for t in json.loads(line)["turns"])
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return singles + talks


def fingerprint(answer: dict) -> str:
    return json.dumps({k: answer.get(k) for k in ANSWER_KEYS}, sort_keys=True)


def ask_session(chat, turns: Sequence[str], on_answer) -> None:
    """Ask the turns in order, each with the conversation so far as ``history``."""
    history: list[dict] = []
    for n, question in enumerate(turns):
        t0 = time.perf_counter()
        answer = chat.predict(question, None, history or None, api_name="/ask")
        on_answer(n, answer, (time.perf_counter() - t0) * 1e3)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer["text"]}]


def reference_answers(url: str, mix: Sequence[tuple[str, ...]]) -> dict[tuple[int, int], str]:
    """One user alone asks the whole mix: the answers every loaded answer must equal."""
    chat, found = client(url), {}
    for i, turns in enumerate(mix):
        ask_session(chat, turns, lambda n, answer, _ms, i=i: found.__setitem__((i, n), fingerprint(answer)))
    return found


# --- the load ----------------------------------------------------------------------------

@dataclass
class LoadResult:
    users: int
    questions: int = 0
    errors: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rss_before_mb: float = 0.0
    rss_at_mark_mb: float = 0.0
    rss_after_mb: float = 0.0

    @property
    def growth(self) -> float:
        return (self.rss_after_mb - self.rss_at_mark_mb) / self.rss_at_mark_mb if self.rss_at_mark_mb else 0.0


class _Shared:
    """What the users share: the question budget, the results and the memory marks."""

    def __init__(self, total: int, pid: int, result: LoadResult):
        self.total, self.pid, self.result, self.lock = total, pid, result, threading.Lock()
        self.started = 0

    def take(self) -> bool:
        with self.lock:
            if self.started >= self.total:
                return False
            self.started += 1
            return True

    def record(self, ms: float | None, wrong: str | None = None, error: str | None = None) -> None:
        from qa.evaluation.speed.process import vm_rss_mb

        with self.lock:
            r = self.result
            r.questions += 1
            if ms is not None:
                r.latencies_ms.append(ms)
            if wrong:
                r.differing.append(wrong)
            if error:
                r.errors.append(error)
            if r.questions == min(RSS_MARK, self.total):
                r.rss_at_mark_mb = vm_rss_mb(self.pid)


def _failures() -> tuple[type[BaseException], ...]:
    """What a user's question can fail with: an error answer, a broken connection, a bad reply."""
    import httpx
    from gradio_client.exceptions import AppError

    return (AppError, httpx.HTTPError, OSError, ValueError, KeyError)


def _user(url: str, offset: int, mix, reference, shared: _Shared) -> None:
    chat, i = client(url), offset
    failures = _failures()
    while True:
        index, turns = i % len(mix), mix[i % len(mix)]
        i += 1

        def on_answer(n, answer, ms, index=index):
            wrong = None if fingerprint(answer) == reference[(index, n)] else f"{mix[index][n]!r}: {answer.get('text')!r}"
            shared.record(ms, wrong=wrong)

        allowed = [q for q in turns if shared.take()]
        if not allowed:
            return
        try:
            ask_session(chat, allowed, on_answer)
        except failures as exc:
            shared.record(None, error=f"{type(exc).__name__}: {exc}")


def run_load(url: str, pid: int, users: int, total: int) -> LoadResult:
    """``users`` threads, each with its own client, share ``total`` questions of the mix."""
    from qa.evaluation.speed.process import vm_rss_mb

    mix = sessions()
    reference = reference_answers(url, mix)
    result = LoadResult(users, rss_before_mb=vm_rss_mb(pid))
    shared = _Shared(total, pid, result)
    step = max(1, len(mix) // users)
    threads = [threading.Thread(target=_user, args=(url, u * step, mix, reference, shared), daemon=True)
               for u in range(users)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - t0
    result.rss_after_mb = vm_rss_mb(pid)
    return result


def format_result(r: LoadResult) -> str:
    from qa.evaluation.speed.measure import percentile

    lines = [
        f"users {r.users}, questions {r.questions:,} in {r.seconds:.0f} s",
        f"errors {len(r.errors)}; answers differing from the single-user answer {len(r.differing)}",
        f"latency p50 / p95 {percentile(r.latencies_ms, 0.5):.0f} / {percentile(r.latencies_ms, 0.95):.0f} ms; "
        f"throughput {r.questions / r.seconds if r.seconds else 0:.1f} questions/s",
        f"chat RSS: before {r.rss_before_mb:.0f} MB, after {min(RSS_MARK, r.questions)} questions "
        f"{r.rss_at_mark_mb:.0f} MB, after {r.questions:,} questions {r.rss_after_mb:.0f} MB "
        f"(growth {r.growth:+.1%})",
    ]
    lines += [f"  error: {e}" for e in r.errors[:5]] + [f"  differs: {d}" for d in r.differing[:5]]
    return "\n".join(lines)


def seed_store(work: Path) -> Path:
    """A store with the seed articles for the chat under load (indexed by a `qa index` process)."""
    store = work / "store"
    subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(store), "index", "--quiet",
                    str(PROJECT_ROOT / "seeds")], check=True, cwd=PROJECT_ROOT)
    return store


def run_load_bench(users: int, total: int) -> LoadResult:
    from qa.evaluation.speed.bench import machine
    from qa.evaluation.speed.corpus import bench_dir

    print(f"Verbatim load benchmark - {machine()}", flush=True)
    store = seed_store(bench_dir() / "load")
    with ChatProcess(store) as chat:
        result = run_load(chat.url, chat.pid, users, total)
    print(format_result(result), flush=True)
    return result
