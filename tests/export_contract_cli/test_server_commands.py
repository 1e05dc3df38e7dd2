"""`serve` and `mock` turn flags and EXPORT_* variables into settings the same way.

The servers themselves are replaced by a recorder: these tests pin what each command hands
to the library, not the serving (tests/reference_impl and tests/mock_server do that).
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner, Result

import mock_server.server
import reference_impl.server
from export_contract.server_settings import NO_AUTH_WARNING
from export_contract.settings import Settings
from export_contract_cli import main
from mock_server.options import DEFAULT_PORT, DEV_API_KEY, MockOptions


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `serve` or `mock` asked the library to start, one dict per call."""
    calls: list[dict[str, Any]] = []

    def record(settings: Settings, *args: object, **kwargs: object) -> None:
        calls.append({"settings": settings, "args": args, **kwargs})

    monkeypatch.setattr(reference_impl.server, "serve_reference", record)
    monkeypatch.setattr(mock_server.server, "serve_mock", record)
    for name in ("EXPORT_API_KEYS", "EXPORT_PORT", "EXPORT_MAX_ITEMS", "EXPORT_AUTH_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    return calls


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_serve_takes_keys_from_the_environment(started: list[dict[str, Any]]) -> None:
    result = _run("serve", env={"EXPORT_API_KEYS": "env-key"})
    assert result.exit_code == 0, result.output
    assert started[0]["settings"].api_keys == ("env-key",)


def test_serve_flags_win_over_the_environment(started: list[dict[str, Any]]) -> None:
    result = _run("serve", "--api-key", "k", "--max-items", "3", "--port", "0",
                  env={"EXPORT_MAX_ITEMS": "7", "EXPORT_PORT": "9000"})
    assert result.exit_code == 0, result.output
    settings = started[0]["settings"]
    assert (settings.max_items, settings.port) == (3, 0)


def test_serve_takes_the_database_and_blob_store_from_flags(
        started: list[dict[str, Any]]) -> None:
    result = _run("serve", "--api-key", "k", "--database-url", "postgresql://u@db/exports",
                  "--blob-store", "/srv/blobs")
    assert result.exit_code == 0, result.output
    settings = started[0]["settings"]
    assert (settings.database_url, settings.blob_store) == ("postgresql://u@db/exports",
                                                            "/srv/blobs")


def test_serve_with_an_unusable_database_url_is_a_usage_error_naming_the_flag(
        started: list[dict[str, Any]]) -> None:
    result = _run("serve", "--api-key", "k", "--database-url", "mysql://db/exports")
    assert result.exit_code == 2 and "--database-url" in result.output
    assert "postgresql://" in result.output and started == []


def test_serve_without_a_key_is_a_usage_error(started: list[dict[str, Any]]) -> None:
    result = _run("serve")
    assert result.exit_code == 2 and "no API key configured" in result.output
    assert started == []


def test_serve_demo_makes_up_a_key_when_none_is_given(started: list[dict[str, Any]]) -> None:
    assert _run("serve", "--demo").exit_code == 0
    (key,) = started[0]["settings"].api_keys
    assert key.startswith("demo-") and started[0]["demo"] is True


def test_serve_no_auth_warns_on_standard_error(started: list[dict[str, Any]]) -> None:
    result = _run("serve", "--no-auth")
    assert result.exit_code == 0 and result.stderr.strip() == NO_AUTH_WARNING
    assert started[0]["settings"].auth_enabled is False


def test_mock_listens_on_its_own_default_port_with_the_development_key(
        started: list[dict[str, Any]]) -> None:
    assert _run("mock").exit_code == 0
    settings = started[0]["settings"]
    assert (settings.port, settings.api_keys, settings.auth_enabled) == (
        DEFAULT_PORT, (DEV_API_KEY,), True)


def test_mock_reads_its_settings_from_the_environment_like_serve(
        started: list[dict[str, Any]]) -> None:
    result = _run("mock", env={"EXPORT_API_KEYS": "env-key", "EXPORT_MAX_ITEMS": "7",
                               "EXPORT_PORT": "4999"})
    assert result.exit_code == 0, result.output
    settings = started[0]["settings"]
    assert (settings.api_keys, settings.max_items, settings.port) == (("env-key",), 7, 4999)


def test_mock_hands_its_own_options_on(started: list[dict[str, Any]]) -> None:
    result = _run("mock", "--no-auth", "--strict", "--latency", "5", "--quiet",
                  "--max-upload-total", "10")
    assert result.exit_code == 0, result.output
    options = started[0]["args"][0]
    assert isinstance(options, MockOptions)
    assert (options.strict, options.latency_ms, options.log_requests,
            options.max_upload_total_bytes) == (True, 5, False, 10)


def test_mock_refuses_a_key_together_with_no_auth(started: list[dict[str, Any]]) -> None:
    result = _run("mock", "--api-key", "k", "--no-auth")
    assert result.exit_code == 2 and "not both" in result.output
    assert started == []


def test_every_command_is_a_module_of_its_own() -> None:
    assert {name: command.callback.__module__ for name, command in main.commands.items()
            if command.callback is not None} == {
        name: f"export_contract_cli.{name}"
        for name in ("serve", "register", "mock", "msw", "docs", "spec", "verify", "listen")}
