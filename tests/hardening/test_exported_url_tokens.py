"""Exported-URL tokens, tampered, expired, replayed or absurd, on both servers.

Not in the form the servers issue (the spec's pattern, e.g. padding or `+`): 400. Well-formed
but tampered, signed elsewhere, or only decoding to the same bytes as the issued text (spare bits
set in the last character): 403. Expired: 410. Replayed while valid: 200 every time, by design
(an exported URL works like a presigned object-store URL: whoever holds it may fetch it until it
expires, as often as needed, e.g. a browser retrying a download). Nothing ever gets a 5xx or a
file.
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

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


_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _same_bytes_last_characters(part: str) -> list[str]:
    """`part` with its last character swapped for each other one that decodes the same.

    The last character of unpadded base64 carries 2 or 4 spare bits (for 2 or 1 bytes over a
    multiple of 3); decoders ignore them.
    """
    spare_bits = {2: 4, 3: 2}[len(part) % 4]
    index = _ALPHABET.index(part[-1])
    base = index & ~((1 << spare_bits) - 1)
    return [part[:-1] + _ALPHABET[base + n] for n in range(1 << spare_bits)
            if base + n != index]


def _malleable_variants(token: str) -> dict[str, str]:
    body, signature = token.split(".")
    variants = {
        "== appended": token + "==",
        "= appended": token + "=",
        "body padded": f"{body}==.{signature}",
        "space inside": f"{body}.{signature[:5]} {signature[5:]}",
        "space after the dot": token.replace(".", ". "),
        "tab appended": token + "\t",
    }
    for n, other in enumerate(_same_bytes_last_characters(signature)):
        variants[f"signature last character {n}"] = f"{body}.{other}"
    if len(body) % 4:
        for n, other in enumerate(_same_bytes_last_characters(body)):
            variants[f"body last character {n}"] = f"{other}.{signature}"
    for urlsafe, standard in (("-", "+"), ("_", "/")):
        if urlsafe in token:
            variants[f"{urlsafe} as {standard}"] = token.replace(urlsafe, standard, 1)
    return variants


def _token_with(signer: UrlSigner, claims: dict[str, object], character: str) -> str:
    """A genuine token holding `character`: tries expiry times until one does."""
    for ttl in range(900, 2000):
        token = signer.sign(claims, ttl_seconds=ttl)
        if character in token:
            return token
    raise AssertionError(f"no token with {character!r}")


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


async def test_a_token_that_only_decodes_like_the_issued_one_is_403(
        client: httpx.AsyncClient) -> None:
    issued = await _token(client)
    claims = {k: v for k, v in _claims(issued).items() if k != "exp"}
    signer = UrlSigner(SECRET)
    genuine = [issued, _token_with(signer, claims, "-"), _token_with(signer, claims, "_")]
    for token in genuine:
        assert (await _fetch(client, token)).status_code == 200, token
        for what, variant in _malleable_variants(token).items():
            if "/" in variant:  # a path separator: another route, so not even this one
                assert (await _fetch(client, variant)).status_code in (403, 404), what
                continue
            response = await _fetch(client, quote(variant, safe=""))
            # 400 when the variant breaks the token's pattern, 403 when only its bits differ.
            assert response.status_code in (400, 403), (what, variant, response.status_code)
            assert "content-disposition" not in response.headers, what


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=60, max_value=10**6), st.text(_ALPHABET + "=+/ .\n", max_size=3),
       st.integers(min_value=0, max_value=200))
def test_the_signer_accepts_only_the_exact_text_it_issued(ttl: int, edit: str,
                                                          at: int) -> None:
    signer = UrlSigner(SECRET)
    token = signer.sign({"u": URL, "h": "0" * 32}, ttl_seconds=ttl)
    at = min(at, len(token))
    for candidate in (token[:at] + edit + token[at:], token[:at] + edit + token[at + 1:]):
        if candidate == token:
            continue
        try:
            signer.verify(candidate)
        except (TokenInvalid, TokenExpired):
            continue
        pytest.fail(f"accepted {candidate!r}, issued {token!r}")
    for variant in _malleable_variants(token).values():
        with pytest.raises(TokenInvalid):
            signer.verify(variant)


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
