"""The fixed exports this backend serves, written as real files into its data directory.

Names are chosen to collide: ``floor-plan.pdf`` / ``Floor-Plan.PDF`` differ by case only,
``Übersicht.txt`` / ``übersicht.txt`` by case and Unicode normalisation (NFC / NFD).
"""

from __future__ import annotations

import secrets
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXPORTS", "SOURCE_URLS", "Export", "StoredExport", "write_exports"]


@dataclass(frozen=True)
class Export:
    source_file_url: str
    filename: str
    media_type: str
    stored_as: str
    content: bytes


@dataclass(frozen=True)
class StoredExport:
    """An export on disk; ``public_id`` names it in exported URLs (unguessable, per process)."""

    export: Export
    path: Path
    public_id: str


def _pdf(title: str) -> bytes:
    """A small complete one-page PDF (the xref offsets are computed, so readers accept it)."""
    text = f"BT /F1 16 Tf 72 720 Td ({title}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png(width: int, height: int) -> bytes:
    """A small gradient PNG."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">L", len(payload)) + kind + payload
                + struct.pack(">L", zlib.crc32(kind + payload)))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 40 % 256, y * 60 % 256, 128)) for x in range(width))
        for y in range(height))
    header = struct.pack(">2L5B", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


_FILES = "https://canvas.example.com/files"

EXPORTS: tuple[Export, ...] = (
    Export(f"{_FILES}/3101/floor-plan.pdf", "floor-plan.pdf", "application/pdf",
           "3101.pdf", _pdf("Floor plan, ground floor")),
    Export(f"{_FILES}/3102/Floor-Plan.PDF", "Floor-Plan.PDF", "application/pdf",
           "3102.pdf", _pdf("Floor plan, first floor")),
    Export(f"{_FILES}/3103/site%20photo.png", "site photo.png", "image/png",
           "3103.png", _png(6, 4)),
    Export(f"{_FILES}/3104/%C3%9Cbersicht.txt", "Übersicht.txt", "text/plain; charset=utf-8",
           "3104.txt", "Übersicht (NFC name)\n".encode()),
    Export(f"{_FILES}/3105/u%CC%88bersicht.txt", unicodedata.normalize("NFD", "übersicht.txt"),
           "text/plain; charset=utf-8", "3105.txt",
           "übersicht (NFD name, lower case)\n".encode()),
    Export(f"{_FILES}/3106/report.txt", "report – final.txt", "text/plain; charset=utf-8",
           "3106.txt", b"Quarterly report, final version.\n"),
)

SOURCE_URLS: tuple[str, ...] = tuple(export.source_file_url for export in EXPORTS)


def write_exports(directory: Path) -> dict[str, StoredExport]:
    """Write every export under ``directory``; return them by sourceFileUrl."""
    directory.mkdir(parents=True, exist_ok=True)
    stored = {}
    for export in EXPORTS:
        path = directory / export.stored_as
        path.write_bytes(export.content)
        stored[export.source_file_url] = StoredExport(export, path, secrets.token_urlsafe(12))
    return stored
