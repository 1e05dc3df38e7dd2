"""Deliberate, realistic bugs, one at a time (``create_app(bug=...)`` or ``BUG=name``), so the
tests can check that the conformance gate catches each one and blames the right rule."""

from __future__ import annotations

__all__ = ["BUGS", "checked_bug"]

BUGS: dict[str, str] = {
    "dedup-forgotten": "zip entries keep their filenames, so colliding names repeat",
    "dedup-case-sensitive": "zip names are de-duplicated by exact string, not after NFC and "
                            "case folding",
    "raw-filename": 'Content-Disposition carries the raw UTF-8 name in filename="…" without '
                    "filename*",
    "framework-filename": "Content-Disposition left to FileResponse(filename=...): filename* "
                          "alone, no ASCII fallback",
    "cors-no-expose": "CORS without expose_headers=['Content-Disposition']",
    "unknown-500": "the single route looks the export up with [] and crashes on an unknown one",
    "key-one-route": "the API key dependency is on the single route only",
    "default-422": "no RequestValidationError handler: FastAPI's default 422 for bad bodies",
    "zip-unclosed": "the zip bytes are taken inside the with block, before the central "
                    "directory is written",
    "exported-url-needs-key": "the exported-file route sits on the router that needs the key",
}


def checked_bug(name: str | None) -> str | None:
    """``None`` for the correct backend, else a known bug name; anything else is an error."""
    if not name:
        return None
    if name not in BUGS:
        raise ValueError(f"unknown bug {name!r}; known: {', '.join(BUGS)}")
    return name
