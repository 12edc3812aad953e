"""The store's folder on disk: may this process write it, one writer at a time (``<store>.lock``),
and a rebuilt folder swapped in for the old one in one step."""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from index.manifest import CATALOG, MANIFEST, VECTORS
from qa.errors import IndexBusyError, IndexReadOnlyError


def is_writable(path: Path) -> bool:
    """This process may write the store (not so for a read-only mount, a read-only copy or
    another user's store)."""
    path = Path(path)
    parts = [path, path / CATALOG, path / MANIFEST, path / VECTORS, path / VECTORS / "chroma.sqlite3"]
    return all(os.access(p, os.W_OK) for p in parts if p.exists())


def read_only_error(path: Path) -> IndexReadOnlyError:
    return IndexReadOnlyError(
        f"The index at {path} is read-only for this user (its folder or files cannot be written), so "
        f"articles cannot be added, changed or removed here. Asking works as usual and the index is "
        f"intact; to change it, use an account that may write {path}.")


def file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def swap_folders(new: Path, current: Path) -> Path:
    """Put the folder ``new`` where ``current`` is, in one step where the system can (Linux's
    ``renameat2(RENAME_EXCHANGE)``), so a reader finds the old store or the new one, never
    none; returns where the old one now is (to delete)."""
    if not current.exists():
        new.rename(current)
        return new
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is not None and renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(current),
                                           RENAME_EXCHANGE) == 0:
        return new
    old = current.with_name(current.name + ".old")   # no atomic exchange here: two renames
    shutil.rmtree(old, ignore_errors=True)
    current.rename(old)
    new.rename(current)
    return old


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """One writer at a time; a second one is told plainly instead of corrupting the index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not is_writable(path):
        raise read_only_error(path)
    try:
        handle = open(path.with_name(path.name + ".lock"), "a+")
    except PermissionError as exc:
        raise read_only_error(path) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"Another process is writing the index at {path}. Wait for it to finish, then try again.") from exc
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_only_copy(path: Path) -> Path:
    """Chroma cannot open a folder it may not write (it writes on open): a private copy in the
    temporary folder, made once per version of the store's vectors and reused by later readers;
    making a newer one deletes the older copies of the same store."""
    stamp = os.stat(path / "chroma.sqlite3")
    store_key = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:12]
    prefix = f"verbatim-read-only-{os.getuid()}-{store_key}-"
    copy = Path(tempfile.gettempdir()) / f"{prefix}{stamp.st_mtime_ns:x}-{stamp.st_size:x}"
    if not copy.exists():
        partial = copy.with_name(f".{copy.name}.{os.getpid()}")
        copy_folder(path, partial)
        try:
            partial.rename(copy)
        except OSError:            # another reader finished its copy first
            shutil.rmtree(partial, ignore_errors=True)
        for older in copy.parent.glob(prefix + "*"):
            if older != copy:
                shutil.rmtree(older, ignore_errors=True)
    return copy


def copy_folder(source: Path, target: Path) -> None:
    """A copy this process may write (the original's read-only modes are not kept)."""
    shutil.copytree(source, target, copy_function=shutil.copyfile)
    for folder, _, _ in os.walk(target):
        os.chmod(folder, 0o700)
