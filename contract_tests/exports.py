"""Known exports: learned by single-downloading each source URL, or registered as fixtures.

A batch can only be judged against what its items download as on their own, so every known
export is downloaded once (and judged as a single download on the way). Exports whose names
collide (after NFC normalisation and case folding) are grouped; the batch properties use those
groups to provoke de-duplication.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .client import Exchange, ProbeClient, ProbeFailed
from .downloads import judge_file_response
from .observers import SINGLE_PATH
from .verdicts import Verdicts

__all__ = ["FIXTURE_HOST", "KnownExport", "auto_fixtures", "collision_groups", "discover",
           "name_key", "unknown_url"]

FIXTURE_HOST = "https://fixtures.export-contract.test"
REGISTRATION_PATH = "/viewer/exports"


@dataclass(frozen=True)
class KnownExport:
    """An export that resolved, as its single download showed it."""

    source_file_url: str
    filename: str | None
    content_type: str
    sha256: str
    size: int


def name_key(name: str) -> str:
    """Two names with one key overwrite each other on Windows and macOS."""
    return unicodedata.normalize("NFC", name).casefold()


def unknown_url(token: str) -> str:
    """A source URL that no backend can know (the .invalid TLD never resolves)."""
    return f"https://unknown.invalid/{token}"


def discover(client: ProbeClient, verdicts: Verdicts, source_urls: Sequence[str]
             ) -> tuple[list[KnownExport], list[str]]:
    """Single-download every source URL; return the exports that resolved, and notes."""
    known: list[KnownExport] = []
    notes: list[str] = []
    for url in source_urls:
        exchange = client.post_json(SINGLE_PATH, {"sourceFileUrl": url})
        if exchange.status != 200:
            # A URL the user named as a known export that does not download breaks S1.
            verdicts.fail("all-resolved-ok", exchange.evidence(
                f"known export {url} got {exchange.status} in default mode, not 200"))
            notes.append(f"source URL {url} did not download (status {exchange.status}); "
                         "it is left out")
            continue
        verdicts.ok("all-resolved-ok")
        filename = judge_file_response(exchange, verdicts, batch=False)
        known.append(_known(url, exchange, filename))
    return known, notes


def _known(url: str, exchange: Exchange, filename: str | None) -> KnownExport:
    return KnownExport(url, filename, exchange.media_type,
                       hashlib.sha256(exchange.content).hexdigest(), len(exchange.content))


def collision_groups(known: Sequence[KnownExport]) -> list[list[KnownExport]]:
    """Groups of two or more different exports whose filenames collide."""
    groups: dict[str, list[KnownExport]] = {}
    for export in known:
        if export.filename is not None:
            groups.setdefault(name_key(export.filename), []).append(export)
    return [group for group in groups.values() if len(group) > 1]


@dataclass(frozen=True)
class _Fixture:
    path: str
    filename: str
    content_type: str
    content: bytes


def _fixture_files(run_id: str) -> list[_Fixture]:
    def text(label: str) -> bytes:
        return f"export-contract fixture {run_id}: {label}\n".encode()

    pdf = b"%PDF-1.4\n% export-contract fixture "
    return [
        _Fixture("a/plan.pdf", "plan.pdf", "application/pdf", pdf + b"A\n%%EOF\n"),
        _Fixture("b/plan.pdf", "plan.pdf", "application/pdf", pdf + b"B\n%%EOF\n"),
        _Fixture("c/PLAN.pdf", "PLAN.pdf", "application/pdf", pdf + b"C\n%%EOF\n"),
        _Fixture("d/r%C3%A9sum%C3%A9.txt", "résumé.txt", "text/plain", text("résumé NFC")),
        _Fixture("e/resume-nfd.txt", unicodedata.normalize("NFD", "Résumé.txt"), "text/plain",
                 text("résumé NFD, capitalised")),
        _Fixture("f/quoted.txt", 'say "hi" now.txt', "text/plain", text("quotes")),
        _Fixture("g/notes", "notes.txt", "text/plain", text("notes")),
    ]


@contextmanager
def auto_fixtures(client: ProbeClient, *, big_archive: bool = False
                  ) -> Iterator[tuple[list[str], list[str]]]:
    """Register fixture exports (when the backend has the route); remove them afterwards.

    Yields the registered source URLs and notes. The big-archive fixture (48 MiB of
    incompressible bytes) comes last when asked for.
    """
    run_id = secrets.token_hex(4)
    fixtures = _fixture_files(run_id)
    if big_archive:
        fixtures.append(_Fixture("big/big.bin", "big.bin", "application/octet-stream",
                                 secrets.token_bytes(48 * 1024 * 1024)))
    registered: list[str] = []
    notes: list[str] = []
    try:
        for fixture in fixtures:
            url = f"{FIXTURE_HOST}/{run_id}/{fixture.path}"
            try:
                exchange = client.send(
                    "POST", REGISTRATION_PATH, observe=False,
                    data={"sourceFileUrl": url, "filename": fixture.filename,
                          "contentType": fixture.content_type},
                    files={"file": (fixture.filename, fixture.content, fixture.content_type)})
            except ProbeFailed as exc:
                notes.append(f"--fixtures auto: registering failed: {exc}")
                break
            if exchange.status in (200, 201):
                registered.append(url)
            elif exchange.status in (404, 405, 501):
                notes.append("--fixtures auto: the backend has no registration route "
                             f"(POST {REGISTRATION_PATH} answered {exchange.status}); "
                             "no fixture was registered")
                break
            else:
                notes.append(f"--fixtures auto: registering {fixture.filename!r} got "
                             f"{exchange.status}; it is left out")
        yield registered, notes
    finally:
        for url in registered:
            try:
                client.send("DELETE", REGISTRATION_PATH, params={"sourceFileUrl": url},
                            observe=False)
            except ProbeFailed:
                notes.append(f"--fixtures auto: could not remove {url}")
