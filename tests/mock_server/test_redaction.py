"""Credential-like query names are recognised, so the mock's journal masks their values."""

from __future__ import annotations

import pytest

from mock_server.redaction import is_secret_name


@pytest.mark.parametrize("name", ["x-api-key", "api_key", "apiKey", "key", "token",
                                  "access_token", "X-Api-Key", "secret", "password",
                                  "signature", "authorization", "x%2Dapi%2Dkey"])
def test_credential_like_names_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["sourceFileUrl", "responseType", "items", "page"])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)
