"""The documentation model: every operation of a spec, split into its route variants.

A *variant* is one way of calling an operation that changes what it answers. An optional query
parameter with an `enum` selects one (ours: `responseType=urls`): the variant without it is the
default (binary) mode and answers the binary media types of the success response; the variant
with it answers the JSON ones. OpenAPI cannot tie a media type to a query value, so this split
is how the contract documents it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from export_contract.spec_files import dereference

__all__ = [
    "Example",
    "Field",
    "Header",
    "MediaExample",
    "Operation",
    "Parameter",
    "Status",
    "Variant",
    "operations_from_spec",
]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_JSON_TYPES = ("application/json", "application/problem+json")


@dataclass(frozen=True)
class Example:
    name: str
    summary: str
    value: Any

    @property
    def text(self) -> str:
        """The example as it goes over the wire (JSON pretty-printed, anything else as is)."""
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class MediaExample:
    media_type: str
    example: Example | None
    binary: bool


@dataclass(frozen=True)
class Field:
    """One property of a request body (nested ones with a dotted name, `items[].x`)."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    example: str | None


@dataclass(frozen=True)
class Status:
    code: str
    description: str
    media: tuple[MediaExample, ...]
    headers: tuple[Header, ...] = ()

    @property
    def is_success(self) -> bool:
        return self.code.startswith("2")

    @property
    def media_types(self) -> tuple[str, ...]:
        return tuple(item.media_type for item in self.media)

    @property
    def example(self) -> Example | None:
        """The first example of a structured (JSON) body, e.g. an error's problem details."""
        return next((m.example for m in self.media if m.example and not m.binary), None)


@dataclass(frozen=True)
class Variant:
    """An operation called one way: with or without the selecting query value."""

    operation_id: str
    method: str
    base_path: str
    path: str
    mode: str
    query: dict[str, str]
    request_media_type: str | None
    request_examples: tuple[Example, ...]
    success: tuple[MediaExample, ...]
    success_headers: tuple[Header, ...]

    @property
    def key(self) -> str:
        """A stable name for the variant, e.g. `downloadExport` or `downloadExport-urls`."""
        values = "-".join(self.query.values())
        return f"{self.operation_id}-{values}" if values else self.operation_id

    @property
    def url_path(self) -> str:
        """The path and query below the base URL, e.g. `/viewer/exports/download?x=y`."""
        query = "&".join(f"{name}={value}" for name, value in self.query.items())
        return f"{self.path}?{query}" if query else self.path

    @property
    def full_url_path(self) -> str:
        """The path and query including the server prefix, e.g. `/api/viewer/...`."""
        return self.base_path + self.url_path

    @property
    def binary(self) -> bool:
        """Whether a success is a file (read as a blob) rather than JSON."""
        return any(item.binary for item in self.success)

    @property
    def json_request(self) -> bool:
        return self.request_media_type == "application/json"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    base_path: str
    path: str
    summary: str
    description: str
    tags: tuple[str, ...]
    secured: bool
    parameters: tuple[Parameter, ...]
    request_fields: tuple[Field, ...]
    statuses: tuple[Status, ...]
    variants: tuple[Variant, ...] = field(default=())

    @property
    def full_path(self) -> str:
        return self.base_path + self.path


def operations_from_spec(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation of `spec`, in the spec's order, with its variants."""
    resolved = dereference(spec)
    base = _base_path(resolved)
    global_security = resolved.get("security") or []
    found = []
    for path, path_item in (resolved.get("paths") or {}).items():
        shared = path_item.get("parameters") or []
        for method, raw in path_item.items():
            if method in _METHODS and isinstance(raw, dict):
                found.append(_operation(base, path, method, raw, shared, global_security))
    return found


def _operation(base_path: str, path: str, method: str, raw: dict[str, Any], shared: list[Any],
               global_security: list[Any]) -> Operation:
    operation_id = str(raw.get("operationId") or f"{method} {path}")
    raw_parameters = [*shared, *(raw.get("parameters") or [])]
    security = raw.get("security", global_security) or []
    request_body = raw.get("requestBody") or {}
    statuses = tuple(_status(code, response)
                     for code, response in (raw.get("responses") or {}).items())
    operation = Operation(
        operation_id=operation_id,
        method=method.upper(),
        base_path=base_path,
        path=path,
        summary=str(raw.get("summary") or operation_id),
        description=str(raw.get("description") or "").strip(),
        tags=tuple(str(tag) for tag in raw.get("tags") or ()),
        secured=any(bool(requirement) for requirement in security),
        parameters=tuple(_parameter(p) for p in raw_parameters),
        request_fields=_request_fields(request_body),
        statuses=statuses,
    )
    return dataclasses.replace(
        operation, variants=tuple(_variants(operation, raw_parameters, request_body)))


def _variants(operation: Operation, parameters: list[dict[str, Any]],
              request_body: dict[str, Any]) -> list[Variant]:
    content = request_body.get("content") or {}
    media_type = next(iter(content), None)
    success = next((s for s in operation.statuses if s.is_success), None)
    success_media = success.media if success else ()
    plain = Variant(operation_id=operation.operation_id, method=operation.method,
                    base_path=operation.base_path, path=operation.path, mode="", query={},
                    request_media_type=media_type,
                    request_examples=_examples(content[media_type]) if media_type else (),
                    success=success_media, success_headers=success.headers if success else ())
    binary = tuple(m for m in success_media if m.binary)
    structured = tuple(m for m in success_media if not m.binary)
    # A mode selector chooses between a file and JSON; an enum filter of a listing is none.
    selector = next((p for p in parameters
                     if p.get("in") == "query" and not p.get("required")
                     and (p.get("schema") or {}).get("enum")), None) if binary and structured \
        else None
    if selector is None:
        return [plain]
    variants = [dataclasses.replace(plain, mode="default", success=binary)]
    variants.extend(
        dataclasses.replace(plain, mode=str(value), query={str(selector["name"]): str(value)},
                            success=structured, success_headers=())
        for value in selector["schema"]["enum"])
    return variants


def _status(code: Any, response: dict[str, Any]) -> Status:
    media = []
    for media_type, body in (response.get("content") or {}).items():
        schema = (body or {}).get("schema") or {}
        structured = media_type in _JSON_TYPES or media_type.endswith("+json")
        found = _examples(body or {})
        media.append(MediaExample(str(media_type), found[0] if found else None,
                                  binary=schema.get("format") == "binary" or not structured))
    headers = tuple(Header(str(name), str(h.get("description") or "").strip(),
                           None if h.get("example") is None else str(h["example"]))
                    for name, h in (response.get("headers") or {}).items())
    return Status(code=str(code), description=str(response.get("description") or "").strip(),
                  media=tuple(media), headers=headers)


def _examples(media: dict[str, Any]) -> tuple[Example, ...]:
    if "example" in media:
        return (Example("example", "", media["example"]),)
    return tuple(Example(str(name), str(item.get("summary") or ""), item.get("value"))
                 for name, item in (media.get("examples") or {}).items()
                 if isinstance(item, dict) and "value" in item)


def _parameter(raw: dict[str, Any]) -> Parameter:
    return Parameter(name=str(raw.get("name")), location=str(raw.get("in")),
                     required=bool(raw.get("required")), type=_type(raw.get("schema") or {}),
                     description=str(raw.get("description") or "").strip())


def _request_fields(request_body: dict[str, Any]) -> tuple[Field, ...]:
    content = request_body.get("content") or {}
    if not content:
        return ()
    schema = next(iter(content.values())).get("schema") or {}
    return tuple(_fields(schema, prefix=""))


def _fields(schema: dict[str, Any], prefix: str, depth: int = 0) -> list[Field]:
    schema = _merged(schema)
    required = set(schema.get("required") or ())
    found = []
    for name, sub in (schema.get("properties") or {}).items():
        sub = _merged(sub)
        full = f"{prefix}{name}"
        found.append(Field(full, _type(sub), name in required,
                           str(sub.get("description") or "").strip()))
        items = sub.get("items")
        if depth < 3 and sub.get("type") == "array" and isinstance(items, dict):
            found.extend(_fields(items, f"{full}[].", depth + 1))
        elif depth < 3 and sub.get("properties"):
            found.extend(_fields(sub, f"{full}.", depth + 1))
    return found


def _merged(schema: dict[str, Any]) -> dict[str, Any]:
    """`allOf` parts merged into one schema (enough to list fields)."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = _merged(part)
        merged.setdefault("properties", {}).update(part.get("properties") or {})
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def _type(schema: dict[str, Any]) -> str:
    schema = _merged(schema)
    kind = str(schema.get("type") or "object")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_type(schema['items'])}"
    details = []
    if schema.get("format"):
        details.append(str(schema["format"]))
    if schema.get("enum"):
        details.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
    if schema.get("maxLength") is not None:
        details.append(f"at most {schema['maxLength']} characters")
    return f"{kind} ({'; '.join(details)})" if details else kind


def _base_path(spec: Mapping[str, Any]) -> str:
    servers = spec.get("servers") or [{"url": ""}]
    url = str(servers[0].get("url") or "")
    if "://" in url:
        url = "/" + url.split("://", 1)[1].partition("/")[2]
    return url.rstrip("/")
