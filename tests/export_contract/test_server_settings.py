"""A server's settings: defaults, then EXPORT_* variables, then flags; and the key policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from export_contract.server_settings import (
    NO_AUTH_WARNING,
    NoApiKey,
    Overrides,
    no_auth_warning,
    server_settings,
)
from export_contract.settings import Settings


def test_flags_win_over_the_environment_and_the_environment_over_defaults() -> None:
    env = {"EXPORT_MAX_ITEMS": "7", "EXPORT_URL_TTL_SECONDS": "60", "EXPORT_PORT": "9000"}
    settings = server_settings(Overrides(api_keys=("k",), max_items=3), environ=env)
    assert (settings.max_items, settings.url_ttl_seconds, settings.port) == (3, 60, 9000)


def test_a_server_default_is_used_when_neither_flag_nor_variable_is_set() -> None:
    settings = server_settings(Overrides(no_auth=True), defaults=Settings(port=4010), environ={})
    assert settings.port == 4010
    assert server_settings(Overrides(no_auth=True, port=0), defaults=Settings(port=4010),
                           environ={}).port == 0


def test_keys_from_the_environment_flags_and_file_add_up(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text("# rotated in March\nfile-key\n", encoding="utf-8")
    settings = server_settings(Overrides(api_keys=("flag-key",), api_key_file=key_file),
                               environ={"EXPORT_API_KEYS": "env-a, env-b"})
    assert settings.api_keys == ("env-a", "env-b", "flag-key", "file-key")


def test_a_key_file_without_a_key_is_an_error_naming_it(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no key"):
        server_settings(Overrides(api_key_file=key_file), environ={})


def test_no_key_with_auth_on_is_refused_with_what_to_do() -> None:
    with pytest.raises(NoApiKey, match=r"--api-key KEY .* EXPORT_API_KEYS.* --no-auth"):
        server_settings(Overrides(), environ={})


def test_the_fallback_key_is_used_only_when_no_key_is_configured() -> None:
    assert server_settings(Overrides(), fallback_key="dev", environ={}).api_keys == ("dev",)
    assert server_settings(Overrides(), fallback_key="dev",
                           environ={"EXPORT_API_KEYS": "mine"}).api_keys == ("mine",)


def test_no_auth_needs_no_key_and_is_warned_about() -> None:
    settings = server_settings(Overrides(no_auth=True), environ={})
    assert not settings.auth_enabled
    assert no_auth_warning(settings) == NO_AUTH_WARNING
    assert no_auth_warning(server_settings(Overrides(api_keys=("k",)), environ={})) is None


def test_auth_can_be_switched_off_by_the_environment_too() -> None:
    settings = server_settings(Overrides(), environ={"EXPORT_AUTH_ENABLED": "0"})
    assert not settings.auth_enabled and no_auth_warning(settings) == NO_AUTH_WARNING


def test_cors_none_switches_cors_off_as_the_variable_does() -> None:
    settings = server_settings(Overrides(api_keys=("k",), cors_origins=("none",)),
                               environ={"EXPORT_CORS_ORIGINS": "https://a.example"})
    assert settings.cors_origins == ()


def test_connection_flags_override_their_variables() -> None:
    env = {"EXPORT_REQUEST_HEAD_TIMEOUT_SECONDS": "4", "EXPORT_MAX_CONNECTIONS": "50"}
    settings = server_settings(Overrides(api_keys=("k",), max_connections=9), environ=env)
    assert (settings.request_head_timeout_seconds, settings.max_connections) == (4.0, 9)


def test_a_variable_that_does_not_parse_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="EXPORT_MAX_ITEMS"):
        server_settings(Overrides(api_keys=("k",)), environ={"EXPORT_MAX_ITEMS": "many"})


def test_job_flags_are_parsed_into_settings() -> None:
    from export_contract.server_settings import Overrides, server_settings

    settings = server_settings(Overrides(api_keys=("k",), job_workers=3, job_ttl="90min",
                                         webhook_secret="s" * 32, allow_private_callbacks=True,
                                         rate_limits=("batch=3/min", "download=20/min")),
                               environ={})
    assert settings.job_workers == 3 and settings.job_ttl_seconds == 5400
    assert settings.webhook_secret == b"s" * 32 and settings.allow_private_callbacks
    assert {limit.group for limit in settings.rate_limits} == {"batch", "download"}


def test_a_bad_job_flag_names_the_flag() -> None:
    import pytest

    from export_contract.server_settings import Overrides, server_settings

    with pytest.raises(ValueError, match=r"^--rate-limit: .*unknown group 'bogus'"):
        server_settings(Overrides(api_keys=("k",), rate_limits=("bogus=1/min",)), environ={})
    with pytest.raises(ValueError, match=r"^--job-ttl: 'soon' is not a duration"):
        server_settings(Overrides(api_keys=("k",), job_ttl="soon"), environ={})
