"""What a generator draws on: the file's name, its URL, and bytes derived from (seed, URL)."""

from __future__ import annotations

import hashlib

__all__ = ["WORDS", "SeededSource"]

WORDS = ("canvas", "layer", "export", "plan", "sketch", "north", "wall", "door", "window",
         "scale", "grid", "label", "margin", "draft", "revision", "sheet")


class SeededSource:
    """What a generator may draw on: the name, the URL, and a stream of seeded bytes."""

    def __init__(self, filename: str, source_url: str, seed: int) -> None:
        self.filename = filename
        self.source_url = source_url
        self.seed = seed
        self._digest = hashlib.sha256(f"{seed}\0{source_url}".encode()).digest()

    def byte(self, index: int) -> int:
        return self._digest[index % len(self._digest)]

    def color(self, offset: int = 0) -> tuple[int, int, int]:
        # Mid-range channels: never so dark or light that the picture looks empty.
        return (48 + self.byte(offset) % 160, 48 + self.byte(offset + 1) % 160,
                48 + self.byte(offset + 2) % 160)

    def stream(self, length: int) -> bytes:
        out = bytearray()
        counter = 0
        while len(out) < length:
            out += hashlib.sha256(self._digest + counter.to_bytes(8, "big")).digest()
            counter += 1
        return bytes(out[:length])

    def caption(self) -> str:
        return f"{self.filename} (mock export, seed {self.seed})"

    def words(self, count: int) -> list[str]:
        return [WORDS[self.byte(i) % len(WORDS)] for i in range(count)]
