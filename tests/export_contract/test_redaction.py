"""Credentials sent in a query string by mistake are masked before anything records them."""

from __future__ import annotations

import logging

import pytest

from export_contract.redaction import REDACTED, is_secret_name, redact_query, redact_target
from export_contract.serving import SecretQueryFilter


@pytest.mark.parametrize("name", ["x-api-key", "api_key", "apiKey", "key", "token",
                                  "access_token", "X-Api-Key", "secret", "password",
                                  "signature", "authorization", "x%2Dapi%2Dkey"])
def test_credential_like_names_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["sourceFileUrl", "responseType", "items", "page"])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)


def test_only_secret_values_are_masked_and_the_rest_is_kept_as_sent() -> None:
    query = "responseType=urls&x-api-key=s3cret&sourceFileUrl=https%3A%2F%2Fa&token&api_key="
    assert redact_query(query) == (f"responseType=urls&x-api-key={REDACTED}"
                                   f"&sourceFileUrl=https%3A%2F%2Fa&token&api_key={REDACTED}")
    assert redact_target("/api/x?key=abc") == f"/api/x?key={REDACTED}"
    assert redact_target("/api/x") == "/api/x"


def test_the_access_log_filter_masks_the_request_target() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/api/x?x-api-key=s3cret", "1.1", 200),
                               None)
    assert SecretQueryFilter().filter(record)
    assert "s3cret" not in record.getMessage() and REDACTED in record.getMessage()
