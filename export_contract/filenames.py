"""Filename rules: safe names (F2), media types (F5) and Content-Disposition (F1, F3).

The reference backend and the mock both name files through this module; the conformance
checks parse what a backend sends with their own parser and never call this code.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "DEFAULT_STEM",
    "MAX_FILENAME_BYTES",
    "ascii_fallback",
    "content_disposition",
    "extension_agrees",
    "filename_from_url",
    "guess_media_type",
    "is_safe_filename",
    "pinned_media_types",
    "preferred_extension",
    "safe_filename",
    "split_extension",
]

MAX_FILENAME_BYTES = 255
DEFAULT_STEM = "export"
OCTET_STREAM = "application/octet-stream"

# Characters no file system accepts in a name (Windows is the strictest), path separators
# included. Windows maps full-width and other compatibility forms to them by itself ("best
# fit": `．．／` saves as `../`), so names are NFKC-folded before they are checked.
_RESERVED = '<>:"/\\|?*'
_ASCII_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Controls, surrogates, private use, unassigned, and line/paragraph separators become `_`.
_REPLACED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
# Invisible characters are dropped: format characters (category Cf: zero-width spaces, the
# byte order mark, bidirectional controls that make `evil\u202efdp.exe` display as
# `evilexe.pdf`) and the other default-ignorable code points (Unicode's
# DerivedCoreProperties: fillers and variation selectors).
_DEFAULT_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]")
# Windows device names, with or without an extension and trailing spaces (superscript
# digits count: `COM¹` opens the port).
_WINDOWS_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *",
                             re.IGNORECASE)

# mimetypes varies with the host's /etc/mime.types; pin the types exports commonly have.
_PINNED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".zip": "application/zip",
    ".html": "text/html",
    ".xml": "application/xml",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".mp4": "video/mp4",
}
_PREFERRED_EXTENSION = {media_type: ext for ext, media_type in reversed(_PINNED_TYPES.items())}


def split_extension(name: str) -> tuple[str, str]:
    """`("plan", ".pdf")` for `plan.pdf`; a leading dot alone (`.env`) is not an extension."""
    dot = name.rfind(".")
    if dot <= 0 or dot == len(name) - 1:
        return name, ""
    return name[:dot], name[dot:]


def safe_filename(name: str, default_stem: str = DEFAULT_STEM) -> str:
    """A name any file system and any browser accepts (rule F2), as close to `name` as possible.

    NFKC-folded first, so what the name turns into on Windows is what gets checked; path
    separators, reserved, control and unassigned characters become `_`; invisible ones go;
    leading and trailing dots and spaces go (Windows drops them silently); device names get a
    `_` prefix; at most 255 UTF-8 bytes with the extension kept. `is_safe_filename` holds for
    the result, and a safe name comes back unchanged.
    """
    cleaned = _replace_unsafe(unicodedata.normalize("NFKC", name))
    # Dropping an invisible character can bring a combining mark next to its base: fold again.
    cleaned = unicodedata.normalize("NFKC", cleaned).strip(" .")
    if not cleaned or set(cleaned) <= {"_"}:
        _stem, ext = split_extension(cleaned)
        cleaned = default_stem + (ext if ext.strip("_") else "")
    cleaned = _truncate(cleaned, MAX_FILENAME_BYTES)
    # After the cut too: `CON` + 300 spaces + `x.pdf` loses its `x` and its spaces.
    if _is_device_name(cleaned):
        cleaned = _truncate("_" + cleaned, MAX_FILENAME_BYTES)
    return cleaned


def is_safe_filename(name: str) -> bool:
    """Whether `name`, and its NFKC form, is a name every file system and browser accepts.

    Non-empty, at most 255 UTF-8 bytes, not `.` or `..`, no reserved (`<>:"/\\|?*`),
    control, invisible, private-use or unassigned character, no trailing dot or space, not a
    Windows device name.
    """
    folded = unicodedata.normalize("NFKC", name)
    return all(
        0 < len(form.encode("utf-8", errors="surrogatepass")) <= MAX_FILENAME_BYTES
        and form.strip(" .") == form
        and _replace_unsafe(form) == form
        and not _is_device_name(form)
        for form in (name, folded)
    )


def _replace_unsafe(text: str) -> str:
    if text.isascii():  # the common case, without a look-up per character
        return _ASCII_UNSAFE.sub("_", text)
    return "".join(_safe_char(c) for c in text)


def _safe_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf" or _DEFAULT_IGNORABLE.match(char):
        return ""
    if category in _REPLACED_CATEGORIES or char in _RESERVED:
        return "_"
    return char


def _is_device_name(name: str) -> bool:
    # `CON.tar.gz` is the device as much as `CON`: Windows looks at what precedes the first dot.
    return bool(_WINDOWS_DEVICE.fullmatch(name.split(".", 1)[0]))


def _truncate(name: str, max_bytes: int) -> str:
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, ext = split_extension(name)
    if len(ext.encode("utf-8")) > max_bytes // 2:
        stem, ext = name, ""
    budget = max_bytes - len(ext.encode("utf-8"))
    # Cut on a character boundary, then drop a dangling combining mark.
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return (cut or DEFAULT_STEM) + ext


def filename_from_url(source_file_url: str) -> str:
    """The last path segment of the URL, percent-decoded and made safe; `export` if none."""
    try:
        path = urlsplit(source_file_url).path
    except ValueError:  # e.g. an unbalanced "[" taken for an IPv6 host: split it by hand
        rest = re.split(r"[?#]", source_file_url.split("://", 1)[-1], maxsplit=1)[0]
        path = rest[rest.find("/"):] if "/" in rest else ""
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    return safe_filename(unquote(segment, errors="replace"))


def guess_media_type(filename: str) -> str | None:
    _, ext = split_extension(filename)
    if not ext:
        return None
    return _PINNED_TYPES.get(ext.lower()) or mimetypes.guess_type("x" + ext.lower())[0]


def pinned_media_types() -> dict[str, str]:
    """Extension (`.pdf`) -> media type, the pinned list: the same on every host."""
    return dict(_PINNED_TYPES)


def preferred_extension(media_type: str) -> str | None:
    base = media_type.split(";", 1)[0].strip().lower()
    return _PREFERRED_EXTENSION.get(base) or mimetypes.guess_extension(base)


def extension_agrees(filename: str, media_type: str) -> bool:
    """Whether `filename`'s extension fits `media_type` (rule F5)."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base == OCTET_STREAM:
        return True
    _, ext = split_extension(filename)
    if not ext:
        return False
    ext = ext.lower()
    return guess_media_type(filename) == base or ext in mimetypes.guess_all_extensions(base)


def ascii_fallback(name: str) -> str:
    """An ASCII stand-in for `name` (rule F3): accents dropped, the rest removed.

    Built from the already-safe name, then made safe again: dropping accents can turn a safe
    name unsafe (`≮` decomposes to `<` and a combining mark, `ÇON` becomes `CON`).
    """
    stem, ext = split_extension(safe_filename(name))
    stem, ext = _ascii_only(stem), _ascii_only(ext)
    if not stem.strip(" ._"):
        stem = DEFAULT_STEM
    return safe_filename(stem + (ext if len(ext) > 1 else ""))


def _ascii_only(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = "".join(c for c in kept if c.isascii() and c.isprintable())
    # Quotes and backslashes would need escaping, and some clients decode `%` sequences.
    return ascii_only.replace('"', "_").replace("\\", "_").replace("%", "_")


def content_disposition(filename: str) -> str:
    """`attachment` with `filename` (ASCII) and, when needed, `filename*` (rules F1, F3).

    The name is made safe here too, so a name stored before a rule tightened is still sent
    safely.
    """
    name = safe_filename(filename)
    fallback = ascii_fallback(name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
