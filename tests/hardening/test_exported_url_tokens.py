"""Exported-URL tokens, tampered, expired, replayed or absurd, on both servers.

Not in the form the servers issue (the spec's pattern): 400. Well-formed but tampered or
signed elsewhere: 403. Expired: 410. Replayed while valid: 200 every time, by design (an exported
URL works like a presigned object-store URL: whoever holds it may fetch it until it expires,
as often as needed, e.g. a browser retrying a download). Nothing ever gets a 5xx or a file.
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export_contract.settings import Settings
from export_contract.signing import TokenExpired, TokenInvalid, UrlSigner
from mock_server import MockOptions, create_mock_app
from reference_impl import create_app

pytestmark = pytest.mark.anyio

KEY = "token-test-key-0123456789"
SECRET = b"token-test-url-secret-0123456789"
URL = "https://canvas.example.com/files/plan.pdf"
OTHER = "https://canvas.example.com/files/other.pdf"
FILES = "/viewer/exports/files/"


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    server_settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,), url_secret=SECRET)
    app = (create_app(server_settings) if request.param == "reference"
           else create_mock_app(server_settings, MockOptions(log_requests=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api",
                                 headers={"x-api-key": KEY}) as http:
        for url in (URL, OTHER):
            registered = await http.post("/viewer/exports", data={"sourceFileUrl": url},
                                         files={"file": ("p.pdf", b"%PDF-1.4 " + url.encode())})
            assert registered.status_code in (200, 201), registered.text
        yield http


async def _token(client: httpx.AsyncClient, url: str = URL) -> str:
    response = await client.post("/viewer/exports/download", params={"responseType": "urls"},
                                 json={"sourceFileUrl": url})
    exported: str = response.json()["exportedUrl"]
    return exported.rsplit("/", 1)[-1]


async def _fetch(client: httpx.AsyncClient, token: str) -> httpx.Response:
    # Exported URLs need no key: send none.
    return await client.get(FILES + token, headers={"x-api-key": ""})


def _claims(token: str) -> dict[str, object]:
    body = token.split(".", 1)[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def _flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1:]


async def test_replaying_a_valid_url_works_every_time_by_design(
        client: httpx.AsyncClient) -> None:
    token = await _token(client)
    answers = [await _fetch(client, token) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1


async def test_an_expired_url_is_410(client: httpx.AsyncClient) -> None:
    claims = {k: v for k, v in _claims(await _token(client)).items() if k != "exp"}
    expired = UrlSigner(SECRET).sign(claims, ttl_seconds=-1)
    response = await _fetch(client, expired)
    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    assert "expired" in response.json()["detail"]


async def test_tampered_tokens_are_403(client: httpx.AsyncClient) -> None:
    token = await _token(client)
    other = await _token(client, OTHER)
    body, signature = token.split(".")
    forged_claims = dict(_claims(token), exp=4_000_000_000)
    forged_body = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode()
    tampered = {
        "signature flipped": f"{body}.{_flip(signature, len(signature) // 2)}",
        "payload flipped": f"{_flip(body, 5)}.{signature}",
        "signatures swapped": f"{body}.{other.split('.')[1]}",
        "expiry extended": f"{forged_body.rstrip('=')}.{signature}",
        "another secret": UrlSigner(b"some-other-backend-secret-000000").sign(
            {k: v for k, v in _claims(token).items() if k != "exp"}, ttl_seconds=900),
    }
    for what, forged in tampered.items():
        response = await _fetch(client, forged)
        assert response.status_code == 403, (what, response.status_code, response.text)
        assert "content-disposition" not in response.headers, what


async def test_tokens_not_in_the_issued_form_are_400_naming_the_token(
        client: httpx.AsyncClient) -> None:
    token = await _token(client)
    body, signature = token.split(".")
    malformed = {
        "signature missing": f"{body}.",
        "signature cut short": f"{body}.{signature[:-1]}",
        "no dot": body,
        "extra part": f"{token}.{signature}",
        "padded": f"{token}=",
        "not base64": "!!!!.****",
        "non-ascii": "é" * 20 + ".ü",
    }
    for what, forged in malformed.items():
        response = await _fetch(client, forged)
        assert response.status_code == 400, (what, response.status_code, response.text)
        detail = response.json()["detail"]
        assert detail.startswith("token: ") and "exactly as the backend issued" in detail, what
        assert "content-disposition" not in response.headers, what


@pytest.mark.parametrize("token", [
    "a" * 8192, "a" * 20_000, "%2E%2E%2F%2E%2E%2Fopenapi.json", "..", "%00", "a%0D%0Ab",
    "eyJ1IjoxfQ.eyJ1IjoxfQ", "." * 100,
])
async def test_absurd_tokens_never_get_a_5xx_or_a_file(client: httpx.AsyncClient,
                                                       token: str) -> None:
    response = await _fetch(client, token)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    assert "content-disposition" not in response.headers


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + "é\u0000\ud7ff", max_size=300))
def test_the_signer_rejects_any_string_with_its_own_two_errors(token: str) -> None:
    signer = UrlSigner(SECRET)
    try:
        signer.verify(token)
    except (TokenInvalid, TokenExpired):
        return
    pytest.fail(f"accepted a token it never issued: {token!r}")
