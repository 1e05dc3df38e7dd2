"""Rule Q2: what makes a `sourceFileUrl` usable, read from the spec's own schema."""

from __future__ import annotations

import functools
import re

from .spec import load_spec

__all__ = ["is_usable_source_url", "source_url_schema"]


@functools.lru_cache(maxsize=1)
def source_url_schema() -> tuple[re.Pattern[str], int]:
    schema = load_spec("reference")["components"]["schemas"]["SourceFileUrl"]
    return re.compile(schema["pattern"]), int(schema["maxLength"])


def is_usable_source_url(url: object) -> bool:
    pattern, max_length = source_url_schema()
    return isinstance(url, str) and 0 < len(url) <= max_length and bool(pattern.search(url))
