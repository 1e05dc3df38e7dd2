"""Registration rules (name and media type of a new export) and the two ways to register.

`register_via_store` writes straight into a data dir; `register_via_api` goes through a
running backend's multipart route. Both apply the same rules as the HTTP handler.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from export_contract.filenames import (
    extension_agrees,
    filename_from_url,
    guess_media_type,
    preferred_extension,
    safe_filename,
    split_extension,
)
from export_contract.source_urls import is_usable_source_url

from .storage import EmptyUpload, ExportStore, StorageFull, UploadTooLarge

__all__ = ["RegistrationError", "name_and_type", "register_via_api", "register_via_store"]

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
    """The stored filename and media type for a registration (rules F2, F5)."""
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


def register_via_store(data_dir: Path, source_url: str, file: Path, filename: str | None,
                       content_type: str | None) -> dict[str, Any]:
    check_source_url(source_url)
    name, media_type = name_and_type(source_url, filename, content_type)
    store = ExportStore(data_dir)
    try:
        with file.open("rb") as content:
            export, created = store.register(source_url, content, filename=name,
                                             content_type=media_type,
                                             max_bytes=file.stat().st_size)
    except (EmptyUpload, UploadTooLarge, StorageFull) as exc:
        raise RegistrationError(str(exc)) from exc
    return {"outcome": "registered" if created else "replaced", **export.as_json()}


def register_via_api(base_url: str, api_key: str | None, source_url: str, file: Path,
                     filename: str | None, content_type: str | None) -> dict[str, Any]:
    fields = {"sourceFileUrl": source_url}
    if filename:
        fields["filename"] = filename
    if content_type:
        fields["contentType"] = content_type
    headers = {"x-api-key": api_key} if api_key else {}
    try:
        with file.open("rb") as content:
            response = httpx.post(f"{base_url.rstrip('/')}/viewer/exports", data=fields,
                                  files={"file": (file.name, content)}, headers=headers,
                                  timeout=60)
    except httpx.HTTPError as exc:
        raise RegistrationError(f"cannot reach {base_url}: {exc}") from exc
    if response.status_code not in (200, 201):
        raise RegistrationError(f"the backend answered {response.status_code}: "
                                f"{_detail(response)}")
    payload: dict[str, Any] = response.json()
    return {"outcome": "registered" if response.status_code == 201 else "replaced", **payload}


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]
