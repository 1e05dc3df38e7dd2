"""Hostile names and source URLs: both servers hand out only safe, unique file names.

Path traversal, absolute paths, backslashes, NUL/CR/LF, Windows device names, 10,000
characters, mixed Unicode normalisation, full-width and superscript forms that Windows maps to
ASCII by itself ("best fit": `．．／` saves as `../`), invisible characters: as a registration's
`filename` and as the last segment of a `sourceFileUrl`. Each ends up as a name any file
system takes (rule F2), also once NFKC-folded, with an ASCII fallback just as safe, in a
header that parses (F1), as zip entries that are unique (Z2, Z3), and writes nothing outside
the data dir. Hostile download requests get a 4xx, never a 5xx.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hardening_samples import BATCH, SINGLE

from contract_tests.content_disposition import (
    fallback_problems,
    filename_problems,
    parse_content_disposition,
)
from export_contract.settings import Settings
from mock_server import MockOptions, create_mock_app
from reference_impl import create_app
from reference_impl.storage import ExportStore

pytestmark = pytest.mark.anyio

KEY = "hostile-test-key-0123456789"
HOSTILE_FILENAMES = [
    "../../../etc/passwd.pdf",
    "/etc/shadow.pdf",
    "..\\..\\Windows\\System32\\evil.pdf",
    "C:\\Users\\Public\\evil.pdf",
    "evil\x00.pdf",
    "line\r\nContent-Type: text/html\r\n\r\n<script>.pdf",
    "tab\tand\x1bescape\x7f.pdf",
    "CON.pdf",
    "nul",
    "LPT1.txt",
    "com9.tar.gz",
    "x" * 10_000 + ".pdf",
    "é" * 10_000 + ".pdf",
    "..",
    ".",
    "...pdf",
    " .pdf ",
    'quote"and\\backslash.pdf',
    "<>:\"|?*.pdf",
    "percent%2F..%2Fencoded.pdf",
    "re\u0301sume\u0301.pdf",  # NFD
    "résumé.pdf",  # NFC: the same name
    "RÉSUMÉ.PDF",  # the same name again on a case-insensitive file system
    "invoice\u202efdp.exe",  # shown as "invoiceexe.pdf" if the override survived
    "\u2067isolated\u2069\u200f.pdf",
    # Best fit: safe as sent, unsafe once Windows (or the old ASCII fallback) folds them.
    "．．／．．／etc／passwd",
    "Ｃ：／Windows／win.pdf",
    "a｜b＊c？.pdf",
    "ＣＯＮ.pdf",
    "COM¹.pdf",
    "LPT².pdf",
    "report．．",
    "≮x≯.pdf",
    "ÇON.pdf",
    # Invisible.
    "zero\u200bwidth.pdf",
    "\ufeffbom.pdf",
    "arabic\u061cmark.pdf",
]
_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]) *", re.IGNORECASE)
HOSTILE_URL_SEGMENTS = [
    "..%2F..%2Fetc%2Fpasswd",
    "%2Fetc%2Fshadow.pdf",
    "..%5C..%5Cevil.pdf",
    "%00evil.pdf",
    "a%0D%0ASet-Cookie:%20x=1.pdf",
    "CON.pdf",
    "aux",
    "x" * 1900 + ".pdf",
    "re%CC%81sume%CC%81.pdf",
    "r%C3%A9sum%C3%A9.pdf",
    "%E2%80%AE.pdf",
    "%FF%FE.pdf",  # not UTF-8
    "",
    quote("．．／．．／etc／passwd"),
    quote("ＣＯＮ.pdf"),
    quote("LPT².pdf"),
    quote("a｜b＊c？.pdf"),
    quote("zero\u200bwidth.pdf"),
]


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,),
                        url_secret=b"hostile-test-url-secret-0123456789", max_items=1000)
    app = (create_app(settings) if request.param == "reference"
           else create_mock_app(settings, MockOptions(log_requests=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api",
                                 headers={"x-api-key": KEY}) as http:
        yield http


def _assert_safe(name: str) -> None:
    assert unicodedata.normalize("NFC", name) == name
    for form in (name, unicodedata.normalize("NFKC", name)):
        assert filename_problems(form) == [], (name, form, filename_problems(form))
        assert not set('<>:"/\\|?*') & set(form), repr(form)
        assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cn"} for c in form), repr(form)
        assert form.rstrip(" .") == form, repr(form)
        assert not _DEVICE.fullmatch(form.split(".", 1)[0]), repr(form)


def _downloaded_name(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    disposition = parse_content_disposition(response.headers["content-disposition"])
    assert fallback_problems(disposition) == []
    assert disposition.filename is not None
    _assert_safe(disposition.filename)  # the ASCII fallback is as safe as the name
    name = disposition.effective_filename
    assert name is not None
    return name


async def _register(client: httpx.AsyncClient, url: str, filename: str | None) -> str:
    data = {"sourceFileUrl": url}
    if filename is not None:
        data["filename"] = filename
    response = await client.post("/viewer/exports", data=data,
                                 files={"file": ("upload", b"%PDF-1.4 hostile\n")})
    assert response.status_code in (200, 201), response.text
    name: str = response.json()["filename"]
    return name


async def test_hostile_filenames_are_stored_and_sent_as_safe_names(
        client: httpx.AsyncClient, tmp_path: Path) -> None:
    urls = [f"https://canvas.example.com/hostile/{n}/file.pdf"
            for n in range(len(HOSTILE_FILENAMES))]
    for url, hostile in zip(urls, HOSTILE_FILENAMES, strict=True):
        stored = await _register(client, url, hostile)
        _assert_safe(stored)
        sent = _downloaded_name(await client.post(SINGLE, json={"sourceFileUrl": url}))
        assert sent == stored
        exported = await client.post(SINGLE, params={"responseType": "urls"},
                                     json={"sourceFileUrl": url})
        file_url = exported.json()["exportedUrl"]
        assert _downloaded_name(await client.get(file_url, headers={"x-api-key": ""})) == stored

    zipped = await client.post(BATCH, json={"items": [{"sourceFileUrl": u} for u in urls]})
    _assert_safe_zip(zipped, len(urls))
    _assert_nothing_written_outside(tmp_path)


async def test_hostile_source_url_segments_become_safe_names(
        client: httpx.AsyncClient, tmp_path: Path) -> None:
    urls = [f"https://canvas.example.com/files/{segment}" for segment in HOSTILE_URL_SEGMENTS]
    for url in urls:
        stored = await _register(client, url, None)
        _assert_safe(stored)
        assert _downloaded_name(await client.post(SINGLE, json={"sourceFileUrl": url})) == stored
    zipped = await client.post(BATCH, json={"items": [{"sourceFileUrl": u} for u in urls]})
    _assert_safe_zip(zipped, len(urls))
    _assert_nothing_written_outside(tmp_path)


def _assert_safe_zip(response: httpx.Response, entries: int) -> None:
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert len(names) == entries
    for name in names:
        _assert_safe(name)
    assert len({name.casefold() for name in names}) == entries, names


def _assert_nothing_written_outside(tmp_path: Path) -> None:
    outside = [p for p in tmp_path.rglob("*") if not p.is_relative_to(tmp_path / "data")]
    assert outside == [tmp_path / "data"] or outside == [], outside
    for path in (tmp_path / "data").rglob("*"):
        assert path.relative_to(tmp_path / "data").parts[0] in {
            "blobs", "tmp", "exports.sqlite3", "exports.sqlite3-wal", "exports.sqlite3-shm",
            "url-signing.key"}, path


@pytest.mark.parametrize("source_url", [
    "https://canvas.example.com/files/evil\u0000.pdf",
    "https://canvas.example.com/files/a\r\nSet-Cookie: x=1",
    "https://canvas.example.com/" + "a" * 3000,
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://canvas.example.com/files/../../../etc/passwd",
    "https://canvas.example.com/files/..%2F..%2Fetc%2Fpasswd",
    "https://canvas.example.com/files/%E2%80%AE" + quote("fdp.exe"),
    "HTTPS://CANVAS.EXAMPLE.COM/FILES/CON",
    "https://[::1]:0/x",
    "https://" + "é" * 500 + ".example/x.pdf",
])
@pytest.mark.parametrize("path", [SINGLE, BATCH, SINGLE + "?responseType=urls"])
async def test_hostile_source_urls_in_downloads_never_get_a_5xx(
        client: httpx.AsyncClient, source_url: str, path: str) -> None:
    body: dict[str, object] = {"sourceFileUrl": source_url}
    if path == BATCH:
        body = {"items": [body, body]}
    response = await client.post(path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        if "responseType" not in path:
            _assert_safe(_downloaded_name(response) if path == SINGLE else "exports.zip")
    else:
        assert response.headers["content-type"] == "application/problem+json"
        assert "\r" not in response.headers.get("content-disposition", "")


@pytest.mark.parametrize("source_url", [
    "https://[canvas.example.com/files/plan.pdf",
    "https://canvas.example.com]/files/plan.pdf",
    "HTtp://\U0001f3fb[\u00c2\u0095",
    "https://[::1/x.pdf",
    "https://user:pass@[v1.fe80::a+en1]/x.pdf",
])
async def test_source_urls_that_do_not_parse_still_register_under_safe_names(
        client: httpx.AsyncClient, source_url: str) -> None:
    response = await client.post("/viewer/exports", data={"sourceFileUrl": source_url},
                                 files={"file": ("upload", b"%PDF-1.4 odd url\n")})
    assert response.status_code in (201, 400), response.text
    if response.status_code == 201:
        _assert_safe(response.json()["filename"])
        download = await client.post(SINGLE, json={"sourceFileUrl": source_url})
        _assert_safe(_downloaded_name(download))


async def test_names_stored_before_the_rules_tightened_are_sent_safely(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,),
                        url_secret=b"hostile-test-url-secret-0123456789")
    store = ExportStore(settings.data_dir)
    urls = [f"https://canvas.example.com/old/{n}.pdf" for n in range(3)]
    for url, old_name in zip(urls, ["．．／．．／etc／passwd.pdf", "ＣＯＮ.pdf", "CON.pdf"],
                             strict=True):
        store.register(url, io.BytesIO(b"%PDF-1.4 old\n"), filename=old_name,
                       content_type="application/pdf", max_bytes=1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                                 base_url="http://testserver/api",
                                 headers={"x-api-key": KEY}) as client:
        for url in urls:
            _assert_safe(_downloaded_name(await client.post(SINGLE, json={"sourceFileUrl": url})))
        zipped = await client.post(BATCH, json={"items": [{"sourceFileUrl": u} for u in urls]})
    _assert_safe_zip(zipped, len(urls))


@pytest.mark.parametrize("segment", HOSTILE_URL_SEGMENTS)
async def test_the_mocks_generated_files_get_safe_names(segment: str) -> None:
    app = create_mock_app(Settings(api_keys=(KEY,)), MockOptions(log_requests=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api",
                                 headers={"x-api-key": KEY}) as client:
        url = f"https://canvas.example.com/files/{segment}"
        name = _downloaded_name(await client.post(SINGLE, json={"sourceFileUrl": url}))
        _assert_safe(name)
        zipped = await client.post(BATCH, json={"items": [{"sourceFileUrl": url}] * 2})
    _assert_safe_zip(zipped, 2)
