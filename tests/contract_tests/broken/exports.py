"""The fixed, in-memory exports the test backend serves.

They are chosen to exercise the naming rules: two different exports share the filename
``plan.pdf``, a third differs from it only by case (``Plan.PDF``), one name is not ASCII and one
export is a real PNG image.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

__all__ = ["EXPORTS", "SOURCE_URLS", "UNKNOWN_SOURCE_URL", "Export"]


@dataclass(frozen=True)
class Export:
    """One export: ``token`` is the last segment of its exported URL."""

    source_url: str
    filename: str
    content_type: str
    data: bytes
    token: str


def _png_1x1() -> bytes:
    """A valid one-pixel PNG, built here so the fixture is a genuine image."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">L", len(payload)) + kind + payload + struct.pack(">L", crc)

    header = struct.pack(">2L5B", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


_BASE = "https://files.example.com/projects"

EXPORTS: tuple[Export, ...] = (
    Export(f"{_BASE}/alpha/plan.pdf", "plan.pdf", "application/pdf",
           b"%PDF-1.4\n% alpha floor plan\n%%EOF\n", "alpha-plan"),
    Export(f"{_BASE}/beta/plan.pdf", "plan.pdf", "application/pdf",
           b"%PDF-1.4\n% beta floor plan, revised\n%%EOF\n", "beta-plan"),
    Export(f"{_BASE}/gamma/Plan.PDF", "Plan.PDF", "application/pdf",
           b"%PDF-1.4\n% gamma site plan\n%%EOF\n", "gamma-plan"),
    Export(f"{_BASE}/cv/r%C3%A9sum%C3%A9.txt", "résumé.txt", "text/plain",
           "Curriculum vitae – résumé\n".encode(), "cv-resume"),
    Export(f"{_BASE}/brand/logo.png", "logo.png", "image/png", _png_1x1(), "brand-logo"),
)

SOURCE_URLS: tuple[str, ...] = tuple(export.source_url for export in EXPORTS)

# A well-formed URL that no export is registered under.
UNKNOWN_SOURCE_URL = "https://unknown.invalid/projects/missing.pdf"
