"""`export-contract.toml` and flags: the file holds what the flags hold, flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.config import read_config, settings_from
from contract_tests.errors import VerifyUsageError
from contract_tests.options import VerifyOptions


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export-contract.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_table_maps_to_options_and_outputs(tmp_path: Path) -> None:
    path = _write(tmp_path, '[verify]\nbase-url = "http://127.0.0.1:8080/api"\n'
                            'api-key-env = "MY_KEY"\nsource-url = "https://a.example/x.pdf"\n'
                            'strict = true\nmax_examples = 3\nchecks = "Z3, S2"\n'
                            'junit-xml = "out/j.xml"\n')
    values = read_config(path, environ={"MY_KEY": "secret"})
    settings = settings_from(values, {"base_url": None, "strict": None, "seed": 5})
    assert settings.options == VerifyOptions(
        base_url="http://127.0.0.1:8080/api", api_key="secret",
        source_urls=("https://a.example/x.pdf",), strict=True, max_examples=3, seed=5,
        checks=("Z3", "S2"))
    assert settings.junit_xml == Path("out/j.xml")
    assert settings.report is None


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    path = _write(tmp_path, 'base-url = "http://a.example/api"\nmax-examples = 3\n')
    settings = settings_from(read_config(path), {"base_url": "http://b.example/api",
                                                 "max_examples": 9})
    assert settings.options.base_url == "http://b.example/api"
    assert settings.options.max_examples == 9


@pytest.mark.parametrize(("text", "message"), [
    ('base-url = "x"\nmax-exampels = 3\n', "unknown key 'max-exampels'"),
    ('strict = "yes"\n', "strict has the wrong type"),
    ('api-key-env = "NOT_SET_ANYWHERE"\n', "not set in the environment"),
    ("base-url = \n", "not valid TOML"),
])
def test_config_mistakes_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(VerifyUsageError, match=message):
        read_config(_write(tmp_path, text), environ={})


def test_missing_base_url_is_a_usage_error() -> None:
    with pytest.raises(VerifyUsageError, match="--base-url is required"):
        settings_from({}, {"base_url": None})


@pytest.mark.parametrize(("changes", "message"), [
    ({"base_url": "127.0.0.1:8080/api"}, "absolute http"),
    ({"max_examples": 0}, "at least 1"),
    ({"big_archive": True}, "needs --fixtures auto"),
    ({"api_key": " "}, "empty"),
])
def test_unusable_options_are_rejected(changes: dict[str, object], message: str) -> None:
    options = VerifyOptions(base_url="http://127.0.0.1:8080/api/").replace(**changes)
    with pytest.raises(VerifyUsageError, match=message):
        options.validated()


def test_validated_options_trim_the_base_url_and_deduplicate_sources() -> None:
    options = VerifyOptions(base_url=" http://h.example/api/ ",
                            source_urls=("https://a/x", " https://a/x", "")).validated()
    assert options.base_url == "http://h.example/api"
    assert options.source_urls == ("https://a/x",)
