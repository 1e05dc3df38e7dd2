"""Broken backends whose answers are wrong: default mode (D, F), URL mode (U) and errors (E)."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from .backend import FILES_PATH, Backend, Problem
from .exports import Export
from .registry import breakage

# -- default mode: Content-Disposition (F1, F2, F3, F5) ----------------------------------------


@breakage("missing-content-disposition", "F1", "a single download has no Content-Disposition")
class MissingContentDisposition(Backend):
    def file_response(self, export: Export) -> Response:
        response = super().file_response(export)
        del response.headers["content-disposition"]
        return response


@breakage("unparseable-content-disposition", "F1", "a single download's Content-Disposition "
          "has an unterminated quoted-string")
class UnparseableContentDisposition(Backend):
    def file_disposition(self, export: Export) -> str:
        return f'attachment; filename="{self.ascii_fallback(export.filename)}'


@breakage("inline-disposition", "F1", "a single download is sent 'inline', not 'attachment'",
          level="SHOULD")
class InlineDisposition(Backend):
    def file_disposition(self, export: Export) -> str:
        return super().file_disposition(export).replace("attachment", "inline", 1)


@breakage("filename-with-slash", "F2", "a single download's filename holds a path: "
          "projects/plan.pdf")
class FilenameWithSlash(Backend):
    def file_disposition(self, export: Export) -> str:
        return self.content_disposition(f"projects/{export.filename}")


@breakage("filename-with-line-break", "F2", "a single download's filename* decodes to a name "
          "with CR LF in it")
class FilenameWithLineBreak(Backend):
    def file_disposition(self, export: Export) -> str:
        stem, _, extension = export.filename.rpartition(".")
        return (f'attachment; filename="{self.ascii_fallback(export.filename)}"; '
                f"filename*=UTF-8''{quote(stem)}%0D%0A.{extension}")


@breakage("non-ascii-without-filename-star", "F3", "a non-ASCII name is sent raw in filename, "
          "without filename*", level="SHOULD")
class NonAsciiWithoutFilenameStar(Backend):
    def file_disposition(self, export: Export) -> str:
        return f'attachment; filename="{export.filename}"'


@breakage("non-ascii-without-ascii-fallback", "F3", "a non-ASCII name is sent as filename* "
          "alone, without an ASCII filename fallback", level="SHOULD")
class NonAsciiWithoutAsciiFallback(Backend):
    def file_disposition(self, export: Export) -> str:
        if export.filename.isascii():
            return super().file_disposition(export)
        return f"attachment; filename*=UTF-8''{quote(export.filename)}"


@breakage("extension-mismatch", "F5", "logo.png is sent as image/jpeg", level="SHOULD")
class ExtensionMismatch(Backend):
    def media_type(self, export: Export) -> str:
        return "image/jpeg" if export.content_type == "image/png" else export.content_type


# -- default mode: body (D1, D2) ---------------------------------------------------------------


@breakage("json-in-default-mode", "D1", "a single download without responseType answers the "
          "URL-mode JSON envelope", also="Q6 Z4")
class JsonInDefaultMode(Backend):
    def file_response(self, export: Export) -> Response:
        envelope = {"success": True,
                    "exportedUrl": f"https://files.example.com{FILES_PATH}{export.token}"}
        return Response(json.dumps(envelope), media_type="application/json",
                        headers={"Content-Disposition": self.file_disposition(export)})


@breakage("wrong-content-length", "D2", "a single download announces 7 bytes more than it sends")
class WrongContentLength(Backend):
    def file_response(self, export: Export) -> Response:
        response = super().file_response(export)
        response.headers["content-length"] = str(len(export.data) + 7)
        return response


# -- error bodies (E1, E2) ---------------------------------------------------------------------


@breakage("error-body-html", "E1", "errors are HTML pages", level="SHOULD")
class ErrorBodyHtml(Backend):
    def problem_response(self, problem: Problem) -> Response:
        return Response(f"<html><body><h1>{problem.title}</h1></body></html>", problem.status,
                        media_type="text/html")


@breakage("error-as-attachment", "E1", "errors carry Content-Disposition: attachment")
class ErrorAsAttachment(Backend):
    def problem_response(self, problem: Problem) -> Response:
        response = super().problem_response(problem)
        response.headers["content-disposition"] = 'attachment; filename="error.json"'
        return response


@breakage("errors-not-problem-details", "E2", "errors are {success, error} JSON, not RFC 9457 "
          "problem details", level="REF")
class ErrorsNotProblemDetails(Backend):
    def problem_response(self, problem: Problem) -> Response:
        return self.json_response({"success": False, "error": problem.detail}, problem.status)


# -- URL mode (U1 to U4, Q7) -------------------------------------------------------------------


@breakage("success-string", "U1", 'URL mode answers "success": "true", a string')
class SuccessString(Backend):
    def json_response(self, payload: dict[str, object], status: int = 200) -> Response:
        if payload.get("success") is True:
            payload = {**payload, "success": "true"}
        return super().json_response(payload, status)


@breakage("relative-exported-url", "U2", "exportedUrl is a path, not an absolute URL", also="U3")
class RelativeExportedUrl(Backend):
    def exported_url(self, request: Request, export: Export) -> str:
        return FILES_PATH + export.token


@breakage("missing-skipped", "U3", "batch URL mode leaves 'skipped' out when nothing was skipped")
class MissingSkipped(Backend):
    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        envelope = super().batch_envelope(request, urls, found)
        if not envelope["skipped"]:
            del envelope["skipped"]
        return envelope


@breakage("exported-urls-reversed", "Q7", "batch URL mode lists exportedUrls in reverse order "
          "(visible only by fetching them)", level="SHOULD", follow_urls=True)
class ExportedUrlsReversed(Backend):
    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        envelope = super().batch_envelope(request, urls, found)
        assert isinstance(envelope["exportedUrls"], list)
        return {**envelope, "exportedUrls": envelope["exportedUrls"][::-1]}


@breakage("exported-urls-collapsed", "Q7", "batch URL mode answers a repeated item once",
          level="SHOULD")
class ExportedUrlsCollapsed(Backend):
    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        unique = list(dict.fromkeys(zip(urls, found, strict=True)))
        return super().batch_envelope(request, [url for url, _ in unique],
                                      [export for _, export in unique])


@breakage("exported-url-needs-key", "U4", "an exported URL answers 401 without x-api-key",
          level="SHOULD", follow_urls=True)
class ExportedUrlNeedsKey(Backend):
    def authorise_exported_file(self, request: Request) -> None:
        self.authorise(request, "exported-file")


@breakage("octet-stream-everywhere", "D1", "every single download is sent as "
          "application/octet-stream", level="SHOULD")
class OctetStreamEverywhere(Backend):
    def media_type(self, export: Export) -> str:
        return "application/octet-stream"


@breakage("skipped-collapsed", "U3", "batch URL mode lists all unresolved items in one skipped "
          "record", level="SHOULD")
class SkippedCollapsed(Backend):
    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        envelope = super().batch_envelope(request, urls, found)
        missing = [url for url, export in zip(urls, found, strict=True) if export is None]
        return {**envelope, "skipped": [{"sourceFileUrls": missing}] if missing else []}


@breakage("skipped-index-records", "U3", "skipped records are {index, reason} (allowed), not "
          "the reference's {sourceFileUrl, reason}", level="REF")
class SkippedIndexRecords(Backend):
    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        envelope = super().batch_envelope(request, urls, found)
        return {**envelope, "skipped": [{"index": i, "reason": "not_found"}
                                        for i, export in enumerate(found) if export is None]}


@breakage("exported-url-no-disposition", "U5", "an exported URL serves the bytes without "
          "Content-Disposition", level="SHOULD")
class ExportedUrlNoDisposition(Backend):
    async def exported_file(self, request: Request) -> Response:
        response = await super().exported_file(request)
        del response.headers["content-disposition"]
        return response


@breakage("exported-url-expires-fast", "U6", "exported URLs expire two seconds after issue",
          level="SHOULD", url_revisit_seconds=3.0)
class ExportedUrlExpiresFast(Backend):
    def exported_url(self, request: Request, export: Export) -> str:
        return f"{super().exported_url(request, export)}?issued={time.monotonic()}"

    async def exported_file(self, request: Request) -> Response:
        if time.monotonic() - float(request.query_params.get("issued", "0")) > 2:
            raise Problem(410, "Expired", "This exported URL has expired.")
        return await super().exported_file(request)
