import hashlib
import io
import struct
import unicodedata
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests import zip_inspection
from contract_tests.zip_inspection import (
    ZipReport,
    duplicate_names,
    entry_name_problems,
    inspect_zip,
    nested_entry_problems,
    non_ascii_without_utf8_flag,
)

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
UTF8_FLAG = 0x800


def make_zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def header_positions(data: bytes, signature: bytes) -> list[int]:
    positions = []
    pos = data.find(signature)
    while pos >= 0:
        positions.append(pos)
        pos = data.find(signature, pos + 1)
    return positions


def clear_flag_bits(data: bytes, mask: int) -> bytes:
    """Clear general-purpose flag bits in every local and central header."""
    patched = bytearray(data)
    for signature, flag_offset in ((LOCAL_SIG, 6), (CENTRAL_SIG, 8)):
        for pos in header_positions(data, signature):
            (flags,) = struct.unpack_from("<H", patched, pos + flag_offset)
            struct.pack_into("<H", patched, pos + flag_offset, flags & ~mask)
    return bytes(patched)


def eocd_fields(data: bytes) -> tuple[int, int, int]:
    """Entry count, central directory size and offset of a zip without a comment."""
    fields = struct.unpack("<4s4H2LH", data[-22:])
    return fields[4], fields[5], fields[6]


def to_zip64_end_records(data: bytes) -> bytes:
    """Rewrite a small zip's end so the sizes live only in ZIP64 records, as past 65,535 entries."""
    count, cd_size, cd_offset = eocd_fields(data)
    record_pos = len(data) - 22
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, record_pos, 1)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:record_pos] + record + locator + eocd


def to_zip64_entry_sizes(data: bytes) -> bytes:
    """Move the single entry's sizes from its central header into a ZIP64 extra field."""
    _, cd_size, cd_offset = eocd_fields(data)
    central = bytearray(data[cd_offset : cd_offset + cd_size])
    compress_size, file_size = struct.unpack_from("<2L", central, 20)
    struct.pack_into("<2L", central, 20, 0xFFFFFFFF, 0xFFFFFFFF)
    (name_len, extra_len) = struct.unpack_from("<2H", central, 28)
    struct.pack_into("<H", central, 30, extra_len + 20)
    extra = struct.pack("<HHQQ", 1, 16, file_size, compress_size)
    insert_at = 46 + name_len + extra_len
    central[insert_at:insert_at] = extra
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), cd_offset, 0)
    return data[:cd_offset] + bytes(central) + eocd


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_public_surface_is_the_inspector_and_the_rule_helpers() -> None:
    assert set(zip_inspection.__all__) == {
        "ZipEntryInfo",
        "ZipReport",
        "duplicate_names",
        "entry_name_problems",
        "inspect_zip",
        "nested_entry_problems",
        "non_ascii_without_utf8_flag",
    }


# --- inspect_zip on sound archives ---------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_sound_zip_lists_every_entry_with_its_digest(compression: int) -> None:
    files = [("plan.pdf", b"%PDF-1.7 plan" * 50), ("notes.txt", b"")]
    report = inspect_zip(make_zip(files, compression))
    assert report.errors == []
    assert report.is_zip64 is False
    assert [entry.name for entry in report.entries] == ["plan.pdf", "notes.txt"]
    for entry, (name, content) in zip(report.entries, files, strict=True):
        assert entry.raw_name == name.encode()
        assert entry.crc_ok
        assert entry.sha256 == sha(content)
        assert entry.file_size == len(content)
        assert not entry.is_dir
        assert not entry.is_zip64
        assert not entry.utf8_flag


def test_compressed_size_is_reported() -> None:
    report = inspect_zip(make_zip([("a.txt", b"a" * 10_000)], zipfile.ZIP_DEFLATED))
    assert report.entries[0].compress_size < report.entries[0].file_size == 10_000


def test_empty_archive_has_no_entries_and_no_errors() -> None:
    assert inspect_zip(make_zip([])) == ZipReport(entries=[], errors=[], is_zip64=False)


def test_zip64_end_records_are_followed() -> None:
    report = inspect_zip(to_zip64_end_records(make_zip([("a.txt", b"abc"), ("b.txt", b"d")])))
    assert report.errors == []
    assert report.is_zip64 is True
    assert [entry.sha256 for entry in report.entries] == [sha(b"abc"), sha(b"d")]


def test_zip64_entry_sizes_are_read_from_the_extra_field() -> None:
    report = inspect_zip(to_zip64_entry_sizes(make_zip([("a.txt", b"hello")])))
    assert report.errors == []
    (entry,) = report.entries
    assert entry.is_zip64
    assert (entry.file_size, entry.compress_size) == (5, 5)
    assert entry.sha256 == sha(b"hello")


@pytest.mark.slow
def test_more_than_65535_entries_make_a_zip64_archive() -> None:
    data = make_zip([(f"{index}.txt", b"") for index in range(65_536)])
    report = inspect_zip(data)
    assert report.errors == []
    assert report.is_zip64 is True
    assert len(report.entries) == 65_536


# --- inspect_zip on broken archives ---------------------------------------------------------


def test_bad_crc_is_reported_with_entry_name() -> None:
    data = make_zip([("good.txt", b"fine"), ("broken.txt", b"hello world")])
    report = inspect_zip(data.replace(b"hello world", b"hellO world"))
    assert report.errors == ["entry 'broken.txt': bad CRC-32 (data corrupted)"]
    good, broken = report.entries
    assert good.crc_ok and good.sha256 == sha(b"fine")
    assert not broken.crc_ok and broken.sha256 is None


def test_corrupt_deflate_stream_is_reported_not_raised() -> None:
    data = bytearray(make_zip([("a.bin", bytes(range(256)) * 40)], zipfile.ZIP_DEFLATED))
    data_start = 30 + len("a.bin")
    for offset in range(data_start, data_start + 20):
        data[offset] ^= 0xFF
    report = inspect_zip(bytes(data))
    assert len(report.errors) == 1
    assert report.errors[0].startswith("entry 'a.bin': ")
    assert not report.entries[0].crc_ok


@pytest.mark.parametrize("body", [b"", b"hello", b"%PDF-1.7\n" * 100])
def test_body_that_is_not_a_zip_is_reported(body: bytes) -> None:
    report = inspect_zip(body)
    assert report.entries == []
    assert len(report.errors) == 1
    assert report.errors[0].startswith("not a zip file")


@pytest.mark.parametrize("keep", [0.5, 0.9, -10, -1])
def test_truncated_zip_is_reported(keep: float) -> None:
    data = make_zip([("a.txt", b"x" * 1000)])
    cut = data[: int(len(data) * keep)] if keep > 0 else data[: int(keep)]
    report = inspect_zip(cut)
    assert report.entries == []
    assert report.errors == [
        "not a zip file, or truncated: no end-of-central-directory record at its end"
    ]


def test_bytes_after_the_zip_are_reported() -> None:
    report = inspect_zip(make_zip([("a.txt", b"abc")]) + b"junk")
    assert report.errors == ["4 unexpected bytes after the end of the zip"]
    assert report.entries[0].sha256 == sha(b"abc")


def test_bytes_before_the_zip_are_reported() -> None:
    report = inspect_zip(b"junk!" + make_zip([("a.txt", b"abc")]))
    assert report.errors == ["5 unexpected bytes before the zip data"]
    assert report.entries[0].sha256 == sha(b"abc")


def test_central_directory_pointing_past_its_position_is_reported() -> None:
    data = bytearray(make_zip([("a.txt", b"abc")]))
    struct.pack_into("<L", data, len(data) - 6, 10_000)
    report = inspect_zip(bytes(data))
    assert report.entries == []
    assert report.errors[0].startswith("truncated or corrupt zip")


def test_wrong_entry_count_is_reported() -> None:
    data = bytearray(make_zip([("a.txt", b"abc"), ("b.txt", b"def")]))
    struct.pack_into("<2H", data, len(data) - 14, 3, 3)
    report = inspect_zip(bytes(data))
    assert "end of central directory announces 3 entries, the directory holds 2" in report.errors
    assert len(report.entries) == 2


def test_local_name_differing_from_central_name_is_reported() -> None:
    data = make_zip([("a.txt", b"abc")])
    cd_offset = eocd_fields(data)[2]
    patched = data[:cd_offset] + data[cd_offset:].replace(b"a.txt", b"b.txt")
    report = inspect_zip(patched)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("entry 'b.txt': File name in directory")


def test_invalid_utf8_name_with_flag_is_reported() -> None:
    data = make_zip([("é.txt", b"abc")]).replace("é".encode(), b"\xff\xfe")
    report = inspect_zip(data)
    assert "entry '\ufffd\ufffd.txt': name is not valid UTF-8 although flag bit 11 is set" in (
        report.errors
    )
    assert report.entries[0].raw_name == b"\xff\xfe.txt"


@settings(max_examples=200)
@given(st.data())
def test_corrupted_zip_never_raises(data: st.DataObject) -> None:
    body = bytearray(make_zip([("a.txt", b"abc" * 30), ("b.txt", b"")], zipfile.ZIP_DEFLATED))
    positions = data.draw(st.lists(st.integers(0, len(body) - 1), min_size=1, max_size=4))
    for position in positions:
        body[position] = data.draw(st.integers(0, 255))
    report = inspect_zip(bytes(body))
    assert all(entry.crc_ok == (entry.sha256 is not None) for entry in report.entries)


@given(st.binary())
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    assert isinstance(inspect_zip(body), ZipReport)


# --- Names as stored --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x", "a/b", "C:x", "a\\b", "/abs.txt", "dir/../x"])
def test_unsafe_names_are_listed_exactly_as_stored(name: str) -> None:
    report = inspect_zip(make_zip([(name, b"data")]))
    assert [entry.name for entry in report.entries] == [name]
    assert entry_name_problems(name) + nested_entry_problems(name, False) != []


def test_directory_entry_is_flagged() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.mkdir("folder")
        archive.writestr("folder/a.txt", b"a")
    report = inspect_zip(buffer.getvalue())
    assert [(entry.name, entry.is_dir) for entry in report.entries] == [
        ("folder/", True),
        ("folder/a.txt", False),
    ]


def test_directory_attribute_without_trailing_slash_is_flagged() -> None:
    info = zipfile.ZipInfo("folder")
    info.external_attr = 0o40755 << 16 | 0x10
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, b"")
    assert inspect_zip(buffer.getvalue()).entries[0].is_dir


def test_nul_in_name_stays_visible() -> None:
    data = make_zip([("abXcd.txt", b"data")]).replace(b"abXcd.txt", b"ab\x00cd.txt")
    report = inspect_zip(data)
    assert report.errors == []
    assert report.entries[0].name == "ab\x00cd.txt"
    assert "entry name contains control characters U+0000" in entry_name_problems(
        report.entries[0].name
    )


def test_duplicate_entries_are_all_listed() -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = make_zip([("a.txt", b"first"), ("a.txt", b"second")])
    report = inspect_zip(data)
    assert report.errors == []
    assert [entry.sha256 for entry in report.entries] == [sha(b"first"), sha(b"second")]
    assert duplicate_names(entry.name for entry in report.entries) == [("a.txt", "a.txt")]


def test_utf8_flag_is_read_from_central_directory() -> None:
    report = inspect_zip(make_zip([("résumé.pdf", b"cv")]))
    (entry,) = report.entries
    assert entry.utf8_flag
    assert entry.flag_bits & UTF8_FLAG
    assert entry.name == "résumé.pdf"
    assert entry.raw_name == "résumé.pdf".encode()
    assert non_ascii_without_utf8_flag(report.entries) == []


def test_non_ascii_name_without_utf8_flag_is_flagged() -> None:
    data = clear_flag_bits(make_zip([("résumé.pdf", b"cv"), ("plain.txt", b"")]), UTF8_FLAG)
    report = inspect_zip(data)
    assert report.errors == []
    entry = report.entries[0]
    assert not entry.utf8_flag
    # Without the flag the zip format says CP437, which is what a strict reader shows.
    assert entry.name == "résumé.pdf".encode().decode("cp437")
    assert non_ascii_without_utf8_flag(report.entries) == ["résumé.pdf"]


def test_non_utf8_name_without_flag_is_shown_as_cp437() -> None:
    data = make_zip([("cafX.txt", b"")]).replace(b"cafX", b"caf\x82")
    report = inspect_zip(data)
    assert non_ascii_without_utf8_flag(report.entries) == ["café.txt"]


# --- Rule Z2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", ["entry name is empty"]),
        ("folder/", []),
        ("a/b.pdf", []),
        ("a\\b.pdf", ["entry name contains '\\\\'"]),
        ("../x", ["entry name has a '..' component"]),
        ("..", ["entry name has a '..' component"]),
        (".", []),
        ("/abs.pdf", ["entry name is an absolute path"]),
        ("\\abs.pdf", ["entry name is an absolute path"]),
        ("C:x", ["entry name starts with a drive letter"]),
        (
            "c:\\x.pdf",
            ["entry name starts with a drive letter", "entry name contains '\\\\'"],
        ),
        ("a\x00b", ["entry name contains control characters U+0000"]),
        ("a\r\nb", ["entry name contains control characters U+000D, U+000A"]),
        ("a\x7f", ["entry name contains control characters U+007F"]),
        ("a\x9b", ["entry name contains control characters U+009B"]),
    ],
)
def test_unsafe_entry_name_is_reported(name: str, expected: list[str]) -> None:
    assert entry_name_problems(name) == expected


@pytest.mark.parametrize(
    ("name", "is_dir", "expected"),
    [
        ("plan.pdf", False, []),
        ("folder/", True, ["entry is a directory"]),
        ("a/b.pdf", False, ["entry is in a subfolder (its name contains '/')"]),
        ("./b.pdf", False, ["entry is in a subfolder (its name contains '/')",
                            "entry name has a '.' component"]),
    ],
)
def test_entries_off_the_root_are_reported_apart(name: str, is_dir: bool,
                                                 expected: list[str]) -> None:
    # Z2's SHOULD part: harmless when extracted, but not what a frontend expects.
    assert nested_entry_problems(name, is_dir) == expected


@pytest.mark.parametrize(
    "name", ["plan.pdf", "plan (1).pdf", "résumé.pdf", "notes:v2.txt", "..hidden", ".env", "1:2"]
)
def test_root_file_name_has_no_problems(name: str) -> None:
    assert entry_name_problems(name) == []


# --- Rule Z3 ----------------------------------------------------------------------------------


def test_names_differing_only_by_case_are_duplicates() -> None:
    assert duplicate_names(["Plan.pdf", "notes.txt", "PLAN.PDF"]) == [("Plan.pdf", "PLAN.PDF")]


def test_composed_and_decomposed_accents_are_duplicates() -> None:
    assert duplicate_names(["caf\u00e9.txt", "cafe\u0301.txt"]) == [
        ("caf\u00e9.txt", "cafe\u0301.txt")
    ]


def test_case_folding_goes_beyond_lower_case() -> None:
    assert duplicate_names(["straße.txt", "STRASSE.TXT"]) == [("straße.txt", "STRASSE.TXT")]


def test_every_later_duplicate_is_paired_with_the_first() -> None:
    assert duplicate_names(["a", "A", "a"]) == [("a", "A"), ("a", "a")]


def test_distinct_names_have_no_duplicates() -> None:
    assert duplicate_names(["plan.pdf", "plan (1).pdf", "plan.PDF.txt"]) == []


@given(st.lists(st.text(max_size=8)))
def test_each_name_beyond_the_first_of_its_key_makes_one_pair(names: list[str]) -> None:
    keys = {unicodedata.normalize("NFC", name).casefold() for name in names}
    assert len(duplicate_names(names)) == len(names) - len(keys)
