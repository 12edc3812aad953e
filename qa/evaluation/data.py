"""The benchmark data: bigbench's SQuAD-shifts and CoQA files, fetched into the ignored cache.

They come from the ``bigbench==1.0.0`` source archive on PyPI (STACK.md), downloaded with pip
(never installed) and unpacked into ``.cache/bench/``. Only the development splits are
unpacked: the held-out NYT split stays inside the archive. Run::

    python -m qa.evaluation.data          # what `make eval` does first

The files are benchmark data: never committed, never used to train a neural model.
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from qa.errors import BenchmarkDataError

ARCHIVE = "bigbench-1.0.0.tar.gz"
INSIDE = "bigbench-1.0.0/bigbench/benchmark_tasks/"
FILES = {
    "squad_shifts/squaddev_v1.1.json": "squad_shifts/squaddev_v1.1.json",
    "squad_shifts/new_wiki_v1.0.json": "squad_shifts/new_wiki_v1.0.json",
    "squad_shifts/reddit_v1.0.json": "squad_shifts/reddit_v1.0.json",
    "squad_shifts/amazon_reviews_v1.0.json": "squad_shifts/amazon_reviews_v1.0.json",
    "coqa/coqa.test.json": "coqa_conversational_question_answering/coqa.test.json",
}


def missing(data_dir: Path) -> list[str]:
    return [name for name in FILES if not (Path(data_dir) / name).exists()]


def require(data_dir: Path) -> None:
    """Raise a helpful error when the benchmark files are not there."""
    gone = missing(data_dir)
    if gone:
        raise BenchmarkDataError(
            f"The benchmark data is not in {data_dir} (missing {gone[0]}). Fetch it with "
            f"`make eval` or `python -m qa.evaluation.data` (pip downloads bigbench's source archive, ~360 MB).")


def fetch(data_dir: Path) -> None:
    """Download the archive with pip (if needed) and unpack the development files."""
    data_dir = Path(data_dir)
    if not missing(data_dir):
        return
    archive = data_dir / "dl" / ARCHIVE
    if not archive.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "bigbench==1.0.0", "-d", str(archive.parent)], check=True)
    with tarfile.open(archive) as tar:
        for target, inside in FILES.items():
            member = tar.getmember(INSIDE + inside)
            out = data_dir / target
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:   # type: ignore[union-attr]
                out.write_bytes(src.read())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/bench")
    fetch(target)
    print(f"benchmark data ready in {target}")
