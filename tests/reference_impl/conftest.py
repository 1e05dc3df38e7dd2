from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

Register = Callable[..., Awaitable[httpx.Response]]


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
