from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from export_contract.settings import Settings
from export_contract.signing import TokenExpired, TokenInvalid, UrlSigner
from reference_impl import create_app

pytestmark = pytest.mark.anyio

URL = "https://canvas.example.com/files/floor-plan.pdf"


async def _exported_url(client: httpx.AsyncClient) -> str:
    response = await client.post("/viewer/exports/download", params={"responseType": "urls"},
                                 json={"sourceFileUrl": URL})
    return str(response.json()["exportedUrl"])


async def test_exported_url_serves_the_same_bytes_without_a_key(
        reference_client: httpx.AsyncClient, register: Any) -> None:
    await register(URL, b"%PDF-x")
    url = await _exported_url(reference_client)
    response = await reference_client.get(url, headers={"x-api-key": ""})
    assert response.status_code == 200
    assert response.content == b"%PDF-x"
    assert response.headers["content-disposition"] == 'attachment; filename="floor-plan.pdf"'


async def test_tampered_exported_url_is_403(reference_client: httpx.AsyncClient,
                                            register: Any) -> None:
    await register(URL, b"%PDF-x")
    url = await _exported_url(reference_client)
    body, _signature = url.rsplit("/", 1)[1].split(".")
    forged = url.replace(body, body[:-2] + ("AA" if body[-2:] != "AA" else "BB"))
    assert (await reference_client.get(forged)).status_code == 403


async def test_expired_exported_url_is_410(settings: Settings, register: Any,
                                           reference_client: httpx.AsyncClient) -> None:
    await register(URL, b"%PDF-x")
    expired = UrlSigner(settings.url_secret or b"").sign({"u": URL, "h": "x"}, ttl_seconds=-1)
    response = await reference_client.get(f"/viewer/exports/files/{expired}")
    assert response.status_code == 410
    assert "expired" in response.json()["detail"]


async def test_url_of_a_replaced_export_is_404(reference_client: httpx.AsyncClient,
                                               register: Any) -> None:
    await register(URL, b"%PDF-old")
    url = await _exported_url(reference_client)
    await register(URL, b"%PDF-new")
    assert (await reference_client.get(url)).status_code == 404


async def test_urls_survive_a_restart_with_the_secret_kept_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, auth_enabled=False)
    first = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first),
                                 base_url="http://t/api") as client:
        await client.post("/viewer/exports", data={"sourceFileUrl": URL},
                          files={"file": ("a", b"%PDF")})
        url = await _exported_url(client)
    restarted = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=restarted),
                                 base_url="http://t/api") as client:
        assert (await client.get(url)).content == b"%PDF"


def test_signer_rejects_tokens_of_another_secret_and_expired_ones() -> None:
    signer = UrlSigner(b"0123456789abcdef0123")
    token = signer.sign({"u": "x"}, ttl_seconds=60, now=1000)
    assert signer.verify(token, now=1010)["u"] == "x"
    with pytest.raises(TokenExpired):
        signer.verify(token, now=1060)
    with pytest.raises(TokenInvalid):
        UrlSigner(b"another-secret-of-16+").verify(token, now=1010)
    with pytest.raises(TokenInvalid):
        signer.verify("garbage", now=1010)
