"""Reading any OpenAPI 3 spec from a file: parse (YAML or JSON), validate, dereference.

`spec.py` loads our own bundled spec; this module loads somebody else's (or a modified copy
of ours) and says precisely why it cannot be used.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

__all__ = ["SpecFileError", "dereference", "parse_spec_text", "read_spec_file", "read_spec_text",
           "validate_spec"]


class SpecFileError(Exception):
    """The spec cannot be read, does not parse, or is not a valid OpenAPI 3 document."""


def read_spec_file(path: Path) -> dict[str, Any]:
    """The validated spec in `path` (YAML or JSON), its `$ref`s left as they are."""
    return parse_spec_text(read_spec_text(path), source=str(path))


def read_spec_text(path: Path) -> str:
    """The text of a spec file, or `SpecFileError` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise SpecFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def parse_spec_text(text: str, *, source: str = "spec") -> dict[str, Any]:
    """The validated spec in `text`; YAML is a superset of JSON, so either parses."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecFileError(f"{source}: neither YAML nor JSON ({_one_line(exc)})") from exc
    if not isinstance(data, dict):
        raise SpecFileError(f"{source}: not an OpenAPI document (the top level is not a mapping)")
    validate_spec(data, source=source)
    return data


def validate_spec(spec: Mapping[str, Any], *, source: str = "spec") -> None:
    """Raise `SpecFileError` unless `spec` is a valid OpenAPI 3.x document."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.exceptions import OpenAPISpecValidatorError
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    version = spec.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = f"openapi: {version!r}" if "openapi" in spec else "no `openapi` field"
        raise SpecFileError(f"{source}: not an OpenAPI 3.x document ({found})")
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        where = "/".join(str(part).replace("~", "~0").replace("/", "~1")
                         for part in exc.absolute_path)
        message = exc.message.strip().splitlines()[0] if exc.message.strip() else "invalid"
        raise SpecFileError(f"{source}: invalid OpenAPI at /{where}: {message}") from exc
    except Unresolvable as exc:
        raise SpecFileError(f"{source}: a $ref points nowhere ({_one_line(exc)})") from exc
    except OpenAPISpecValidatorError as exc:
        raise SpecFileError(f"{source}: invalid OpenAPI ({_one_line(exc)})") from exc


def dereference(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `spec` with every local `$ref` replaced by what it points to.

    A recursive reference is left as a `$ref` where it would recurse; remote references
    (`other.yaml#/...`) are left alone.
    """

    def resolve(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                if ref in seen:
                    return dict(node)
                return resolve(_pointer(spec, ref), seen | {ref})
            return {key: resolve(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return copy.copy(node)

    resolved: dict[str, Any] = resolve(dict(spec), frozenset())
    return resolved


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    node: Any = document
    fragment = unquote(ref[1:])
    for raw in fragment.split("/")[1:] if fragment else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SpecFileError(f"$ref {ref!r} points nowhere")
    return node


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
