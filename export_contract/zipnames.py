"""Zip entry naming (rules Z3, Z5): one unique name per entry, in request order."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .filenames import MAX_FILENAME_BYTES, safe_filename, split_extension

__all__ = ["EntryNamer", "collision_key", "deduplicate"]


def collision_key(name: str) -> str:
    """Two names clash on Windows/macOS file systems when these keys are equal."""
    return unicodedata.normalize("NFC", name).casefold()


class EntryNamer:
    """Hands out unique entry names: `plan.pdf`, `plan (1).pdf`, `plan (2).pdf`, ...

    The smallest free `n >= 1` is taken, so a name already used literally (`plan (1).pdf`
    requested first) is skipped over rather than overwritten.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()
        # Last suffix handed out per base name: every smaller n is taken for good, so the
        # search resumes there (65,535 copies of one name stay linear, not quadratic).
        self._last_suffix: dict[str, int] = {}

    def claim(self, name: str) -> str:
        # Made safe here too: an export stored before a naming rule tightened keeps its name.
        name = safe_filename(name)
        base_key = collision_key(name)
        candidate = name
        n = self._last_suffix.get(base_key, 0)
        if n:
            n += 1
            candidate = _numbered(name, n)
        while collision_key(candidate) in self._taken:
            n += 1
            candidate = _numbered(name, n)
        self._taken.add(collision_key(candidate))
        self._last_suffix[base_key] = n
        return candidate


def deduplicate(names: Iterable[str]) -> list[str]:
    namer = EntryNamer()
    return [namer.claim(name) for name in names]


def _numbered(name: str, n: int) -> str:
    stem, ext = split_extension(name)
    suffix = f" ({n}){ext}"
    budget = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
    # Keep the result within the filename limit by shortening the stem, never the suffix.
    stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return stem + suffix
