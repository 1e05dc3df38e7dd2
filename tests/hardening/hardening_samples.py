"""Sample exports whose names collide, and a handle on a running server.

The same source URLs are registered on the reference backend and resolved (generated) by
the mock, so both must give the same names: duplicates, a case-only clash, a composed and a
decomposed `résumé`, an unresolvable item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from server_processes import ServerProcess

KEY = "hardening-key-7Qx2vL9pZ"
SINGLE = "/viewer/exports/download"
BATCH = "/viewer/exports/download-batch"
FILES = "https://canvas.example.com/files/"
MISSING = "https://unknown.invalid/missing.pdf"


@dataclass(frozen=True)
class Sample:
    url: str
    expected_name: str  # its name as a single download
    content_type: str
    content: bytes = field(repr=False)


SAMPLES = (
    Sample(FILES + "floor-plan.pdf", "floor-plan.pdf", "application/pdf",
           b"%PDF-1.4\n% current floor plan\n" + bytes(range(256)) * 64),
    Sample("https://canvas.example.com/archive/floor-plan.pdf", "floor-plan.pdf",
           "application/pdf",
           b"%PDF-1.4\n% archived floor plan\n" + bytes(range(255, -1, -1)) * 64),
    Sample(FILES + "r%C3%A9sum%C3%A9.txt", "résumé.txt", "text/plain",
           "Résumé, composed (NFC).\n".encode() * 100),
    Sample("https://canvas.example.com/notes/re%CC%81sume%CC%81.txt", "résumé.txt", "text/plain",
           "Résumé, decomposed (NFD) in the URL.\n".encode() * 100),
    Sample(FILES + "Report.pdf", "Report.pdf", "application/pdf", b"%PDF-1.4\n% Report\n"),
    Sample("https://canvas.example.com/lower/report.pdf", "report.pdf", "application/pdf",
           b"%PDF-1.4\n% report\n"),
    Sample(FILES + "site-photo.png", "site-photo.png", "image/png",
           b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048),
)

# Request order of the batch, and the entry names CONTRACT.md (Z3, Z5) gives them.
BATCH_URLS = [s.url for s in SAMPLES] + [MISSING]
BATCH_ENTRY_NAMES = ["floor-plan.pdf", "floor-plan (1).pdf", "résumé.txt", "résumé (1).txt",
                     "Report.pdf", "report (1).pdf", "site-photo.png"]


def batch_body(urls: list[str]) -> dict[str, object]:
    return {"items": [{"sourceFileUrl": url} for url in urls]}


@dataclass
class RunningServer:
    """A server process, the headers its API needs, and each sample's expected bytes."""

    process: ServerProcess
    headers: dict[str, str]
    contents: dict[str, bytes]

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=60)


def register_samples(client: httpx.Client) -> None:
    for sample in SAMPLES:
        response = client.post("/viewer/exports", data={"sourceFileUrl": sample.url},
                               files={"file": ("upload", sample.content, sample.content_type)})
        assert response.status_code in (200, 201), response.text
        assert response.json()["filename"] == sample.expected_name
