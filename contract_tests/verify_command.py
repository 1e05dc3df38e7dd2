"""What ``export-contract verify`` does once click has parsed the flags.

Kept out of the CLI module so the command stays a thin wrapper: merge config and flags, run,
print the table, write the reports, and return the exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from .config import VerifySettings, read_config, settings_from
from .errors import VerifyError
from .reports import progress_line, render_console, write_json, write_junit
from .results import Progress, VerifyReport
from .runner import run_verify

__all__ = ["ProgressPrinter", "parse_id_list", "run_verify_command"]


class ProgressPrinter:
    """Progress on one rewritten line on a terminal; one line per phase elsewhere (CI logs)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.width = 0

    def __call__(self, progress: Progress) -> None:
        line = progress_line(progress)
        if self.live:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        elif progress.done == 0:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def run_verify_command(flags: Mapping[str, Any], config_path: Path | None, *,
                       echo: Callable[[str], None] = print,
                       err: TextIO | None = None) -> int:
    """Run verify for the CLI; return its exit status (0 pass, 1 rule broken, 2 usage/unreachable).

    ``flags`` maps option field names (``base_url``, ``source_urls``, ``junit_xml``, ...) to
    values, ``None`` for a flag that was not given.
    """
    err = err or sys.stderr
    try:
        config = read_config(config_path) if config_path is not None else {}
        settings = settings_from(config, flags)
        printer = ProgressPrinter(err)
        try:
            report = run_verify(settings.options, progress=printer)
        finally:
            printer.finish()
    except VerifyError as exc:
        err.write(f"export-contract verify: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("export-contract verify: interrupted\n")
        return 2
    echo(render_console(report).rstrip("\n"))
    try:
        _write_reports(settings, report)
    except OSError as exc:
        err.write(f"export-contract verify: error: cannot write a report: {exc}\n")
        return 2
    return report.exit_code


def _write_reports(settings: VerifySettings, report: VerifyReport) -> None:
    if settings.junit_xml is not None:
        write_junit(report, settings.junit_xml)
    if settings.report is not None:
        write_json(report, settings.report)


def parse_id_list(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--checks a,b --checks c`` -> ``("a", "b", "c")``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())

