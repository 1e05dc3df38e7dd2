"""A zip writer for members whose size and CRC-32 are known before their bytes are read.

Stored members are framed by headers computed up front (real sizes and CRC in the local
header, no data descriptor), so their bytes go from the source to the output untouched and
the archive's length is known before its first byte. Deflated members (text-like entries)
have a compressed size known only at their end: they carry a data descriptor, and an archive
holding one has no length up front. ZIP64 fields appear where a size, an offset or the entry
count needs them; names are UTF-8 and flagged so (general-purpose bit 11).

The libraries evaluated first (zipstream-ng 1.9, stream-zip 0.0.84 with
`NO_COMPRESSION_64(size, crc)`) both compute a CRC-32 over every byte of a stored member as it
streams, which costs more CPU per byte than sending it (see BENCHMARKS.md).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["ZipMember", "ZipWriter", "crc32_of"]

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_DESCRIPTOR32 = struct.Struct("<IIII")
_DESCRIPTOR64 = struct.Struct("<IIQQ")

_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = 0x04034B50, 0x02014B50, 0x06054B50
_END64_SIG, _LOCATOR64_SIG, _DESCRIPTOR_SIG = 0x06064B50, 0x07064B50, 0x08074B50
_ZIP64_EXTRA = 0x0001
_MAX32, _MAX16 = 0xFFFFFFFF, 0xFFFF
_UTF8, _DESCRIPTOR_FOLLOWS = 0x0800, 0x0008
_STORED, _DEFLATED = 0, 8
_VERSION_20, _VERSION_45 = 20, 45
_MADE_BY_UNIX = 3 << 8
_FILE_MODE = 0o100644 << 16


@dataclass(frozen=True)
class ZipMember:
    """One entry: its name, uncompressed size and CRC-32, and how to read its bytes.

    `chunks()` is called once, when the member's data is due (so at most one source is open).
    """

    name: str
    size: int
    crc32: int
    chunks: Callable[[], Iterable[bytes]]
    deflate: bool = False
    # Bytes [first, last) of the member, for byte ranges of the archive; None: not offered.
    chunks_between: Callable[[int, int], Iterable[bytes]] | None = None

    def __post_init__(self) -> None:
        if len(self.name.encode("utf-8")) > _MAX16:
            raise ValueError(f"zip entry name is over {_MAX16} bytes: {self.name[:40]}…")


def crc32_of(data: bytes) -> int:
    return zlib.crc32(data) & _MAX32


@dataclass
class _Written:
    """What the central directory needs about a member once it is written."""

    member: ZipMember
    offset: int
    compressed_size: int
    flags: int


class ZipWriter:
    def __init__(self, members: Sequence[ZipMember], *, modified: datetime | None = None
                 ) -> None:
        self.members = members
        self._time, self._date = _dos_time(modified or datetime.now())

    @property
    def length(self) -> int | None:
        """The archive's exact length, when every member is stored; else None."""
        if any(member.deflate for member in self.members):
            return None
        _placed, directory_at, directory = self._stored_layout()
        return directory_at + len(directory)

    def byte_range(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes `[start, stop)` of a zip of stored members, computed from the layout: only
        the members the range covers are read (`ZipMember.chunks_between`)."""
        if any(member.deflate for member in self.members):
            raise ValueError("only a zip of stored entries has its layout known up front")
        placed, directory_at, directory = self._stored_layout()
        for offset, header, member in placed:
            if offset >= stop:
                break
            data_at = offset + len(header)
            if data_at + member.size <= start:
                continue
            yield from _sliced(header, offset, start, stop)
            first, last = max(start, data_at) - data_at, min(stop, data_at + member.size) - data_at
            if first < last:
                if member.chunks_between is None:
                    raise ValueError(f"zip entry {member.name!r} cannot be read from an offset")
                yield from member.chunks_between(first, last)
        yield from _sliced(directory, directory_at, start, stop)

    def _stored_layout(self) -> tuple[list[tuple[int, bytes, ZipMember]], int, bytes]:
        """Where each stored member's local header starts, with the header; where the
        central directory starts, with the directory (and end records)."""
        offset = 0
        placed: list[tuple[int, bytes, ZipMember]] = []
        written: list[_Written] = []
        for member in self.members:
            header = self._local_header(member, offset)
            placed.append((offset, header, member))
            written.append(_Written(member, offset, member.size, _UTF8))
            offset += len(header) + member.size
        return placed, offset, self._directory(written, offset)

    def __iter__(self) -> Iterator[bytes]:
        offset = 0
        written: list[_Written] = []
        for member in self.members:
            header = self._local_header(member, offset)
            yield header
            if member.deflate:
                compressed = yield from _deflated(member)
                descriptor = _descriptor(member, compressed)
                yield descriptor
                written.append(_Written(member, offset, compressed,
                                        _UTF8 | _DESCRIPTOR_FOLLOWS))
                offset += len(header) + compressed + len(descriptor)
            else:
                yield from _exactly(member)
                written.append(_Written(member, offset, member.size, _UTF8))
                offset += len(header) + member.size
        yield self._directory(written, offset)

    # -- headers -----------------------------------------------------------------------------

    def _local_header(self, member: ZipMember, offset: int) -> bytes:
        name = member.name.encode("utf-8")
        if member.deflate:
            # Sizes follow in the data descriptor; ZIP64 when compression might pass 4 GiB.
            zip64 = _deflate_bound(member.size) >= _MAX32
            extra = struct.pack("<HHQQ", _ZIP64_EXTRA, 16, 0, 0) if zip64 else b""
            sizes = _MAX32 if zip64 else 0
            return _LOCAL.pack(_LOCAL_SIG, _VERSION_45 if zip64 else _VERSION_20,
                               _UTF8 | _DESCRIPTOR_FOLLOWS, _DEFLATED, self._time, self._date,
                               0, sizes, sizes, len(name), len(extra)) + name + extra
        zip64 = member.size >= _MAX32
        extra = struct.pack("<HHQQ", _ZIP64_EXTRA, 16, member.size, member.size) if zip64 else b""
        size = _MAX32 if zip64 else member.size
        return _LOCAL.pack(_LOCAL_SIG, _VERSION_45 if zip64 else _VERSION_20, _UTF8, _STORED,
                           self._time, self._date, member.crc32, size, size, len(name),
                           len(extra)) + name + extra

    def _central_header(self, entry: _Written) -> bytes:
        member = entry.member
        name = member.name.encode("utf-8")
        values = (member.size, entry.compressed_size, entry.offset)
        usize, csize, offset = (min(value, _MAX32) for value in values)
        # The ZIP64 extra holds, in this order, only the fields too wide for their slot.
        wide = [value for value in values if value >= _MAX32]
        extra = struct.pack(f"<HH{len(wide)}Q", _ZIP64_EXTRA, 8 * len(wide), *wide) if wide else b""
        zip64 = bool(wide) or (member.deflate and _deflate_bound(member.size) >= _MAX32)
        version = _VERSION_45 if zip64 else _VERSION_20
        return _CENTRAL.pack(_CENTRAL_SIG, _MADE_BY_UNIX | _VERSION_45, version, entry.flags,
                             _DEFLATED if member.deflate else _STORED, self._time, self._date,
                             member.crc32, csize, usize, len(name), len(extra), 0, 0, 0,
                             _FILE_MODE, offset) + name + extra

    def _directory(self, written: Sequence[_Written], start: int) -> bytes:
        directory = b"".join(self._central_header(entry) for entry in written)
        count, size = len(written), len(directory)
        if count < _MAX16 and size < _MAX32 and start < _MAX32:
            return directory + _END.pack(_END_SIG, 0, 0, count, count, size, start, 0)
        end64_at = start + size
        return b"".join((
            directory,
            _END64.pack(_END64_SIG, _END64.size - 12, _MADE_BY_UNIX | _VERSION_45, _VERSION_45,
                        0, 0, count, count, size, start),
            _LOCATOR64.pack(_LOCATOR64_SIG, 0, end64_at, 1),
            _END.pack(_END_SIG, 0, 0, min(count, _MAX16), min(count, _MAX16),
                      min(size, _MAX32), min(start, _MAX32), 0),
        ))


def _sliced(data: bytes, at: int, start: int, stop: int) -> Iterator[bytes]:
    """What of `data`, placed at offset `at`, lies in `[start, stop)`."""
    first, last = max(start - at, 0), min(stop - at, len(data))
    if first < last:
        yield data[first:last]


def _exactly(member: ZipMember) -> Iterator[bytes]:
    """A stored member's bytes, checked to be exactly its declared size: the headers already
    sent promised it."""
    seen = 0
    for chunk in member.chunks():
        seen += len(chunk)
        if seen > member.size:
            raise ValueError(f"zip entry {member.name!r} has more than its {member.size} bytes")
        yield chunk
    if seen != member.size:
        raise ValueError(f"zip entry {member.name!r} has {seen} of its {member.size} bytes")


def _deflated(member: ZipMember) -> Generator[bytes, None, int]:
    """The member deflated; returns (as the generator's value) the compressed size."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed = 0
    for chunk in _exactly(member):
        if out := compressor.compress(chunk):
            compressed += len(out)
            yield out
    out = compressor.flush()
    compressed += len(out)
    yield out
    return compressed


def _descriptor(member: ZipMember, compressed: int) -> bytes:
    if _deflate_bound(member.size) >= _MAX32:
        return _DESCRIPTOR64.pack(_DESCRIPTOR_SIG, member.crc32, compressed, member.size)
    return _DESCRIPTOR32.pack(_DESCRIPTOR_SIG, member.crc32, compressed, member.size)


def _deflate_bound(size: int) -> int:
    """An upper bound of the deflated size (zlib's compressBound, rounded up)."""
    return size + (size >> 11) + 64


def _dos_time(moment: datetime) -> tuple[int, int]:
    year = min(max(moment.year, 1980), 2107)
    return ((moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
            ((year - 1980) << 9) | (moment.month << 5) | moment.day)
