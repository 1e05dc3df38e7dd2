"""Real file-system faults for tests: a tiny tmpfs that fills up, a folder made read-only.

Mounting needs root (as in CI); elsewhere a test using these is skipped with that reason,
except `read_only`, which falls back to removing write permission (enough for a non-root
server process).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["read_only", "small_tmpfs"]


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip()})")


def _unmount(target: Path) -> None:
    result = subprocess.run(["umount", str(target)], capture_output=True, check=False)
    if result.returncode != 0:  # still busy: detach it now, the kernel finishes later
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextlib.contextmanager
def small_tmpfs(target: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "4m") mounted on `target` (created)."""
    if not _can_mount():
        pytest.skip("mounting a small tmpfs needs root")
    target.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target))
    try:
        yield target
    finally:
        _unmount(target)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """`folder` made read-only in place (a read-only bind mount over itself, or chmod)."""
    if _can_mount():
        _mount("--bind", str(folder), str(folder))
        try:
            _mount("-o", "remount,bind,ro", str(folder))
            yield folder
        finally:
            _unmount(folder)
        return
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions and cannot mount here")
    modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
    for path, mode in modes.items():
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield folder
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
