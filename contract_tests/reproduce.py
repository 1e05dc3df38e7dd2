"""Turn a failing check's request into a curl line a user can paste into a POSIX shell.

The line prints the response headers and discards the body, since a check's verdict almost
always turns on the status and headers. Secrets never appear in it: a redacted header reads its
value from ``$EXPORT_API_KEY`` instead.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Set

__all__ = ["curl_command"]

_SECRET_VARIABLE = "$EXPORT_API_KEY"
# Names this plain need no quoting inside double quotes, so the line stays readable.
_PLAIN_HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")
_PRINTABLE_ASCII = frozenset(range(0x20, 0x7F))


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    json_body: object | None,
    redact: Set[str] = frozenset({"x-api-key"}),
    *,
    raw_body: bytes | None = None,
) -> str:
    """Build one shell-safe curl line that repeats the request.

    ``json_body`` is sent as JSON (``None`` means no body); ``raw_body`` sends exact bytes
    instead, for requests that are not JSON at all (including a literal ``null``). Values of
    headers named in ``redact`` (any case) become ``$EXPORT_API_KEY``, except an empty value,
    which is kept because it is what the request was about. Pass an empty ``redact`` when the
    key sent was a deliberately wrong one, or the line would repeat a different request.
    """
    if json_body is not None and raw_body is not None:
        raise ValueError("give json_body or raw_body, not both")
    redacted = {name.lower() for name in redact}
    words = ["curl", "-sS", "--globoff", "-o", "/dev/null", "-D", "-"]
    words += _method_words(method)
    words += [
        word for name, value in headers.items() for word in _header_words(name, value, redacted)
    ]
    prefix = ""
    has_content_type = any(name.lower() == "content-type" for name in headers)
    if json_body is not None:
        if not has_content_type:
            words += ["-H", shlex.quote("content-type: application/json")]
        words += ["--data-raw", shlex.quote(json.dumps(json_body))]
    elif raw_body is not None:
        if not has_content_type:
            # Otherwise curl adds its own form content type, which the request did not have.
            words += ["-H", shlex.quote("content-type:")]
        prefix, body_words = _raw_body_words(raw_body)
        words += body_words
    words.append(shlex.quote(url))
    return prefix + " ".join(words)


def _method_words(method: str) -> list[str]:
    method = method.upper()
    if method == "HEAD":
        # "-X HEAD" makes curl wait for a body that never comes.
        return ["--head"]
    return ["-X", shlex.quote(method)]


def _header_words(name: str, value: str, redacted: set[str]) -> list[str]:
    if value == "":
        # "name:" would make curl drop the header; "name;" sends it empty.
        return ["-H", shlex.quote(f"{name};")]
    if name.lower() not in redacted:
        return ["-H", shlex.quote(f"{name}: {value}")]
    if _PLAIN_HEADER_NAME.fullmatch(name):
        return ["-H", f'"{name}: {_SECRET_VARIABLE}"']
    # Any other token character (such as "$" or "`") is only safe inside single quotes.
    return ["-H", shlex.quote(f"{name}: ") + f'"{_SECRET_VARIABLE}"']


def _raw_body_words(body: bytes) -> tuple[str, list[str]]:
    """Return a pipe prefix and curl words that send ``body`` byte for byte."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\0" not in text:
        return "", ["--data-raw", shlex.quote(text)]
    # A NUL or invalid UTF-8 cannot travel in an argument: let printf write the bytes.
    return f"printf {shlex.quote(_printf_format(body))} | ", ["--data-binary", "@-"]


def _printf_format(body: bytes) -> str:
    parts = []
    for byte in body:
        if byte == ord("%"):
            parts.append("%%")
        elif byte in _PRINTABLE_ASCII and byte != ord("\\"):
            parts.append(chr(byte))
        else:
            parts.append(f"\\{byte:03o}")
    return "".join(parts)
