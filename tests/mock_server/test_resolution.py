"""Which URLs resolve: generated files, .invalid hosts, fixtures, --strict, registration."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from mock_helpers import (
    ARCHIVED_PDF_URL,
    BATCH,
    MISSING_URL,
    PDF_URL,
    SINGLE,
    TEXT_URL,
    MakeApp,
    batch,
    client_for,
    single,
)

from mock_server.fixtures import FixtureError, load_fixtures

pytestmark = pytest.mark.anyio


async def test_any_usable_url_resolves_to_a_named_file_of_its_type(
        client: httpx.AsyncClient) -> None:
    response = await client.post(SINGLE, json=single(TEXT_URL))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt")
    assert int(response.headers["content-length"]) == len(response.content) > 0


async def test_same_url_gives_the_same_bytes_and_another_seed_other_bytes(
        make_app: MakeApp) -> None:
    async with client_for(make_app()) as first, client_for(make_app(seed=7)) as other:
        a = await first.post(SINGLE, json=single())
        b = await first.post(SINGLE, json=single())
        c = await other.post(SINGLE, json=single())
    assert a.content == b.content != c.content


async def test_invalid_hosts_never_resolve(client: httpx.AsyncClient) -> None:
    for url in (MISSING_URL, "https://INVALID/x.pdf", "http://a.b.invalid./x.png"):
        response = await client.post(SINGLE, json=single(url))
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"
    response = await client.post(BATCH, json=batch(MISSING_URL, MISSING_URL))
    assert response.status_code == 404


async def test_partial_batch_skips_invalid_hosts_in_both_modes(client: httpx.AsyncClient) -> None:
    body = batch(PDF_URL, MISSING_URL, ARCHIVED_PDF_URL)
    urls = await client.post(BATCH, params={"responseType": "urls"}, json=body)
    assert urls.status_code == 200
    assert len(urls.json()["exportedUrls"]) == 2
    assert urls.json()["skipped"] == [{"sourceFileUrl": MISSING_URL, "reason": "not_found"}]
    archive = await client.post(BATCH, json=body)
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == ["floor-plan.pdf", "floor-plan (1).pdf"]


async def test_zip_entries_hold_the_single_download_bytes(client: httpx.AsyncClient) -> None:
    archive = await client.post(BATCH, json=batch(PDF_URL, TEXT_URL, PDF_URL))
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.testzip() is None
        entries = {info.filename: opened.read(info) for info in opened.infolist()}
        assert opened.getinfo("résumé.txt").flag_bits & 0x800
    assert list(entries) == ["floor-plan.pdf", "résumé.txt", "floor-plan (1).pdf"]
    assert entries["floor-plan.pdf"] == (await client.post(SINGLE, json=single())).content
    assert archive.headers["content-disposition"] == 'attachment; filename="exports.zip"'


async def test_exported_urls_serve_the_same_bytes_without_the_key(
        client: httpx.AsyncClient) -> None:
    answer = await client.post(SINGLE, params={"responseType": "urls"}, json=single())
    url = answer.json()["exportedUrl"]
    assert url.startswith("http://testserver/api/viewer/exports/files/")
    fetched = await client.get(url, headers={"x-api-key": ""})
    assert fetched.status_code == 200
    assert fetched.content == (await client.post(SINGLE, json=single())).content
    tampered = await client.get(url[:-3] + "AAA")
    assert tampered.status_code == 403


async def test_strict_mode_resolves_only_registered_exports(make_app: MakeApp) -> None:
    async with client_for(make_app(strict=True)) as client:
        assert (await client.post(SINGLE, json=single())).status_code == 404
        registered = await client.post("/viewer/exports", data={"sourceFileUrl": PDF_URL},
                                       files={"file": ("x.pdf", b"%PDF-1.4 mine")})
        assert registered.status_code == 201
        downloaded = await client.post(SINGLE, json=single())
        assert downloaded.content == b"%PDF-1.4 mine"


async def test_registration_replaces_lists_and_deletes_in_memory(
        client: httpx.AsyncClient) -> None:
    form = {"sourceFileUrl": PDF_URL, "filename": "Plan B.pdf"}
    first = await client.post("/viewer/exports", data=form, files={"file": ("a", b"one")})
    again = await client.post("/viewer/exports", data=form, files={"file": ("a", b"two")})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["filename"] == "Plan B.pdf" and again.json()["size"] == 3
    downloaded = await client.post(SINGLE, json=single())
    assert downloaded.content == b"two"
    assert downloaded.headers["content-disposition"] == 'attachment; filename="Plan B.pdf"'
    listed = await client.get("/viewer/exports")
    assert [e["sourceFileUrl"] for e in listed.json()["exports"]] == [PDF_URL]
    deleted = await client.delete("/viewer/exports", params={"sourceFileUrl": PDF_URL})
    assert deleted.status_code == 200
    assert (await client.post(SINGLE, json=single())).status_code == 404
    again_deleted = await client.delete("/viewer/exports", params={"sourceFileUrl": PDF_URL})
    assert again_deleted.status_code == 404


async def test_registration_rejects_an_empty_file_and_a_mismatched_type(
        client: httpx.AsyncClient) -> None:
    empty = await client.post("/viewer/exports", data={"sourceFileUrl": PDF_URL},
                              files={"file": ("a", b"")})
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    mismatch = await client.post(
        "/viewer/exports", data={"sourceFileUrl": PDF_URL, "contentType": "image/png"},
        files={"file": ("a", b"x")})
    assert mismatch.status_code == 400 and "does not fit" in mismatch.json()["detail"]


async def test_reset_restores_fixtures_and_forgets_deletions(
        make_app: MakeApp, tmp_path: Path) -> None:
    manifest = tmp_path / "exports.json"
    manifest.write_text(json.dumps({"exports": [{"sourceFileUrl": PDF_URL, "text": "fixed"}]}))
    app = make_app(fixtures=manifest)
    async with client_for(app) as client, client_for(
            app, key=None, base_url="http://testserver") as admin:
        await client.delete("/viewer/exports", params={"sourceFileUrl": PDF_URL})
        await client.delete("/viewer/exports", params={"sourceFileUrl": TEXT_URL})
        assert (await client.post(SINGLE, json=single(TEXT_URL))).status_code == 404
        assert (await admin.post("/__mock/reset")).status_code == 200
        assert (await client.post(SINGLE, json=single())).content == b"fixed"
        assert (await client.post(SINGLE, json=single(TEXT_URL))).status_code == 200


def test_yaml_fixtures_load_files_text_and_generated_entries(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    (tmp_path / "fixtures.yaml").write_text(
        "exports:\n"
        f"  - sourceFileUrl: {PDF_URL}\n    file: files/plan.pdf\n    filename: Plan.pdf\n"
        "  - sourceFileUrl: https://x.example/notes\n    text: hello\n"
        "    contentType: text/plain\n"
        "  - sourceFileUrl: https://x.example/photo.jpg\n", encoding="utf-8")
    exports = load_fixtures(tmp_path / "fixtures.yaml")
    assert [(e.filename, e.content_type) for e in exports] == [
        ("Plan.pdf", "application/pdf"), ("notes.txt", "text/plain"),
        ("photo.jpg", "image/jpeg")]
    assert exports[0].content == b"%PDF-1.4 plan" and exports[1].content == b"hello"
    assert exports[2].content.startswith(b"\xff\xd8")


def test_a_plain_folder_serves_each_file_under_the_files_url(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "floor plan.pdf").write_bytes(b"a")
    (tmp_path / "sub" / "b.txt").write_bytes(b"b")
    (tmp_path / ".hidden").write_bytes(b"c")
    exports = load_fixtures(tmp_path)
    assert [e.source_file_url for e in exports] == [
        "https://canvas.example.com/files/floor%20plan.pdf",
        "https://canvas.example.com/files/sub/b.txt"]
    assert exports[0].filename == "floor plan.pdf"


@pytest.mark.parametrize(("content", "message"), [
    ("exports: 5", "expected a list"),
    ("- file: a.pdf", "needs a sourceFileUrl"),
    ("- sourceFileUrl: ftp://x/a.pdf", r"absolute http\(s\) URL"),
    ("- sourceFileUrl: https://x.example/a.pdf\n  file: nope.pdf", "cannot read file"),
    ("- sourceFileUrl: https://x.example/a.pdf\n  text: ''", "non-empty string"),
])
def test_broken_fixtures_name_the_entry_and_the_problem(tmp_path: Path, content: str,
                                                        message: str) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FixtureError, match=message):
        load_fixtures(path)
