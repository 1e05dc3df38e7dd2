"""Broken backends whose batch zip is wrong (rules Z1 to Z7, Q7, F4)."""

from __future__ import annotations

import dataclasses
import unicodedata
import zlib

from starlette.responses import Response

from .backend import Backend
from .exports import Export
from .registry import breakage
from .zips import ZipMember, build_zip

# -- batch zip: names (Z2, Z3, Z5, Z6) ---------------------------------------------------------


@breakage("zip-duplicate-names", "Z3", "entries keep their filenames, so plan.pdf appears twice")
class ZipDuplicateNames(Backend):
    def entry_names(self, filenames: list[str]) -> list[str]:
        return list(filenames)


@breakage("zip-case-only-duplicates", "Z3", "names are de-duplicated case-sensitively, so "
          "plan.pdf and Plan.PDF both stay")
class ZipCaseOnlyDuplicates(Backend):
    def collision_key(self, name: str) -> str:
        return unicodedata.normalize("NFC", name)


@breakage("zip-entry-in-folder", "Z2", "entries sit in a folder: exports/plan.pdf",
          level="SHOULD")
class ZipEntryInFolder(Backend):
    def entry_names(self, filenames: list[str]) -> list[str]:
        return [f"exports/{name}" for name in super().entry_names(filenames)]


@breakage("zip-parent-path", "Z2", "entry names climb out of the target: ../plan.pdf")
class ZipParentPath(Backend):
    def entry_names(self, filenames: list[str]) -> list[str]:
        return [f"../{name}" for name in super().entry_names(filenames)]


@breakage("zip-absolute-path", "Z2", "entry names are absolute: /plan.pdf")
class ZipAbsolutePath(Backend):
    def entry_names(self, filenames: list[str]) -> list[str]:
        return [f"/{name}" for name in super().entry_names(filenames)]


@breakage("zip-directory-entry", "Z2", "the zip holds a directory entry exports/ besides the "
          "files", level="SHOULD")
class ZipDirectoryEntry(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        return [ZipMember("exports/", is_dir=True), *super().zip_members(exports)]


@breakage("dedup-loses-extension", "Z5", "a taken name becomes 'plan.pdf (1)', losing its "
          "extension", level="SHOULD")
class DedupLosesExtension(Backend):
    def numbered(self, filename: str, n: int) -> str:
        return f"{filename} ({n})"


@breakage("zip-names-without-utf8-flag", "Z6", "non-ASCII entry names are UTF-8 bytes without "
          "flag bit 11", level="SHOULD")
class ZipNamesWithoutUtf8Flag(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        return [dataclasses.replace(member, utf8_flag=False)
                for member in super().zip_members(exports)]


# -- batch zip: archive and contents (Z1, Z4, Z7, Q7, F4) --------------------------------------


@breakage("zip-bad-crc", "Z1", "the first entry's stored CRC-32 does not match its data")
class ZipBadCrc(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        first, *rest = super().zip_members(exports)
        return [dataclasses.replace(first, crc=zlib.crc32(first.data) ^ 1), *rest]


@breakage("zip-wrong-content-type", "Z1", "the zip is sent as application/octet-stream")
class ZipWrongContentType(Backend):
    def zip_response(self, exports: list[Export]) -> Response:
        response = super().zip_response(exports)
        response.headers["content-type"] = "application/octet-stream"
        return response


@breakage("zip64-end-record-wrong", "Z7", "the batch zip ends in ZIP64 records that announce "
          "one entry more than it holds", also="Z1")
class Zip64EndRecordWrong(Backend):
    def archive(self, members: list[ZipMember]) -> bytes:
        return build_zip(members, zip64_entries=len(members) + 1)


@breakage("zip-dropped-entry", "Q7", "the last resolved item of a batch is left out of the zip")
class ZipDroppedEntry(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        members = super().zip_members(exports)
        return members[:-1] if len(members) > 1 else members


@breakage("zip-entry-bytes-differ", "Z4", "each entry gets a trailing newline the single "
          "download does not have")
class ZipEntryBytesDiffer(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        return [dataclasses.replace(member, data=member.data + b"\n")
                for member in super().zip_members(exports)]


@breakage("zip-repeats-collapsed", "Q7", "a repeated item gets one zip entry, not one per "
          "repetition", level="SHOULD")
class ZipRepeatsCollapsed(Backend):
    def zip_response(self, exports: list[Export]) -> Response:
        return super().zip_response(list(dict.fromkeys(exports)))


@breakage("batch-filename-not-zip", "F4", "the batch zip is named 'exports', without .zip")
class BatchFilenameNotZip(Backend):
    def zip_disposition(self) -> str:
        return self.content_disposition("exports")


@breakage("zip-entries-numbered", "Z5", "entries are named 1.pdf, 2.txt, ... instead of their "
          "filenames")
class ZipEntriesNumbered(Backend):
    def entry_names(self, filenames: list[str]) -> list[str]:
        return [f"{n}.{name.rpartition('.')[2]}" for n, name in enumerate(filenames, 1)]


@breakage("dedup-dash-form", "Z5", "a taken name becomes plan-1.pdf (allowed), not the "
          "reference's plan (1).pdf", level="REF")
class DedupDashForm(Backend):
    def numbered(self, filename: str, n: int) -> str:
        stem, dot, extension = filename.rpartition(".")
        return f"{stem}-{n}.{extension}" if dot and stem else f"{filename}-{n}"


@breakage("zip-sorted-by-name", "Q7", "zip entries are sorted by name instead of request order",
          level="SHOULD")
class ZipSortedByName(Backend):
    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        return sorted(super().zip_members(exports), key=lambda member: member.name.lower())
