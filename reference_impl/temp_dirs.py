"""Each process's own temp directory under DATA_DIR/tmp, and the sweep of dead processes' ones.

Several processes share a data dir (`serve --workers N`, a worker restarted by the supervisor,
`register --data-dir` beside a running server). Each writes its uploads in progress into a
directory of its own, `tmp/<name>/`, and holds an exclusive `flock` on `tmp/<name>.lock` for
as long as it lives. The kernel drops that lock when the process ends, however it ends
(`kill -9` included), so a lock that another process can take belongs to no live process:
its directory is abandoned, whatever the age of the files in it. A file being written now is
never in such a directory, so no guess from modification times is needed, and an upload may
stall for as long as the server's timeouts allow without being swept from under it.

Taking a fresh lock races with a sweep that saw the lock file before it was locked; the
owner then finds its lock file unlinked (another inode at the path, or none) and starts
again under a new name.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

__all__ = ["ProcessTempDir", "process_is_live", "remove_abandoned_temp_dirs"]

logger = logging.getLogger("reference_impl")

_LOCK_SUFFIX = ".lock"
# Temp files of releases before per-process directories, written straight into tmp/: kept
# for an hour in case a process of that release is still writing one.
_LEGACY_PATTERN = "upload-*"
_LEGACY_STALE_SECONDS = 3600
_ATTEMPTS = 5


class ProcessTempDir:
    """`tmp/<name>/`, owned by this process until `close()` (or its end)."""

    def __init__(self, root: Path) -> None:
        for _ in range(_ATTEMPTS):
            name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
            lock_path = root / f"{name}{_LOCK_SUFFIX}"
            fd = os.open(lock_path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # a fresh name: only a sweep can hold it, briefly
            if _still_linked(fd, lock_path):
                break
            os.close(fd)
        else:  # pragma: no cover - a sweep won the race five times in a row
            raise OSError(f"could not lock a temp directory in {root}")
        self.lock_path = lock_path
        self.path = root / name
        self._fd: int | None = fd
        self.path.mkdir()

    def close(self) -> None:
        """Remove the directory and what it holds, then give up the lock."""
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.lock_path.unlink()
        os.close(self._fd)
        self._fd = None


def process_is_live(root: Path, name: str) -> bool:
    """Whether the process that made `tmp/<name>/` still runs (it holds its lock).

    Its lock file gone (swept, or never made) or free to take: the process ended. The lock is
    taken and given back at once, never kept; a sweep that takes it meanwhile finds the same.
    """
    if not name or "/" in name or name.startswith("."):
        return False
    try:
        fd = os.open(root / f"{name}{_LOCK_SUFFIX}", os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing also releases a lock taken here
    return False


def remove_abandoned_temp_dirs(root: Path) -> int:
    """Remove the temp directories of processes that ended; returns how many files went."""
    removed = 0
    for lock_path in root.glob(f"*{_LOCK_SUFFIX}"):
        removed += _remove_if_abandoned(lock_path)
    cutoff = time.time() - _LEGACY_STALE_SECONDS
    for leftover in root.glob(_LEGACY_PATTERN):
        with contextlib.suppress(FileNotFoundError):
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed += 1
    return removed


def _remove_if_abandoned(lock_path: Path) -> int:
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:  # its owner closed it in the meantime
        return 0
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live process holds it
            return 0
        if not _still_linked(fd, lock_path):  # another sweep removed it first
            return 0
        directory = lock_path.with_suffix("")
        files = sum(1 for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else 0
        shutil.rmtree(directory, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
        if files:
            logger.info("removed %d temp file(s) left by an ended process (%s)", files,
                        directory.name)
        return files
    finally:
        os.close(fd)


def _still_linked(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open as `fd` (no sweep unlinked it meanwhile)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False
