"""Judging a batch zip against what its items download as on their own (Q7, Z1-Z7).

Entries are matched to items by their bytes and names, never by position alone: a backend may
order its entries as it likes (request order is Q7's SHOULD, judged apart).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence

from .client import Exchange
from .content_disposition import filename_problems
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
    nested_entry_problems,
    non_ascii_without_utf8_flag,
)

__all__ = ["judge_zip", "reference_entry_names"]


def judge_zip(exchange: Exchange, expected: Sequence[KnownExport], verdicts: Verdicts) -> None:
    """Judge a default-mode batch 200 whose resolved items are ``expected``, in request order."""
    size = len(expected)
    if exchange.media_type != "application/zip":
        verdicts.fail("zip-valid-crc", exchange.evidence(
            f"the batch zip is sent as {exchange.headers.get('content-type', '(no type)')!r}, "
            "not application/zip"), size)
    report = inspect_zip(exchange.content)
    listing = _listing(report.entries)
    verdicts.judge("zip-valid-crc", [exchange.evidence(f"broken zip: {error}", listing)
                                     for error in report.errors[:3]], size)
    _judge_zip64(exchange, report, verdicts)
    if report.errors:
        # Names and bytes of a broken archive cannot be trusted: the other zip rules wait for
        # a zip that reads back.
        for check_id in ("zip-entry-names-safe", "zip-entry-names-unique",
                         "zip-entry-bytes-match-single-download", "batch-items-not-collapsed"):
            verdicts.skip(check_id, "could not check: the zip does not read back")
        return
    verdicts.judge("zip-entry-names-safe", _escape_problems(exchange, report.entries), size)
    verdicts.judge("zip-entries-at-root", [
        exchange.evidence(f"zip entry {entry.name!r}: {problem}", listing)
        for entry in report.entries
        for problem in nested_entry_problems(entry.name, entry.is_dir)], size)
    # Directory entries are Z2's (SHOULD) business; the files are judged on their own.
    files = [e for e in report.entries if not (e.is_dir or e.name.endswith("/"))]
    names = [_intended_name(entry) for entry in files]
    verdicts.judge("zip-entry-names-unique", [
        exchange.evidence(f"zip entry {later!r} collides with {first!r} after "
                          + _collision_kind(first, later), listing)
        for first, later in duplicate_names(names)], size)
    _judge_contents(exchange, files, expected, verdicts, listing)
    if _contents_match(files, expected):
        # A folder in the name is Z2's (SHOULD) business: Z5 judges the file's own name.
        basenames = [name.replace("\\", "/").rsplit("/", 1)[-1] for name in names]
        _judge_names(exchange, files, basenames, expected, verdicts, listing)
    flagless = non_ascii_without_utf8_flag(report.entries)
    if any(not entry.raw_name.isascii() for entry in report.entries):
        verdicts.judge("zip-utf8-flag", [exchange.evidence(
            "non-ASCII entry names without the UTF-8 flag (bit 11)",
            "entries: " + ", ".join(repr(n) for n in flagless))] if flagless else [], size)


def _listing(entries: Sequence[ZipEntryInfo]) -> str:
    names = [entry.name for entry in entries]
    return "entries: " + (", ".join(repr(n) for n in names) if names else "(none)")


def _collision_kind(first: str, later: str) -> str:
    if first == later:
        return "nothing at all: the same name twice"
    if unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", later):
        return "Unicode normalisation (NFC)"
    return "case folding"


def _intended_name(entry: ZipEntryInfo) -> str:
    """The entry's name, reading UTF-8 bytes sent without the UTF-8 flag as UTF-8.

    A missing flag is Z6's (SHOULD) business: name the entry as its sender meant.
    """
    if entry.utf8_flag or entry.raw_name.isascii():
        return entry.name
    try:
        return entry.raw_name.decode("utf-8")
    except UnicodeDecodeError:
        return entry.name


def _expected_listing(expected: Sequence[KnownExport]) -> str:
    return "resolved items: " + ", ".join(
        f"{e.source_file_url} ({e.filename!r})" for e in expected)


def _escape_problems(exchange: Exchange, entries: Sequence[ZipEntryInfo]
                     ) -> Iterator[Evidence]:
    for entry in entries:
        for problem in entry_name_problems(entry.name):
            yield exchange.evidence(f"zip entry {entry.name!r}: {problem}",
                                    f"raw name bytes: {entry.raw_name!r}")


def _contents_match(entries: Sequence[ZipEntryInfo], expected: Sequence[KnownExport]) -> bool:
    """Every entry is some item's bytes, and every item's bytes are there (in any order)."""
    wanted = {e.sha256 for e in expected}
    return {entry.sha256 for entry in entries} == wanted


def _judge_contents(exchange: Exchange, entries: Sequence[ZipEntryInfo],
                    expected: Sequence[KnownExport], verdicts: Verdicts, listing: str) -> None:
    size = len(expected)
    actual = [entry.sha256 for entry in entries]
    wanted = [export.sha256 for export in expected]
    distinct_items = len({e.source_file_url for e in expected})
    # Q7 (MUST): every distinct resolved item has an entry; count only, so that an entry with
    # wrong bytes is charged to Z4 alone.
    verdicts.judge("batch-items-not-collapsed", [] if len(actual) >= distinct_items else [
        exchange.evidence(f"{distinct_items} distinct items resolved but the zip has "
                          f"{len(actual)} entries: some item has no outcome", listing,
                          _expected_listing(expected))], size)
    problems = []
    foreign = [e for e in entries if e.sha256 not in set(wanted)]
    for entry in foreign:
        problems.append(exchange.evidence(
            f"zip entry {entry.name!r} ({entry.file_size:,} bytes) is not the single download "
            "of any resolved item", listing, _expected_listing(expected)))
    if len(actual) > len(wanted):
        problems.append(exchange.evidence(
            f"the zip has {len(actual)} entries for {len(wanted)} resolved items", listing))
    if not foreign and len(actual) >= distinct_items:
        missing = [e for e in expected if e.sha256 not in set(actual)]
        problems += [exchange.evidence(
            f"no zip entry holds the bytes of {e.source_file_url} ({e.filename!r})", listing)
            for e in dict.fromkeys(missing)]
    verdicts.judge("zip-entry-bytes-match-single-download", problems, size)
    if problems or len(actual) < distinct_items:
        return
    order = []
    if Counter(actual) != Counter(wanted):
        order.append(exchange.evidence(
            f"{len(wanted)} items resolved (repeats included) but the zip has {len(actual)} "
            "entries: a repeated item should repeat its entry", listing))
    elif actual != wanted:
        order.append(exchange.evidence(
            "zip entries are not in request order (the contract asks for request order as "
            "strong practice)", listing, _expected_listing(expected)))
    verdicts.judge("batch-order-and-repeats", order, size)


def _pair_entries(entries: Sequence[ZipEntryInfo], names: Sequence[str],
                  expected: Sequence[KnownExport]) -> list[tuple[str, list[KnownExport]]]:
    """Each entry's name with the items whose bytes it holds (several when bytes repeat)."""
    by_digest: dict[str | None, list[KnownExport]] = {}
    for export in expected:
        by_digest.setdefault(export.sha256, []).append(export)
    return [(name, by_digest.get(entry.sha256, []))
            for entry, name in zip(entries, names, strict=True)]


def _judge_names(exchange: Exchange, entries: Sequence[ZipEntryInfo], names: Sequence[str],
                 expected: Sequence[KnownExport], verdicts: Verdicts, listing: str) -> None:
    size = len(expected)
    taken = Counter(name_key(name) for name in names)
    must: list[Evidence] = []
    should: list[Evidence] = []
    for name, owners in _pair_entries(entries, names, expected):
        # An unsafe single-download name (F2's breach) is rightly made safe in the zip.
        filenames = [e.filename for e in owners
                     if e.filename and not filename_problems(e.filename)]
        if not filenames:
            continue
        if any(name_key(name) == name_key(f) for f in filenames):
            continue
        free = [f for f in filenames if taken[name_key(f)] == 0]
        wanted = filenames[0]
        if free:
            must.append(exchange.evidence(
                f"zip entry {name!r} should be named {free[0]!r}, its item's single-download "
                "filename: no other entry took that name", listing))
        elif not any(_is_dedup_form(name, f) for f in filenames):
            must.append(exchange.evidence(
                f"zip entry {name!r} holds the bytes of an item named {wanted!r} but its name "
                f"is not a de-duplicated form of {wanted!r}", listing))
        elif not any(extension_of(name) == extension_of(f) for f in filenames):
            should.append(exchange.evidence(
                f"zip entry {name!r} de-duplicates {wanted!r} but loses its extension "
                f"{extension_of(wanted) or '(none)'}", listing))
    verdicts.judge("zip-entry-names-follow-filenames", must, size)
    verdicts.judge("zip-dedup-keeps-extension", should, size)
    if verdicts.wants("zip-dedup-reference-form") and all(
            e.filename and not filename_problems(e.filename) for e in expected):
        reference = reference_entry_names([str(e.filename) for e in expected])
        verdicts.judge("zip-dedup-reference-form", [] if list(names) == reference else [
            exchange.evidence("entries are not named stem (n).ext with the smallest free n, in "
                              "request order", listing,
                              "expected: " + ", ".join(repr(n) for n in reference))], size)


def _is_dedup_form(name: str, wanted: str) -> bool:
    """Whether ``name`` reads as ``wanted`` made unique: it keeps the stem and differs."""
    key, wanted_key = name_key(name), name_key(wanted)
    extension = extension_of(wanted)
    stem = wanted_key[: -len(extension)] if extension else wanted_key
    return key != wanted_key and bool(stem) and stem in key


def reference_entry_names(filenames: Sequence[str]) -> list[str]:
    """The reference's names (REF): ``stem (n).ext``, smallest free ``n``, in request order.

    Written here from the rule's words, not imported from the code that builds the zips.
    """
    used: set[str] = set()
    result: list[str] = []
    for filename in filenames:
        candidate = filename
        extension = extension_of(filename)
        stem = filename[: len(filename) - len(extension)] if extension else filename
        suffix = filename[len(stem):]
        n = 0
        while name_key(candidate) in used:
            n += 1
            candidate = f"{stem} ({n}){suffix}"
        used.add(name_key(candidate))
        result.append(candidate)
    return result


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
