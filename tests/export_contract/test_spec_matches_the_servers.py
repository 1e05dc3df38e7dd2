"""What the spec says about registrations and exported-URL tokens is what both servers do.

The registration routes and the token's form are the reference's and the mock's own (the
contract leaves them open), so both are checked against the spec view they serve,
`load_spec("reference")`: each form field case the schema can judge is judged alike by the
schema and by both servers, and every token they issue matches the token's `pattern`.
"""

from __future__ import annotations

import re
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from export_contract.settings import Settings
from export_contract.signing import UrlSigner
from export_contract.spec import load_spec
from mock_server import MockOptions, create_mock_app
from mock_server.schema_check import inline_refs
from reference_impl import create_app

pytestmark = pytest.mark.anyio

KEY = "spec-matches-key-0123456789"
SECRET = b"spec-matches-url-secret-01234567"
URL = "https://canvas.example.com/files/floor-plan.pdf"
REGISTER = "/viewer/exports"
SPEC = load_spec("reference")
FORM_SCHEMA = inline_refs(SPEC["components"]["schemas"]["RegistrationForm"], SPEC)
TOKEN = next(p for p in SPEC["paths"]["/viewer/exports/files/{token}"]["get"]["parameters"]
             if p["name"] == "token")
TOKEN_PATTERN = re.compile(TOKEN["schema"]["pattern"])

# (form fields besides sourceFileUrl, file bytes, the filename and type registered or None
# when refused): every rule here is one the schema states, so schema and servers must agree.
FORM_CASES: dict[str, tuple[dict[str, str], bytes, tuple[str, str] | None]] = {
    "all given": ({"filename": "Plan.pdf", "contentType": "application/pdf"}, b"%PDF-1.4",
                  ("Plan.pdf", "application/pdf")),
    "empty filename is absent": ({"filename": ""}, b"%PDF-1.4",
                                 ("floor-plan.pdf", "application/pdf")),
    "blank filename is absent": ({"filename": "  "}, b"%PDF-1.4",
                                 ("floor-plan.pdf", "application/pdf")),
    "empty contentType is absent": ({"contentType": ""}, b"%PDF-1.4",
                                    ("floor-plan.pdf", "application/pdf")),
    "blank contentType is absent": ({"filename": "notes.txt", "contentType": " "}, b"notes",
                                    ("notes.txt", "text/plain")),
    "empty file": ({}, b"", None),
    "contentType not a media type": ({"contentType": "pdf"}, b"%PDF-1.4", None),
}


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,), url_secret=SECRET)
    app = (create_app(settings) if request.param == "reference"
           else create_mock_app(settings, MockOptions(log_requests=False, strict=True)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api",
                                 headers={"x-api-key": KEY}) as http:
        yield http


async def _register(client: httpx.AsyncClient, fields: dict[str, str], content: bytes,
                    url: str = URL) -> httpx.Response:
    return await client.post(REGISTER, data={"sourceFileUrl": url, **fields},
                             files={"file": ("upload.bin", content)})


async def _registered(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    exports: list[dict[str, Any]] = (await client.get(REGISTER)).json()["exports"]
    return exports


def _schema_accepts(fields: dict[str, str], content: bytes) -> bool:
    form = {"sourceFileUrl": URL, "file": content.decode("latin-1"), **fields}
    return Draft4Validator(FORM_SCHEMA).is_valid(form)


@pytest.mark.parametrize("case", list(FORM_CASES))
async def test_the_registration_schema_and_both_servers_agree_on_each_form(
        client: httpx.AsyncClient, case: str) -> None:
    fields, content, registered_as = FORM_CASES[case]
    response = await _register(client, fields, content)
    assert _schema_accepts(fields, content) is (registered_as is not None)
    if registered_as is None:
        assert response.status_code == 400, response.text
        assert await _registered(client) == []
    else:
        assert response.status_code == 201, response.text
        assert (response.json()["filename"], response.json()["contentType"]) == registered_as


@pytest.mark.parametrize(("fields", "field"), [
    ({"contentType": "image/png"}, "floor-plan.pdf"),  # the name from the URL
    ({"filename": "plan.txt", "contentType": "application/pdf"}, "plan.txt"),
])
async def test_an_extension_that_disagrees_with_content_type_is_400_registering_nothing(
        client: httpx.AsyncClient, fields: dict[str, str], field: str) -> None:
    # A rule between two fields: OpenAPI 3.0 cannot state it in the schema, the description does.
    assert _schema_accepts(fields, b"x")
    response = await _register(client, fields, b"x")
    assert response.status_code == 400
    assert field in response.json()["detail"] and "contentType" in response.json()["detail"]
    assert await _registered(client) == []


def test_the_registration_description_states_the_rules_the_schema_cannot() -> None:
    operation = SPEC["paths"]["/viewer/exports"]["post"]
    refused = operation["responses"]["400"]["description"]
    for rule in ("file is empty", "extension does not agree with `contentType`"):
        assert rule in refused
    assert "agree with `contentType`" in operation["description"]
    assert "counts as absent" in FORM_SCHEMA["properties"]["filename"]["description"]


@pytest.mark.parametrize("url", [
    URL,
    "https://canvas.example.com/files/r%C3%A9sum%C3%A9%20final.txt",
    "https://canvas.example.com/files/" + "a" * 1900 + ".pdf",
    "http://[::1]:8443/files/plan?version=2&x=%2F#frag",
])
async def test_issued_tokens_match_the_spec_pattern(client: httpx.AsyncClient, url: str
                                                    ) -> None:
    assert (await _register(client, {"filename": "export.pdf"}, b"%PDF", url)
            ).status_code == 201
    single = await client.post("/viewer/exports/download", params={"responseType": "urls"},
                               json={"sourceFileUrl": url})
    batch = await client.post("/viewer/exports/download-batch", params={"responseType": "urls"},
                              json={"items": [{"sourceFileUrl": url}]})
    urls = [single.json()["exportedUrl"], *batch.json()["exportedUrls"]]
    for exported in urls:
        token = exported.rsplit("/", 1)[1]
        assert TOKEN_PATTERN.match(token), token
        assert len(token) <= TOKEN["schema"]["maxLength"]
        assert (await client.get(exported)).status_code == 200


@given(url=st.text(string.printable + "éü€\U0001f600", max_size=300),
       digest=st.text("0123456789abcdef", min_size=32, max_size=32),
       ttl=st.integers(-10**6, 10**9))
def test_every_token_the_signer_issues_matches_the_spec_pattern(url: str, digest: str,
                                                                ttl: int) -> None:
    assert TOKEN_PATTERN.match(UrlSigner(SECRET).sign({"u": url, "h": digest}, ttl))


def test_the_spec_example_token_matches_and_the_contract_leaves_the_form_open() -> None:
    assert TOKEN_PATTERN.match(TOKEN["example"])
    contract = load_spec()["paths"]["/viewer/exports/files/{token}"]["get"]["parameters"]
    assert "pattern" not in contract[0]["schema"]  # another backend's URLs are its own
