"""Inspect a batch-download zip from its bytes alone (rules Z1 to Z3, Z6, Z7).

``zipfile`` reads and CRC-checks the data, but it hides what the checks need to see: it truncates
names at a NUL byte, decodes them before anyone can look at flag bit 11, and keeps only the last
of two entries with one name in its lookup table. So the central directory is also read here,
byte by byte, and the two views are paired by position.
"""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "ZipEntryInfo",
    "ZipReport",
    "duplicate_names",
    "entry_name_problems",
    "inspect_zip",
    "nested_entry_problems",
    "non_ascii_without_utf8_flag",
]

_UTF8_FLAG = 1 << 11

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_CENTRAL_SIG = b"PK\x01\x02"
_ZIP64_EXTRA_ID = 0x0001
_MAX_COMMENT = 0xFFFF
_MSDOS_DIRECTORY = 0x10
_UNIX_SYSTEM = 3
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ZipEntryInfo:
    """One central-directory entry, with what reading its data showed.

    ``name`` is decoded the way the zip format says (UTF-8 when flag bit 11 is set, else CP437),
    from the raw bytes, so a NUL or a backslash stays visible. ``crc_ok`` means the data was read
    in full and matched its CRC-32; ``sha256`` is then the hex digest of the uncompressed data,
    else ``None``.
    """

    name: str
    raw_name: bytes
    flag_bits: int
    utf8_flag: bool
    is_dir: bool
    file_size: int
    compress_size: int
    crc_ok: bool
    sha256: str | None
    is_zip64: bool


@dataclass
class ZipReport:
    """Everything found in one zip body; ``errors`` is empty for a sound archive."""

    entries: list[ZipEntryInfo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    is_zip64: bool = False


@dataclass(frozen=True)
class _CentralEntry:
    raw_name: bytes
    flag_bits: int
    file_size: int
    compress_size: int
    external_attr: int
    create_system: int
    is_zip64: bool


class _ZipStructureError(Exception):
    """The central directory cannot be located or read."""


def inspect_zip(data: bytes) -> ZipReport:
    """Read ``data`` as a zip: list its entries and every problem met on the way; never raise."""
    report = ZipReport()
    try:
        central, report.is_zip64 = _read_central_directory(data, report.errors)
    except _ZipStructureError as exc:
        report.errors.append(str(exc))
        return report
    names = [_decode_name(entry, report.errors) for entry in central]
    digests = _read_entry_data(data, central, names, report.errors)
    for entry, name, digest in zip(central, names, digests, strict=True):
        report.entries.append(_entry_info(entry, name, digest))
    return report


def entry_name_problems(name: str) -> list[str]:
    """Why ``name`` could escape the folder it is extracted into (rule Z2, MUST)."""
    if not name:
        return ["entry name is empty"]
    problems: list[str] = []
    if name.startswith(("/", "\\")):
        problems.append("entry name is an absolute path")
    if len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha():
        problems.append("entry name starts with a drive letter")
    if "\\" in name.strip("\\"):
        problems.append("entry name contains '\\\\'")
    if ".." in name.replace("\\", "/").split("/"):
        problems.append("entry name has a '..' component")
    controls = dict.fromkeys(ch for ch in name if unicodedata.category(ch) == "Cc")
    if controls:
        listed = ", ".join(f"U+{ord(ch):04X}" for ch in controls)
        problems.append(f"entry name contains control characters {listed}")
    return problems


def nested_entry_problems(name: str, is_dir: bool) -> list[str]:
    """Why an entry is not a regular file at the zip's root (rule Z2, SHOULD)."""
    problems: list[str] = []
    if is_dir or name.endswith("/"):
        problems.append("entry is a directory")
    elif "/" in name.strip("/"):
        problems.append("entry is in a subfolder (its name contains '/')")
    if "." in name.split("/"):
        problems.append("entry name has a '.' component")
    return problems


def duplicate_names(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs ``(first, later)`` that collide on a case-insensitive, normalising file system (Z3)."""
    first_by_key: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    for name in names:
        key = unicodedata.normalize("NFC", name).casefold()
        if key in first_by_key:
            pairs.append((first_by_key[key], name))
        else:
            first_by_key[key] = name
    return pairs


def non_ascii_without_utf8_flag(entries: Iterable[ZipEntryInfo]) -> list[str]:
    """Names with non-ASCII bytes whose entry lacks flag bit 11 (rule Z6).

    Such a name is CP437 by the zip format, but the sender almost always meant UTF-8, so the
    name is shown as UTF-8 where its bytes allow it: that is the name a user would recognise.
    """
    return [
        _display_name(entry)
        for entry in entries
        if not entry.utf8_flag and not entry.raw_name.isascii()
    ]


def _display_name(entry: ZipEntryInfo) -> str:
    try:
        return entry.raw_name.decode("utf-8")
    except UnicodeDecodeError:
        return entry.name


def _read_central_directory(data: bytes, errors: list[str]) -> tuple[list[_CentralEntry], bool]:
    """Parse the central directory; return its entries and whether the archive is ZIP64."""
    eocd_pos = _find_eocd(data)
    (_, disk, cd_disk, _, count, cd_size, cd_offset, comment_length) = _EOCD.unpack_from(
        data, eocd_pos
    )
    trailing = len(data) - (eocd_pos + _EOCD.size + comment_length)
    if trailing > 0:
        errors.append(f"{trailing} unexpected bytes after the end of the zip")
    elif trailing < 0:
        errors.append(f"truncated zip: the archive comment lacks {-trailing} bytes")
    end_of_cd = eocd_pos
    zip64 = _read_zip64_eocd(data, eocd_pos)
    if zip64 is not None:
        end_of_cd, count, cd_size, cd_offset = zip64
    elif disk or cd_disk:
        raise _ZipStructureError("not a valid zip: the archive claims to span several disks")
    cd_start = end_of_cd - cd_size
    if cd_start < 0 or cd_start < cd_offset:
        raise _ZipStructureError(
            f"truncated or corrupt zip: the central directory should start at offset "
            f"{cd_offset} but only {max(cd_start, 0)} bytes precede it"
        )
    if cd_start > cd_offset:
        errors.append(f"{cd_start - cd_offset} unexpected bytes before the zip data")
    entries = _parse_central_entries(data[cd_start:end_of_cd])
    if len(entries) != count:
        errors.append(
            f"end of central directory announces {count} entries, the directory holds "
            f"{len(entries)}"
        )
    return entries, zip64 is not None


def _find_eocd(data: bytes) -> int:
    """Find the end-of-central-directory record, which only an archive comment may follow."""
    window_start = max(len(data) - _EOCD.size - _MAX_COMMENT, 0)
    pos = data.rfind(_EOCD_SIG, window_start)
    fallback = -1
    while pos >= 0:
        if pos + _EOCD.size <= len(data):
            comment_length = _EOCD.unpack_from(data, pos)[-1]
            if pos + _EOCD.size + comment_length == len(data):
                return pos
            fallback = max(fallback, pos)
        pos = data.rfind(_EOCD_SIG, window_start, pos)
    if fallback >= 0:
        # Junk after the record: lenient readers cope, so go on and let the caller report it.
        return fallback
    if not data:
        raise _ZipStructureError("not a zip file: the body is empty")
    raise _ZipStructureError(
        "not a zip file, or truncated: no end-of-central-directory record at its end"
    )


def _read_zip64_eocd(data: bytes, eocd_pos: int) -> tuple[int, int, int, int] | None:
    """Return the ZIP64 record's position, entry count, directory size and offset, if any.

    Like most readers, this expects the ZIP64 record right before its locator: streaming
    writers never put extensible data there.
    """
    locator_pos = eocd_pos - _ZIP64_LOCATOR.size
    if locator_pos < 0 or data[locator_pos : locator_pos + 4] != _ZIP64_LOCATOR_SIG:
        return None
    record_pos = locator_pos - _ZIP64_EOCD.size
    if record_pos < 0 or data[record_pos : record_pos + 4] != _ZIP64_EOCD_SIG:
        raise _ZipStructureError("corrupt ZIP64 zip: the locator points at no ZIP64 record")
    fields = _ZIP64_EOCD.unpack_from(data, record_pos)
    count, cd_size, cd_offset = fields[7], fields[8], fields[9]
    return record_pos, count, cd_size, cd_offset


def _parse_central_entries(directory: bytes) -> list[_CentralEntry]:
    entries: list[_CentralEntry] = []
    pos = 0
    while pos < len(directory):
        if pos + _CENTRAL.size > len(directory):
            raise _ZipStructureError("truncated central directory")
        fields = _CENTRAL.unpack_from(directory, pos)
        if fields[0] != _CENTRAL_SIG:
            raise _ZipStructureError(f"bad signature in central directory entry {len(entries)}")
        name_len, extra_len, comment_len = fields[12:15]
        name_start = pos + _CENTRAL.size
        extra = directory[name_start + name_len : name_start + name_len + extra_len]
        entries.append(_central_entry(fields, directory[name_start : name_start + name_len], extra))
        pos = name_start + name_len + extra_len + comment_len
    if pos != len(directory):
        raise _ZipStructureError("truncated central directory")
    return entries


def _central_entry(fields: tuple[int | bytes, ...], raw_name: bytes, extra: bytes) -> _CentralEntry:
    create_system, flag_bits = int(fields[2]), int(fields[5])
    compress_size, file_size = int(fields[10]), int(fields[11])
    zip64_extra = _extra_field(extra, _ZIP64_EXTRA_ID)
    if zip64_extra is not None:
        file_size, compress_size = _apply_zip64_sizes(zip64_extra, file_size, compress_size)
    return _CentralEntry(
        raw_name=raw_name,
        flag_bits=flag_bits,
        file_size=file_size,
        compress_size=compress_size,
        external_attr=int(fields[17]),
        create_system=create_system,
        is_zip64=zip64_extra is not None,
    )


def _extra_field(extra: bytes, wanted: int) -> bytes | None:
    pos = 0
    while pos + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, pos)
        if field_id == wanted:
            return extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
    return None


def _apply_zip64_sizes(extra: bytes, file_size: int, compress_size: int) -> tuple[int, int]:
    """The ZIP64 extra holds, in order, only the sizes whose 32-bit fields are saturated."""
    values = [value for (value,) in struct.iter_unpack("<Q", extra[: len(extra) // 8 * 8])]
    if file_size == 0xFFFFFFFF and values:
        file_size = values.pop(0)
    if compress_size == 0xFFFFFFFF and values:
        compress_size = values.pop(0)
    return file_size, compress_size


def _decode_name(entry: _CentralEntry, errors: list[str]) -> str:
    if not entry.flag_bits & _UTF8_FLAG:
        return entry.raw_name.decode("cp437")
    try:
        return entry.raw_name.decode("utf-8")
    except UnicodeDecodeError:
        name = entry.raw_name.decode("utf-8", errors="replace")
        errors.append(f"entry {name!r}: name is not valid UTF-8 although flag bit 11 is set")
        return name


def _read_entry_data(
    data: bytes, central: list[_CentralEntry], names: list[str], errors: list[str]
) -> list[str | None]:
    """Read every entry through ``zipfile``; return each one's SHA-256, ``None`` when unreadable."""
    digests: list[str | None] = [None] * len(central)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    # Hostile bytes can make zipfile raise nearly anything (struct, codec, zlib errors):
    # the point of a report is to name the fault, not to crash on it.
    except Exception as exc:
        errors.append(f"zipfile cannot open the archive: {exc}")
        return digests
    with archive:
        infos = archive.infolist()
        if len(infos) != len(central):
            errors.append(
                f"zipfile sees {len(infos)} entries, the central directory {len(central)}"
            )
        # Pair what both readers saw; the count mismatch is already reported.
        for index, (info, entry, name) in enumerate(zip(infos, central, names, strict=False)):
            digests[index] = _hash_entry(archive, info, entry, name, errors)
    return digests


def _hash_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    entry: _CentralEntry,
    name: str,
    errors: list[str],
) -> str | None:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except zipfile.BadZipFile as exc:
        reason = "bad CRC-32 (data corrupted)" if "CRC" in str(exc) else str(exc)
        errors.append(f"entry {name!r}: {reason}")
        return None
    except Exception as exc:  # same reason as when opening the archive
        errors.append(f"entry {name!r}: cannot be read: {type(exc).__name__}: {exc}")
        return None
    if size != entry.file_size:
        errors.append(
            f"entry {name!r}: holds {size} bytes, the central directory says {entry.file_size}"
        )
        return None
    return digest.hexdigest()


def _entry_info(entry: _CentralEntry, name: str, digest: str | None) -> ZipEntryInfo:
    unix_mode = entry.external_attr >> 16 if entry.create_system == _UNIX_SYSTEM else 0
    is_dir = (
        name.endswith("/")
        or bool(entry.external_attr & _MSDOS_DIRECTORY)
        or stat.S_ISDIR(unix_mode)
    )
    return ZipEntryInfo(
        name=name,
        raw_name=entry.raw_name,
        flag_bits=entry.flag_bits,
        utf8_flag=bool(entry.flag_bits & _UTF8_FLAG),
        is_dir=is_dir,
        file_size=entry.file_size,
        compress_size=entry.compress_size,
        crc_ok=digest is not None,
        sha256=digest,
        is_zip64=entry.is_zip64,
    )
