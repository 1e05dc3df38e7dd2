"""bench/zip_stream.py summarises its rounds as the issue's targets ask (no timing here)."""

from __future__ import annotations

import os

from bench_scripts import load_bench_script

GiB = 1024**3


def test_rounds_summarise_as_best_throughput_and_median_cpu_per_gib() -> None:
    bench = load_bench_script("zip_stream")
    download = bench.Download
    zipped = bench.Measured((download(200, GiB, 0.010, 2.0), download(200, GiB, 0.030, 1.0),
                             download(200, GiB, 0.020, 4.0)), (0.5, 0.9, 0.6), 70.0)
    single = bench.Measured((download(200, GiB, 0.002, 1.0),) * 3, (0.5, 0.5, 0.5))
    figures = bench.ZipStreamFigures(3, 10, zipped, single, single)
    assert zipped.best_mib_per_s == 1024
    assert zipped.cpu_s_per_gib == 0.6
    assert round(zipped.first_byte_ms) == 20
    assert figures.throughput_ratio == 1.0 and round(figures.cpu_ratio, 2) == 1.2
    assert "zip / single: throughput 1.00x" in figures.report()


def test_cpu_seconds_come_from_proc_and_grow_with_work() -> None:
    bench = load_bench_script("zip_stream")
    before = bench.cpu_seconds(os.getpid())
    total = 0
    while bench.cpu_seconds(os.getpid()) - before < 0.02:
        total += sum(range(10_000))
    assert total > 0
