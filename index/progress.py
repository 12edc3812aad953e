"""Progress of an index run on stderr, drawn by tqdm: files done, chunks stored, chunks/s, time left.

``index.build`` calls ``start(files, skipped)`` once, ``chunks(n)`` after every stored batch and
the printer itself with each finished file's name (``index.writer.notify``)::

    indexing:  40%|████      | 1204/3000 [00:07<00:11, 161.00file/s, 23,456 chunks, 3,350 chunks/s]
"""
from __future__ import annotations

import time
from typing import TextIO

from tqdm import tqdm


class ProgressPrinter:
    """``every_s``: at most one redraw per that many seconds (default: 0.1 on a terminal, 5 into
    a file or pipe, where tqdm cannot redraw in place)."""

    def __init__(self, stream: TextIO, every_s: float | None = None):
        self.stream = stream
        tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every_s = every_s if every_s is not None else (0.1 if tty else 5.0)
        self.bar: tqdm | None = None
        self.chunks_done, self.started = 0, time.perf_counter()

    def start(self, files: int, skipped: int = 0) -> None:
        """``files`` to (re)index; ``skipped`` unchanged ones."""
        if skipped:
            self.stream.write(f"{skipped:,} unchanged file(s) skipped\n")
        if files:
            self.started = time.perf_counter()
            self.bar = tqdm(total=files, desc="indexing", unit="file", file=self.stream,
                            mininterval=self.every_s, dynamic_ncols=True)

    def chunks(self, n: int) -> None:
        self.chunks_done += n
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.chunks_done:,} chunks, {self.rate():,.0f} chunks/s", refresh=False)
            if time.time() - self.bar.last_print_t >= self.every_s:
                self.bar.refresh()

    def __call__(self, source: str) -> None:
        """One file finished (switched over)."""
        if self.bar is not None:
            self.bar.update(1)

    def rate(self) -> float:
        return self.chunks_done / max(time.perf_counter() - self.started, 1e-9)

    def close(self) -> None:
        if self.bar is None:
            return
        files, elapsed = self.bar.n, time.perf_counter() - self.started
        self.bar.close()
        self.stream.write(f"done: {files:,} files, {self.chunks_done:,} chunks in {tqdm.format_interval(elapsed)} "
                          f"({self.rate():,.0f} chunks/s)\n")
        self.stream.flush()
