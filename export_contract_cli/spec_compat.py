"""How another OpenAPI spec differs from the contract's: operations, parameters, statuses, schemas.

Operations are matched by method and full path (the first server's path prefix joined with the
path, path parameters compared by position only), so a spec with `servers: [{url: /}]` and
`/api/viewer/...` paths matches ours. Every difference that could make a client of the contract
fail against the other spec is a *difference*; additions that cannot (an extra operation, an
extra optional parameter, an extra response header) are *notes*.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from export_contract.spec_files import dereference

__all__ = ["REQUIRED_OPERATIONS", "Comparison", "Difference", "compare_specs"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keys that document a schema without constraining it.
_DOCUMENTATION_KEYS = frozenset({"description", "example", "examples", "title", "externalDocs",
                                 "xml", "deprecated", "summary"})
_UNORDERED_KEYS = frozenset({"required", "enum"})
# The gate's operations: the rest (registration, the backend-served exported URL, export jobs)
# is the reference's, or an optional capability, so a spec without them is still compatible.
REQUIRED_OPERATIONS = frozenset({"downloadExport", "downloadBatch"})


@dataclass(frozen=True)
class Difference:
    """One way the other spec departs from ours, at one operation."""

    operation: str
    aspect: str
    detail: str
    breaking: bool = True

    def __str__(self) -> str:
        return f"{self.aspect}: {self.detail}"


@dataclass(frozen=True)
class Comparison:
    """Every difference found, in the order of our spec's operations."""

    differences: tuple[Difference, ...]
    compared_operations: int

    @property
    def compatible(self) -> bool:
        return not any(d.breaking for d in self.differences)

    @property
    def breaking(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.breaking)

    @property
    def notes(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if not d.breaking)

    def as_dict(self, source: str) -> dict[str, Any]:
        """The comparison as JSON-ready data, for tools."""
        return {
            "source": source,
            "compatible": self.compatible,
            "comparedOperations": self.compared_operations,
            "differences": [{"operation": d.operation, "aspect": d.aspect, "detail": d.detail,
                             "breaking": d.breaking} for d in self.differences],
        }

    def report(self, source: str) -> str:
        """A plain-text report, grouped by operation."""
        lines = [f"Compared {source} with the contract's spec "
                 f"({self.compared_operations} operations)."]
        for title, items in (("Differences", self.breaking), ("Notes", self.notes)):
            if not items:
                continue
            lines.append(f"{title} ({len(items)}):")
            current = None
            for item in items:
                if item.operation != current:
                    current = item.operation
                    lines.append(f"  {current}")
                lines.append(f"    {item}")
        lines.append("Result: compatible with the contract." if self.compatible
                     else f"Result: differs from the contract ({len(self.breaking)} "
                          f"difference{'s' if len(self.breaking) != 1 else ''}).")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Operation:
    method: str
    path: str
    operation_id: str
    spec: dict[str, Any]
    parameters: dict[tuple[str, str], dict[str, Any]]

    @property
    def label(self) -> str:
        name = f" ({self.operation_id})" if self.operation_id else ""
        return f"{self.method.upper()} {self.path}{name}"


def compare_specs(ours: Mapping[str, Any], theirs: Mapping[str, Any], *,
                  operations: Collection[str] | None = None) -> Comparison:
    """How `theirs` differs from `ours`; both valid OpenAPI 3 documents.

    `operations`: operation IDs of ours to compare (default every one); their operations
    that match none of those are then left out of the notes too.
    """
    our_ops = _operations(ours)
    their_ops = _operations(theirs)
    if operations is not None:
        wanted = set(operations)
        unknown = wanted - {op.operation_id for op in our_ops.values()}
        if unknown:
            raise ValueError(f"no such operation in the contract: {', '.join(sorted(unknown))}")
        our_ops = {key: op for key, op in our_ops.items() if op.operation_id in wanted}
    found: list[Difference] = []
    for key, our_op in our_ops.items():
        their_op = their_ops.get(key)
        if their_op is None:
            required = our_op.operation_id in REQUIRED_OPERATIONS
            found.append(Difference(our_op.label, "operation", "missing from the other spec"
                                    + ("" if required else " (optional: not a download route)"),
                                    breaking=required))
            continue
        found.extend(Difference(our_op.label, aspect, detail, breaking)
                     for aspect, detail, breaking in _compare_operation(our_op, their_op))
    if operations is None:
        found.extend(Difference(op.label, "operation", "not in the contract", breaking=False)
                     for key, op in their_ops.items() if key not in our_ops)
    return Comparison(tuple(found), len(our_ops))


def _operations(spec: Mapping[str, Any]) -> dict[tuple[str, str], _Operation]:
    resolved = dereference(spec)
    prefix = _server_prefix(resolved)
    found: dict[tuple[str, str], _Operation] = {}
    for path, path_item in (resolved.get("paths") or {}).items():
        if not isinstance(path_item, dict):
            continue
        shared = _parameters(path_item.get("parameters"))
        for method in _METHODS:
            operation = path_item.get(method)
            if not isinstance(operation, dict):
                continue
            full_path = prefix + path
            found[(method, _path_key(full_path))] = _Operation(
                method=method, path=full_path, operation_id=str(operation.get("operationId", "")),
                spec=operation, parameters={**shared, **_parameters(operation.get("parameters"))})
    return found


def _server_prefix(spec: Mapping[str, Any]) -> str:
    servers = spec.get("servers") or [{"url": "/"}]
    url = str(servers[0].get("url", "/"))
    # Server variables ({scheme}://{host}) are not part of the path we compare.
    path = urlsplit(re.sub(r"\{[^}]*\}", "x", url)).path if "://" in url else url
    return path.rstrip("/")


def _path_key(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _parameters(raw: Any) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for parameter in raw or []:
        if isinstance(parameter, dict) and "name" in parameter and "in" in parameter:
            location = str(parameter["in"])
            name = str(parameter["name"])
            if location == "header":
                name = name.lower()
            elif location == "path":
                name = "{}"  # path parameters are matched by position, like the paths
            found[(location, name)] = parameter
    return found


def _compare_operation(ours: _Operation, theirs: _Operation) -> Iterator[tuple[str, str, bool]]:
    yield from _compare_parameters(ours, theirs)
    yield from _compare_request(ours.spec.get("requestBody"), theirs.spec.get("requestBody"))
    yield from _compare_responses(ours.spec.get("responses") or {},
                                  theirs.spec.get("responses") or {})


def _compare_parameters(ours: _Operation, theirs: _Operation) -> Iterator[tuple[str, str, bool]]:
    for key in sorted(set(ours.parameters) | set(theirs.parameters)):
        location = key[0]
        our_param = ours.parameters.get(key)
        their_param = theirs.parameters.get(key)
        label = f"{location} parameter {(our_param or their_param or {}).get('name')}"
        if their_param is None:
            yield "parameter", f"{label} is missing", True
        elif our_param is None:
            required = bool(their_param.get("required"))
            yield ("parameter", f"{label} is extra and {'required' if required else 'optional'}",
                   required)
        else:
            if bool(our_param.get("required")) != bool(their_param.get("required")):
                yield ("parameter", f"{label}: required {bool(our_param.get('required'))} "
                       f"→ {bool(their_param.get('required'))}", True)
            for change in _schema_changes(our_param.get("schema"), their_param.get("schema")):
                yield "parameter", f"{label} schema {change}", True


def _compare_request(ours: Any, theirs: Any) -> Iterator[tuple[str, str, bool]]:
    if ours is None and theirs is None:
        return
    if theirs is None:
        yield "request body", "missing", True
        return
    if ours is None:
        yield "request body", "extra (the contract sends none)", bool(theirs.get("required"))
        return
    if bool(ours.get("required")) != bool(theirs.get("required")):
        yield ("request body", f"required {bool(ours.get('required'))} → "
               f"{bool(theirs.get('required'))}", True)
    yield from _compare_content("request schema", ours.get("content") or {},
                                theirs.get("content") or {}, extra_breaks=False)


def _compare_responses(ours: Mapping[str, Any],
                       theirs: Mapping[str, Any]) -> Iterator[tuple[str, str, bool]]:
    for status in sorted(set(ours) | set(theirs), key=str):
        if status not in theirs:
            yield "status", f"{status} is not documented (the contract documents it)", True
            continue
        if status not in ours:
            yield ("status", f"{status} is documented but the contract does not allow it "
                   "(rule S3)", True)
            continue
        our_response, their_response = ours[status], theirs[status]
        our_headers = {k.lower() for k in (our_response.get("headers") or {})}
        their_headers = {k.lower() for k in (their_response.get("headers") or {})}
        for header in sorted(our_headers - their_headers):
            yield "response header", f"{status}: {header} is not documented", True
        for header in sorted(their_headers - our_headers):
            yield "response header", f"{status}: {header} is extra", False
        yield from _compare_content(f"response schema {status}",
                                    our_response.get("content") or {},
                                    their_response.get("content") or {}, extra_breaks=True)


def _compare_content(aspect: str, ours: Mapping[str, Any], theirs: Mapping[str, Any], *,
                     extra_breaks: bool) -> Iterator[tuple[str, str, bool]]:
    """Media types and their schemas.

    A request media type only the other side accepts harms no client of ours; a response media
    type the contract does not know does (a client cannot read it).
    """
    for media_type in sorted(set(ours) - set(theirs)):
        yield aspect, f"{media_type} is missing", True
    for media_type in sorted(set(theirs) - set(ours)):
        yield aspect, f"{media_type} is extra", extra_breaks
    for media_type in sorted(set(ours) & set(theirs)):
        for change in _schema_changes((ours[media_type] or {}).get("schema"),
                                      (theirs[media_type] or {}).get("schema")):
            yield aspect, f"{media_type} {change}", True


def _schema_changes(ours: Any, theirs: Any, path: str = "") -> Iterator[str]:
    """Each place where two (dereferenced) schemas constrain differently, as `/pointer: a → b`."""
    where = path or "/"
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = (set(ours) | set(theirs)) - _DOCUMENTATION_KEYS
        for key in sorted(k for k in keys if not k.startswith("x-")):
            child = f"{path}/{key}"
            if key not in theirs:
                yield f"{child}: {_show(ours[key])} → absent"
            elif key not in ours:
                yield f"{child}: absent → {_show(theirs[key])}"
            elif key in _UNORDERED_KEYS and isinstance(ours[key], list) \
                    and isinstance(theirs[key], list):
                yield from _set_changes(child, ours[key], theirs[key])
            elif key == "properties" and isinstance(ours[key], dict) \
                    and isinstance(theirs[key], dict):
                for name in sorted(set(ours[key]) | set(theirs[key])):
                    yield from _schema_changes(ours[key].get(name, _ABSENT),
                                               theirs[key].get(name, _ABSENT), f"{child}/{name}")
            else:
                yield from _schema_changes(ours[key], theirs[key], child)
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (our_item, their_item) in enumerate(zip(ours, theirs, strict=True)):
            yield from _schema_changes(our_item, their_item, f"{path}/{index}")
    elif ours is _ABSENT:
        yield f"{where}: absent → {_show(theirs)}"
    elif theirs is _ABSENT:
        yield f"{where}: {_show(ours)} → absent"
    elif ours != theirs:
        yield f"{where}: {_show(ours)} → {_show(theirs)}"


def _set_changes(path: str, ours: list[Any], theirs: list[Any]) -> Iterator[str]:
    our_set = {_show(item) for item in ours}
    their_set = {_show(item) for item in theirs}
    if our_set != their_set:
        removed = ", ".join(sorted(our_set - their_set)) or "nothing"
        added = ", ".join(sorted(their_set - our_set)) or "nothing"
        yield f"{path}: drops {removed}, adds {added}"


class _Absent:
    def __repr__(self) -> str:
        return "absent"


_ABSENT: Any = _Absent()


def _show(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
