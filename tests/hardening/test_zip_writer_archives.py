"""The stored-entry zip writer's archives pass unzip -t, 7z t, bsdtar and zipfile.

Mixed stored and deflated entries, non-ASCII names, past 65,535 entries and past 4 GiB (a
synthetic source of zeros written as a sparse file, so the test costs no disk). Stored
entries carry their real sizes and CRC in the local header and no data descriptor.
"""

from __future__ import annotations

import os
import random
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from real_clients import ARCHIVE_TOOLS, check_archive_with, list_with

from reference_impl.zip_writer import ZipMember, ZipWriter, crc32_of

MiB = 1024**2
_ZEROS = bytes(MiB)
_LOCAL_FLAGS_AT, _LOCAL_CRC_AT = 6, 14


def _member(name: str, data: bytes, *, deflate: bool = False) -> ZipMember:
    return ZipMember(name, len(data), crc32_of(data), lambda: [data], deflate=deflate)


def _write(writer: ZipWriter, path: Path) -> int:
    """Write the archive; chunks of zeros become holes. Returns the bytes written."""
    written = 0
    with path.open("wb") as out:
        for chunk in writer:
            if chunk is _ZEROS:
                out.seek(len(chunk), os.SEEK_CUR)
            else:
                out.write(chunk)
            written += len(chunk)
        out.truncate()
    return written


MIXED = {
    "résumé.pdf": (random.Random(1).randbytes(300_000), False),
    "報告 2024.txt": (b"Quarterly numbers, deflated.\n" * 2_000, True),
    "ünïcödé 📄.png": (random.Random(2).randbytes(5_000), False),
    "notes.json": (b'{"a": 1}', True),
}


@pytest.fixture(scope="module")
def mixed_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zips") / "mixed.zip"
    _write(ZipWriter([_member(n, d, deflate=z) for n, (d, z) in MIXED.items()]), path)
    return path


@pytest.mark.parametrize("tool", ARCHIVE_TOOLS)
def test_mixed_stored_and_deflated_entries_with_non_ascii_names_pass(
        mixed_zip: Path, tool: str) -> None:
    check_archive_with(tool, mixed_zip)
    assert list_with(tool, mixed_zip) == list(MIXED)


def test_stored_entries_have_real_sizes_and_crc_up_front_and_names_flagged_utf8(
        mixed_zip: Path) -> None:
    with zipfile.ZipFile(mixed_zip) as archive:
        infos = archive.infolist()
        for info in infos:
            data, deflated = MIXED[info.filename]
            assert archive.read(info) == data
            assert info.flag_bits & 0x800
            assert info.compress_type == (zipfile.ZIP_DEFLATED if deflated else
                                          zipfile.ZIP_STORED)
    raw = mixed_zip.read_bytes()
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            continue
        flags, = struct.unpack_from("<H", raw, info.header_offset + _LOCAL_FLAGS_AT)
        crc, csize, usize = struct.unpack_from("<III", raw, info.header_offset + _LOCAL_CRC_AT)
        assert not flags & 0x08  # no data descriptor
        assert (crc, csize, usize) == (info.CRC, info.file_size, info.file_size)


def test_a_zip_of_stored_entries_knows_its_exact_length(tmp_path: Path) -> None:
    stored = [_member(n, d) for n, (d, z) in MIXED.items() if not z]
    writer = ZipWriter(stored)
    assert writer.length == _write(writer, tmp_path / "stored.zip")
    assert ZipWriter([_member("a.txt", b"x", deflate=True)]).length is None


def test_a_source_with_fewer_bytes_than_declared_aborts(tmp_path: Path) -> None:
    short = ZipMember("short.bin", 10, crc32_of(bytes(10)), lambda: [bytes(9)])
    with pytest.raises(ValueError, match="9 of its 10 bytes"):
        _write(ZipWriter([short]), tmp_path / "short.zip")


MANY = 65_600


@pytest.fixture(scope="module")
def many_entries_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    members = [_member(f"{number:05d}-é.txt", str(number % 10).encode())
               for number in range(MANY)]
    writer = ZipWriter(members)
    path = tmp_path_factory.mktemp("zips") / "many.zip"
    assert writer.length == _write(writer, path)
    return path


@pytest.mark.parametrize("tool", ARCHIVE_TOOLS)
def test_past_65535_entries_the_archive_is_zip64(many_entries_zip: Path, tool: str) -> None:
    check_archive_with(tool, many_entries_zip)
    if tool == "zipfile":
        with zipfile.ZipFile(many_entries_zip) as archive:
            assert len(archive.infolist()) == MANY
            assert archive.read(f"{MANY - 1:05d}-é.txt") == str((MANY - 1) % 10).encode()
        assert b"PK\x06\x06" in many_entries_zip.read_bytes()[-200:]


BIG = 4 * 1024 * MiB + MiB  # past 4 GiB


def _zeros(size: int) -> Iterator[bytes]:
    for _ in range(size // MiB):
        yield _ZEROS


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    crc = 0
    for chunk in _zeros(BIG):
        crc = zlib.crc32(chunk, crc)
    big = ZipMember("zéros.bin", BIG, crc, lambda: _zeros(BIG))
    after = _member("after.txt", b"an entry whose offset is past 4 GiB\n")
    note = _member("note.txt", b"deflated past 4 GiB\n" * 50, deflate=True)
    stored_only = ZipWriter([big, after])
    assert stored_only.length == sum(len(chunk) for chunk in stored_only)
    path = tmp_path_factory.mktemp("zips") / "big.zip"
    _write(ZipWriter([big, after, note]), path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("tool", ARCHIVE_TOOLS)
def test_past_4_gib_sizes_and_offsets_are_zip64(big_zip: Path, tool: str) -> None:
    check_archive_with(tool, big_zip)
    assert list_with(tool, big_zip) == ["zéros.bin", "after.txt", "note.txt"]
    if tool == "zipfile":
        with zipfile.ZipFile(big_zip) as archive:
            assert archive.getinfo("zéros.bin").file_size == BIG
            assert archive.getinfo("note.txt").header_offset > 2**32
            assert archive.read("after.txt") == b"an entry whose offset is past 4 GiB\n"
