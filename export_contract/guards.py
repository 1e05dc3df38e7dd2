"""Request guards that run before connexion parses anything.

Auth comes first (rule A2: the key is checked before the body is looked at), then the rate
limit of the key's route group (rule R1, before any work is done for the request), then the body:
JSON routes get a media-type check (415), a size limit (413, rule Q5), a nesting limit and a
strict UTF-8 + JSON parse so malformed bytes get a clear 400 instead of reaching the validator
(which answered 500 for non-UTF-8 JSON, and for JSON nested ~950 levels deep: connexion parses
and validates the body again, recursively).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import API_KEY_HEADER, ApiKeyCheck
from .problems import ApiProblem
from .rate_limits import RateLimiter, client_identity
from .routes import Route, RouteTable

__all__ = ["MAX_JSON_DEPTH", "RequestGuardMiddleware", "json_nesting_depth", "refuse_deep_json",
           "replay_body"]

# Every body of the contract nests 3 levels ({"items": [{...}]}); extra properties get room,
# recursive parsers and validators further in stay far from Python's recursion limit.
MAX_JSON_DEPTH = 32


class RequestGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: RouteTable,
        api_keys: ApiKeyCheck | None,
        max_body_bytes: int,
        max_upload_bytes: int,
        body_limits: Mapping[str, int] | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.routes = routes
        self.api_keys = api_keys
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        # Operations whose JSON bodies have a limit of their own (a job's long item list).
        self.body_limits = dict(body_limits or {})
        self.rate_limiter = rate_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        route = self.routes.match(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        if self.api_keys is not None and (
                route.secured if route is not None else self.routes.secures_path(scope["path"])):
            self.api_keys.require(headers.get(API_KEY_HEADER))
        if route is None:
            await self.app(scope, receive, send)
            return
        if self.rate_limiter:
            client = scope.get("client")
            self.rate_limiter.check(route.operation_id, client_identity(
                headers.get(API_KEY_HEADER), client[0] if client else None))
        if route.json_body:
            limit = self.body_limits.get(route.operation_id, self.max_body_bytes)
            receive, body_length = await self._checked_json(headers, receive, limit)
            # A chunked body had no Content-Length; connexion treats that as "no body".
            scope = _with_content_length(scope, body_length)
        elif route.multipart_body:
            receive = self._checked_upload(route, headers, receive)
        await self.app(scope, receive, send)

    async def _checked_json(self, headers: Headers, receive: Receive, limit: int
                            ) -> tuple[Receive, int]:
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            sent = f"Content-Type {media_type!r}" if media_type else "no Content-Type"
            raise ApiProblem(
                415, f"Send the body as JSON with Content-Type application/json ({sent} was sent)."
            )
        _refuse_declared_length(headers, limit)
        body = await _read_body(receive, limit)
        refuse_deep_json(body)
        parsed = _parse_json(body)
        if not isinstance(parsed, dict):
            # Every JSON body of the contract is an object; say so instead of a schema error.
            raise ApiProblem(400, "body: expected a JSON object such as "
                                  f'{{"sourceFileUrl": "https://…"}}, got {_json_kind(parsed)}.')
        return replay_body(body, receive), len(body)

    def _checked_upload(self, route: Route, headers: Headers, receive: Receive) -> Receive:
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "multipart/form-data":
            raise ApiProblem(
                415,
                f"{route.operation_id} takes multipart/form-data "
                "(fields sourceFileUrl and file; optional filename and contentType).",
            )
        _refuse_declared_length(headers, self.max_upload_bytes)
        return _limited(receive, self.max_upload_bytes)


def _refuse_declared_length(headers: Headers, limit: int) -> None:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiProblem(413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"The body is over this backend's limit of {limit} bytes; send a smaller request."


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more_body = True
    while more_body:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiProblem(413, _too_large(limit))
        chunks.append(chunk)
        more_body = message.get("more_body", False)
    return b"".join(chunks)


# A JSON string, or an unterminated one running to the end: every quote starts a match, so the
# scan never restarts (and never goes quadratic) on a body full of unbalanced quotes.
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1, +1, -1, -1 as signed bytes
_DEPTH_CHUNK = 64 * 1024


def json_nesting_depth(body: bytes, stop_above: int | None = None) -> int:
    """How deeply `body` nests arrays and objects, counted on the raw bytes.

    No parser and no recursion: strings are cut out, then the brackets left are summed as
    +1/-1 steps (in C, via `accumulate`). Multi-byte UTF-8 never holds a quote, backslash or
    bracket byte, so the bytes need no decoding first. With `stop_above`, counting stops once
    the depth passes it (a megabyte of `[` is refused after its first chunk).
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    steps = memoryview(brackets.translate(_DEPTH_STEPS)).cast("b")
    depth = deepest = 0
    for start in range(0, len(steps), _DEPTH_CHUNK):
        running = list(accumulate(steps[start:start + _DEPTH_CHUNK], initial=depth))
        depth, deepest = running[-1], max(deepest, max(running))
        if stop_above is not None and deepest > stop_above:
            break
    return deepest


def refuse_deep_json(body: bytes) -> None:
    """A 400 saying so when `body` nests deeper than MAX_JSON_DEPTH; call it before parsing."""
    # Fewer brackets than the limit cannot nest past it: the common case costs two counts.
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return
    if json_nesting_depth(body, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ApiProblem(400, f"The body's JSON is nested deeper than {MAX_JSON_DEPTH} levels; "
                              'send a flat object such as {"sourceFileUrl": "https://…"}.')


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise ApiProblem(400, "The body is empty; send a JSON object such as "
                              '{"sourceFileUrl": "https://…"}.')
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiProblem(400, f"The body is not valid UTF-8 (byte {exc.start}); "
                              "send JSON encoded as UTF-8.") from exc
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
        # A lone surrogate escape ("\ud800") parses, but is no text: nothing can encode it.
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise ApiProblem(400, f"The body is not valid JSON: {exc.msg} at line {exc.lineno} "
                              f"column {exc.colno}.") from exc
    except RecursionError as exc:
        raise ApiProblem(400, "The body's JSON is nested too deeply.") from exc
    except UnicodeEncodeError as exc:
        raise ApiProblem(400, "The body's JSON holds a \\u escape of a lone surrogate, which "
                              "is no character; send valid Unicode text.") from exc
    except ValueError as exc:  # NaN/Infinity, or an integer of thousands of digits
        reason = str(exc).split(";", 1)[0]  # (drop Python's advice to raise its limit)
        raise ApiProblem(400, f"The body is not valid JSON: {reason[:1].lower()}{reason[1:]}."
                         ) from exc
    return parsed


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (RFC 8259)")


def _with_content_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"]
               if k not in (b"content-length", b"transfer-encoding")]
    headers.append((b"content-length", str(length).encode("ascii")))
    return {**scope, "headers": headers}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "an array"}.get(type(value), "another value")


def replay_body(body: bytes, receive: Receive) -> Receive:
    """Hand the already-read body on, then pass through (so disconnects are still seen)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _limited(receive: Receive, limit: int) -> Receive:
    """Count streamed upload bytes; past the limit the handler's parse fails with 413."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise ApiProblem(413, _too_large(limit))
        return message

    return counted
