"""The big-archive check (Z7): a batch zip past 4 GiB must be a valid ZIP64 archive.

It needs an export to repeat (the big fixture registered with ``--fixtures auto``) and a real
socket: the body is streamed to a temporary file, never held in memory.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import httpx

from .client import ProbeClient
from .exports import KnownExport
from .observers import BATCH_PATH
from .reproduce import curl_command
from .results import Evidence
from .verdicts import Verdicts

__all__ = ["FOUR_GIB", "run_big_archive"]

FOUR_GIB = 4 * 1024 ** 3


def run_big_archive(client: ProbeClient, verdicts: Verdicts, big: KnownExport) -> None:
    repeats = FOUR_GIB // big.size + 2
    body = {"items": [{"sourceFileUrl": big.source_file_url}] * repeats}
    url = client.url(BATCH_PATH)
    headers = client.base_headers()
    curl = curl_command("POST", url, headers, None) + (
        f"  # with a batch of {repeats} copies of {big.source_file_url}")
    request = f"POST {url}"
    with tempfile.TemporaryDirectory(prefix="export-contract-zip64-") as folder:
        path = Path(folder) / "batch.zip"
        try:
            status = client.download_to(path, "POST", url, json_body=body, headers=headers)
        except httpx.HTTPError as exc:
            verdicts.fail("zip64-when-needed", Evidence(
                f"the {repeats}-item batch (past 4 GiB) broke off: {exc}", request, None, (),
                curl))
            return
        if status != 200:
            verdicts.fail("zip64-when-needed", Evidence(
                f"a {repeats}-item batch (past 4 GiB) got {status}, not 200", request, status,
                (), curl))
            return
        problems = _zip64_problems(path, repeats)
    verdicts.judge("zip64-when-needed", [Evidence(p, request, 200, (), curl) for p in problems])


def _zip64_problems(path: Path, repeats: int) -> list[str]:
    size = path.stat().st_size
    problems = []
    with path.open("rb") as handle:
        handle.seek(max(size - 22 - 20 - 0xFFFF, 0))
        tail = handle.read()
    if b"PK\x06\x06" not in tail or b"PK\x06\x07" not in tail:
        problems.append(f"a {size}-byte archive has no ZIP64 end-of-central-directory records")
    try:
        with zipfile.ZipFile(path) as archive:
            count = len(archive.infolist())
            if count != repeats:
                problems.append(f"the archive holds {count} entries, not {repeats}")
            broken = archive.testzip()
            if broken is not None:
                problems.append(f"entry {broken!r} fails its CRC check")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        problems.append(f"the {size}-byte archive does not read as a zip: {exc}")
    return problems
