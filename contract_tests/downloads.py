"""Judging a default-mode `200`: the body is a file and its name travels safely (D1, Q6,
F1-F5)."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator

from .client import Exchange
from .content_disposition import (
    ContentDispositionError,
    fallback_problems,
    filename_problems,
    parse_content_disposition,
)
from .results import Evidence
from .showing import shown_body
from .verdicts import Verdicts

__all__ = ["extension_of", "judge_file_response"]

_ENVELOPE_KEYS = ("exportedUrl", "exportedUrls", "success")
# Media types that name the same thing; mimetypes knows only one of each pair.
_ALIASES = {
    "application/xml": "text/xml",
    "application/x-zip-compressed": "application/zip",
    "application/x-pdf": "application/pdf",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/javascript": "text/javascript",
    "application/x-javascript": "text/javascript",
    "text/x-csv": "text/csv",
    "application/csv": "text/csv",
}


def extension_of(name: str) -> str:
    """The last extension of a filename, lower-cased, with its dot ('' when there is none)."""
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem and ext else ""


def judge_file_response(exchange: Exchange, verdicts: Verdicts, *, batch: bool) -> str | None:
    """Judge a default-mode 200 and return its effective filename (``None`` if unreadable)."""
    verdicts.judge("default-mode-body-is-file", _body_problems(exchange))
    verdicts.judge("response-type-selects-mode", [exchange.evidence(
        "without responseType the answer is the URL-mode JSON envelope, not the file",
        shown_body(exchange.content))] if _looks_like_envelope(exchange.content) else [])
    if not batch:
        verdicts.judge("default-mode-media-type", _media_type_problems(exchange))
    name = _judge_disposition(exchange, verdicts, batch=batch)
    if name is not None and not batch and verdicts.wants("filename-extension-matches-type"):
        problem = _extension_problem(exchange, name)
        if problem is not None:
            verdicts.judge("filename-extension-matches-type",
                           [] if problem == "" else [exchange.evidence(problem)])
    return name


def _body_problems(exchange: Exchange) -> Iterator[Evidence]:
    content_type = exchange.headers.get("content-type")
    if not exchange.content:
        yield exchange.evidence("a default-mode 200 has an empty body")
    if content_type is None:
        yield exchange.evidence("a default-mode 200 has no Content-Type")
    elif exchange.media_type == "application/json" or exchange.media_type.endswith("+json"):
        yield exchange.evidence(
            f"a default-mode 200 is {exchange.media_type}, not the export's media type",
            f"Content-Type: {content_type}")


def _media_type_problems(exchange: Exchange) -> Iterator[Evidence]:
    """D1 (SHOULD): a generic type where the filename says what the file is."""
    if exchange.media_type not in ("", "application/octet-stream", "binary/octet-stream"):
        return
    header = exchange.headers.get("content-disposition") or ""
    try:
        name = parse_content_disposition(header).effective_filename if header else None
    except ContentDispositionError:
        name = None
    guessed = mimetypes.guess_type("x" + extension_of(name or ""), strict=False)[0]
    if name and guessed and guessed != "application/octet-stream":
        yield exchange.evidence(
            f"{name!r} is sent as {exchange.media_type or 'no Content-Type'}, not its own media "
            f"type ({guessed})", f"Content-Type: {exchange.headers.get('content-type')}")


def _looks_like_envelope(content: bytes) -> bool:
    if content[:1] not in (b"{", b" ", b"\n", b"\r", b"\t"):
        return False
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return isinstance(body, dict) and any(key in body for key in _ENVELOPE_KEYS)


def _judge_disposition(exchange: Exchange, verdicts: Verdicts, *, batch: bool) -> str | None:
    header = exchange.headers.get("content-disposition")
    if header is None:
        verdicts.fail("content-disposition-parses", exchange.evidence(
            "a default-mode 200 has no Content-Disposition header",
            "headers sent: " + ", ".join(sorted(exchange.headers.keys()))))
        return None
    try:
        parsed = parse_content_disposition(header)
    except ContentDispositionError as exc:
        verdicts.fail("content-disposition-parses", exchange.evidence(
            f"Content-Disposition does not parse by RFC 6266: {exc}",
            f"Content-Disposition: {header}"))
        return None
    verdicts.judge("content-disposition-attachment", [] if parsed.disposition_type ==
                   "attachment" else [exchange.evidence(
                       f"Content-Disposition type is {parsed.disposition_type!r}, not "
                       "'attachment'", f"Content-Disposition: {header}")])
    name = parsed.effective_filename
    verdicts.judge("content-disposition-parses", [] if name is not None else [
        exchange.evidence("Content-Disposition has neither filename nor filename*",
                          f"Content-Disposition: {header}")])
    if name is None:
        return None
    verdicts.judge("filename-safe", [exchange.evidence(
        f"unsafe filename {name!r}: {problem}", f"Content-Disposition: {header}")
        for problem in filename_problems(name)])
    if not name.isascii() or (parsed.filename is not None and any(c in parsed.filename
                                                                    for c in "\"\\")):
        verdicts.judge("filename-non-ascii-fallback", [exchange.evidence(
            f"filename {name!r}: {problem}", f"Content-Disposition: {header}")
            for problem in fallback_problems(parsed)])
    if batch:
        verdicts.judge("batch-filename-zip", [] if name.lower().endswith(".zip") else [
            exchange.evidence(f"the batch zip is named {name!r}, which does not end in .zip",
                              f"Content-Disposition: {header}")])
    return name


def _canonical(media_type: str) -> str:
    media_type = media_type.lower()
    return _ALIASES.get(media_type, media_type)


def _extension_problem(exchange: Exchange, name: str) -> str | None:
    """'' when the extension agrees, a message when it does not, None when it cannot tell."""
    media_type = _canonical(exchange.media_type)
    if not media_type or media_type == "application/octet-stream":
        return None
    extension = extension_of(name)
    known_extensions = set(mimetypes.guess_all_extensions(media_type, strict=False))
    if not extension:
        if known_extensions:
            return (f"filename {name!r} has no extension although its Content-Type is "
                    f"{media_type} ({', '.join(sorted(known_extensions))})")
        return None
    guessed, _ = mimetypes.guess_type("x" + extension, strict=False)
    if guessed is None:
        return None if not known_extensions or extension in known_extensions else (
            f"extension {extension} of {name!r} does not fit Content-Type {media_type}")
    if _canonical(guessed) == media_type or extension in known_extensions:
        return ""
    return (f"extension {extension} of {name!r} means {guessed}, but the Content-Type is "
            f"{media_type}")
