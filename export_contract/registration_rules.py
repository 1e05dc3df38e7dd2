"""How a registration names its export (CONTRACT.md, "Registration"; rules F2, F5).

Shared by every app that offers the registration routes, so an export registered on the
reference backend and on the mock gets the same filename and media type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile

from .filenames import (
    extension_agrees,
    filename_from_url,
    guess_media_type,
    preferred_extension,
    safe_filename,
    split_extension,
)
from .source_urls import is_usable_source_url

__all__ = [
    "OCTET_STREAM",
    "RegistrationError",
    "RegistrationForm",
    "check_source_url",
    "name_and_type",
    "read_registration_form",
    "registration_fields",
]

OCTET_STREAM = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class RegistrationError(ValueError):
    """A registration that cannot be accepted; the message says what to fix."""


def check_source_url(url: str) -> None:
    if not is_usable_source_url(url):
        raise RegistrationError("sourceFileUrl: expected an absolute http(s) URL of at most "
                                f"2048 characters, got {url[:60]!r}.")


def name_and_type(url: str, filename: str | None, content_type: str | None,
                  part_type: str | None = None) -> tuple[str, str]:
    """The stored filename and media type for a registration (rules F2, F5).

    Without `filename` the name is the URL's last path segment, made safe; without
    `content_type` the type is guessed from the name, then taken from the upload part's own
    type. A name without a known extension gets the type's extension.
    """
    if content_type and not _MEDIA_TYPE.match(content_type):
        raise RegistrationError("contentType: expected a media type such as application/pdf, "
                                f"got {content_type[:60]!r}.")
    name = safe_filename(filename) if filename else filename_from_url(url)
    media_type = (content_type or "").lower() or guess_media_type(name)
    if media_type is None and part_type and not part_type.lower().startswith(OCTET_STREAM):
        media_type = part_type.split(";", 1)[0].strip().lower()
    media_type = media_type or OCTET_STREAM
    if not split_extension(name)[1] or guess_media_type(name) is None:
        # No (known) extension: add the type's own, so the saved file opens correctly.
        extension = preferred_extension(media_type)
        if extension and not extension_agrees(name, media_type):
            name = safe_filename(name + extension)
    if not extension_agrees(name, media_type):
        raise RegistrationError(f"filename {name!r} does not fit contentType {media_type}; give "
                                "a filename with a matching extension or drop contentType.")
    return name, media_type


@dataclass(frozen=True)
class RegistrationForm:
    """A registration request's fields, checked and named by the rules above."""

    source_file_url: str
    filename: str
    content_type: str
    file: UploadFile


def read_registration_form(body: dict[str, Any], file: object) -> RegistrationForm:
    """The multipart fields of `POST /viewer/exports`, or a RegistrationError saying what to fix."""
    upload = file if isinstance(file, UploadFile) else None
    url, filename, content_type = registration_fields(
        body, has_file=upload is not None, part_type=upload.content_type if upload else None)
    assert upload is not None
    return RegistrationForm(url, filename, content_type, upload)


def registration_fields(fields: Mapping[str, Any], *, has_file: bool, part_type: str | None
                        ) -> tuple[str, str, str]:
    """The source URL, filename and media type a registration form names (`fields`: its
    text fields; `has_file`: whether it had a file part named `file`, of type `part_type`).

    Raises RegistrationError saying what to fix.
    """
    url = _form_text(fields, "sourceFileUrl")
    if not url:
        raise RegistrationError("sourceFileUrl: missing required form field (an absolute "
                                "http(s) URL of at most 2048 characters).")
    if not has_file:
        raise RegistrationError("file: missing required form field; send the export's bytes "
                                "as a file part named 'file'.")
    check_source_url(url)
    filename, content_type = name_and_type(url, _form_text(fields, "filename"),
                                           _form_text(fields, "contentType"), part_type)
    return url, filename, content_type


def _form_text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) else ""
