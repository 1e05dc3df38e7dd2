"""Probes of request handling: extra properties, unusable and malformed bodies, mixed batches,
unknown responseType and wrong Content-Type (Q1-Q4, Q6). Limits (Q5) are in ``limit_probes``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .client import Exchange, ProbeClient
from .exports import KnownExport, unknown_url
from .observers import BATCH_PATH, SINGLE_PATH
from .results import Evidence
from .showing import shown, shown_body, shown_json
from .url_mode import everything_skipped
from .verdicts import Verdicts
from .zip_inspection import inspect_zip

__all__ = ["run_request_probes"]

_URLS = {"responseType": "urls"}
_ALWAYS_JUDGED = ("status-allowed", "error-not-a-download", "no-server-error")
# Non-empty strings that no backend resolves but that the contract calls usable (Q2): a
# backend may answer 404 (it looked and found nothing) or 400 (it cannot use the string).
UNRESOLVABLE_STRINGS: tuple[str, ...] = (
    "files/floor-plan.pdf",
    "/files/floor-plan.pdf",
    "ftp://canvas.example.com/files/floor-plan.pdf",
    "mailto:someone@example.com",
    "https://canvas.example.com/" + "a" * 2018 + ".pdf",  # 2,049 characters
)
# (label, raw body) for bodies that carry no usable identifier in either operation (Q3).
MALFORMED_RAW: tuple[tuple[str, bytes], ...] = (
    ("not JSON", b"sourceFileUrl=https://canvas.example.com/files/a.pdf"),
    ("empty", b""),
    ("JSON null", b"null"),
    ("a JSON array", b"[]"),
    ("a JSON string", b'"https://canvas.example.com/files/a.pdf"'),
    ("a JSON number", b"42"),
    ("truncated JSON", b'{"sourceFileUrl": "https://canvas.example.com/files/a.pdf"'),
)
INVALID_UTF8 = b'{"sourceFileUrl": "https://canvas.example.com/\xff\xfe.pdf"}'
MALFORMED_SINGLE: tuple[object, ...] = (
    {}, {"sourceFileUrl": None}, {"sourceFileUrl": ""}, {"sourceFileUrl": 42},
    {"sourceFileUrl": True}, {"sourceFileUrl": ["https://canvas.example.com/files/a.pdf"]},
    {"sourceFileUrl": {"url": "https://canvas.example.com/files/a.pdf"}},
)
MALFORMED_BATCH: tuple[object, ...] = (
    {}, {"items": []}, {"items": None}, {"items": "https://canvas.example.com/files/a.pdf"},
    {"items": [None]}, {"items": [{}]}, {"items": [{"sourceFileUrl": 7}]},
    {"items": [{"sourceFileUrl": ""}]},
    {"items": ["https://canvas.example.com/files/a.pdf"]},
    {"items": {"sourceFileUrl": "https://canvas.example.com/files/a.pdf"}},
)


def run_request_probes(client: ProbeClient, verdicts: Verdicts,
                       known: Sequence[KnownExport]) -> None:
    target = known[0].source_file_url if known else unknown_url("extra-properties.pdf")
    if verdicts.wants("request-extra-properties-tolerated", "request-extra-properties-ignored"):
        _extra_properties(client, verdicts, target)
    if verdicts.wants("identifier-unresolvable-string", "identifier-non-url-rejected"):
        _unresolvable_strings(client, verdicts)
    if verdicts.wants("request-malformed-body-rejected", "request-invalid-utf8-not-accepted",
                      "request-invalid-utf8-rejected"):
        _malformed(client, verdicts)
    if verdicts.wants("batch-mixed-malformed-items", "batch-mixed-malformed-rejected"):
        _mixed_batch(client, verdicts, known)
    # These requests feed the MUST checks on every response (S3, S4, E1) too, so they are sent
    # even when their own SHOULD check (Q6) is not selected.
    if verdicts.wants("response-type-unknown-rejected", *_ALWAYS_JUDGED):
        _unknown_response_types(client, verdicts, target)
    if verdicts.wants("content-type-wrong-rejected", *_ALWAYS_JUDGED):
        _wrong_content_types(client, verdicts, target)


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
            verdicts.judge("request-extra-properties-tolerated", [] if ex.status < 500 else [
                ex.evidence(f"a body with unknown extra properties got {ex.status}",
                            f"body: {shown_json(extra)}", shown_body(ex.content))])
            verdicts.judge("request-extra-properties-ignored", [] if ex.status ==
                           baseline.status else [ex.evidence(
                               f"unknown extra properties changed the answer from "
                               f"{baseline.status} to {ex.status}",
                               f"body: {shown_json(extra)}")])


def _unresolvable_strings(client: ProbeClient, verdicts: Verdicts) -> None:
    for value in UNRESOLVABLE_STRINGS:
        for path, body, params in ((SINGLE_PATH, {"sourceFileUrl": value}, None),
                                   (BATCH_PATH, {"items": [{"sourceFileUrl": value}]}, _URLS)):
            what = ("sourceFileUrl" if path == SINGLE_PATH else "the only batch item's "
                    "sourceFileUrl") + f" {shown(value)}"
            ex = client.post_json(path, body, params=params)
            batch_urls = path == BATCH_PATH
            ok = ex.status in (400, 404) or (batch_urls and everything_skipped(ex))
            allowed = ("400, 404, or 200 with the item in skipped" if batch_urls
                       else "400 or 404")
            verdicts.judge("identifier-unresolvable-string", [] if ok else [ex.evidence(
                f"{what} answered {ex.status}; allowed: {allowed} (a non-empty string the "
                "backend cannot resolve)", shown_body(ex.content))])
            verdicts.judge("identifier-non-url-rejected", [] if ex.status == 400 else [
                ex.evidence(f"{what} answered {ex.status}; the reference refuses anything but "
                            "an absolute http(s) URL of at most 2048 characters with 400")])


def _expect_400(verdicts: Verdicts, check_id: str, ex: Exchange, what: str) -> None:
    verdicts.judge(check_id, [] if ex.status == 400 else [ex.evidence(
        f"{what} answered {ex.status}; allowed: 400 (no usable identifier)",
        shown_body(ex.content))])


def _malformed(client: ProbeClient, verdicts: Verdicts) -> None:
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
                        f"the body {shown_json(body)}")
    for path in (SINGLE_PATH, BATCH_PATH):
        ex = client.send("POST", path, raw=INVALID_UTF8, content_type="application/json",
                         well_formed=False)
        verdicts.judge("request-invalid-utf8-not-accepted", [] if 400 <= ex.status < 500 else [
            ex.evidence(f"a body that is not valid UTF-8 answered {ex.status}; allowed: a 4xx, "
                        "never 2xx or 5xx", shown_body(ex.content))])
        _expect_400(verdicts, "request-invalid-utf8-rejected", ex,
                    "a body that is not valid UTF-8")


def _mixed_batch(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport]) -> None:
    """Q4: 400, or the malformed item treated as unresolved (left out / skipped)."""
    usable = list(known[:2])
    if usable:
        body = {"items": [{"sourceFileUrl": usable[0].source_file_url}, {"sourceFileUrl": 7},
                          *({"sourceFileUrl": e.source_file_url} for e in usable[1:])]}
    else:
        body = {"items": [{"sourceFileUrl": unknown_url("mixed.pdf")}, {"sourceFileUrl": 7}]}
    zipped = client.post_json(BATCH_PATH, body, well_formed=False)
    listed = client.post_json(BATCH_PATH, body, params=_URLS, well_formed=False)
    for ex in (zipped, listed):
        verdicts.judge("batch-mixed-malformed-rejected", _reference_refusal(ex))
        if not usable:
            continue
        if ex.status not in (200, 400):
            verdicts.fail("batch-mixed-malformed-items", ex.evidence(
                f"a batch whose item 1 is malformed ({{\"sourceFileUrl\": 7}}) answered "
                f"{ex.status}; allowed: 400, or 200 with that item treated as unresolved"))
        elif ex.status == 400:
            verdicts.ok("batch-mixed-malformed-items")
    if usable and zipped.status == 200:
        _judge_mixed_zip(zipped, usable, verdicts)
    if usable and listed.status == 200:
        _judge_mixed_urls(listed, usable, verdicts)


def _reference_refusal(ex: Exchange) -> list[Evidence]:
    """REF: 400 naming the malformed item's index (1)."""
    if ex.status != 400:
        return [ex.evidence(f"a batch whose item 1 is malformed answered {ex.status}; the "
                            "reference answers 400 naming the item")]
    text = ex.content.decode("utf-8", errors="replace")
    named = any(marker in text for marker in ("[1]", "item 1", "index 1", "items.1", "/1/"))
    return [] if named else [ex.evidence(
        "the 400 for a malformed batch item does not name its index (1)", shown_body(ex.content))]


def _judge_mixed_zip(ex: Exchange, usable: Sequence[KnownExport], verdicts: Verdicts) -> None:
    report = inspect_zip(ex.content)
    if report.errors:
        verdicts.skip("batch-mixed-malformed-items", "could not check: the zip does not read "
                      "back (rule Z1)")
        return
    entries = report.entries
    digests = {entry.sha256 for entry in entries}
    wanted = {export.sha256 for export in usable}
    verdicts.judge("batch-mixed-malformed-items", [] if digests == wanted else [ex.evidence(
        "a 200 for a batch with a malformed item should hold the usable items only",
        "entries: " + ", ".join(repr(e.name) for e in entries),
        "usable items: " + ", ".join(e.source_file_url for e in usable))])


def _judge_mixed_urls(ex: Exchange, usable: Sequence[KnownExport], verdicts: Verdicts) -> None:
    try:
        answer = ex.json()
    except ValueError:
        answer = None
    urls = answer.get("exportedUrls") if isinstance(answer, dict) else None
    skipped = answer.get("skipped") if isinstance(answer, dict) else None
    ok = (isinstance(urls, list) and len(urls) == len(usable) and isinstance(skipped, list)
          and len(skipped) >= 1)
    verdicts.judge("batch-mixed-malformed-items", [] if ok else [ex.evidence(
        f"URL mode should give {len(usable)} exported URL(s) for the usable items and list "
        "the malformed one in skipped, as an unresolved item", shown_body(ex.content))])


def _unknown_response_types(client: ProbeClient, verdicts: Verdicts, target: str) -> None:
    for path, body in _bodies(target):
        for value in ("url", "URLS", "binary", ""):
            ex = client.post_json(path, body, params={"responseType": value},
                                  well_formed=False)
            verdicts.judge("response-type-unknown-rejected", [] if ex.status == 400 else [
                ex.evidence(f"responseType={value!r} answered {ex.status}; allowed: 400 "
                            "(only 'urls' or no responseType is known)")])


def _wrong_content_types(client: ProbeClient, verdicts: Verdicts, target: str) -> None:
    for path, body in _bodies(target):
        raw = json.dumps(body).encode()
        for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
            ex = client.send("POST", path, raw=raw, content_type=content_type,
                             well_formed=False)
            sent = content_type or "no Content-Type"
            verdicts.judge("content-type-wrong-rejected", [] if ex.status in (400, 415)
                           else [ex.evidence(f"a JSON body sent as {sent} answered "
                                             f"{ex.status}; allowed: 400 or 415")])
