"""A small progress line for long index runs (files done, sentences, throughput)."""
from __future__ import annotations

import time
from typing import TextIO


class ProgressPrinter:
    """Callable given each finished article's name; prints a throttled status line."""

    def __init__(self, stream: TextIO, every_s: float = 0.5):
        self.stream, self.every_s = stream, every_s
        self.done, self.started, self.last = 0, time.perf_counter(), 0.0

    def __call__(self, source: str) -> None:
        self.done += 1
        now = time.perf_counter()
        if now - self.last >= self.every_s:
            rate = self.done / max(now - self.started, 1e-9)
            self.stream.write(f"\r  {self.done} articles indexed ({rate:.1f}/s), last: {source[:50]}")
            self.stream.flush()
            self.last = now

    def close(self) -> None:
        if self.done:
            self.stream.write("\n")
