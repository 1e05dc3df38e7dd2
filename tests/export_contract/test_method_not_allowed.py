"""A 405 names every method the path offers, from the spec, in both servers."""

from __future__ import annotations

import httpx
import pytest

from export_contract.settings import Settings

pytestmark = pytest.mark.anyio
KEY = "allow-test-key-0123456789"


def _apps(tmp_path: object) -> dict[str, object]:
    from mock_server import create_mock_app
    from reference_impl import create_app

    settings = Settings(data_dir=tmp_path, api_keys=(KEY,),  # type: ignore[arg-type]
                        url_secret=b"allow-tests-url-secret-32-bytes!")
    return {"reference": create_app(settings), "mock": create_mock_app(settings)}


@pytest.mark.parametrize("server", ["reference", "mock"])
async def test_405_allow_header_lists_every_method_of_the_path(tmp_path: object,
                                                               server: str) -> None:
    app = _apps(tmp_path)[server]
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.put("/api/viewer/exports", headers={"x-api-key": KEY})
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST", "DELETE"} <= allowed
    assert "GET" in response.json()["detail"] and "DELETE" in response.json()["detail"]
