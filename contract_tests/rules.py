"""The rules of the export-download contract, each with its ID, level and wording.

The wording lives here so that an installed suite can explain a verdict without the contract
document at hand. Levels: MUST rules gate conformance, SHOULD rules gate only in strict mode,
INFO rules describe the request format or the client side; their checks (listed in
``catalogue.py``) carry the level that gates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["RULES", "RULES_BY_ID", "Rule", "RuleLevel", "rule"]

RuleLevel = Literal["MUST", "SHOULD", "INFO"]


@dataclass(frozen=True)
class Rule:
    id: str
    level: RuleLevel
    text: str


RULES: tuple[Rule, ...] = (
    # Requests
    Rule("Q1", "INFO", "Request bodies are JSON objects: single {sourceFileUrl}, batch "
                       "{items: [{sourceFileUrl}, ...]}; unknown extra properties are ignored."),
    Rule("Q2", "INFO", "A usable identifier is a non-empty absolute http(s) URL of at most "
                       "2048 characters."),
    Rule("Q3", "MUST", "A body without a usable identifier (not JSON, not an object, missing or "
                       "mistyped fields, null, empty items, every item malformed) gets 400."),
    Rule("Q4", "MUST", "A batch mixing usable and malformed items gets 400, or each malformed "
                       "item is treated as unresolved."),
    Rule("Q5", "MUST", "A batch over the item limit or a body over the size limit gets 400 or "
                       "413, never 2xx or 5xx."),
    Rule("Q6", "SHOULD", "responseType is absent (binary) or 'urls'; any other value gets 400. "
                         "A wrong Content-Type gets 400 or 415."),
    Rule("Q7", "MUST", "Items are never collapsed: each batch item has exactly one outcome, in "
                       "request order; a repeated item repeats its outcome."),
    # Auth
    Rule("A1", "INFO", "A protected backend needs x-api-key on every download request."),
    Rule("A2", "MUST", "A missing, empty or invalid key gets 401 or 403, never 2xx, a file or "
                       "a zip."),
    Rule("A3", "MUST", "A valid key is never answered 401 or 403."),
    Rule("A4", "MUST", "A CORS preflight (OPTIONS) never needs the key."),
    # Resolution and status codes
    Rule("S1", "MUST", "A request whose items all resolve gets 200."),
    Rule("S2", "MUST", "A request where no item resolves gets 404, in all four variants."),
    Rule("S3", "MUST", "Every response status is one the spec documents for the operation."),
    Rule("S4", "MUST", "Well-formed input never gets a 5xx from a healthy backend."),
    Rule("B1", "MUST", "A batch where some items resolve gets 200; unresolved items are left out "
                       "of the zip and listed in 'skipped' in URL mode."),
    # Error bodies
    Rule("E1", "MUST", "A 4xx/5xx never looks like a download: JSON (or problem+json) body, no "
                       "Content-Disposition: attachment."),
    Rule("E2", "SHOULD", "Errors are RFC 9457 problem details (type, title, status, detail) with "
                         "\"success\": false."),
    # Default (binary) mode
    Rule("D1", "MUST", "A default-mode 200 body is the export's bytes: non-empty, its own media "
                       "type (never application/json), not the URL-mode envelope."),
    Rule("D2", "MUST", "Content-Length, when sent, equals the body's length."),
    Rule("F1", "MUST", "Every default-mode 200 carries Content-Disposition that parses by RFC "
                       "6266: attachment with filename and/or filename* (RFC 8187)."),
    Rule("F2", "MUST", "The effective filename is non-empty, not '.' or '..', without '/', "
                       "'\\' or control characters, at most 255 UTF-8 bytes."),
    Rule("F3", "SHOULD", "A non-ASCII name is sent as filename*=UTF-8''... plus an ASCII "
                         "filename fallback with quotes and backslashes escaped or replaced."),
    Rule("F4", "MUST", "The batch zip's effective filename ends in .zip."),
    Rule("F5", "SHOULD", "A single file's extension agrees with its Content-Type."),
    Rule("F6", "INFO", "Client side: the name comes from Content-Disposition; only when it is "
                       "missing or unreadable does the client fall back to canvas-export[.ext] "
                       "or canvas-exports.zip. The backend must make that fallback avoidable."),
    # Batch zip
    Rule("Z1", "MUST", "The batch body is application/zip, a valid zip whose every entry passes "
                       "its CRC check."),
    Rule("Z2", "MUST", "Entries are regular files at the root: no directories, '/', '\\', '..', "
                       "absolute paths, drive letters or control characters."),
    Rule("Z3", "MUST", "Entry names are unique after NFC normalisation and case folding."),
    Rule("Z4", "MUST", "One entry per resolved item, and each entry's bytes equal that item's "
                       "single download."),
    Rule("Z5", "MUST", "An entry is named after its item's single-download filename; when that "
                       "name is taken, a de-duplicated form that keeps the extension."),
    Rule("Z6", "SHOULD", "Non-ASCII entry names set the zip's UTF-8 flag (bit 11)."),
    Rule("Z7", "MUST", "Archives past 4 GiB or 65,535 entries are valid ZIP64."),
    # URL mode
    Rule("U1", "MUST", "URL mode answers application/json with \"success\": true (the JSON "
                       "literal)."),
    Rule("U2", "MUST", "Single URL mode: exportedUrl is an absolute http(s) URL."),
    Rule("U3", "MUST", "Batch URL mode: exportedUrls has one absolute URL per resolved item in "
                       "request order, skipped one record per unresolved item; both always "
                       "present."),
    Rule("U4", "SHOULD", "GET on an exported URL, without the key, returns the same bytes as "
                         "default mode while the URL is valid."),
    # CORS
    Rule("X1", "MUST", "Cross-origin: the preflight for POST with content-type and x-api-key "
                       "succeeds and allows both headers."),
    Rule("X2", "MUST", "Cross-origin: responses expose Content-Disposition through "
                       "Access-Control-Expose-Headers."),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """The rule with this ID; ``KeyError`` when there is none."""
    return RULES_BY_ID[rule_id.upper()]
