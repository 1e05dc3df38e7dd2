"""The check catalogue: every check's stable ID, the rules it enforces, its level and purpose.

IDs are stable: CI configurations name them in ``--checks`` / ``--exclude-checks``. A check's
``needs`` says what it cannot run without (it reports SKIP, with the reason, when that is
missing): ``api_key``, ``origin``, ``follow_urls``, ``exports`` (at least one known export),
``big_archive``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .rules import RULES, RULES_BY_ID

__all__ = ["CHECKS", "CHECKS_BY_ID", "Check", "CheckLevel", "check", "checks_for_rule",
           "select_checks"]

CheckLevel = Literal["MUST", "SHOULD"]


@dataclass(frozen=True)
class Check:
    id: str
    rule_ids: tuple[str, ...]
    level: CheckLevel
    description: str
    needs: frozenset[str] = frozenset()


def _c(check_id: str, rule_ids: str, level: CheckLevel, description: str,
       needs: Iterable[str] = ()) -> Check:
    return Check(check_id, tuple(rule_ids.split()), level, description, frozenset(needs))


CHECKS: tuple[Check, ...] = (
    # Requests (Q)
    _c("request-extra-properties-ignored", "Q1", "MUST",
       "An unknown extra body property changes nothing: same status as without it."),
    _c("request-unusable-identifier-rejected", "Q2 Q3", "MUST",
       "Empty, relative, non-http(s) or over-2048-character sourceFileUrl values get 400."),
    _c("request-malformed-body-rejected", "Q3", "MUST",
       "Non-JSON, non-object, null, missing/mistyped fields and empty items get 400."),
    _c("batch-mixed-malformed-items", "Q4", "MUST",
       "A batch of usable and malformed items gets 400 or skips exactly the malformed ones.",
       needs=("exports",)),
    _c("request-over-limit-rejected", "Q5", "MUST",
       "A batch of thousands of items and a body of several MiB get 400/413 (or 404 when "
       "within limits), never 2xx or 5xx."),
    _c("response-type-unknown-rejected", "Q6", "SHOULD",
       "A responseType other than 'urls' gets 400."),
    _c("content-type-wrong-rejected", "Q6", "SHOULD",
       "A body sent as text/plain or without Content-Type gets 400 or 415."),
    _c("batch-items-not-collapsed", "Q7", "MUST",
       "Every batch item has one outcome: repeated items give repeated zip entries and URLs.",
       needs=("exports",)),
    # Auth (A)
    _c("auth-missing-key-rejected", "A1 A2", "MUST",
       "A request without x-api-key, or with an empty one, gets 401 or 403.",
       needs=("api_key",)),
    _c("auth-invalid-key-rejected", "A2", "MUST",
       "Random wrong keys get 401 or 403, never 2xx, a file or a zip.", needs=("api_key",)),
    _c("auth-valid-key-accepted", "A3", "MUST",
       "No request carrying the valid key is answered 401 or 403.", needs=("api_key",)),
    _c("cors-preflight-without-key", "A4", "MUST",
       "A CORS preflight without x-api-key succeeds (2xx).", needs=("origin",)),
    # Resolution and status codes (S, B)
    _c("all-resolved-ok", "S1", "MUST",
       "Single and batch requests whose items all resolve get 200, in both modes.",
       needs=("exports",)),
    _c("none-resolved-not-found", "S2", "MUST",
       "Requests where no item resolves get 404, in all four variants."),
    _c("status-documented", "S3", "MUST",
       "Every status of a download operation is one the spec documents for it."),
    _c("no-server-error", "S4", "MUST",
       "Well-formed requests (probes and positive fuzzing) never get a 5xx."),
    _c("batch-partial-resolution", "B1", "MUST",
       "A batch with some unknown items gets 200; unknown items are left out / skipped.",
       needs=("exports",)),
    _c("fuzz-positive-accepted", "S1 S2", "MUST",
       "Schema-valid fuzzed requests get 200 (known export) or 404 (unknown), never 400."),
    _c("fuzz-negative-rejected", "Q3", "MUST",
       "Schema-invalid fuzzed bodies get 400, 413 or 415, never 2xx, 404 or 5xx."),
    _c("fuzz-response-conformance", "U1 U2 U3", "MUST",
       "Fuzzed 200 responses match the spec's media types, headers and JSON schemas."),
    # Error bodies (E)
    _c("error-not-a-download", "E1", "MUST",
       "Every 4xx/5xx has a JSON body and no Content-Disposition: attachment."),
    _c("error-problem-details", "E2", "SHOULD",
       "Errors are RFC 9457 problem details (type, title, status, detail) with success false."),
    # Default mode (D, F)
    _c("default-mode-body-is-file", "D1", "MUST",
       "A default-mode 200 is non-empty, not application/json and not the URL-mode envelope.",
       needs=("exports",)),
    _c("content-length-matches-body", "D2", "MUST",
       "Content-Length, when sent, equals the number of body bytes."),
    _c("content-disposition-attachment", "F1 F6", "MUST",
       "Every default-mode 200 has an RFC 6266 attachment header with filename/filename*.",
       needs=("exports",)),
    _c("filename-safe", "F2", "MUST",
       "The effective filename is non-empty, no path, no control characters, <= 255 bytes.",
       needs=("exports",)),
    _c("filename-non-ascii-fallback", "F3", "SHOULD",
       "Non-ASCII names come as filename*=UTF-8'' with an ASCII filename fallback.",
       needs=("exports",)),
    _c("batch-filename-zip", "F4", "MUST",
       "The batch zip's effective filename ends in .zip.", needs=("exports",)),
    _c("filename-extension-matches-type", "F5", "SHOULD",
       "A single file's extension agrees with its Content-Type.", needs=("exports",)),
    # Batch zip (Z)
    _c("zip-valid-crc", "Z1", "MUST",
       "The batch body is application/zip, a readable zip, and every entry's CRC-32 matches.",
       needs=("exports",)),
    _c("zip-entry-names-safe", "Z2", "MUST",
       "Zip entries are root-level regular files: no directories, separators, '..', drives.",
       needs=("exports",)),
    _c("zip-entry-names-unique", "Z3", "MUST",
       "Zip entry names are unique after NFC normalisation and case folding.",
       needs=("exports",)),
    _c("zip-entry-bytes-match-single-download", "Z4", "MUST",
       "One entry per resolved item, in order, each byte-identical to its single download.",
       needs=("exports",)),
    _c("zip-entry-names-follow-filenames", "Z5", "MUST",
       "Entries take their item's filename; a taken name is de-duplicated keeping the "
       "extension.", needs=("exports",)),
    _c("zip-utf8-flag", "Z6", "SHOULD",
       "Entries with non-ASCII names set general purpose bit 11 (UTF-8).", needs=("exports",)),
    _c("zip64-when-needed", "Z7", "MUST",
       "An archive past 4 GiB or 65,535 entries is a valid ZIP64 archive.",
       needs=("exports",)),
    # URL mode (U)
    _c("url-mode-envelope", "U1", "MUST",
       "URL mode answers application/json with success: true (the JSON literal).",
       needs=("exports",)),
    _c("url-mode-single-exported-url", "U2", "MUST",
       "Single URL mode gives exportedUrl as an absolute http(s) URL.", needs=("exports",)),
    _c("url-mode-batch-lists", "U3", "MUST",
       "Batch URL mode gives exportedUrls (one absolute URL per resolved item, in order) and "
       "skipped (one record per unresolved item), both always present.", needs=("exports",)),
    _c("exported-url-serves-same-bytes", "U4", "SHOULD",
       "GET on an exported URL without the key returns the single-download bytes.",
       needs=("exports", "follow_urls")),
    # CORS (X)
    _c("cors-preflight-allows-post", "X1", "MUST",
       "The preflight for POST with content-type and x-api-key allows the origin, method and "
       "both headers.", needs=("origin",)),
    _c("cors-exposes-content-disposition", "X2 F6", "MUST",
       "Cross-origin responses list Content-Disposition in Access-Control-Expose-Headers.",
       needs=("origin",)),
)

CHECKS_BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


def check(check_id: str) -> Check:
    """The check with this ID; ``KeyError`` when there is none."""
    return CHECKS_BY_ID[check_id]


def checks_for_rule(rule_id: str) -> tuple[Check, ...]:
    return tuple(c for c in CHECKS if rule_id.upper() in c.rule_ids)


def _expand(ids: Iterable[str]) -> set[str]:
    """Check IDs named directly or through a rule ID; ``ValueError`` for an unknown ID."""
    selected: set[str] = set()
    for raw in ids:
        name = raw.strip()
        if not name:
            continue
        if name in CHECKS_BY_ID:
            selected.add(name)
        elif name.upper() in RULES_BY_ID:
            selected.update(c.id for c in checks_for_rule(name))
        else:
            raise ValueError(f"unknown check or rule ID {name!r} (see the check catalogue)")
    return selected


def select_checks(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> tuple[Check, ...]:
    """The checks to run, in catalogue order: ``include`` (all when empty) minus ``exclude``.

    Both accept check IDs and rule IDs (``Z3`` stands for every check of rule Z3).
    """
    included = _expand(include)
    excluded = _expand(exclude)
    return tuple(c for c in CHECKS
                 if (not included or c.id in included) and c.id not in excluded)


def _self_check() -> None:
    known = {r.id for r in RULES}
    named = {rule_id for c in CHECKS for rule_id in c.rule_ids}
    assert named <= known, named - known
    assert known <= named, known - named
    assert len(CHECKS_BY_ID) == len(CHECKS)


_self_check()
