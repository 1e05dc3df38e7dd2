"""The HTTP side of the suite: send probes, keep each request/response pair as an `Exchange`.

Everything goes through one synchronous httpx client, so hypothesis and schemathesis can drive
it from plain functions. An async transport (an in-process ASGI app) is bridged onto a private
event loop in a background thread.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx

from .errors import BackendUnreachable
from .options import VerifyOptions
from .reproduce import curl_command
from .results import Evidence

__all__ = ["API_KEY_HEADER", "USE_KEY", "Exchange", "ProbeClient", "ProbeFailed"]

API_KEY_HEADER = "x-api-key"
_MAX_CURL_BODY = 16 * 1024


class _UseKey:
    def __repr__(self) -> str:
        return "USE_KEY"


USE_KEY: Any = _UseKey()
"""Send the configured valid key (the default for every probe)."""


class ProbeFailed(Exception):
    """A request got no response at all; the message says why."""


@dataclass
class Exchange:
    """One request and its response, as sent and received."""

    method: str
    url: str
    request_headers: dict[str, str]
    json_body: object | None
    raw_body: bytes | None
    status: int
    headers: httpx.Headers
    content: bytes
    key_sent: str | None
    key_is_valid: bool
    well_formed: bool
    read_error: str | None = None
    wire_length: int = 0
    tags: frozenset[str] = field(default_factory=frozenset)
    response: httpx.Response | None = field(default=None, repr=False)

    @property
    def media_type(self) -> str:
        """The Content-Type's media type, lower-cased, without parameters ('' when absent)."""
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.url}"

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` when it is not."""
        return json.loads(self.content.decode("utf-8"))

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_list(name)

    def curl(self) -> str:
        # A deliberately wrong key is part of the request; only a valid one is redacted.
        redact = frozenset({API_KEY_HEADER}) if self.key_is_valid else frozenset()
        size = len(self.raw_body or b"") or len(json.dumps(self.json_body, ensure_ascii=False))
        if size > _MAX_CURL_BODY:
            command = curl_command(self.method, self.url, self.request_headers, None, redact)
            return (f"{command} --data-binary @body.json  "
                    f"# body.json: this request's {size}-byte body, too large to show")
        return curl_command(self.method, self.url, self.request_headers, self.json_body,
                            redact, raw_body=self.raw_body)

    def evidence(self, message: str, *details: str) -> Evidence:
        return Evidence(message=message, request=self.request_line, status=self.status,
                        details=tuple(details), curl=self.curl(), unjudgeable=self.unjudgeable)

    @property
    def unjudgeable(self) -> str | None:
        """Why this answer says nothing about the rule a probe meant to check, if it does not."""
        if self.key_is_valid and self.status in (401, 403):
            return f"the valid API key was answered {self.status} (rule A3)"
        if self.status == 429:
            return "the request was rate-limited (429)"
        return None


class _SyncBridge(httpx.BaseTransport):
    """Use an async transport (e.g. ``httpx.ASGITransport``) from synchronous code."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport
        self._stack = ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]]:
            response = await self._transport.handle_async_request(request)
            try:
                content = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            return response.status_code, response.headers.raw, content, dict(response.extensions)

        status, headers, content, extensions = self._portal.call(send)
        # A ByteStream (not content=) so httpx adds no Content-Length the backend did not send.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content),
                              extensions=extensions, request=request)

    def close(self) -> None:
        try:
            self._portal.call(self._transport.aclose)
        finally:
            self._stack.close()


class ProbeClient:
    """Sends probes to one backend and hands every exchange to the observers."""

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self.base_url = options.base_url
        self.request_count = 0
        self.observers: list[Callable[[Exchange], None]] = []
        transport: httpx.BaseTransport | None
        source = options.transport
        if options.app is not None:
            # A crash inside the app is the backend's 500, as a server would answer it.
            source = httpx.ASGITransport(app=options.app, raise_app_exceptions=False)
        transport = (_SyncBridge(source) if isinstance(source, httpx.AsyncBaseTransport)
                     else source)
        self._client = httpx.Client(transport=transport, timeout=options.timeout,
                                    follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ProbeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return self.base_url + path

    def base_headers(self, key: Any = USE_KEY) -> dict[str, str]:
        headers = dict(self.options.headers)
        if self.options.origin is not None:
            headers["Origin"] = self.options.origin
        if key is USE_KEY:
            if self.options.api_key is not None:
                headers[API_KEY_HEADER] = self.options.api_key
        elif key is not None:
            headers[API_KEY_HEADER] = key
        return headers

    def post_json(self, path: str, body: object, *, params: Mapping[str, str] | None = None,
                  key: Any = USE_KEY, well_formed: bool = True,
                  tags: frozenset[str] = frozenset()) -> Exchange:
        """POST ``body`` as JSON (``None`` sends the JSON literal null)."""
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self.send("POST", path, raw=raw, json_body=body if body is not None else None,
                         content_type="application/json", params=params, key=key,
                         well_formed=well_formed, tags=tags)

    def send(self, method: str, path_or_url: str, *, raw: bytes | None = None,
             json_body: object | None = None, content_type: str | None = None,
             params: Mapping[str, str] | None = None, key: Any = USE_KEY,
             extra_headers: Mapping[str, str] | None = None, well_formed: bool = True,
             tags: frozenset[str] = frozenset(), observe: bool = True,
             files: Mapping[str, Any] | None = None,
             data: Mapping[str, str] | None = None) -> Exchange:
        """Send one request and return the exchange; ``ProbeFailed`` if nothing came back."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        if params:
            url = str(httpx.URL(url).copy_merge_params(dict(params)))
        headers = self.base_headers(key)
        if content_type is not None:
            headers["Content-Type"] = content_type
        headers.update(extra_headers or {})
        request = self._client.build_request(method, url, headers=headers, content=raw,
                                             files=files, data=data)
        self.request_count += 1
        try:
            response = self._client.send(request, stream=True)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise ProbeFailed(f"{method} {url}: no response ({_describe(exc)})") from exc
        read_error = None
        try:
            wire = b"".join(response.iter_raw())
        except httpx.TransportError as exc:
            wire = b""
            read_error = _describe(exc)
        finally:
            response.close()
        try:
            content = _decoded(wire, response.headers.get("content-encoding", ""))
        except zlib.error as exc:
            content, read_error = wire, f"cannot decode the Content-Encoding: {exc}"
        sent_key = headers.get(API_KEY_HEADER)
        exchange = Exchange(
            method=method, url=url,
            request_headers=headers,
            json_body=json_body if raw is not None and json_body is not None else None,
            raw_body=raw if json_body is None else None,
            status=response.status_code, headers=response.headers, content=content,
            key_sent=sent_key,
            key_is_valid=sent_key is not None and sent_key == self.options.api_key,
            well_formed=well_formed, read_error=read_error, wire_length=len(wire), tags=tags,
            response=response)
        if observe:
            for observer in self.observers:
                observer(exchange)
        return exchange

    def download_to(self, path: Path, method: str, url: str, *, json_body: object,
                    headers: Mapping[str, str]) -> int:
        """Stream a response body to ``path`` (for archives too big to hold); return the status.

        Only real sockets stream: an in-process transport buffers the whole body.
        """
        self.request_count += 1
        with self._client.stream(method, url, json=json_body, headers=dict(headers)) as response:
            if response.status_code == 200:
                with path.open("wb") as out:
                    for chunk in response.iter_raw(1 << 20):
                        out.write(chunk)
            return response.status_code

    def ensure_reachable(self) -> None:
        """Raise ``BackendUnreachable`` unless the backend answers something at its base URL."""
        try:
            self.send("POST", "/viewer/exports/download", raw=b"{}",
                      content_type="application/json", observe=False)
        except ProbeFailed as exc:
            cause = _describe(exc.__cause__) if exc.__cause__ else str(exc)
            raise BackendUnreachable(f"cannot reach the backend at {self.base_url}: {cause}"
                                     ) from None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _decoded(raw: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding the suite knows (gzip, deflate); other bodies stay as sent."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    return raw
