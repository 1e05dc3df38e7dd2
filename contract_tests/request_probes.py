"""Probes of request handling: extra properties, unusable and malformed bodies, mixed batches,
limits, unknown responseType and wrong Content-Type (Q1-Q6)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .client import Exchange, ProbeClient
from .exports import KnownExport, unknown_url
from .observers import BATCH_PATH, SINGLE_PATH
from .verdicts import Verdicts
from .zip_inspection import inspect_zip

__all__ = ["run_request_probes"]

_URLS = {"responseType": "urls"}
_ALWAYS_JUDGED = ("status-documented", "error-not-a-download")
UNUSABLE_IDENTIFIERS: tuple[object, ...] = (
    "",
    "files/floor-plan.pdf",
    "/files/floor-plan.pdf",
    "ftp://canvas.example.com/files/floor-plan.pdf",
    "mailto:someone@example.com",
    "https://canvas.example.com/" + "a" * 2040 + ".pdf",
)
# (label, raw body) for bodies that carry no usable identifier in either operation.
MALFORMED_RAW: tuple[tuple[str, bytes], ...] = (
    ("not JSON", b"sourceFileUrl=https://canvas.example.com/files/a.pdf"),
    ("empty body", b""),
    ("JSON null", b"null"),
    ("a JSON array", b"[]"),
    ("a JSON string", b'"https://canvas.example.com/files/a.pdf"'),
    ("a JSON number", b"42"),
    ("invalid UTF-8", b'{"sourceFileUrl": "https://canvas.example.com/\xff\xfe.pdf"}'),
    ("truncated JSON", b'{"sourceFileUrl": "https://canvas.example.com/files/a.pdf"'),
)
MALFORMED_SINGLE: tuple[object, ...] = (
    {}, {"sourceFileUrl": None}, {"sourceFileUrl": 42}, {"sourceFileUrl": True},
    {"sourceFileUrl": ["https://canvas.example.com/files/a.pdf"]},
    {"sourceFileUrl": {"url": "https://canvas.example.com/files/a.pdf"}},
)
MALFORMED_BATCH: tuple[object, ...] = (
    {}, {"items": []}, {"items": None}, {"items": "https://canvas.example.com/files/a.pdf"},
    {"items": [None]}, {"items": [{}]}, {"items": [{"sourceFileUrl": 7}]},
    {"items": ["https://canvas.example.com/files/a.pdf"]},
    {"items": {"sourceFileUrl": "https://canvas.example.com/files/a.pdf"}},
)


def run_request_probes(client: ProbeClient, verdicts: Verdicts,
                       known: Sequence[KnownExport]) -> None:
    target = known[0].source_file_url if known else unknown_url("extra-properties.pdf")
    if verdicts.wants("request-extra-properties-ignored"):
        _extra_properties(client, verdicts, target)
    if verdicts.wants("request-unusable-identifier-rejected", "request-malformed-body-rejected"):
        _unusable_and_malformed(client, verdicts)
    if known and verdicts.wants("batch-mixed-malformed-items"):
        _mixed_batch(client, verdicts, known[0])
    if verdicts.wants("request-over-limit-rejected"):
        _over_limits(client, verdicts, known)
    # These requests feed the MUST checks on every response (S3, S4, E1) too, so they are sent
    # even when their own SHOULD check (Q6) is not judged.
    if verdicts.wants("response-type-unknown-rejected", *_ALWAYS_JUDGED):
        for path, body in _bodies(target):
            for value in ("url", "URLS", "binary", ""):
                ex = client.post_json(path, body, params={"responseType": value},
                                      well_formed=False)
                verdicts.judge("response-type-unknown-rejected", [] if ex.status == 400 else [
                    ex.evidence(f"responseType={value!r} got {ex.status}, not 400")])
    if verdicts.wants("content-type-wrong-rejected", *_ALWAYS_JUDGED):
        for path, body in _bodies(target):
            raw = json.dumps(body).encode()
            for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
                ex = client.send("POST", path, raw=raw, content_type=content_type,
                                 well_formed=False)
                shown = content_type or "no Content-Type"
                verdicts.judge("content-type-wrong-rejected", [] if ex.status in (400, 415)
                               else [ex.evidence(f"a JSON body sent as {shown} got {ex.status}, "
                                                 "not 400 or 415")])


def _bodies(url: str) -> tuple[tuple[str, object], ...]:
    return ((SINGLE_PATH, {"sourceFileUrl": url}),
            (BATCH_PATH, {"items": [{"sourceFileUrl": url}]}))


def _extra_properties(client: ProbeClient, verdicts: Verdicts, url: str) -> None:
    extended = (
        (SINGLE_PATH, {"sourceFileUrl": url, "comment": "ignored", "options": {"x": [1]}}),
        (BATCH_PATH, {"items": [{"sourceFileUrl": url, "label": "ignored"}],
                      "clientVersion": "1.2.3"}),
    )
    for (path, plain), (_, extra) in zip(_bodies(url), extended, strict=True):
        for params in (None, _URLS):
            baseline = client.post_json(path, plain, params=params)
            ex = client.post_json(path, extra, params=params)
            verdicts.judge("request-extra-properties-ignored", [] if ex.status ==
                           baseline.status else [ex.evidence(
                               f"unknown extra properties changed the answer from "
                               f"{baseline.status} to {ex.status}")])


def _expect_400(verdicts: Verdicts, check_id: str, ex: Exchange, what: str) -> None:
    verdicts.judge(check_id, [] if ex.status == 400 else [ex.evidence(
        f"{what} got {ex.status}, not 400")])


def _unusable_and_malformed(client: ProbeClient, verdicts: Verdicts) -> None:
    for value in UNUSABLE_IDENTIFIERS:
        shown = repr(value) if len(str(value)) < 60 else f"a {len(str(value))}-character URL"
        ex = client.post_json(SINGLE_PATH, {"sourceFileUrl": value}, well_formed=False)
        _expect_400(verdicts, "request-unusable-identifier-rejected", ex,
                    f"sourceFileUrl {shown}")
        ex = client.post_json(BATCH_PATH, {"items": [{"sourceFileUrl": value}]},
                              params=_URLS, well_formed=False)
        _expect_400(verdicts, "request-unusable-identifier-rejected", ex,
                    f"a batch whose only item is {shown}")
    for label, raw in MALFORMED_RAW:
        for index, path in enumerate((SINGLE_PATH, BATCH_PATH)):
            ex = client.send("POST", path, raw=raw, content_type="application/json",
                             params=_URLS if index else None, well_formed=False)
            _expect_400(verdicts, "request-malformed-body-rejected", ex, f"a body that is {label}")
    for path, bodies in ((SINGLE_PATH, MALFORMED_SINGLE), (BATCH_PATH, MALFORMED_BATCH)):
        for index, body in enumerate(bodies):
            ex = client.post_json(path, body, params=_URLS if index % 2 else None,
                                  well_formed=False)
            _expect_400(verdicts, "request-malformed-body-rejected", ex,
                        f"body {json.dumps(body)[:80]}")


def _mixed_batch(client: ProbeClient, verdicts: Verdicts, export: KnownExport) -> None:
    """Q4: 400, or the malformed item treated as unresolved (left out / skipped)."""
    items = [export.source_file_url, "not a url", export.source_file_url]
    body = {"items": [{"sourceFileUrl": item} for item in items]}
    zipped = client.post_json(BATCH_PATH, body, well_formed=False)
    listed = client.post_json(BATCH_PATH, body, params=_URLS, well_formed=False)
    for ex in (zipped, listed):
        if ex.status not in (200, 400):
            verdicts.fail("batch-mixed-malformed-items", ex.evidence(
                f"a batch mixing usable and malformed items got {ex.status}: neither 400 nor "
                "200 with the malformed item skipped"))
        elif ex.status == 400:
            verdicts.ok("batch-mixed-malformed-items")
    if zipped.status == 200:
        entries = inspect_zip(zipped.content).entries
        digests = [entry.sha256 for entry in entries]
        verdicts.judge("batch-mixed-malformed-items", [] if digests == [export.sha256] * 2
                       else [zipped.evidence(
                           "the zip should hold the two usable items only",
                           "entries: " + ", ".join(repr(e.name) for e in entries))])
    if listed.status == 200:
        try:
            answer = listed.json()
        except ValueError:
            answer = None
        ok = (isinstance(answer, dict) and isinstance(answer.get("exportedUrls"), list)
              and isinstance(answer.get("skipped"), list)
              and len(answer["exportedUrls"]) == 2 and len(answer["skipped"]) == 1)
        verdicts.judge("batch-mixed-malformed-items", [] if ok else [listed.evidence(
            "URL mode should give 2 exported URLs and 1 skipped record (the malformed item)",
            f"body: {listed.content[:200]!r}")])


def _over_limits(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport]) -> None:
    many = {"items": [{"sourceFileUrl": unknown_url(f"item-{n}.pdf")} for n in range(5000)]}
    if known:
        # A backend that silently cuts a batch to its limit answers this 404: the known export
        # at the end is never looked at. Within the limits it is a 200; over them 400/413.
        tail = {"items": [*many["items"][:-1], {"sourceFileUrl": known[0].source_file_url}]}
        for params in (None, _URLS):
            ex = client.post_json(BATCH_PATH, tail, params=params, well_formed=False)
            verdicts.judge("request-over-limit-rejected", [] if ex.status in (200, 400, 413)
                           else [ex.evidence(
                               f"a batch of 5000 items whose last one is a known export got "
                               f"{ex.status}, not 400/413 (over the limit) or 200 (within it): "
                               "was the batch cut short?")])
    padded = {"items": [{"sourceFileUrl": unknown_url("padded.pdf")}],
              "padding": "x" * (3 * 1024 * 1024)}
    for label, body in (("a batch of 5000 items", many), ("a 3 MiB body", padded)):
        for params in (None, _URLS):
            ex = client.post_json(BATCH_PATH, body, params=params, well_formed=False)
            verdicts.judge("request-over-limit-rejected", [] if ex.status in (400, 404, 413)
                           else [ex.evidence(f"{label} (no item resolves) got {ex.status}, "
                                             "not 400/413 (or 404 within the limits)")])
