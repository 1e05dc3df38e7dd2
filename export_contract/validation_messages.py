"""Turns connexion's schema-validation messages into one line that says what to fix.

Connexion reports `<jsonschema message> - '<dotted.path>'`; callers want the field, in the
form they wrote it (`items[2].sourceFileUrl`), and what was expected instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["explain_bad_request"]

_MAX_VALUE_CHARS = 60
_MAX_LENGTH = re.compile(r"'maxLength': (\d+)")
_URL_RULE = "an absolute http(s) URL of at most 2048 characters"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^'(?P<name>[^']+)' is a required property$"),
     "missing required field {name}"),
    (re.compile(r"^(?P<value>.*) is not of type '(?P<type>\w+)'$"),
     "expected {a_type}, got {value}"),
    (re.compile(r"^(?P<value>.*) should be non-empty$"), "must hold at least one item"),
    (re.compile(r"^(?P<value>.*) is too short$"), "must not be empty"),
    (re.compile(r"^(?P<value>.*) does not match '.*'$"), "expected " + _URL_RULE + ", got {value}"),
    (re.compile(r"^(?P<value>.*) is too long$"), "expected " + _URL_RULE + ", got a longer string"),
    (re.compile(r"^(?P<value>.*) is not one of \[(?P<allowed>.*)\]$"),
     "expected one of {allowed}, got {value}"),
]

# ASCII digits only: str.isdigit() also takes `²`, which int() refuses.
_INTEGER = re.compile(r"-?[0-9]{1,30}")

# What to do about a parameter the client copied rather than wrote.
_PARAMETER_HINTS = {"token": "; use the exported URL exactly as the backend issued it"}

_ARTICLES = {"object": "an object", "array": "an array", "string": "a string",
             "integer": "an integer", "boolean": "a boolean", "number": "a number"}


def explain_bad_request(detail: str, parameters: Mapping[str, str] | None = None) -> str:
    """One line for connexion's 400 `detail`; `parameters` are the request's path and query
    parameters by name, so an error about one of them (which connexion does not name) can
    say which."""
    lines = detail.strip().splitlines()
    if not lines:
        return "The request is invalid; see the API reference for the expected body."
    message, field = _split_field(lines[0])
    if message.startswith("'") and " is not one of " in message and not field:
        # An enum parameter: the job list's `state`, or else the download's `responseType`.
        field = _parameter_named_by_value(message, parameters or {}) or "responseType"
    if not field:
        field = _parameter_named_by_value(message, parameters or {})
        if field and field != "sourceFileUrl":
            hint = _PARAMETER_HINTS.get(field, "")
            return f"{field}: {_explain_parameter(message, detail)}{hint}."
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            groups = match.groupdict()
            text = template.format(
                name=groups.get("name", ""),
                value=_shorten(groups.get("value", "")),
                a_type=_ARTICLES.get(groups.get("type", ""), groups.get("type", "")),
                allowed=groups.get("allowed", "").replace("'", ""),
            )
            return f"{field or 'body'}: {text}."
    return message[:300]


def _parameter_named_by_value(message: str, parameters: Mapping[str, str]) -> str:
    """The parameter whose value the message starts with (jsonschema quotes the value)."""
    for name, value in parameters.items():
        quoted = repr(value)
        if value and message.startswith(quoted[: min(len(quoted), 200)]):
            return name
        # A number parameter's value comes unquoted (`0 is less than the minimum of 1`).
        if _INTEGER.fullmatch(value) and message.startswith(f"{int(value)} "):
            return name
    return ""


def _explain_parameter(message: str, detail: str) -> str:
    if message.endswith(" is too long"):
        limit = _MAX_LENGTH.search(detail)
        return (f"longer than the {limit.group(1)} characters allowed" if limit
                else "longer than allowed")
    if " does not match " in message:
        return "not in the expected form"
    return message.split(" is ", 1)[-1][:200] if " is " in message else message[:200]


def _split_field(line: str) -> tuple[str, str]:
    message, sep, path = line.rpartition(" - ")
    if not sep or not (path.startswith("'") and path.endswith("'")):
        return line, ""
    return message, _as_expression(path.strip("'"))


def _as_expression(dotted: str) -> str:
    """`items.2.sourceFileUrl` -> `items[2].sourceFileUrl`."""
    parts = dotted.split(".")
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def _shorten(value: str) -> str:
    value = "null" if value == "None" else value
    if len(value) <= _MAX_VALUE_CHARS:
        return value
    return value[: _MAX_VALUE_CHARS - 1] + "…"
