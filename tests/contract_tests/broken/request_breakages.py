"""Broken backends that mishandle requests: auth (A), CORS (X), request validation (Q) and
status codes (S, B)."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .backend import Backend, Problem
from .exports import Export
from .registry import breakage

# -- auth (A2 to A4) and CORS (X1, X2) ---------------------------------------------------------


@breakage("wrong-key-accepted", "A2", "any non-empty key is accepted")
class WrongKeyAccepted(Backend):
    def key_is_valid(self, key: str) -> bool:
        return True


@breakage("missing-key-accepted", "A2", "a request without x-api-key is served")
class MissingKeyAccepted(Backend):
    def authorise(self, request: Request, route: str) -> None:
        if "x-api-key" in request.headers:
            super().authorise(request, route)


@breakage("empty-key-accepted", "A2", "an empty x-api-key is served (a missing one is not)")
class EmptyKeyAccepted(Backend):
    def authorise(self, request: Request, route: str) -> None:
        if request.headers.get("x-api-key") != "":
            super().authorise(request, route)


# One bug, one rule: the probes the refusal hides are "could not check", not breaches.
@breakage("valid-key-rejected", "A3", "the batch route answers 401 to the valid key")
class ValidKeyRejected(Backend):
    def authorise(self, request: Request, route: str) -> None:
        super().authorise(request, route)
        if route == "batch":
            raise Problem(401, "API key required", "This route takes a different key.")


class _KeyOnEveryRequest:
    """ASGI middleware that answers 401 to any request without a key, preflights included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not Request(scope).headers.get("x-api-key"):
            response = Response(json.dumps({"success": False, "detail": "key required"}), 401,
                                media_type="application/json")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


@breakage("preflight-needs-key", "A4", "a CORS preflight without x-api-key is answered 401",
          also="X1")
class PreflightNeedsKey(Backend):
    def middleware(self) -> list[Middleware]:
        return [Middleware(_KeyOnEveryRequest), *super().middleware()]


@breakage("preflight-disallows-api-key", "X1", "the CORS preflight allows content-type but "
          "not x-api-key")
class PreflightDisallowsApiKey(Backend):
    def allowed_headers(self) -> list[str]:
        return ["content-type"]


@breakage("no-expose-headers", "X2", "responses lack Access-Control-Expose-Headers")
class NoExposeHeaders(Backend):
    def exposed_headers(self) -> list[str]:
        return []


# -- requests and status codes (Q1, Q3 to Q6, S1 to S4, B1) ------------------------------------


@breakage("extra-property-rejected", "Q1", "a body with an unknown extra property gets 400",
          level="REF")
class ExtraPropertyRejected(Backend):
    def parse_single(self, payload: object) -> str:
        self._reject_extra(payload, {"sourceFileUrl"})
        return super().parse_single(payload)

    def parse_batch(self, payload: object) -> list[str]:
        self._reject_extra(payload, {"items"})
        return super().parse_batch(payload)

    def _reject_extra(self, payload: object, known: set[str]) -> None:
        if isinstance(payload, dict) and set(payload) - known:
            raise Problem(400, "Invalid request", "Unknown properties are not allowed.")


@breakage("empty-items-500", "Q3", "a batch with empty items crashes with 500")
class EmptyItems500(Backend):
    def parse_batch(self, payload: object) -> list[str]:
        if isinstance(payload, dict) and payload.get("items") == []:
            raise Problem(500, "Internal server error", "list index out of range")
        return super().parse_batch(payload)


@breakage("empty-items-200", "Q3", "a batch with empty items gets 200 and an empty result")
class EmptyItems200(Backend):
    async def download_batch(self, request: Request) -> Response:
        self.authorise(request, "batch")
        mode = self.response_mode(request)
        payload = await self.read_json(request)
        if not (isinstance(payload, dict) and payload.get("items") == []):
            return await super().download_batch(request)
        if mode == "urls":
            return self.json_response({"success": True, "exportedUrls": [], "skipped": []})
        return self.zip_response([])


@breakage("malformed-url-404", "Q2", "a sourceFileUrl that is not a URL is looked up (404) "
          "instead of rejected (400)", level="REF")
class MalformedUrl404(Backend):
    def is_usable(self, value: object) -> bool:
        return isinstance(value, str) and bool(value)


@breakage("mixed-malformed-items-dropped", "Q4", "malformed batch items vanish: neither "
          "rejected nor listed in 'skipped'")
class MixedMalformedItemsDropped(Backend):
    def parse_batch(self, payload: object) -> list[str]:
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            usable = [item for item in payload["items"]
                      if isinstance(item, dict) and self.is_usable(item.get("sourceFileUrl"))]
            if usable:
                payload = {**payload, "items": usable}
        return super().parse_batch(payload)


@breakage("over-limit-truncated", "Q5", "a batch over the 100-item limit is cut to its first "
          "100 items and answered as if that were the request", max_items=100,
          max_body_bytes=1024 * 1024)
class OverLimitTruncated(Backend):
    def parse_batch(self, payload: object) -> list[str]:
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            payload = {**payload, "items": payload["items"][: self.max_items]}
        return super().parse_batch(payload)


@breakage("bogus-response-type-accepted", "Q6", "responseType=bogus is served as default mode",
          level="SHOULD")
class BogusResponseTypeAccepted(Backend):
    def response_mode(self, request: Request) -> str:
        return "urls" if request.query_params.getlist("responseType") == ["urls"] else "default"


@breakage("text-plain-body-accepted", "Q6", "a JSON body sent as text/plain or without "
          "Content-Type is served", level="SHOULD")
class TextPlainBodyAccepted(Backend):
    def check_content_type(self, request: Request) -> None:
        pass


@breakage("scheme-case-sensitive", "S2", "an unknown HTTPS://... sourceFileUrl (schemes are "
          "case-insensitive) gets 400 instead of 404", level="REF")
class SchemeCaseSensitive(Backend):
    def is_usable(self, value: object) -> bool:
        return (super().is_usable(value) and isinstance(value, str)
                and value.startswith(("http://", "https://")))


@breakage("success-201", "S1", "a single download that resolves is answered 201", also="S3")
class Success201(Backend):
    def file_response(self, export: Export) -> Response:
        response = super().file_response(export)
        response.status_code = 201
        return response


@breakage("nothing-resolves-empty-zip", "S2", "a batch where nothing resolves gets 200 and an "
          "empty zip")
class NothingResolvesEmptyZip(Backend):
    def nothing_resolved(self, mode: str, urls: list[str]) -> Response:
        if mode == "urls":
            return super().nothing_resolved(mode, urls)
        return self.zip_response([])


@breakage("undocumented-status", "S3", "a body that is not sent as JSON gets 418")
class UndocumentedStatus(Backend):
    def check_content_type(self, request: Request) -> None:
        try:
            super().check_content_type(request)
        except Problem as problem:
            raise Problem(418, "I'm a teapot", problem.detail) from None


@breakage("server-error-on-http-url", "S4", "a well-formed http:// (not https://) "
          "sourceFileUrl crashes with 500", also="Q2")
class ServerErrorOnHttpUrl(Backend):
    def is_usable(self, value: object) -> bool:
        usable = super().is_usable(value)
        if usable and isinstance(value, str) and value[:5].lower() == "http:":
            raise Problem(500, "Internal server error", "unsupported scheme")
        return usable


@breakage("partial-batch-404", "B1", "a batch where some items do not resolve gets 404")
class PartialBatch404(Backend):
    def resolve(self, urls: list[str]) -> list[Export | None]:
        found = super().resolve(urls)
        if None in found:
            raise Problem(404, "Export not found", "Some items are not registered.")
        return found


@breakage("extra-property-500", "Q1", "a usable body with an unknown extra property crashes "
          "with 500", also="S4")
class ExtraProperty500(Backend):
    def parse_single(self, payload: object) -> str:
        if (isinstance(payload, dict) and set(payload) - {"sourceFileUrl"}
                and self.is_usable(payload.get("sourceFileUrl"))):
            raise Problem(500, "Internal server error", "unexpected keyword argument")
        return super().parse_single(payload)


@breakage("relative-url-500", "Q2", "a sourceFileUrl that is not an http(s) URL crashes with "
          "500", also="S4")
class RelativeUrl500(Backend):
    def is_usable(self, value: object) -> bool:
        if isinstance(value, str) and value and not super().is_usable(value):
            raise Problem(500, "Internal server error", "urlparse failed")
        return super().is_usable(value)


@breakage("invalid-utf8-500", "Q3", "a body that is not valid UTF-8 crashes with 500")
class InvalidUtf8500(Backend):
    async def read_json(self, request: Request) -> object:
        body = await request.body()
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(500, "Internal server error", "UnicodeDecodeError") from None
        return await super().read_json(request)


@breakage("invalid-utf8-decoded-leniently", "Q3", "a body that is not valid UTF-8 is decoded "
          "with replacement characters and looked up (404)", level="SHOULD")
class InvalidUtf8DecodedLeniently(Backend):
    async def read_json(self, request: Request) -> object:
        self.check_content_type(request)
        body = await request.body()
        if len(body) > self.max_body_bytes:
            raise Problem(413, "Request too large", "The body is too large.")
        try:
            return json.loads(body.decode("utf-8", errors="replace"))
        except ValueError:
            raise Problem(400, "Invalid request", "The body is not JSON.") from None


@breakage("mixed-malformed-items-skipped", "Q4", "a malformed batch item is treated as "
          "unresolved (allowed) instead of the reference's 400", level="REF")
class MixedMalformedItemsSkipped(Backend):
    def parse_batch(self, payload: object) -> list[str]:
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            items = payload["items"]
            usable = [item for item in items
                      if isinstance(item, dict) and self.is_usable(item.get("sourceFileUrl"))]
            if usable and len(usable) < len(items):
                # Never resolves: the malformed item becomes an unresolved one.
                payload = {**payload, "items": [
                    item if item in usable else {"sourceFileUrl": "https://malformed.invalid/"}
                    for item in items]}
        return super().parse_batch(payload)


@breakage("no-limits", "Q5", "batches of any size and bodies of any length are accepted",
          level="SHOULD")
class NoLimits(Backend):
    max_items = 10 ** 9
    max_body_bytes = 10 ** 12


@breakage("over-limit-400", "Q5", "batches and bodies over the limits get 400, not the "
          "reference's 413", level="REF")
class OverLimit400(Backend):
    def check_item_count(self, items: list[Any]) -> None:
        if len(items) > self.max_items:
            raise Problem(400, "Invalid request", f"at most {self.max_items} items")

    async def read_json(self, request: Request) -> object:
        try:
            return await super().read_json(request)
        except Problem as problem:
            if problem.status == 413:
                raise Problem(400, "Invalid request", problem.detail) from None
            raise


@breakage("wrong-key-401", "A2", "a wrong key gets 401 (allowed), not the reference's 403",
          level="REF")
class WrongKey401(Backend):
    def authorise(self, request: Request, route: str) -> None:
        key = request.headers.get("x-api-key", "")
        if not key or not self.key_is_valid(key):
            raise Problem(401, "Unauthorized", "Send a valid API key in x-api-key.")


@breakage("none-resolved-urls-200", "S2", "batch URL mode where nothing resolves answers 200 "
          "with every item skipped (allowed), not the reference's 404", level="REF")
class NoneResolvedUrls200(Backend):
    def nothing_resolved(self, mode: str, urls: list[str]) -> Response:
        if mode == "urls":
            return self.json_response({"success": True, "exportedUrls": [], "skipped": [
                {"sourceFileUrl": url, "reason": "not_found"} for url in urls]})
        return super().nothing_resolved(mode, urls)


class _RateLimited(Backend):
    """Every third batch request is rate-limited; single downloads never are."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_requests = 0

    def authorise(self, request: Request, route: str) -> None:
        super().authorise(request, route)
        if route == "batch":
            self.batch_requests += 1
            if self.batch_requests % 3 == 0:
                raise RateLimited()


class RateLimited(Exception):
    pass


@breakage("rate-limit-as-download", "R1", "a rate-limited batch gets 429 carrying a zip as an "
          "attachment")
class RateLimitAsDownload(_RateLimited):
    def app(self) -> Starlette:
        app = super().app()
        app.add_exception_handler(RateLimited, self._as_download)
        return app

    async def _as_download(self, request: Request, exc: Exception) -> Response:
        response = self.zip_response(list(self.exports.values())[:1])
        response.status_code = 429
        response.headers["Retry-After"] = "1"
        return response


@breakage("rate-limit-no-retry-after", "R1", "a rate-limited batch gets 429 without Retry-After",
          level="SHOULD")
class RateLimitNoRetryAfter(_RateLimited):
    def app(self) -> Starlette:
        app = super().app()
        app.add_exception_handler(RateLimited, self._plain_429)
        return app

    async def _plain_429(self, request: Request, exc: Exception) -> Response:
        return self.problem_response(Problem(429, "Too many requests", "Slow down."))
