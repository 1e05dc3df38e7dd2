"""The reference serves under, and issues URLs below, the spec's base path (not a fixed one)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

import reference_impl.app
from export_contract.settings import Settings
from export_contract.spec import load_spec
from reference_impl import create_app

pytestmark = pytest.mark.anyio

URL = "https://canvas.example.com/files/floor-plan.pdf"


def _spec_under(base: str) -> Any:
    spec = copy.deepcopy(load_spec("reference"))
    spec["servers"] = [{"url": base}]
    return spec


async def test_exported_urls_point_below_the_spec_base_path(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference_impl.app, "load_spec", lambda _view: _spec_under("/v2"))
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/v2",
                                 headers={"x-api-key": settings.api_keys[0]}) as client:
        registered = await client.post("/viewer/exports", data={"sourceFileUrl": URL},
                                       files={"file": ("floor-plan.pdf", b"%PDF-x")})
        assert registered.status_code == 201, registered.text
        answer = await client.post("/viewer/exports/download", params={"responseType": "urls"},
                                   json={"sourceFileUrl": URL})
        exported = answer.json()["exportedUrl"]
        assert exported.startswith("http://testserver/v2/viewer/exports/files/")
        assert (await client.get(exported)).content == b"%PDF-x"
