"""Settings from and to EXPORT_* environment variables (how workers get their settings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from export_contract.settings import Settings, env_name


def test_every_setting_round_trips_through_the_environment() -> None:
    settings = Settings(host="0.0.0.0", port=9000, data_dir=Path("/srv/exports data"),
                        api_keys=("k1", "k2"), auth_enabled=False, cors_origins=(),
                        max_items=7, max_body_bytes=123, max_upload_bytes=456,
                        url_ttl_seconds=60, url_secret=b"\xff\xfe secret \xe9 bytes 0123456789",
                        public_base_url="https://exports.example.com/api",
                        zip_chunk_bytes=65536, db_busy_timeout_seconds=0.5,
                        request_head_timeout_seconds=2.5, request_body_timeout_seconds=4.0,
                        keep_alive_timeout_seconds=0.5, max_connections=77,
                        sweep_interval_seconds=60.0)
    assert Settings.from_env(settings.to_env()) == settings
    assert Settings.from_env(Settings().to_env()) == Settings()


def test_every_field_has_its_variable() -> None:
    names = set(Settings(api_keys=("k",), url_secret=b"x" * 16,
                         public_base_url="https://x/api", max_connections=10).to_env())
    assert names == {env_name(f.name) for f in dataclasses.fields(Settings)}


def test_flags_style_keys_are_added_to_the_environment_ones() -> None:
    settings = Settings(api_keys=("flag-key",)).with_env({"EXPORT_API_KEYS": "a, b"})
    assert settings.api_keys == ("flag-key", "a", "b")


def test_empty_variables_count_as_unset() -> None:
    assert Settings.from_env({"EXPORT_MAX_ITEMS": "", "EXPORT_PUBLIC_BASE_URL": ""}) == Settings()


def test_cors_none_switches_cors_off() -> None:
    assert Settings.from_env({"EXPORT_CORS_ORIGINS": "none"}).cors_origins == ()
    assert Settings.from_env({"EXPORT_CORS_ORIGINS": "https://a, https://b"}).cors_origins == (
        "https://a", "https://b")


@pytest.mark.parametrize(("name", "value"), [
    ("EXPORT_MAX_ITEMS", "many"), ("EXPORT_AUTH_ENABLED", "perhaps"),
    ("EXPORT_DB_BUSY_TIMEOUT_SECONDS", "soon"),
])
def test_a_value_that_does_not_parse_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("keys", [("a,b",), (" padded",), ("#comment",)])
def test_keys_the_environment_cannot_carry_are_refused(keys: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="API key"):
        Settings(api_keys=keys).to_env()


def test_a_secret_with_a_nul_byte_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL"):
        Settings(url_secret=b"sixteen bytes\x00 and more").to_env()
