"""The benchmark data: bigbench's SQuAD-shifts and CoQA files, fetched into the ignored cache.

They come from the ``bigbench==1.0.0`` source archive on PyPI (STACK.md), downloaded with pip
(never installed) into ``.cache/bench/dl`` and unpacked into ``.cache/bench/``. The held-out test
material listed in ``qa/evaluation/heldout.json`` (30 NYT articles, 20 CoQA ``cnn`` stories) is
dropped while unpacking: the NYT and CoQA files are written already filtered, so it never
reaches the cache. ``unpacked.json`` records the unpacking format and the held-out list it
obeyed; when either changes, the files are unpacked again. Run::

    python -m qa.evaluation.data          # what `make eval` does first; a no-op when up to date

The files are benchmark data: never committed, never used to train a neural model.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Callable

from qa.errors import BenchmarkDataError
from qa.evaluation import news

ARCHIVE = "bigbench-1.0.0.tar.gz"
INSIDE = "bigbench-1.0.0/bigbench/benchmark_tasks/"
MARKER = "unpacked.json"
FORMAT = 2          # 1: no NYT, CoQA unfiltered; 2: NYT and CoQA with the held-out list dropped
Filter = Callable[[dict], tuple[dict, int]]
FILES = {
    "squad_shifts/squaddev_v1.1.json": "squad_shifts/squaddev_v1.1.json",
    "squad_shifts/new_wiki_v1.0.json": "squad_shifts/new_wiki_v1.0.json",
    "squad_shifts/reddit_v1.0.json": "squad_shifts/reddit_v1.0.json",
    "squad_shifts/amazon_reviews_v1.0.json": "squad_shifts/amazon_reviews_v1.0.json",
    "squad_shifts/nyt_v1.0.json": "squad_shifts/nyt_v1.0.json",
    "coqa/coqa.test.json": "coqa_conversational_question_answering/coqa.test.json",
}
# target -> (filter, the held-out list it drops): a file with held-out material is written filtered
FILTERS: dict[str, tuple[Filter, str]] = {
    "squad_shifts/nyt_v1.0.json": (news.drop_held_out_articles, "nyt"),
    "coqa/coqa.test.json": (news.drop_held_out_stories, "cnn"),
}


def expected_marker() -> dict:
    return {"format": FORMAT, "held_out": news.held_out_digest()}


def missing(data_dir: Path) -> list[str]:
    return [name for name in FILES if not (Path(data_dir) / name).exists()]


def up_to_date(data_dir: Path) -> bool:
    """Every file is there, unpacked by this format with this held-out list."""
    marker = Path(data_dir) / MARKER
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not missing(data_dir) and recorded == expected_marker()


def require(data_dir: Path) -> None:
    """Raise a helpful error when the benchmark files are not there or are stale."""
    if up_to_date(data_dir):
        return
    gone = missing(data_dir)
    why = f"missing {gone[0]}" if gone else "unpacked by an older version or with another held-out list"
    raise BenchmarkDataError(
        f"The benchmark data in {data_dir} is not ready ({why}). Fetch it with `make eval` or "
        f"`python -m qa.evaluation.data` (pip downloads bigbench's source archive once, ~360 MB).")


def fetch(data_dir: Path) -> None:
    """Download the archive with pip (if needed) and unpack the files (if not up to date)."""
    data_dir = Path(data_dir)
    if up_to_date(data_dir):
        return
    archive = data_dir / "dl" / ARCHIVE
    if not archive.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "bigbench==1.0.0", "-d", str(archive.parent)], check=True)
    unpack(archive, data_dir)


def unpack(archive: Path, data_dir: Path) -> None:
    """Write every file of ``FILES`` from the archive, the held-out material filtered out."""
    (Path(data_dir) / MARKER).unlink(missing_ok=True)
    with tarfile.open(archive) as tar:
        for target, inside in FILES.items():
            with tar.extractfile(tar.getmember(INSIDE + inside)) as src:   # type: ignore[union-attr]
                raw = src.read()
            if target in FILTERS:
                raw = _filtered(target, raw)
            _write(Path(data_dir) / target, raw)
    _write(Path(data_dir) / MARKER, (json.dumps(expected_marker()) + "\n").encode("utf-8"))


def _filtered(target: str, raw: bytes) -> bytes:
    """The file's JSON with its held-out entries dropped; every listed entry must be found, so a
    list that does not match the archive fails loudly instead of letting held-out text through."""
    keep, listed = FILTERS[target]
    kept, dropped = keep(json.loads(raw))
    expected = len(news.held_out()[listed])
    if dropped != expected:
        raise BenchmarkDataError(f"{target}: dropped {dropped} held-out entries, the list has {expected}.")
    return json.dumps(kept, ensure_ascii=False).encode("utf-8")


def _write(path: Path, raw: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(raw)
    os.replace(partial, path)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/bench")
    fetch(target)
    print(f"benchmark data ready in {target}")
