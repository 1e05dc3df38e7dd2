"""The two ways to register an export outside the HTTP handler (`export-contract register`).

`register_via_store` writes straight into a data dir; `register_via_api` goes through a
running backend's multipart route. Both name exports by the shared registration rules;
`register_export` picks one of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from export_contract.registration_rules import (
    RegistrationError,
    check_source_url,
    name_and_type,
)
from export_contract.settings import Settings

from .storage import EmptyUpload, ExportStore, StorageError, UploadTooLarge, open_store

__all__ = ["RegistrationError", "register_export", "register_via_api", "register_via_store"]


def register_export(source_url: str, file: Path, *, filename: str | None = None,
                    content_type: str | None = None, base_url: str | None = None,
                    api_key: str | None = None, data_dir: Path | None = None,
                    environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Register `file` through the backend at `base_url`, or straight into `data_dir`.

    Exactly one of the two must be given (ValueError otherwise). Through the API, the key is
    `api_key`, else the first of EXPORT_API_KEYS.
    """
    if (base_url is None) == (data_dir is None):
        raise ValueError("give exactly one of --base-url (through the API) or --data-dir")
    if data_dir is not None:
        # The database and blob store the backend uses (EXPORT_DATABASE_URL,
        # EXPORT_BLOB_STORE), so a data dir of an instance on shared storage is not bypassed.
        try:
            settings = dataclasses.replace(Settings().with_env(environ), data_dir=data_dir)
        except ValueError as exc:
            raise RegistrationError(str(exc)) from exc
        return register_via_store(data_dir, source_url, file, filename, content_type,
                                  settings=settings)
    assert base_url is not None
    key = api_key or next(iter(Settings().with_env(environ).api_keys), None)
    return register_via_api(base_url, key, source_url, file, filename, content_type)


def register_via_store(data_dir: Path, source_url: str, file: Path, filename: str | None,
                       content_type: str | None, *, settings: Settings | None = None
                       ) -> dict[str, Any]:
    check_source_url(source_url)
    name, media_type = name_and_type(source_url, filename, content_type)
    try:
        store = open_store(settings) if settings is not None else ExportStore(data_dir)
        with store, file.open("rb") as content:
            export, created = store.register(source_url, content, filename=name,
                                             content_type=media_type,
                                             max_bytes=file.stat().st_size)
    except (EmptyUpload, UploadTooLarge, StorageError) as exc:
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
