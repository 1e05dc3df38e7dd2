"""The check catalogue: every check's stable ID, the one rule it enforces, its level and purpose.

IDs are stable: CI configurations name them in ``--checks`` / ``--exclude-checks``. A check
enforces exactly one part of one rule, so a backend bug is charged to the rule it breaks; its
level is the level of that part (MUST, SHOULD or REF, see ``rules.py``). A check's ``needs``
says what it cannot run without (it reports SKIP, with the reason, when that is missing):
``api_key``, ``origin``, ``follow_urls``, ``exports`` (at least one known export),
``limits`` (declared limits), ``no_limits`` (limits not declared), ``big_archive``, ``jobs``
(the backend offers export jobs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .rules import RULES, RULES_BY_ID, Level, backend_rules

__all__ = ["CHECKS", "CHECKS_BY_ID", "Check", "check", "checks_for_rule", "select_checks"]


@dataclass(frozen=True)
class Check:
    id: str
    rule_id: str
    level: Level
    description: str
    needs: frozenset[str] = frozenset()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.rule_id,)


def _c(check_id: str, rule_id: str, level: Level, description: str,
       needs: Iterable[str] = ()) -> Check:
    return Check(check_id, rule_id, level, description, frozenset(needs))


_EXPORTS = ("exports",)
_FOLLOW = ("exports", "follow_urls")
_JOBS = ("jobs",)

CHECKS: tuple[Check, ...] = (
    # Requests (Q)
    _c("request-extra-properties-tolerated", "Q1", "MUST",
       "Bodies with unknown extra properties never get a 5xx."),
    _c("request-extra-properties-ignored", "Q1", "REF",
       "An unknown extra body property changes nothing: same status as without it."),
    _c("identifier-unresolvable-string", "Q2", "MUST",
       "A non-empty string sourceFileUrl the backend cannot resolve (relative, other schemes, "
       "very long) gets 404 or 400."),
    _c("identifier-non-url-rejected", "Q2", "REF",
       "A sourceFileUrl that is not an absolute http(s) URL of at most 2048 characters gets "
       "400; schema-invalid fuzzed bodies by the reference schema get 400, 413 or 415."),
    _c("request-malformed-body-rejected", "Q3", "MUST",
       "Non-JSON, non-object, null, missing/mistyped fields, an empty string and empty items "
       "get 400; schema-invalid fuzzed bodies are rejected (never 2xx or 5xx)."),
    _c("request-invalid-utf8-not-accepted", "Q3", "MUST",
       "A body that is not valid UTF-8 never gets 2xx or 5xx."),
    _c("request-invalid-utf8-rejected", "Q3", "SHOULD",
       "A body that is not valid UTF-8 gets 400."),
    _c("batch-mixed-malformed-items", "Q4", "MUST",
       "A batch of usable and malformed items gets 400 or skips exactly the malformed ones.",
       needs=_EXPORTS),
    _c("batch-mixed-malformed-rejected", "Q4", "REF",
       "A batch of usable and malformed items gets 400 naming the malformed item's index."),
    _c("limits-declared-edges", "Q5", "MUST",
       "With declared limits: exactly N items are accepted, N+1 items and a body just over "
       "the size limit get 400 or 413.", needs=("limits",)),
    _c("limits-undeclared-probe", "Q5", "SHOULD",
       "Without declared limits: 10,000 items and a 16 MiB body get 400 or 413.",
       needs=("no_limits",)),
    _c("limits-reference", "Q5", "REF",
       "One item over the item limit (default 100) and a body over 1 MiB both get 413."),
    _c("response-type-selects-mode", "Q6", "MUST",
       "Without responseType the answer is the file, with responseType=urls the JSON "
       "envelope.", needs=_EXPORTS),
    _c("response-type-unknown-rejected", "Q6", "SHOULD",
       "A responseType other than 'urls' gets 400."),
    _c("content-type-wrong-rejected", "Q6", "SHOULD",
       "A body sent as text/plain, form data or without Content-Type gets 400 or 415."),
    _c("batch-items-not-collapsed", "Q7", "MUST",
       "Every distinct resolved item of a batch has its zip entry or exported URL.",
       needs=_EXPORTS),
    _c("batch-order-and-repeats", "Q7", "SHOULD",
       "Zip entries and exported URLs come in request order; repeated items repeat.",
       needs=_EXPORTS),
    # Auth (A)
    _c("auth-missing-key-rejected", "A2", "MUST",
       "A request without x-api-key, or with an empty one, gets 401 or 403.",
       needs=("api_key",)),
    _c("auth-invalid-key-rejected", "A2", "MUST",
       "Random wrong keys get 401 or 403, never 2xx, a file or a zip.", needs=("api_key",)),
    _c("auth-statuses-reference", "A2", "REF",
       "A missing key gets 401 and a wrong key 403, before the body is looked at.",
       needs=("api_key",)),
    _c("auth-valid-key-accepted", "A3", "MUST",
       "No request carrying the valid key is answered 401 or 403.", needs=("api_key",)),
    _c("cors-preflight-without-key", "A4", "MUST",
       "A CORS preflight without x-api-key is never answered 401 or 403.", needs=("origin",)),
    # Resolution and status codes (S, B)
    _c("all-resolved-ok", "S1", "MUST",
       "Single and batch requests whose items all resolve get 200, in both modes.",
       needs=_EXPORTS),
    _c("none-resolved-not-found", "S2", "MUST",
       "No item resolves: 404 (single, batch default mode); batch URL mode 404 or 200 with "
       "every item skipped."),
    _c("none-resolved-404-everywhere", "S2", "REF",
       "No item resolves: 404 in all four variants."),
    _c("status-allowed", "S3", "MUST",
       "Every status of a download operation is 200, 400, 401, 403, 404, 413, 415, 429 or 5xx."),
    _c("no-server-error", "S4", "MUST",
       "Well-formed requests (probes and positive fuzzing) never get a 5xx."),
    _c("batch-partial-resolution", "B1", "MUST",
       "A batch with some unknown items gets 200; unknown items are left out / skipped.",
       needs=_EXPORTS),
    # Error bodies (E)
    _c("error-not-a-download", "E1", "MUST",
       "No 4xx/5xx carries Content-Disposition: attachment or an export's bytes."),
    _c("error-body-readable", "E1", "SHOULD",
       "Every 4xx/5xx body is JSON with a message a person can read."),
    _c("error-problem-details", "E2", "REF",
       "Errors are RFC 9457 problem details (type, title, status, detail) with success false."),
    # Default mode (D, F)
    _c("default-mode-body-is-file", "D1", "MUST",
       "A default-mode 200 is non-empty, not JSON and not the URL-mode envelope.",
       needs=_EXPORTS),
    _c("default-mode-media-type", "D1", "SHOULD",
       "A single download's Content-Type is specific where its filename says what it is.",
       needs=_EXPORTS),
    _c("content-length-matches-body", "D2", "MUST",
       "Content-Length, when sent, equals the number of body bytes."),
    _c("content-disposition-parses", "F1", "MUST",
       "Every default-mode 200 has an RFC 6266 Content-Disposition with filename/filename*.",
       needs=_EXPORTS),
    _c("content-disposition-attachment", "F1", "SHOULD",
       "The Content-Disposition type of a download is attachment.", needs=_EXPORTS),
    _c("filename-safe", "F2", "MUST",
       "The effective filename is non-empty, no path, no control characters, <= 255 bytes.",
       needs=_EXPORTS),
    _c("filename-non-ascii-fallback", "F3", "SHOULD",
       "Non-ASCII names come as filename*=UTF-8'' with an ASCII filename fallback.",
       needs=_EXPORTS),
    _c("batch-filename-zip", "F4", "MUST",
       "The batch zip's effective filename ends in .zip.", needs=_EXPORTS),
    _c("filename-extension-matches-type", "F5", "SHOULD",
       "A single file's extension agrees with its Content-Type.", needs=_EXPORTS),
    # Batch zip (Z)
    _c("zip-valid-crc", "Z1", "MUST",
       "The batch body is application/zip, a readable zip, and every entry's CRC-32 matches.",
       needs=_EXPORTS),
    _c("zip-entry-names-safe", "Z2", "MUST",
       "No zip entry name has a '..' segment, an absolute path, a drive, '\\' or controls.",
       needs=_EXPORTS),
    _c("zip-entries-at-root", "Z2", "SHOULD",
       "Zip entries are regular files at the root: no directories, no '/' in names.",
       needs=_EXPORTS),
    _c("zip-entry-names-unique", "Z3", "MUST",
       "Zip entry names are unique after NFC normalisation and case folding.",
       needs=_EXPORTS),
    _c("zip-entry-bytes-match-single-download", "Z4", "MUST",
       "Every entry's bytes are a resolved item's single download, and every resolved item "
       "is there, matched by content.", needs=_EXPORTS),
    _c("zip-entry-names-follow-filenames", "Z5", "MUST",
       "Entries take their item's filename, or a de-duplicated form of it where it is taken.",
       needs=_EXPORTS),
    _c("zip-dedup-keeps-extension", "Z5", "SHOULD",
       "A de-duplicated entry name keeps the extension.", needs=_EXPORTS),
    _c("zip-dedup-reference-form", "Z5", "REF",
       "Entries are named stem (n).ext with the smallest free n, in request order.",
       needs=_EXPORTS),
    _c("zip-utf8-flag", "Z6", "SHOULD",
       "Entries with non-ASCII names set general purpose bit 11 (UTF-8).", needs=_EXPORTS),
    _c("zip64-when-needed", "Z7", "MUST",
       "An archive past 4 GiB or 65,535 entries is a valid ZIP64 archive.",
       needs=_EXPORTS),
    # URL mode (U)
    _c("url-mode-envelope", "U1", "MUST",
       "URL mode answers application/json with success: true (the JSON literal).",
       needs=_EXPORTS),
    _c("url-mode-single-exported-url", "U2", "MUST",
       "Single URL mode gives exportedUrl as an absolute http(s) URL.", needs=_EXPORTS),
    _c("url-mode-batch-lists", "U3", "MUST",
       "Batch URL mode gives exportedUrls (one absolute URL per resolved item) and skipped, "
       "both arrays, always present.", needs=_EXPORTS),
    _c("url-mode-skipped-per-item", "U3", "SHOULD",
       "Batch URL mode lists one skipped record per unresolved item.", needs=_EXPORTS),
    _c("url-mode-skipped-record", "U3", "REF",
       "Skipped records are {sourceFileUrl, reason: not_found}, in request order.",
       needs=_EXPORTS),
    _c("exported-url-serves-same-bytes", "U4", "SHOULD",
       "GET on an exported URL without the key returns the single-download bytes.",
       needs=_FOLLOW),
    _c("exported-url-names-file", "U5", "SHOULD",
       "An exported URL's answer has Content-Disposition with the default-mode filename.",
       needs=_FOLLOW),
    _c("exported-url-stays-valid", "U6", "SHOULD",
       "Exported URLs issued early in the run still serve the file at its end.",
       needs=_FOLLOW),
    # CORS (X)
    _c("cors-preflight-allows-post", "X1", "MUST",
       "The preflight for POST with content-type and x-api-key allows the origin, method and "
       "both headers.", needs=("origin",)),
    _c("cors-exposes-content-disposition", "X2", "MUST",
       "Cross-origin responses list Content-Disposition in Access-Control-Expose-Headers.",
       needs=("origin",)),
    # Rate limits (R)
    _c("rate-limited-not-a-download", "R1", "MUST",
       "A 429 carries no file, zip or attachment header."),
    _c("rate-limited-retry-after", "R1", "SHOULD",
       "A 429 carries Retry-After."),
    # Export jobs (J)
    _c("job-create-accepted", "J1", "MUST",
       "Creating a job answers 202 with a Location naming the job and the job in the body; "
       "unknown items do not fail it; no name means 'exports'.", needs=_JOBS),
    _c("job-item-limit-reference", "J1", "REF",
       "A job of 10,001 items gets 413.", needs=_JOBS),
    _c("job-body-shape", "J2", "MUST",
       "Every job the backend sends (created, read, listed, deleted, delivered) has the job's "
       "fields, types and state-dependent nulls.", needs=_JOBS),
    _c("job-read-and-list", "J3", "MUST",
       "A job reads back by id (an unknown id 404); the list pages newest first by limit and "
       "cursor, filters by state, and refuses an unknown state or a made-up cursor with 400.",
       needs=_JOBS),
    _c("job-states-move-forward", "J4", "MUST",
       "Creating, polling, cancelling, deleting, downloading and listing in random order "
       "(hypothesis, stateful) never sees a forbidden state move or progress going back.",
       needs=_JOBS),
    _c("job-outcome-follows-resolution", "J4", "MUST",
       "A job of unknown items ends error with code not_found; one where some resolve ends "
       "complete with done equal to total.", needs=_JOBS),
    _c("job-delete-cancels-or-removes", "J5", "MUST",
       "DELETE answers 200 with the job: processing becomes cancelled (never complete "
       "later), complete becomes gone, final states stay.", needs=_JOBS),
    _c("job-download-zip-and-manifest", "J6", "MUST",
       "The job's downloadUrl, without the key, serves a sound zip named after the job with "
       "the resolved entries and a manifest.json that matches them item by item.",
       needs=("jobs", "exports")),
    _c("job-download-gone", "J6", "MUST",
       "Once the job is gone its downloadUrl answers 410.", needs=_JOBS),
    _c("job-download-range", "J6", "SHOULD",
       "The job's download answers a Range request with 206, Accept-Ranges: bytes and the same "
       "ETag.", needs=("jobs", "exports")),
    _c("webhook-delivery-signed", "J7", "MUST",
       "Each final state is POSTed to the callbackUrl as its event, JSON, with an event id and "
       "a valid t=,v1= signature; a retry repeats body and event id, freshly signed.",
       needs=_JOBS),
    _c("webhook-delivery-retried", "J7", "SHOULD",
       "A delivery answered 500 is delivered again within --webhook-retry-wait.",
       needs=_JOBS),
    _c("callback-url-scheme-refused", "J8", "MUST",
       "A callbackUrl that is relative, ftp: or javascript: gets 400.", needs=_JOBS),
    _c("callback-private-refused", "J8", "REF",
       "A callbackUrl on a link-local or private address gets 400, or 202 where the operator "
       "allows private callbacks; never another answer.", needs=_JOBS),
)

CHECKS_BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


def check(check_id: str) -> Check:
    """The check with this ID; ``KeyError`` when there is none."""
    return CHECKS_BY_ID[check_id]


def checks_for_rule(rule_id: str) -> tuple[Check, ...]:
    return tuple(c for c in CHECKS if c.rule_id == rule_id.upper())


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
    for c in CHECKS:
        assert c.level in RULES_BY_ID[c.rule_id].levels, (c.id, c.level)
    judged = {(c.rule_id, c.level) for c in CHECKS}
    parts = {(r.id, level) for r in backend_rules() for level in r.levels}
    assert judged == parts, parts ^ judged
    assert not {c.rule_id for c in CHECKS} - {r.id for r in RULES if r.subject == "backend"}
    assert len(CHECKS_BY_ID) == len(CHECKS)


_self_check()
