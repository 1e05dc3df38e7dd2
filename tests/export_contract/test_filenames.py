from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from export_contract.filenames import (
    ascii_fallback,
    content_disposition,
    extension_agrees,
    filename_from_url,
    safe_filename,
    split_extension,
)


def _breaks_f2(name: str) -> bool:
    return (
        not name
        or name in {".", ".."}
        or any(c in name for c in "/\\")
        or any(unicodedata.category(c) == "Cc" for c in name)
        or len(name.encode("utf-8")) > 255
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plan.pdf", "plan.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a/b\\c.pdf", "a_b_c.pdf"),
        ("line\r\nbreak.txt", "line__break.txt"),
        ("nul\x00.txt", "nul_.txt"),
        ("CON.pdf", "_CON.pdf"),
        ("lpt1", "_lpt1"),
        ("..", "export"),
        ("", "export"),
        ("  trailing. ", "trailing"),
        ('what?"<>|*:.txt', "what_______.txt"),
    ],
)
def test_safe_filename_replaces_what_file_systems_reject(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_normalises_to_nfc() -> None:
    assert safe_filename("re\u0301sume\u0301.txt") == "r\u00e9sum\u00e9.txt"


def test_long_names_are_cut_to_255_bytes_keeping_the_extension() -> None:
    name = safe_filename("é" * 10_000 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 255


@given(st.text())
def test_safe_filename_never_breaks_rule_f2(raw: str) -> None:
    assert not _breaks_f2(safe_filename(raw))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://canvas.example.com/files/floor-plan.pdf", "floor-plan.pdf"),
        ("https://c.example/files/r%C3%A9sum%C3%A9.txt", "résumé.txt"),
        ("https://c.example/files/a%2Fb.pdf", "a_b.pdf"),
        ("https://c.example/", "export"),
        ("https://c.example/dir/?download=1", "dir"),
        ("https://c.example/%2e%2e", "export"),
    ],
)
def test_filename_from_url_takes_the_decoded_last_segment(url: str, expected: str) -> None:
    assert filename_from_url(url) == expected


def test_split_extension_treats_a_leading_dot_as_part_of_the_stem() -> None:
    assert split_extension(".env") == (".env", "")
    assert split_extension("archive.tar.gz") == ("archive.tar", ".gz")


def test_ascii_names_get_a_plain_quoted_filename() -> None:
    assert content_disposition("plan.pdf") == 'attachment; filename="plan.pdf"'


def test_non_ascii_names_get_filename_star_and_an_ascii_fallback() -> None:
    header = content_disposition("résumé.txt")
    assert header == "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"


def test_quotes_and_backslashes_never_reach_the_fallback() -> None:
    assert ascii_fallback('say "hi"\\.txt') == "say _hi__.txt"


def test_fallback_of_a_name_without_ascii_letters_keeps_the_extension() -> None:
    assert ascii_fallback("日本語.pdf") == "export.pdf"


@pytest.mark.parametrize(
    ("name", "media_type", "agrees"),
    [
        ("plan.pdf", "application/pdf", True),
        ("PLAN.PDF", "application/pdf", True),
        ("plan.png", "application/pdf", False),
        ("photo.jpeg", "image/jpeg", True),
        ("blob", "application/octet-stream", True),
        ("notes", "text/plain", False),
    ],
)
def test_extension_agreement_follows_the_media_type(name: str, media_type: str,
                                                   agrees: bool) -> None:
    assert extension_agrees(name, media_type) is agrees
