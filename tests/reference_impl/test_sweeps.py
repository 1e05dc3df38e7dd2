"""Sweeps remove what ended processes left, and never what a live process is using."""

from __future__ import annotations

import io
import os
from pathlib import Path

from reference_impl.storage import ExportStore, SweepResult

URL = "https://canvas.example.com/files/a.pdf"


def _register(store: ExportStore, content: bytes, url: str = URL) -> str:
    export, _ = store.register(url, io.BytesIO(content), filename="a.pdf",
                               content_type="application/pdf", max_bytes=1 << 20)
    return export.sha256


def _abandoned_temp_dir(tmp_root: Path, name: str = "4242-deadbeef0000") -> Path:
    """What a process killed with -9 leaves: its lock file (nobody holds it) and its files."""
    (tmp_root / f"{name}.lock").touch()
    directory = tmp_root / name
    directory.mkdir()
    (directory / "upload-0123").write_bytes(b"half an upload")
    return directory


def test_an_ended_process_temp_files_are_swept_however_recent(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    abandoned = _abandoned_temp_dir(store.tmp_root)

    assert store.sweep() == SweepResult(temp_files=1, orphan_blobs=0)
    assert not abandoned.exists() and not abandoned.with_suffix(".lock").exists()


def test_a_store_opening_sweeps_what_a_crash_left(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    abandoned = _abandoned_temp_dir(tmp_path / "tmp", "1-crashed")
    ExportStore(tmp_path)
    assert not abandoned.exists()


def test_a_live_process_temp_files_are_never_swept(tmp_path: Path) -> None:
    writer = ExportStore(tmp_path)  # another worker on the same data dir
    in_progress = writer.tmp_dir / "upload-in-progress"
    in_progress.write_bytes(b"still arriving")
    old = 1_000_000_000  # 2001: no age makes it fair game
    os.utime(in_progress, (old, old))

    assert ExportStore(tmp_path).sweep() == SweepResult(temp_files=0, orphan_blobs=0)
    assert in_progress.read_bytes() == b"still arriving"


def test_blobs_no_export_refers_to_are_swept_and_the_others_kept(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    kept = _register(store, b"%PDF-1.4 kept")
    orphan = store.blob_dir / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"placed, never committed")

    assert store.sweep() == SweepResult(temp_files=0, orphan_blobs=1)
    assert not orphan.exists()
    assert [p.name for p in store.blob_dir.glob("*/*")] == [kept]


def test_closing_a_store_removes_its_own_temp_dir(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    (store.tmp_dir / "upload-x").write_bytes(b"x")
    store.close()
    assert list(store.tmp_root.iterdir()) == []
