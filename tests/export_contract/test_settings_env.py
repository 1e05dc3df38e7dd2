"""Settings from and to EXPORT_* environment variables (how workers get their settings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from export_contract.rate_limits import RateLimit
from export_contract.settings import (
    Settings,
    env_name,
    parse_database_url,
    parse_retry_delays,
    parse_webhook_secret,
)


def test_every_setting_round_trips_through_the_environment() -> None:
    settings = Settings(host="0.0.0.0", port=9000, data_dir=Path("/srv/exports data"),
                        api_keys=("k1", "k2"), auth_enabled=False, cors_origins=(),
                        max_items=7, max_body_bytes=123, max_upload_bytes=456,
                        url_ttl_seconds=60, url_secret=b"\xff\xfe secret \xe9 bytes 0123456789",
                        public_base_url="https://exports.example.com/api",
                        zip_chunk_bytes=65536, db_busy_timeout_seconds=0.5,
                        request_head_timeout_seconds=2.5, request_body_timeout_seconds=4.0,
                        keep_alive_timeout_seconds=0.5, max_connections=77,
                        sweep_interval_seconds=60.0, job_workers=3, job_ttl_seconds=0.25,
                        max_job_items=20, max_job_body_bytes=4096,
                        job_check_interval_seconds=0.5,
                        webhook_secret=b"whsec-\xe9-0123456789abcdef",
                        allow_private_callbacks=True, webhook_timeout_seconds=2.5,
                        webhook_retry_delays_seconds=(0.05, 0.1, 1 / 3),
                        rate_limits=(RateLimit("download", 20, 60.0),
                                     RateLimit("jobs", 1, 0.1)))
    assert Settings.from_env(settings.to_env()) == settings
    assert Settings.from_env(Settings().to_env()) == Settings()


def test_every_field_has_its_variable() -> None:
    names = set(Settings(api_keys=("k",), url_secret=b"x" * 16,
                         public_base_url="https://x/api", max_connections=10,
                         webhook_secret=b"y" * 16,
                         rate_limits=(RateLimit("batch", 3, 60.0),),
                         database_url="postgresql://db/exports",
                         blob_store="/srv/blobs").to_env())
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
    ("EXPORT_DB_BUSY_TIMEOUT_SECONDS", "soon"), ("EXPORT_JOB_WORKERS", "0"),
    ("EXPORT_JOB_TTL_SECONDS", "a day"), ("EXPORT_RATE_LIMITS", "batch=3"),
    ("EXPORT_WEBHOOK_SECRET", "short"), ("EXPORT_ALLOW_PRIVATE_CALLBACKS", "maybe"),
    ("EXPORT_WEBHOOK_RETRY_DELAYS_SECONDS", "60,5"),
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


def test_job_and_webhook_settings_read_the_forms_people_write() -> None:
    settings = Settings.from_env({
        "EXPORT_JOB_WORKERS": "4", "EXPORT_JOB_TTL_SECONDS": "24h",
        "EXPORT_WEBHOOK_SECRET": "whsec_0123456789abcdef",
        "EXPORT_ALLOW_PRIVATE_CALLBACKS": "yes",
        "EXPORT_WEBHOOK_RETRY_DELAYS_SECONDS": "5, 15s, 1min",
        "EXPORT_RATE_LIMITS": "download=20/min,batch=3/min",
    })
    assert settings.job_workers == 4
    assert settings.job_ttl_seconds == 86400
    assert settings.webhook_secret == b"whsec_0123456789abcdef"
    assert settings.allow_private_callbacks is True
    assert settings.webhook_retry_delays_seconds == (5.0, 15.0, 60.0)
    assert settings.rate_limits == (RateLimit("download", 20, 60.0), RateLimit("batch", 3, 60.0))


def test_job_defaults_are_the_documented_ones() -> None:
    settings = Settings()
    assert (settings.job_workers, settings.job_ttl_seconds, settings.max_job_items) == (
        2, 86400, 10_000)
    assert settings.webhook_timeout_seconds == 10
    assert settings.allow_private_callbacks is False and settings.rate_limits == ()
    # At least 5 attempts over at least a minute (rule J7), the delays growing.
    delays = settings.webhook_retry_delays_seconds
    assert len(delays) + 1 >= 5 and sum(delays) >= 60 and list(delays) == sorted(delays)


def test_a_short_webhook_secret_says_how_to_make_one() -> None:
    with pytest.raises(ValueError, match=r"at least 16 bytes.*token_urlsafe"):
        parse_webhook_secret("too-short")


@pytest.mark.parametrize(("text", "message"), [
    ("", "at least one delay"), ("30,10", "must grow"), ("5,soon", "not a duration"),
])
def test_retry_delays_that_do_not_parse_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_retry_delays(text)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("EXPORT_DATABASE_URL", "mysql://db/exports", "postgresql://user:password@host"),
    ("EXPORT_DATABASE_URL", "sqlite://relative.db", "three slashes"),
    ("EXPORT_BLOB_STORE", "s3:///prefix", "names no bucket"),
    ("EXPORT_BLOB_STORE", "gs://bucket", "s3://bucket/prefix"),
])
def test_a_storage_setting_that_cannot_be_used_says_what_to_write(variable: str, value: str,
                                                                  says: str) -> None:
    with pytest.raises(ValueError, match=variable) as raised:
        Settings().with_env({variable: value})
    assert says in str(raised.value)


def test_storage_settings_are_read_from_the_environment() -> None:
    settings = Settings().with_env({"EXPORT_DATABASE_URL": "postgresql://u@db:5432/exports",
                                    "EXPORT_BLOB_STORE": "file:///srv/blobs"})
    assert settings.database_url == "postgresql://u@db:5432/exports"
    assert settings.blob_store == "/srv/blobs"


def test_a_refused_database_url_is_named_without_its_password() -> None:
    with pytest.raises(ValueError, match=r"'mysql://exports:\*\*\*@db/x' is not a database URL"
                       ) as refused:
        parse_database_url("mysql://exports:s3cret-pw@db/x")
    assert "s3cret-pw" not in str(refused.value)
