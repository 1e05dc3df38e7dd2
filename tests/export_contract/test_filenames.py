from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from export_contract.filenames import (
    ascii_fallback,
    content_disposition,
    extension_agrees,
    filename_from_url,
    is_safe_filename,
    safe_filename,
    split_extension,
)
from export_contract.zipnames import EntryNamer


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


# Windows maps these compatibility forms to ASCII by itself ("best fit"), and the ASCII
# fallback used to fold them the same way: `．．／` became `../` in `filename="…"`.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("．．／．．／etc／passwd", "_.._etc_passwd"),
        ("．．／．．／etc／passwd.pdf", "_.._etc_passwd.pdf"),
        ("Ｃ：／Windows／win.pdf", "C__Windows_win.pdf"),
        ("a｜b＊c？.pdf", "a_b_c_.pdf"),
        ("＜script＞＂.pdf", "_script__.pdf"),
        ("ＣＯＮ.pdf", "_CON.pdf"),
        ("COM¹.pdf", "_COM1.pdf"),
        ("LPT².pdf", "_LPT2.pdf"),
        ("lpt³", "_lpt3"),
        ("com0.txt", "_com0.txt"),
        ("nul .txt", "_nul .txt"),
        ("aux.tar.gz", "_aux.tar.gz"),
        ("report．", "report"),
        ("report\u3000", "report"),
        ("．．", "export"),
        ("‥", "export"),
        ("a\u200bb.pdf", "ab.pdf"),
        ("\ufeffplan.pdf", "plan.pdf"),
        ("plan\u061c.pdf", "plan.pdf"),
        ("C\u200bON.pdf", "_CON.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),
        ("a\u2028b\ue000c\U0010ffff.pdf", "a_b_c_.pdf"),
        ("ﬁle.pdf", "file.pdf"),
    ],
)
def test_names_are_safe_after_nfkc_folding(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected
    assert is_safe_filename(expected)


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("≮x≯.pdf", "_x_.pdf"),  # NFKD: "<" or ">" plus a combining mark
        ("ÇON.pdf", "_CON.pdf"),
        ("ÀUX", "_AUX"),
        ("文書.pdf", "export.pdf"),
        ("résumé.txt", "resume.txt"),
    ],
)
def test_the_ascii_fallback_is_made_safe_again(name: str, fallback: str) -> None:
    assert is_safe_filename(safe_filename(name))
    assert ascii_fallback(name) == fallback


def test_a_device_name_left_behind_by_the_length_cut_is_prefixed() -> None:
    name = safe_filename("CON" + " " * 300 + "x.pdf")
    assert name.startswith("_CON") and name.endswith(".pdf")
    assert is_safe_filename(name)


_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])[ .]*", re.IGNORECASE)


def _unsafe_because(name: str) -> list[str]:
    """Rule F2 and Windows' rules, checked here independently of the code under test."""
    problems = []
    if not name:
        problems.append("empty")
    if len(name.encode("utf-8", errors="surrogatepass")) > 255:
        problems.append("over 255 bytes")
    if ".." in re.split(r"[/\\]", name) or name == ".":
        problems.append("dot segment")
    if any(c in '<>:"/\\|?*' for c in name):
        problems.append("reserved character")
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in name):
        problems.append("control, invisible or unassigned character")
    if name.rstrip(" .") != name:
        problems.append("trailing dot or space")
    if _DEVICE.fullmatch(name.split(".", 1)[0]):
        problems.append("device name")
    return problems


hostile_text = st.lists(
    st.sampled_from(["．", "／", "＼", "：", "｜", "＊", "？", "＂", "＜", "＞", "..", ".", " ",
                     "\u3000", "CON", "ｃｏｍ", "¹", "²", "LPT", "\u200b", "\ufeff", "\u061c",
                     "\u202e", "\u2066", "\u034f", "\ufe0f", "\u3164", "≮", "Ç", "e\u0301",
                     "﷽", "ﬁ", "\x00", "\r\n", "\ud800", "\ue000", "a", ".pdf", "x" * 40])
    | st.text(st.characters(exclude_categories=()), max_size=4),
    max_size=30,
).map("".join)


@settings(max_examples=1000)
@given(st.text(st.characters(exclude_categories=())) | hostile_text)
@example("．．／．．／etc／passwd.pdf")
@example("﷽" * 200)
@example("CON" + " " * 300 + "x.pdf")
def test_names_fallbacks_and_their_nfkc_forms_are_always_safe(raw: str) -> None:
    name = safe_filename(raw)
    fallback = ascii_fallback(raw)
    folded = unicodedata.normalize("NFKC", name)
    for form in (name, folded, fallback, unicodedata.normalize("NFKC", fallback)):
        assert _unsafe_because(form) == [], (raw, form, _unsafe_because(form))
    assert fallback.isascii()
    assert is_safe_filename(name) and is_safe_filename(fallback)
    assert safe_filename(name) == name  # a safe name comes back unchanged


@settings(max_examples=300)
@given(st.lists(hostile_text, max_size=8))
def test_zip_entry_names_are_always_safe(raws: list[str]) -> None:
    namer = EntryNamer()
    for raw in raws * 2:  # every name twice: the numbered copies must be safe too
        entry = namer.claim(raw)
        assert _unsafe_because(entry) == [], (raw, entry)
        assert _unsafe_because(unicodedata.normalize("NFKC", entry)) == [], (raw, entry)


@settings(max_examples=300)
@given(hostile_text)
def test_both_names_in_the_header_are_safe(raw: str) -> None:
    header = content_disposition(raw)
    quoted = re.search(r'filename="([^"]*)"', header)
    assert quoted is not None and _unsafe_because(quoted.group(1)) == [], header
    star = re.search(r"filename\*=UTF-8''(\S+)", header)
    if star is not None:
        decoded = unquote(star.group(1), errors="strict")
        assert _unsafe_because(decoded) == [], header
        assert _unsafe_because(unicodedata.normalize("NFKC", decoded)) == [], header


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
