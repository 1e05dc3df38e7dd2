"""Generated images: PNG, GIF, JPEG and WebP written byte by byte, and SVG.

Each is small, valid for any decoder (checked in a real browser by the tests) and
deterministic: PNG data is stored uncompressed so no zlib build can change the bytes.
"""

from __future__ import annotations

import html
import struct
import zlib

from .seeded import SeededSource

__all__ = ["gif", "jpeg", "png", "svg", "webp"]


def png(source: SeededSource) -> bytes:
    width, height = 48, 32
    first, second = source.color(0), source.color(3)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(first if ((x // 8) + (y // 8)) % 2 == 0 else second)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text = b"Comment\x00" + source.caption().encode("latin-1", errors="replace")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", text)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 0)) + chunk(b"IEND", b""))


def gif(source: SeededSource) -> bytes:
    red, green, blue = source.color(0)
    comment = source.caption().encode("ascii", errors="replace")[:255]
    return (b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00"
            + bytes((red, green, blue, 0, 0, 0))
            + b"!\xfe" + bytes((len(comment),)) + comment + b"\x00"
            + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00"
            # LZW, minimum code size 2: clear code, index 0, end of information.
            + b"\x02\x02\x44\x01\x00" + b";")


def jpeg(source: SeededSource) -> bytes:
    """A baseline JPEG of 8x8 blocks in two colours, each block flat (DC coefficients only)."""
    blocks_x, blocks_y = 6, 4
    colors = [_ycbcr(source.color(0)), _ycbcr(source.color(3))]
    writer = _BitWriter()
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALUES)
    previous = [0, 0, 0]
    for by in range(blocks_y):
        for bx in range(blocks_x):
            ycc = colors[(bx + by) % 2]
            for component in range(3):
                # A flat block's DC coefficient is 8 * (value - 128) (quantisation step 1).
                dc = 8 * (ycc[component] - 128)
                diff = dc - previous[component]
                previous[component] = dc
                size = abs(diff).bit_length()
                writer.write(*dc_codes[size])
                if size:
                    writer.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                writer.write(0, 1)  # AC: end of block (the AC table's only code, "0")
    scan = writer.finish()

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    comment = source.caption().encode("utf-8")
    frame = struct.pack(">BHHB", 8, blocks_y * 8, blocks_x * 8, 3) + b"".join(
        bytes((component_id, 0x11, 0)) for component_id in (1, 2, 3))
    huffman = (bytes((0x00,)) + bytes(_DC_BITS) + bytes(_DC_VALUES)
               + bytes((0x10,)) + bytes([1] + [0] * 15) + b"\x00")
    scan_header = b"\x03" + b"".join(bytes((c, 0x00)) for c in (1, 2, 3)) + b"\x00\x3f\x00"
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xFE, comment)
            + segment(0xDB, b"\x00" + bytes([1] * 64))
            + segment(0xC0, frame)
            + segment(0xC4, huffman)
            + segment(0xDA, scan_header) + scan + b"\xff\xd9")


# The standard luminance DC table (ITU T.81, K.3).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _huffman_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    index = 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


def _ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return _clamp(y), _clamp(cb), _clamp(cr)


def _clamp(value: float) -> int:
    return max(0, min(255, round(value)))


class _BitWriter:
    def __init__(self) -> None:
        self._bytes = bytearray()
        self._acc = 0
        self._count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self._emit()

    def finish(self) -> bytes:
        while self._count:
            self.write(1, 1)  # pad with one-bits
        return bytes(self._bytes)

    def _emit(self) -> None:
        self._bytes.append(self._acc)
        if self._acc == 0xFF:
            self._bytes.append(0)  # byte stuffing
        self._acc = 0
        self._count = 0


def webp(source: SeededSource) -> bytes:
    """A lossless WebP of one flat colour: every prefix code has one symbol, zero bits a pixel."""
    red, green, blue = source.color(0)
    width, height = 32, 32
    bits = _LsbWriter()
    bits.write(width - 1, 14)
    bits.write(height - 1, 14)
    bits.write(0, 1)  # alpha not used
    bits.write(0, 3)  # version
    bits.write(0, 1)  # no transform
    bits.write(0, 1)  # no colour cache
    bits.write(0, 1)  # no meta prefix codes
    for symbol in (green, red, blue, 255):
        bits.write(1, 1)  # simple code
        bits.write(0, 1)  # one symbol
        bits.write(1, 1)  # 8-bit symbol
        bits.write(symbol, 8)
    bits.write(1, 1)  # distance code: simple, one 1-bit symbol 0
    bits.write(0, 1)
    bits.write(0, 1)
    bits.write(0, 1)
    payload = b"\x2f" + bits.finish()
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


class _LsbWriter:
    def __init__(self) -> None:
        self._value = 0
        self._count = 0

    def write(self, value: int, length: int) -> None:
        self._value |= (value & ((1 << length) - 1)) << self._count
        self._count += length

    def finish(self) -> bytes:
        return self._value.to_bytes((self._count + 7) // 8, "little")


def svg(source: SeededSource) -> bytes:
    fill = "#{:02x}{:02x}{:02x}".format(*source.color(0))
    accent = "#{:02x}{:02x}{:02x}".format(*source.color(3))
    caption = html.escape(source.caption())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320" viewBox="0 0 480 320">\n'
        f'  <title>{caption}</title>\n'
        f'  <rect width="480" height="320" fill="{fill}"/>\n'
        f'  <circle cx="{120 + source.byte(6)}" cy="160" r="{40 + source.byte(7) % 60}" '
        f'fill="{accent}"/>\n'
        f'  <text x="24" y="296" font-family="sans-serif" font-size="18" fill="#ffffff">'
        f'{caption}</text>\n'
        '</svg>\n'
    ).encode()
