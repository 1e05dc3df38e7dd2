"""The admin API answers the mock's own pages and configured origins only.

Before, `GET /__mock/requests` answered `Access-Control-Allow-Origin: *` with other requests'
`sourceFileUrl`s, and any page could `POST /__mock/reset` (a simple request: no preflight).
"""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import PDF_URL, SINGLE, MakeApp, client_for, single

pytestmark = pytest.mark.anyio

OWN = "http://127.0.0.1:4010"
EVIL = "https://evil.example"
FRONTEND = "http://localhost:5173"


def _admin(app: object) -> httpx.AsyncClient:
    """The mock's root as the browser reaches it (so its own origin is OWN)."""
    return client_for(app, key=None, base_url=OWN)  # type: ignore[arg-type]


async def test_a_page_of_another_origin_cannot_read_the_journal(make_app: MakeApp) -> None:
    app = make_app()
    async with client_for(app) as api, _admin(app) as admin:
        await api.post(SINGLE, json=single())
        response = await admin.get("/__mock/requests", headers={"Origin": EVIL})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert PDF_URL not in response.text and "--admin-origin" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_cross_origin_simple_post_cannot_reset_the_mock(make_app: MakeApp,
                                                                content_type: str) -> None:
    app = make_app()
    async with client_for(app) as api, _admin(app) as admin:
        await api.post(SINGLE, json=single())
        refused = await admin.post("/__mock/reset", content=b"x",
                                   headers={"Origin": EVIL, "Content-Type": content_type})
        scenario = await admin.put("/__mock/scenario", json={"name": "server-error"},
                                   headers={"Origin": EVIL})
        journal = (await admin.get("/__mock/requests")).json()["requests"]
    assert refused.status_code == 403 and scenario.status_code == 403
    assert len(journal) == 1  # nothing was reset
    assert app.scenarios.as_json()["scenario"] is None


async def test_a_preflight_from_another_origin_gets_no_cors_headers(make_app: MakeApp) -> None:
    async with _admin(make_app()) as admin:
        response = await admin.options("/__mock/scenario", headers={
            "Origin": EVIL, "Access-Control-Request-Method": "PUT"})
    assert response.status_code == 403
    assert not any(name.startswith("access-control-") for name in response.headers)


async def test_the_mock_own_page_drives_the_admin_api(make_app: MakeApp) -> None:
    app = make_app()
    async with _admin(app) as admin:
        reset = await admin.post("/__mock/reset", headers={"Origin": OWN})
        journal = await admin.get("/__mock/requests", headers={"Origin": OWN})
    assert reset.status_code == 200 and journal.status_code == 200
    assert journal.headers["access-control-allow-origin"] == OWN


async def test_a_rebound_name_is_not_the_mock_own_origin(make_app: MakeApp) -> None:
    # A DNS-rebinding page: its own name, resolving to the mock's address.
    async with client_for(make_app(), key=None, base_url="http://evil.example:4010") as admin:
        response = await admin.get("/__mock/requests",
                                   headers={"Origin": "http://evil.example:4010"})
    assert response.status_code == 403


async def test_configured_origins_get_cors_headers_naming_them(make_app: MakeApp) -> None:
    app = make_app(admin_origins=(FRONTEND,))
    async with _admin(app) as admin:
        preflight = await admin.options("/__mock/scenario", headers={
            "Origin": FRONTEND, "Access-Control-Request-Method": "PUT"})
        scenario = await admin.put("/__mock/scenario", json={"name": "server-error"},
                                   headers={"Origin": FRONTEND})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert scenario.status_code == 200
    assert scenario.headers["access-control-allow-origin"] == FRONTEND
    assert "origin" in scenario.headers["vary"].lower()


async def test_tools_without_an_origin_still_use_the_admin_api(make_app: MakeApp) -> None:
    async with _admin(make_app()) as admin:
        response = await admin.post("/__mock/reset")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_the_download_routes_keep_their_cors(make_app: MakeApp) -> None:
    async with client_for(make_app()) as api:
        response = await api.post(SINGLE, json=single(), headers={"Origin": EVIL})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_malformed_admin_origin_says_what_to_give() -> None:
    from mock_server import MockOptions

    with pytest.raises(ValueError, match="scheme://host"):
        MockOptions(admin_origins=("localhost:5173",))
