"""The rules of the export-download contract, each with its ID, levels and wording.

The wording lives here so that an installed suite can explain a verdict without the contract
document at hand. A rule may have parts at several levels:

* **MUST**: stated by the API's published documentation, or needed for the documented flow to
  work. A breach always fails the run.
* **SHOULD**: strong practice that frontends depend on. A breach fails the run with
  ``--strict``; otherwise it is reported as a warning.
* **REF**: a choice our reference backend and mock make, where the documentation leaves the
  backend free. Judged only with ``--profile reference``.

Rules whose ``subject`` is ``client`` (how a frontend sends requests or names a download) are
stated for completeness; no backend check judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LEVELS", "RULES", "RULES_BY_ID", "Level", "Rule", "backend_rules", "rule"]

Level = Literal["MUST", "SHOULD", "REF"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "REF")


@dataclass(frozen=True)
class Rule:
    """One contract rule. ``parts`` maps each level the rule has to what that level asks."""

    id: str
    parts: tuple[tuple[Level, str], ...]
    subject: Literal["backend", "client"] = "backend"
    # Parts stated for completeness that no black-box check can judge (a restart, a day's
    # expiry, the mock's own header): the backend's own tests hold them, as the client's
    # tests hold A1 and F6.
    unjudged: tuple[tuple[Level, str], ...] = ()

    @property
    def level(self) -> Level:
        """The rule's strongest level (MUST before SHOULD before REF)."""
        return min((level for level, _ in self.parts), key=LEVELS.index)

    @property
    def levels(self) -> tuple[Level, ...]:
        return tuple(level for level, _ in self.parts)

    @property
    def text(self) -> str:
        stated = " ".join(f"{level}: {words}" for level, words in self.parts)
        outside = " ".join(f"{level} (not judged from outside): {words}"
                           for level, words in self.unjudged)
        return f"{stated} {outside}".strip()

    def part(self, level: Level) -> str:
        return dict(self.parts).get(level, "")


def _r(rule_id: str, *parts: tuple[Level, str], subject: Literal["backend", "client"] = "backend",
       unjudged: tuple[tuple[Level, str], ...] = ()) -> Rule:
    return Rule(rule_id, tuple(parts), subject, unjudged)


RULES: tuple[Rule, ...] = (
    # Requests
    _r("Q1", ("MUST", "A body with extra properties is never a 5xx."),
       ("REF", "Extra properties are ignored: same answer as without them.")),
    _r("Q2", ("MUST", "A non-empty string sourceFileUrl is usable; one the backend cannot "
                      "resolve gets 404 or 400."),
       ("REF", "Only an absolute http(s) URL of at most 2048 characters is usable; anything "
               "else gets 400.")),
    _r("Q3", ("MUST", "A body with no usable identifier (not JSON, not an object, missing or "
                      "mistyped fields, null, an empty string, empty items, every item "
                      "malformed) gets 400; invalid UTF-8 never gets 2xx or 5xx."),
       ("SHOULD", "A body that is not valid UTF-8 gets 400.")),
    _r("Q4", ("MUST", "A batch mixing usable and malformed items gets 400, or each malformed "
                      "item is treated as unresolved."),
       ("REF", "400, naming the malformed item's index.")),
    _r("Q5", ("MUST", "With declared limits: exactly the item limit is accepted; one more item, "
                      "or a body over the size limit, gets 400 or 413, never 2xx or 5xx."),
       ("SHOULD", "Without declared limits: a batch of 10,000 items and a 16 MiB body are "
                  "refused with 400 or 413."),
       ("REF", "At most 100 items (configurable) and a 1 MiB body, both answered 413.")),
    _r("Q6", ("MUST", "responseType absent means the default (binary) mode, 'urls' URL mode."),
       ("SHOULD", "Any other responseType gets 400; a Content-Type other than JSON gets 400 or "
                  "415.")),
    _r("Q7", ("MUST", "Every distinct item of a batch has an outcome: a zip entry or exported "
                      "URL, or (URL mode) a skipped record."),
       ("SHOULD", "Outcomes come in request order, and a repeated item repeats its outcome.")),
    # Auth
    _r("A1", ("MUST", "When the backend protects its routes, every request carries x-api-key."),
       subject="client"),
    _r("A2", ("MUST", "A missing, empty or invalid key gets 401 or 403, never 2xx, a file or a "
                      "zip."),
       ("REF", "Missing 401, invalid 403, checked before the body is looked at.")),
    _r("A3", ("MUST", "A valid key is never answered 401 or 403.")),
    _r("A4", ("MUST", "A CORS preflight (OPTIONS) never needs the key.")),
    # Resolution and status codes
    _r("S1", ("MUST", "A request whose items all resolve gets 200.")),
    _r("S2", ("MUST", "A request where no item resolves gets 404 (single, and batch default "
                      "mode); batch URL mode: 404, or 200 with every item in skipped."),
       ("REF", "404 in all four variants.")),
    _r("S3", ("MUST", "Every status is 200, 400, 401, 403, 404, 413, 415, 429 or a 5xx (422 is "
                      "not: unusable bodies get 400).")),
    _r("S4", ("MUST", "Well-formed input never gets a 5xx from a healthy backend.")),
    _r("B1", ("MUST", "A batch where some items resolve gets 200; unresolved items are left out "
                      "of the zip and listed in skipped in URL mode.")),
    # Error bodies
    _r("E1", ("MUST", "A 4xx/5xx never looks like a download: no Content-Disposition: "
                      "attachment, not the export's bytes."),
       ("SHOULD", "The error body is JSON with a message a person can read.")),
    _r("E2", ("REF", "Errors are RFC 9457 problem details (type, title, status, detail) with "
                     "\"success\": false.")),
    # Default (binary) mode
    _r("D1", ("MUST", "A default-mode 200 body is the export's bytes: non-empty, not JSON, not "
                      "the URL-mode envelope."),
       ("SHOULD", "Content-Type is the export's media type, not a generic one.")),
    _r("D2", ("MUST", "Content-Length, when sent, equals the body's length.")),
    _r("F1", ("MUST", "Every default-mode 200 carries a Content-Disposition that parses by RFC "
                      "6266 with filename and/or filename* (RFC 8187)."),
       ("SHOULD", "The disposition type is attachment.")),
    _r("F2", ("MUST", "The effective filename is non-empty, not '.' or '..', without '/', '\\' "
                      "or control characters, at most 255 UTF-8 bytes.")),
    _r("F3", ("SHOULD", "A non-ASCII name is sent as filename*=UTF-8''... with an ASCII "
                        "filename fallback whose quotes and backslashes are escaped or "
                        "replaced.")),
    _r("F4", ("MUST", "The batch zip's effective filename ends in .zip.")),
    _r("F5", ("SHOULD", "A single file's extension agrees with its specific Content-Type.")),
    _r("F6", ("MUST", "The client names a download from Content-Disposition first and falls "
                      "back to canvas-export[.ext] or canvas-exports.zip only when it is "
                      "missing or unreadable."), subject="client"),
    # Batch zip
    _r("Z1", ("MUST", "The batch body is application/zip, a valid zip whose every entry passes "
                      "its CRC check.")),
    _r("Z2", ("MUST", "No entry name escapes the extraction folder: no '..' segment, absolute "
                      "path, drive letter, '\\' or control characters."),
       ("SHOULD", "Entries are regular files at the zip's root (no directories).")),
    _r("Z3", ("MUST", "Entry names are unique, also after NFC normalisation and case "
                      "folding.")),
    _r("Z4", ("MUST", "Each entry's bytes equal the single download of a resolved item, and "
                      "every resolved item's bytes are in the zip (matched by content and "
                      "name, not position).")),
    _r("Z5", ("MUST", "An entry is named after its item's single-download filename or, where "
                      "that name is taken, a de-duplicated form of it."),
       ("SHOULD", "The de-duplicated form keeps the extension."),
       ("REF", "stem (n).ext with the smallest free n >= 1, in request order.")),
    _r("Z6", ("SHOULD", "Non-ASCII entry names set the zip's UTF-8 flag (bit 11).")),
    _r("Z7", ("MUST", "Archives past 4 GiB or 65,535 entries are valid ZIP64.")),
    # URL mode
    _r("U1", ("MUST", "URL mode answers application/json with \"success\": true (the JSON "
                      "literal).")),
    _r("U2", ("MUST", "Single URL mode: exportedUrl is an absolute http(s) URL.")),
    _r("U3", ("MUST", "Batch URL mode: exportedUrls is an array of absolute URLs, one per "
                      "resolved item; skipped is an array; both always present."),
       ("SHOULD", "One skipped record per unresolved item."),
       ("REF", "Each skipped record is {\"sourceFileUrl\": ..., \"reason\": \"not_found\"}, in "
               "request order.")),
    _r("U4", ("SHOULD", "GET on an exported URL, without the key, returns the same bytes as "
                        "default mode.")),
    _r("U5", ("SHOULD", "The answer to an exported URL names the file: Content-Disposition "
                        "with the default-mode filename.")),
    _r("U6", ("SHOULD", "An exported URL stays valid for at least a minute.")),
    # CORS
    _r("X1", ("MUST", "Cross-origin: the preflight for POST with content-type and x-api-key "
                      "succeeds and allows both headers.")),
    _r("X2", ("MUST", "Cross-origin: responses list Content-Disposition in "
                      "Access-Control-Expose-Headers.")),
    # Rate limits
    _r("R1", ("MUST", "A rate-limited request gets 429, never a download."),
       ("SHOULD", "A 429 carries Retry-After.")),
    # Export jobs (an optional capability, judged when POST .../jobs exists or with --jobs)
    _r("J1", ("MUST", "POST .../viewer/exports/jobs with items (name and callbackUrl optional) "
                      "answers 202 with a Location header naming the job and the job in the "
                      "body; unknown items do not fail the request; no name means 'exports'."),
       ("REF", "A job takes up to 10,000 items; one more gets 413.")),
    _r("J2", ("MUST", "A job is {success: true, id, state, name, createdAt, updatedAt, progress "
                      "{done, total}, downloadUrl, expiresAt, error}; state is processing, "
                      "complete, error, cancelled or gone; downloadUrl (absolute http(s)) and "
                      "expiresAt only when complete, error {code, message} only in state "
                      "error; times are RFC 3339 with a zone.")),
    _r("J3", ("MUST", "GET .../jobs/{id} answers 200 with the job, an unknown id 404; GET "
                      ".../jobs lists {success, jobs, nextCursor} newest first, with limit "
                      "(capped at 200), cursor and state; an unknown state or a foreign cursor "
                      "gets 400.")),
    _r("J4", ("MUST", "States only move processing -> complete | error | cancelled and complete "
                      "-> gone; error, cancelled and gone are final; progress.done never "
                      "decreases and equals total when complete; a job whose items all fail to "
                      "resolve ends error with code not_found, one where some resolve ends "
                      "complete."),
       unjudged=(("REF", "Jobs survive a restart: one that was processing resumes or ends "
                         "error with code interrupted; a complete job turns gone after a "
                         "configurable time (default 24 hours)."),)),
    _r("J5", ("MUST", "DELETE .../jobs/{id} answers 200 with the job: a processing job becomes "
                      "cancelled (and never complete afterwards), a complete one gone; a final "
                      "state does not change."),
       unjudged=(("REF", "The mock honours Prefer: job-duration=N (the job stays processing "
                         "about N seconds); the reference ignores it."),)),
    _r("J6", ("MUST", "GET downloadUrl without the key answers the zip by Z1-Z7, F1, F2, F4 "
                      "(named after the job's name plus .zip) with the resolved items' entries "
                      "and manifest.json at the root: one result per item in request order, "
                      "each filename the name of its entry, summary counts; once gone it "
                      "answers 410."),
       ("SHOULD", "The download honours Range (206, Accept-Ranges: bytes, a stable ETag).")),
    _r("J7", ("MUST", "A job with a callbackUrl that ends complete, error or cancelled POSTs "
                      "{event: export.<state>, job} as JSON with X-Export-Event-Id and "
                      "X-Export-Signature t=<int>,v1=<hex HMAC-SHA256 of '<t>.<body>'>; a retry "
                      "repeats the body and event id, freshly signed."),
       ("SHOULD", "A delivery without a 2xx is retried with growing delays (at least 5 "
                  "attempts over a minute).")),
    _r("J8", ("MUST", "A callbackUrl that is not an absolute http(s) URL gets 400."),
       ("REF", "Callbacks to loopback, private and link-local addresses get 400 unless the "
               "operator allows them.")),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """The rule with this ID; ``KeyError`` when there is none."""
    return RULES_BY_ID[rule_id.upper()]


def backend_rules() -> tuple[Rule, ...]:
    """The rules a backend is judged by (client-side rules left out)."""
    return tuple(r for r in RULES if r.subject == "backend")
