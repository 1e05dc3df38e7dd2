"""A minimal zip writer (stored entries only) that writes exactly what it is told.

``zipfile`` sets the UTF-8 flag by itself and warns on duplicate names, so the broken backends
could not produce every faulty archive with it. This writer takes names, flags and CRCs as
given; the correct backend simply gives it correct ones.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ZipMember", "build_zip"]

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_UTF8_FLAG = 1 << 11
_VERSION = 20  # 2.0: stored entries and directories
_MADE_BY_UNIX = (3 << 8) | _VERSION
_DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1  # 2026-01-01, 00:00:00
_FILE_ATTRS = 0o100644 << 16
_DIR_ATTRS = (0o040755 << 16) | 0x10


@dataclass(frozen=True)
class ZipMember:
    """One entry. ``utf8_flag`` ``None`` sets the flag exactly when the name is not ASCII;
    ``crc`` ``None`` writes the data's true CRC-32."""

    name: str
    data: bytes = b""
    is_dir: bool = False
    utf8_flag: bool | None = None
    crc: int | None = None


def build_zip(members: Sequence[ZipMember], *, zip64_entries: int | None = None) -> bytes:
    """The whole archive: local headers and data, then the central directory.

    With ``zip64_entries`` the archive ends in ZIP64 end records announcing that many entries
    (the classic end record then holds only the "see ZIP64" markers), as streaming writers do.
    """
    body = bytearray()
    directory = bytearray()
    for member in members:
        raw_name = member.name.encode("utf-8")
        utf8 = not member.name.isascii() if member.utf8_flag is None else member.utf8_flag
        flags = _UTF8_FLAG if utf8 else 0
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        size = len(member.data)
        offset = len(body)
        body += _LOCAL.pack(b"PK\x03\x04", _VERSION, flags, 0, 0, _DOS_DATE, crc, size, size,
                            len(raw_name), 0)
        body += raw_name + member.data
        attrs = _DIR_ATTRS if member.is_dir else _FILE_ATTRS
        directory += _CENTRAL.pack(b"PK\x01\x02", _MADE_BY_UNIX, _VERSION, flags, 0, 0,
                                   _DOS_DATE, crc, size, size, len(raw_name), 0, 0, 0, 0,
                                   attrs, offset)
        directory += raw_name
    if zip64_entries is None:
        return bytes(body + directory + _END.pack(
            b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0))
    record_offset = len(body) + len(directory)
    record = _ZIP64_END.pack(b"PK\x06\x06", _ZIP64_END.size - 12, _MADE_BY_UNIX, 45, 0, 0,
                             zip64_entries, zip64_entries, len(directory), len(body))
    locator = _ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, record_offset, 1)
    end = _END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(body + directory + record + locator + end)
