"""The batch zip, built in memory: mock exports are small and already in memory.

Entries are stored (not deflated) with a fixed timestamp, so the same batch always gives the
same bytes and the zip has a `Content-Length`. The stdlib writer sets the UTF-8 flag for
non-ASCII names (rule Z6) and switches to ZIP64 by itself when it must (rule Z7).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

__all__ = ["ZIP_TIMESTAMP", "build_zip"]

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def build_zip(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of `(name, content)` pairs; names must already be safe and unique."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
