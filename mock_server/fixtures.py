"""Loading named exports for `--fixtures`: a folder, or a YAML/JSON file.

A file (YAML or JSON) lists exports, either as a top-level list or under `exports:`::

    exports:
      - sourceFileUrl: https://canvas.example.com/files/floor-plan.pdf
        file: files/floor-plan.pdf        # relative to this file
        filename: Floor plan.pdf           # optional (default: the URL's last path segment)
        contentType: application/pdf       # optional (default: guessed from the filename)
      - sourceFileUrl: https://canvas.example.com/files/notes.txt
        text: "Inline content"             # instead of file
      - sourceFileUrl: https://canvas.example.com/files/photo.jpg
                                           # neither: a generated file of the right type

A folder holding `exports.yaml`, `exports.yml` or `exports.json` is read through that file.
Any other folder serves each of its files (recursively, hidden ones skipped) under
`https://canvas.example.com/files/<relative path>`.

Names and media types follow the registration rules, so a fixture is named exactly as the
same file registered through `POST /viewer/exports` would be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from export_contract.registration_rules import RegistrationError, check_source_url, name_and_type

from .catalog import MockExport
from .content import generate

__all__ = ["FOLDER_BASE_URL", "MANIFEST_NAMES", "FixtureError", "load_fixtures"]

FOLDER_BASE_URL = "https://canvas.example.com/files/"
MANIFEST_NAMES = ("exports.yaml", "exports.yml", "exports.json")


class FixtureError(ValueError):
    """A fixture that cannot be loaded; the message names the file and the entry."""


def load_fixtures(path: Path, seed: int = 0) -> list[MockExport]:
    if path.is_dir():
        for name in MANIFEST_NAMES:
            if (path / name).is_file():
                return _load_manifest(path / name, seed)
        return list(_load_folder(path))
    if path.is_file():
        return _load_manifest(path, seed)
    raise FixtureError(f"fixtures {path}: no such file or folder")


def _load_folder(folder: Path) -> Iterator[MockExport]:
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if not file.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        url = FOLDER_BASE_URL + "/".join(quote(part, safe="") for part in relative.parts)
        yield _export(url, file.read_bytes(), None, None, where=str(file))


def _load_manifest(path: Path, seed: int) -> list[MockExport]:
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise FixtureError(f"fixtures {path}: cannot read it: {exc}") from exc
    entries = document.get("exports") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise FixtureError(f"fixtures {path}: expected a list of exports (or `exports:` "
                           "holding one)")
    return [_entry(path, index, entry, seed) for index, entry in enumerate(entries)]


def _entry(path: Path, index: int, entry: Any, seed: int) -> MockExport:
    where = f"{path} entry {index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("sourceFileUrl"), str):
        raise FixtureError(f"fixtures {where}: each entry needs a sourceFileUrl")
    url: str = entry["sourceFileUrl"]
    filename = _optional_text(entry, "filename", where)
    content_type = _optional_text(entry, "contentType", where)
    file = _optional_text(entry, "file", where)
    text = _optional_text(entry, "text", where)
    if file is not None and text is not None:
        raise FixtureError(f"fixtures {where}: give file or text, not both")
    content: bytes | None = None
    if file is not None:
        try:
            content = (path.parent / file).read_bytes()
        except OSError as exc:
            raise FixtureError(f"fixtures {where}: cannot read file {file!r}: "
                               f"{exc.strerror}") from exc
    elif text is not None:
        content = text.encode("utf-8")
    return _export(url, content, filename, content_type, where=where, seed=seed)


def _export(url: str, content: bytes | None, filename: str | None, content_type: str | None,
            *, where: str, seed: int = 0) -> MockExport:
    try:
        check_source_url(url)
        name, media_type = name_and_type(url, filename, content_type)
    except RegistrationError as exc:
        raise FixtureError(f"fixtures {where}: {exc}") from exc
    if content is None:
        content = generate(name, media_type, url, seed)
    if not content:
        raise FixtureError(f"fixtures {where}: the file is empty; exports need at least one byte")
    return MockExport(url, name, media_type, content)


def _optional_text(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FixtureError(f"fixtures {where}: {key} must be a non-empty string")
    return value
