"""Rule Z7 against a real server: batches past 4 GiB and past 65,535 entries are valid ZIP64.

A 1.1 GiB blob of zeros repeated as four items makes a 4.4 GiB zip without 4.4 GiB of
disk: the exports are registered once, and the download is written as a sparse file. The
server's peak resident memory is measured during the download: it must stay flat.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from hardening_samples import BATCH
from real_clients import ARCHIVE_TOOLS, check_archive_with, curl_to_sparse_file, list_with
from server_processes import ServerProcess, peak_rss_mib, reset_peak_rss

from reference_impl.storage import ExportStore

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

GiB = 1024**3
MiB = 1024**2
BIG_URL = "https://canvas.example.com/renders/zeros.bin"
BIG_SIZE = int(1.1 * GiB)
BIG_COPIES = 4
DOT_URL = "https://canvas.example.com/files/dot.png"
DOT = b"\x89PNG\r\n\x1a\n a very small picture"
NOTE_URL = "https://canvas.example.com/files/note.txt"
NOTE = b"A short note, deflated in the zip.\n" * 3
MANY = 65_600
# Streaming a zip costs a few chunks of 1 MiB whatever its size; the server idles near 60 MiB.
FLAT_RSS_MIB = 150
# Past 65,535 entries the request's JSON and the zip's central directory are held in memory
# (about 1.3 KiB per item), so that batch gets a budget of its own.
MANY_ENTRIES_RSS_MIB = 200


class _Zeros:
    """A file-like object reading as `size` zero bytes."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, count: int = -1) -> bytes:
        count = self.left if count < 0 else min(count, self.left)
        self.left -= count
        return bytes(count)


def _register(store: ExportStore, url: str, content: object, name: str, content_type: str,
              size: int) -> None:
    store.register(url, cast(BinaryIO, content), filename=name, content_type=content_type,
                   max_bytes=size)


@pytest.fixture(scope="module")
def zip64_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("zip64-data")
    store = ExportStore(data_dir)
    _register(store, BIG_URL, _Zeros(BIG_SIZE), "zeros.bin", "application/octet-stream",
              BIG_SIZE)
    _register(store, DOT_URL, io.BytesIO(DOT), "dot.png", "image/png", len(DOT))
    _register(store, NOTE_URL, io.BytesIO(NOTE), "note.txt", "text/plain", len(NOTE))
    env = {"EXPORT_MAX_BODY_BYTES": str(16 * MiB)}
    try:
        with ServerProcess(["serve", "--no-auth", "--data-dir", str(data_dir),
                            "--max-items", str(MANY)], env=env) as server:
            yield server
    finally:
        # pytest keeps the temp folders of recent runs: do not leave 1.1 GiB in each.
        shutil.rmtree(data_dir, ignore_errors=True)


def _download(server: ServerProcess, urls: list[str], folder: Path
              ) -> tuple[Path, dict[str, str], float]:
    body = folder / "batch.json"
    body.write_text(json.dumps({"items": [{"sourceFileUrl": url} for url in urls]}))
    reset_peak_rss(server.pid)
    archive = folder / "exports.zip"
    headers = curl_to_sparse_file(server.base_url + BATCH, archive, body_file=body)
    return archive, headers, peak_rss_mib(server.pid)


def _zip64_end_records(archive: Path) -> tuple[int, int]:
    """(entries, central directory offset) from the ZIP64 end of central directory record."""
    with archive.open("rb") as opened:
        opened.seek(-(22 + 20), io.SEEK_END)
        locator = opened.read(20)
        assert locator[:4] == b"PK\x06\x07", "no ZIP64 end of central directory locator"
        (record_offset,) = struct.unpack("<Q", locator[8:16])
        opened.seek(record_offset)
        record = opened.read(56)
    assert record[:4] == b"PK\x06\x06", "no ZIP64 end of central directory record"
    entries, _size, offset = struct.unpack("<QQQ", record[32:56])
    return entries, offset


def test_batch_past_four_gib_is_a_valid_zip64_archive(zip64_server: ServerProcess,
                                                      tmp_path: Path) -> None:
    urls = [BIG_URL] * BIG_COPIES + [DOT_URL]
    archive, headers, peak = _download(zip64_server, urls, tmp_path)

    size = archive.stat().st_size
    assert size > 4 * GiB
    assert headers["content-type"] == "application/zip"
    assert int(headers["content-length"]) == size  # stored entries only: sized in advance
    entries, directory_offset = _zip64_end_records(archive)
    assert entries == BIG_COPIES + 1 and directory_offset > 4 * GiB
    with zipfile.ZipFile(archive) as opened:
        infos = opened.infolist()
        assert [i.file_size for i in infos] == [BIG_SIZE] * BIG_COPIES + [len(DOT)]
        # The last entry starts past 4 GiB: only a ZIP64 extra field can say where.
        assert infos[-1].header_offset > 4 * GiB
        assert opened.read(infos[-1]) == DOT
    expected = ["zeros.bin", "zeros (1).bin", "zeros (2).bin", "zeros (3).bin", "dot.png"]
    for tool in ARCHIVE_TOOLS:
        check_archive_with(tool, archive)
        assert list_with(tool, archive) == expected
    assert peak < FLAT_RSS_MIB, f"server peak RSS {peak:.0f} MiB while streaming 4.4 GiB"


def test_batch_past_65535_entries_is_a_valid_zip64_archive(zip64_server: ServerProcess,
                                                           tmp_path: Path) -> None:
    # Stored and deflated entries alternate: no Content-Length, data descriptors, ZIP64.
    urls = [DOT_URL, NOTE_URL] * (MANY // 2)
    archive, headers, peak = _download(zip64_server, urls, tmp_path)

    assert "content-length" not in headers
    entries, _ = _zip64_end_records(archive)
    assert entries == MANY
    expected = ["dot.png", "note.txt"] + [
        f"{stem} ({n}).{ext}" for n in range(1, MANY // 2) for stem, ext in
        (("dot", "png"), ("note", "txt"))]
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == expected
        assert opened.read(f"dot ({MANY // 2 - 1}).png") == DOT
        assert opened.read(f"note ({MANY // 2 - 1}).txt") == NOTE
    for tool in ARCHIVE_TOOLS:
        check_archive_with(tool, archive)
        assert list_with(tool, archive) == expected
    assert peak < MANY_ENTRIES_RSS_MIB, f"server peak RSS {peak:.0f} MiB for {MANY} entries"
