"""bench/upload.py runs end to end on a small upload and finds nothing on a bucket
instance's disk (its figures are printed, not asserted)."""

from __future__ import annotations

from bench_scripts import load_bench_script


def test_a_small_run_uploads_into_both_stores_and_none_onto_the_bucket_instances_disk() -> None:
    report, ok = load_bench_script("upload").run(mib=12, rounds=1)
    assert ok, report
    lines = report.splitlines()
    assert lines[0].startswith("directory: 12 MiB in ")
    assert lines[1].startswith("bucket: 12 MiB in ")
    assert lines[1].endswith("most in the data dir while uploading 0.0 MiB")
    assert lines[2].startswith("boto3 straight to the bucket: ")
