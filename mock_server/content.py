"""Generated export files: real content of the requested type, the same bytes for a given seed.

`generate(filename, media_type, source_url, seed)` picks a generator by media type (see
`images` and `documents`). Every generator is deterministic: no clocks, no randomness beyond
a hash of (seed, URL), and no compression whose output could differ between zlib builds.
"""

from __future__ import annotations

from collections.abc import Callable

from . import documents, images
from .seeded import SeededSource

__all__ = ["generate", "generated_types"]

_Generator = Callable[[SeededSource], bytes]


def generate(filename: str, media_type: str, source_url: str, seed: int) -> bytes:
    """The bytes of a generated export named `filename` with type `media_type`."""
    source = SeededSource(filename, source_url, seed)
    base = media_type.split(";", 1)[0].strip().lower()
    generator = _GENERATORS.get(base)
    if generator is None:
        if base.startswith("text/"):
            generator = documents.text
        elif base.endswith("+json"):
            generator = documents.json_document
        elif base.endswith("+xml"):
            generator = documents.xml
        else:
            generator = _opaque
    return generator(source)


def generated_types() -> list[str]:
    """The media types with a generator of their own (others get text or opaque bytes)."""
    return sorted(_GENERATORS)


def _opaque(source: SeededSource) -> bytes:
    """Bytes for a type with no generator: a short text header, then seeded bytes."""
    header = f"mock export {source.filename}; source {source.source_url}\n".encode()
    return header + source.stream(1024)


_GENERATORS: dict[str, _Generator] = {
    "image/png": images.png,
    "image/gif": images.gif,
    "image/jpeg": images.jpeg,
    "image/webp": images.webp,
    "image/svg+xml": images.svg,
    "application/pdf": documents.pdf,
    "text/plain": documents.text,
    "text/csv": documents.csv,
    "text/html": documents.html_page,
    "application/json": documents.json_document,
    "application/xml": documents.xml,
    "text/xml": documents.xml,
    "application/zip": documents.zip_file,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": documents.docx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": documents.xlsx,
}
