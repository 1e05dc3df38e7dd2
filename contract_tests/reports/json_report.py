"""The JSON report: every rule and check outcome with its evidence, for tools to read."""

from __future__ import annotations

import json
from pathlib import Path

from ..results import VerifyReport

__all__ = ["render_json", "write_json"]

FORMAT_VERSION = 2


def render_json(report: VerifyReport) -> str:
    payload = {"format": "export-contract-verify", "version": FORMAT_VERSION,
               **report.as_dict()}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def write_json(report: VerifyReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_json(report), encoding="utf-8")
