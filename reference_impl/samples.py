"""Sample exports for a quick start: two share a filename, one has a non-ASCII name."""

from __future__ import annotations

import io
import secrets
import struct
import zlib
from dataclasses import dataclass

from export_contract.filenames import filename_from_url
from export_contract.pdf import one_page_pdf

from .storage import ExportStore

__all__ = ["SAMPLES", "Sample", "demo_api_key", "register_samples"]


@dataclass(frozen=True)
class Sample:
    source_file_url: str
    content_type: str
    content: bytes


def _pdf(title: str) -> bytes:
    """A minimal, valid one-page PDF showing `title`."""
    return one_page_pdf(f"BT /F1 24 Tf 72 720 Td ({title}) Tj ET".encode("latin-1"))


def _png(width: int = 16, height: int = 16, rgb: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


SAMPLES = (
    Sample("https://canvas.example.com/files/floor-plan.pdf", "application/pdf",
           _pdf("Floor plan (current)")),
    Sample("https://canvas.example.com/archive/floor-plan.pdf", "application/pdf",
           _pdf("Floor plan (archived)")),
    Sample("https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt", "text/plain",
           "Résumé — exported from the canvas.\n".encode()),
    Sample("https://canvas.example.com/files/site-photo.png", "image/png", _png()),
)


def register_samples(store: ExportStore) -> list[str]:
    """Register (or refresh) every sample; returns their source file URLs."""
    for sample in SAMPLES:
        store.register(sample.source_file_url, io.BytesIO(sample.content),
                       filename=filename_from_url(sample.source_file_url),
                       content_type=sample.content_type, max_bytes=len(sample.content))
    return [sample.source_file_url for sample in SAMPLES]


def demo_api_key() -> str:
    """A fresh key for `serve --demo` without one: printed on start, valid until it stops."""
    return "demo-" + secrets.token_hex(8)
