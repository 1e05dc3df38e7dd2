"""Sample exports for a quick start: two share a filename, one has a non-ASCII name."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from export_contract.filenames import filename_from_url

from .storage import ExportStore

__all__ = ["SAMPLES", "Sample", "register_samples"]


@dataclass(frozen=True)
class Sample:
    source_file_url: str
    content_type: str
    content: bytes


def _pdf(title: str) -> bytes:
    """A minimal, valid one-page PDF showing `title`."""
    stream = f"BT /F1 24 Tf 72 720 Td ({title}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


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
