"""Judging a batch zip against what its items download as on their own (Q7, Z1-Z7)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence

from .client import Exchange
from .downloads import extension_of
from .exports import KnownExport, name_key
from .results import Evidence
from .verdicts import Verdicts
from .zip_inspection import (
    ZipEntryInfo,
    ZipReport,
    duplicate_names,
    entry_name_problems,
    inspect_zip,
    non_ascii_without_utf8_flag,
)

__all__ = ["judge_zip"]


def judge_zip(exchange: Exchange, expected: Sequence[KnownExport], verdicts: Verdicts) -> None:
    """Judge a default-mode batch 200 whose resolved items are ``expected``, in order."""
    size = len(expected)
    if exchange.media_type != "application/zip":
        verdicts.fail("zip-valid-crc", exchange.evidence(
            f"the batch zip is sent as {exchange.headers.get('content-type', '(no type)')!r}, "
            "not application/zip"), size)
    report = inspect_zip(exchange.content)
    names = [entry.name for entry in report.entries]
    listing = "entries: " + ", ".join(repr(n) for n in names) if names else "entries: (none)"
    bad_crc = [e.name for e in report.entries if not e.crc_ok]
    verdicts.judge("zip-valid-crc", [exchange.evidence(f"broken zip: {error}", listing)
                                     for error in report.errors[:3]], size)
    if bad_crc and not report.errors:  # pragma: no cover - inspect_zip reports these itself
        verdicts.fail("zip-valid-crc", exchange.evidence("entries fail their CRC check",
                                                         listing), size)
    if report.errors and not report.entries:
        return
    verdicts.judge("zip-entry-names-safe", _name_problems(exchange, report.entries), size)
    verdicts.judge("zip-entry-names-unique", [
        exchange.evidence(f"zip entries {first!r} and {later!r} collide (same name after NFC "
                          "and case folding)", listing)
        for first, later in duplicate_names(names)], size)
    count_ok = len(report.entries) == len(expected)
    verdicts.judge("batch-items-not-collapsed", [] if count_ok else [exchange.evidence(
        f"{len(expected)} items resolved (repeats included) but the zip has "
        f"{len(report.entries)} entries", listing, _expected_listing(expected))], size)
    verdicts.judge("zip-entry-bytes-match-single-download",
                   _bytes_problems(exchange, report.entries, expected, listing), size)
    if count_ok:
        # A missing UTF-8 flag is Z6's (SHOULD) business: name the entry as its sender meant.
        intended = [_intended_name(entry) for entry in report.entries]
        verdicts.judge("zip-entry-names-follow-filenames",
                       _naming_problems(exchange, intended, expected, listing), size)
    flagless = non_ascii_without_utf8_flag(report.entries)
    if any(not entry.raw_name.isascii() for entry in report.entries):
        verdicts.judge("zip-utf8-flag", [exchange.evidence(
            "non-ASCII entry names without the UTF-8 flag (bit 11)",
            "entries: " + ", ".join(repr(n) for n in flagless))] if flagless else [], size)
    _judge_zip64(exchange, report, verdicts)


def _intended_name(entry: ZipEntryInfo) -> str:
    """The entry's name, reading UTF-8 bytes sent without the UTF-8 flag as UTF-8."""
    if entry.utf8_flag or entry.raw_name.isascii():
        return entry.name
    try:
        return entry.raw_name.decode("utf-8")
    except UnicodeDecodeError:
        return entry.name


def _expected_listing(expected: Sequence[KnownExport]) -> str:
    return "resolved items: " + ", ".join(
        f"{e.source_file_url} ({e.filename!r})" for e in expected)


def _name_problems(exchange: Exchange, entries: Sequence[ZipEntryInfo]) -> Iterator[Evidence]:
    for entry in entries:
        problems = list(entry_name_problems(entry.name))
        if entry.is_dir and not any("director" in p for p in problems):
            problems.append("it is a directory entry")
        for problem in problems:
            yield exchange.evidence(f"zip entry {entry.name!r}: {problem}",
                                    f"raw name bytes: {entry.raw_name!r}")


def _bytes_problems(exchange: Exchange, entries: Sequence[ZipEntryInfo],
                    expected: Sequence[KnownExport], listing: str) -> Iterator[Evidence]:
    actual = [entry.sha256 for entry in entries]
    wanted = [export.sha256 for export in expected]
    if actual == wanted:
        return
    if len(actual) != len(wanted):
        yield exchange.evidence(
            f"the zip holds {len(actual)} entries for {len(wanted)} resolved items",
            listing, _expected_listing(expected))
        return
    if sorted(a or "" for a in actual) == sorted(wanted):
        yield exchange.evidence("zip entries are not in request order", listing,
                                _expected_listing(expected))
        return
    for entry, export in zip(entries, expected, strict=True):
        if entry.sha256 != export.sha256:
            got = "unreadable" if entry.sha256 is None else f"{entry.file_size} bytes"
            yield exchange.evidence(
                f"zip entry {entry.name!r} ({got}) differs from the single download of "
                f"{export.source_file_url} ({export.size} bytes)", listing)


def _naming_problems(exchange: Exchange, names: Sequence[str],
                     expected: Sequence[KnownExport], listing: str) -> Iterator[Evidence]:
    taken: set[str] = set()
    for name, export in zip(names, expected, strict=True):
        wanted = export.filename
        if wanted is None:
            taken.add(name_key(name))
            continue
        if name_key(wanted) not in taken:
            if unicodedata.normalize("NFC", name) != unicodedata.normalize("NFC", wanted):
                yield exchange.evidence(
                    f"zip entry {name!r} should be named {wanted!r}, the single-download "
                    f"filename of {export.source_file_url} (that name was still free)", listing)
        else:
            extension = extension_of(wanted)
            if extension and extension_of(name) != extension:
                yield exchange.evidence(
                    f"zip entry {name!r} de-duplicates {wanted!r} but loses its extension "
                    f"{extension}", listing)
            elif name_key(name) == name_key(wanted) or not name[: -len(extension) or None]:
                yield exchange.evidence(
                    f"zip entry {name!r} does not de-duplicate the taken name {wanted!r}",
                    listing)
        taken.add(name_key(name))


def _judge_zip64(exchange: Exchange, report: ZipReport, verdicts: Verdicts) -> None:
    big = (len(report.entries) > 0xFFFF
           or any(e.file_size >= 0xFFFFFFFF or e.compress_size >= 0xFFFFFFFF
                  for e in report.entries)
           or len(exchange.content) > 0xFFFFFFFF)
    if not (report.is_zip64 or big):
        return
    problems = [exchange.evidence(f"a ZIP64 archive does not read back: {error}")
                for error in report.errors[:3]]
    if big and not report.is_zip64:
        problems.append(exchange.evidence(
            "the archive is past 4 GiB or 65,535 entries but has no ZIP64 end records",
            f"{len(report.entries)} entries, {len(exchange.content)} bytes"))
    verdicts.judge("zip64-when-needed", problems)
