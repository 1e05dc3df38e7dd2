"""The console's in-page zip reader (`static/zip-reader.js`) on zips Python's writer made:
stored and deflated entries, names with and without the UTF-8 flag, ZIP64 end records, and
bytes that are no zip at all. Run under Node, which has the same DataView and
DecompressionStream as the browser."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from node_runtime import require_node

SCRIPT = Path(__file__).resolve().parent / "js" / "read_zip.mjs"


def _read(path: Path, read: str = "") -> Any:
    node = require_node("the console's zip reader test")
    result = subprocess.run([node, str(SCRIPT)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ZIP_PATH": str(path), "READ": read})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_zip_reader_lists_stored_and_deflated_entries_and_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "mixed.zip"
    manifest = json.dumps({"results": [], "summary": {"total": 0}}) * 20
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("résumé.txt", "plain", compress_type=zipfile.ZIP_STORED)
        archive.writestr("floor-plan (1).pdf", b"%PDF-1.4" * 100,
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.comment = b"a comment after the central directory"
    read = _read(path, "manifest.json")
    assert read["entries"] == [["manifest.json", len(manifest)], ["résumé.txt", 5],
                               ["floor-plan (1).pdf", 800]]
    assert read["text"] == manifest


def test_zip_reader_follows_a_zip64_end_record(tmp_path: Path) -> None:
    # More than 65535 entries: the classic end record cannot count them, ZIP64's does.
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for index in range(65_540):
            archive.writestr(f"{index}.txt", b"")
        archive.writestr("last.txt", b"the end")
    read = _read(path, "last.txt")
    assert len(read["entries"]) == 65_541 and read["text"] == "the end"


def test_zip_reader_says_when_the_bytes_are_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "not.zip"
    path.write_bytes(b"%PDF-1.4 not a zip at all" * 10)
    assert _read(path) == {"error": "This is not a zip: no end-of-central-directory record."}
