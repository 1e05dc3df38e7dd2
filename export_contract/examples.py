"""Copy-paste curl commands for the four route variants, printed by both servers on start."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence

__all__ = ["curl_examples"]


def curl_examples(base_url: str, api_key: str | None, source_urls: Sequence[str]) -> str:
    single = source_urls[0]
    batch = [*list(source_urls), "https://unknown.invalid/missing.pdf"]
    single_body = json.dumps({"sourceFileUrl": single}, ensure_ascii=False)
    batch_body = json.dumps({"items": [{"sourceFileUrl": u} for u in batch]}, ensure_ascii=False)
    key = f" -H {shlex.quote('x-api-key: ' + api_key)}" if api_key else ""
    head = f"curl -sS{key} -H 'Content-Type: application/json'"
    lines = [
        "# single file (saved under the name from Content-Disposition):",
        f"{head} -OJ -d {shlex.quote(single_body)} {base_url}/viewer/exports/download",
        "# single, URL mode:",
        f"{head} -d {shlex.quote(single_body)} "
        f"'{base_url}/viewer/exports/download?responseType=urls'",
        "# batch zip (colliding names are numbered, the unknown item is left out):",
        f"{head} -OJ -d {shlex.quote(batch_body)} {base_url}/viewer/exports/download-batch",
        "# batch, URL mode (the unknown item is listed in skipped):",
        f"{head} -d {shlex.quote(batch_body)} "
        f"'{base_url}/viewer/exports/download-batch?responseType=urls'",
    ]
    return "\n".join(lines)
