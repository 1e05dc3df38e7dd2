"""Download names: the Content-Disposition header and unique zip entry names."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import quote

__all__ = ["content_disposition", "folded", "unique_names"]


def _ascii_fallback(name: str) -> str:
    """``Übersicht.txt`` -> ``Ubersicht.txt``: accents dropped, other non-ASCII become ``_``."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = "".join(c if c.isascii() and c.isprintable() else "_" for c in kept)
    return ascii_only.replace("\\", "_").replace('"', "'")


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and, when that is not the name itself, the
    exact name as ``filename*=UTF-8''...`` (RFC 6266 / RFC 8187).

    Starlette's ``FileResponse(filename=...)`` sends ``filename*`` alone for such names, which
    leaves clients that ignore ``filename*`` without a name.
    """
    fallback = _ascii_fallback(name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def folded(name: str) -> str:
    """Names equal here overwrite each other when unzipped on Windows or macOS."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def unique_names(names: Iterable[str], key: Callable[[str], str] = folded) -> list[str]:
    """One name per input, in order; a taken name becomes ``stem_2.ext``, ``stem_3.ext``, ..."""
    taken: set[str] = set()
    unique = []
    for name in names:
        stem, extension = os.path.splitext(name)
        candidate, n = name, 1
        while key(candidate) in taken:
            n += 1
            candidate = f"{stem}_{n}{extension}"
        taken.add(key(candidate))
        unique.append(candidate)
    return unique
