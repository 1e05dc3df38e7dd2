"""A byte range of a zip whose layout is computed: the slice of the whole archive, read from
only the entries it covers."""

from __future__ import annotations

import random

import pytest

from reference_impl.zip_writer import ZipMember, ZipWriter, crc32_of

CONTENTS = {
    "résumé.pdf": random.Random(1).randbytes(3_000),
    "empty-ish.txt": b"x",
    "報告.png": random.Random(2).randbytes(2_000),
}


def _writer(opened: list[str]) -> ZipWriter:
    def member(name: str, data: bytes) -> ZipMember:
        def between(first: int, last: int) -> list[bytes]:
            opened.append(name)
            return [data[first:last]]
        return ZipMember(name, len(data), crc32_of(data), lambda: [data],
                         chunks_between=between)
    return ZipWriter([member(name, data) for name, data in CONTENTS.items()])


@pytest.fixture(scope="module")
def whole() -> bytes:
    return b"".join(_writer([]))


def test_every_range_is_the_slice_of_the_whole_archive(whole: bytes) -> None:
    writer = _writer([])
    assert writer.length == len(whole)
    edges = sorted({0, 1, 29, 30, 31, 3_000, 3_050, 3_100, len(whole) - 22, len(whole) - 1,
                    len(whole)})
    for start in edges:
        for stop in edges:
            if start < stop:
                assert b"".join(writer.byte_range(start, stop)) == whole[start:stop], \
                    (start, stop)


def test_a_range_reads_only_the_entries_it_covers(whole: bytes) -> None:
    opened: list[str] = []
    tail = len(whole) - 10
    assert b"".join(_writer(opened).byte_range(tail, len(whole))) == whole[tail:]
    assert opened == []  # the central directory only
    second_entry = whole.index(b"empty-ish.txt") + len("empty-ish.txt")
    assert b"".join(_writer(opened).byte_range(second_entry, second_entry + 1)) == b"x"
    assert opened == ["empty-ish.txt"]


def test_a_zip_with_deflated_entries_has_no_computed_range() -> None:
    deflated = ZipMember("a.txt", 1, crc32_of(b"a"), lambda: [b"a"], deflate=True)
    with pytest.raises(ValueError, match="stored entries"):
        list(ZipWriter([deflated]).byte_range(0, 1))
