from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from job_support import JOBS, ended, items

Register = Callable[..., Awaitable[httpx.Response]]
CompletedJob = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def register(reference_client: httpx.AsyncClient) -> Register:
    """Register bytes for a URL through the API; asserts success unless `expect` says otherwise."""

    async def _register(url: str, content: bytes, *, filename: str | None = None,
                        content_type: str | None = None, expect: int | None = None
                        ) -> httpx.Response:
        data = {"sourceFileUrl": url}
        if filename is not None:
            data["filename"] = filename
        if content_type is not None:
            data["contentType"] = content_type
        response = await reference_client.post("/viewer/exports", data=data,
                                                files={"file": ("upload.bin", content)})
        if expect is None:
            assert response.status_code in (200, 201), response.text
        else:
            assert response.status_code == expect, response.text
        return response

    return _register


@pytest.fixture
def completed_job() -> CompletedJob:
    """Create a job of the URLs given through ``client`` and wait for it; it must complete."""

    async def _completed(client: httpx.AsyncClient, *urls: str) -> dict[str, Any]:
        job = (await client.post(JOBS, json=items(*urls))).json()
        done = await ended(client, job["id"])
        assert done["state"] == "complete", done
        return done

    return _completed
