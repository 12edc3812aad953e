"""A progress bar for long index runs, on stderr: files, chunks, throughput, time left.

``index.build`` calls ``start(files, skipped)`` once, ``chunks(n)`` after every stored batch
and the printer itself with each finished file's name. On a terminal the line redraws in
place; into a file or pipe it prints a full line every few seconds instead.

    indexing [########............]  1,204/3,000 files  23,456 chunks  161 chunks/s  ETA 3m05s
"""
from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 20


class ProgressPrinter:
    def __init__(self, stream: TextIO, every_s: float | None = None):
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every_s = every_s if every_s is not None else (0.25 if self.tty else 5.0)
        self.files_total, self.skipped, self.done, self.chunks_done = 0, 0, 0, 0
        self.started, self.last, self.drawn = time.perf_counter(), 0.0, False

    def start(self, files: int, skipped: int = 0) -> None:
        """``files`` to (re)index; ``skipped`` unchanged ones."""
        self.files_total, self.skipped = files, skipped
        self.started = time.perf_counter()
        if skipped:
            self.stream.write(f"{skipped:,} unchanged file(s) skipped\n")
        if files:
            self._draw(force=True)

    def chunks(self, n: int) -> None:
        self.chunks_done += n
        self._draw()

    def __call__(self, source: str) -> None:
        """One file finished (switched over)."""
        self.done += 1
        self._draw(force=self.done == self.files_total)

    def rate(self) -> float:
        return self.chunks_done / max(time.perf_counter() - self.started, 1e-9)

    def line(self) -> str:
        total = max(self.files_total, self.done)
        filled = round(BAR_WIDTH * self.done / total) if total else BAR_WIDTH
        rate = self.rate()
        eta = ""
        if 0 < self.done < total and self.chunks_done:
            per_file = (time.perf_counter() - self.started) / self.done
            eta = f"  ETA {_duration(per_file * (total - self.done))}"
        return (f"indexing [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]  {self.done:,}/{total:,} files  "
                f"{self.chunks_done:,} chunks  {rate:,.0f} chunks/s{eta}")

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < self.every_s:
            return
        self.last, self.drawn = now, True
        self.stream.write(f"\r{self.line()}\x1b[K" if self.tty else f"{self.line()}\n")
        self.stream.flush()

    def close(self) -> None:
        if not self.drawn:
            return
        elapsed = time.perf_counter() - self.started
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"done: {self.done:,} files, {self.chunks_done:,} chunks in {_duration(elapsed)} "
                          f"({self.rate():,.0f} chunks/s)\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
