from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from export_contract.settings import Settings, parse_key_list
from reference_impl import create_app

pytestmark = pytest.mark.anyio

SINGLE = "/viewer/exports/download"
BODY = {"sourceFileUrl": "https://unknown.invalid/x.pdf"}


def _client(settings: Settings, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                             base_url="http://testserver/api", headers=headers)


@pytest.mark.parametrize("headers", [{}, {"x-api-key": ""}, {"x-api-key": "   "}])
async def test_missing_or_empty_key_is_401(settings: Settings, headers: dict[str, str]) -> None:
    async with _client(settings, **headers) as client:
        response = await client.post(SINGLE, json=BODY)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "x-api-key" in response.json()["detail"]


async def test_invalid_key_is_403_and_never_echoed(settings: Settings) -> None:
    async with _client(settings, **{"x-api-key": "wrong-key-123"}) as client:
        response = await client.post(SINGLE, json=BODY)
    assert response.status_code == 403
    assert "wrong-key-123" not in response.text
    assert settings.api_keys[0] not in response.text


async def test_key_is_checked_before_the_body(settings: Settings) -> None:
    async with _client(settings, **{"x-api-key": "wrong"}) as client:
        response = await client.post(SINGLE, content=b"not json",
                                     headers={"content-type": "text/plain"})
    assert response.status_code == 403


async def test_any_of_several_keys_is_accepted_for_rotation(settings: Settings) -> None:
    rotated = Settings(data_dir=settings.data_dir, api_keys=("old-key", "new-key"))
    for key in ("old-key", "new-key"):
        async with _client(rotated, **{"x-api-key": key}) as client:
            assert (await client.post(SINGLE, json=BODY)).status_code == 404


async def test_exported_file_route_needs_no_key(settings: Settings) -> None:
    async with _client(settings) as client:
        response = await client.get("/viewer/exports/files/abc." + "d" * 43)
    assert response.status_code == 403  # a bad signature, not a missing key
    assert "signature" in response.json()["detail"]


async def test_registration_routes_need_the_key(settings: Settings) -> None:
    async with _client(settings) as client:
        assert (await client.get("/viewer/exports")).status_code == 401


async def test_no_auth_accepts_requests_without_a_key(tmp_path: Path) -> None:
    async with _client(Settings(data_dir=tmp_path, auth_enabled=False)) as client:
        assert (await client.post(SINGLE, json=BODY)).status_code == 404


def test_env_keys_are_comma_separated_and_trimmed() -> None:
    assert parse_key_list(" a, b ,,c\n# comment\nd") == ("a", "b", "c", "d")
    assert Settings().with_env({"EXPORT_API_KEYS": "k1,k2"}).api_keys == ("k1", "k2")


async def test_preflight_needs_no_key_and_allows_the_headers(settings: Settings) -> None:
    async with _client(settings) as client:
        response = await client.options(SINGLE, headers={
            "origin": "https://app.example.com",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-api-key",
        })
    assert response.status_code == 200
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-api-key" in allowed and "content-type" in allowed


async def test_responses_expose_content_disposition(settings: Settings) -> None:
    async with _client(settings, **{"x-api-key": settings.api_keys[0]}) as client:
        response = await client.post(SINGLE, json=BODY,
                                     headers={"origin": "https://app.example.com"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "content-disposition" in exposed


async def test_cors_origins_can_be_restricted(tmp_path: Path) -> None:
    restricted = Settings(data_dir=tmp_path, auth_enabled=False,
                          cors_origins=("https://app.example.com",))
    async with _client(restricted) as client:
        good = await client.post(SINGLE, json=BODY, headers={"origin": "https://app.example.com"})
        bad = await client.post(SINGLE, json=BODY, headers={"origin": "https://evil.example"})
    assert good.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in bad.headers


async def test_responses_expose_the_headers_a_page_needs_to_resume_a_download(
        settings: Settings) -> None:
    async with _client(settings, **{"x-api-key": settings.api_keys[0]}) as client:
        response = await client.post(SINGLE, json=BODY,
                                     headers={"origin": "https://app.example.com"})
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].lower()
               .split(",")}
    assert {"etag", "content-range", "accept-ranges"} <= exposed
