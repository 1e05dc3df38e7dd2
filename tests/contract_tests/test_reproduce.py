import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests import reproduce
from contract_tests.reproduce import curl_command

URL = "http://127.0.0.1:8080/api/viewer/exports/download"
SECRET = "s3cr3t-key-value"
FAKE_CURL = """#!{python}
import json, sys
print(json.dumps({{"argv": sys.argv[1:], "stdin": sys.stdin.buffer.read().hex()}}))
"""
# Header values as a backend test might send them: any text a shell word can hold.
SHELL_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\0")
)


Runner = Callable[[str], tuple[list[str], bytes]]


@pytest.fixture
def run_in_shell(tmp_path: Path) -> Runner:
    """Run a command line in sh with a fake curl that reports its arguments and stdin."""
    fake = tmp_path / "curl"
    fake.write_text(FAKE_CURL.format(python=sys.executable))
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    env["EXPORT_API_KEY"] = SECRET

    def run(command: str) -> tuple[list[str], bytes]:
        done = subprocess.run(
            ["sh", "-c", command],
            env=env,
            capture_output=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        result = json.loads(done.stdout)
        return list(result["argv"]), bytes.fromhex(result["stdin"])

    return run


def value_after(argv: list[str], flag: str) -> list[str]:
    return [argv[index + 1] for index, word in enumerate(argv[:-1]) if word == flag]


def test_public_surface_is_curl_command() -> None:
    assert reproduce.__all__ == ["curl_command"]


def test_post_with_json_body_is_one_runnable_line(run_in_shell: Runner) -> None:
    command = curl_command("post", URL, {"x-api-key": SECRET}, {"sourceFileUrl": "https://a/b c"})
    assert "\n" not in command
    argv, stdin = run_in_shell(command)
    assert argv[-1] == URL
    assert value_after(argv, "-X") == ["POST"]
    assert value_after(argv, "-o") == ["/dev/null"]
    assert value_after(argv, "-D") == ["-"]
    assert value_after(argv, "-H") == [f"x-api-key: {SECRET}", "content-type: application/json"]
    assert json.loads(value_after(argv, "--data-raw")[0]) == {"sourceFileUrl": "https://a/b c"}
    assert stdin == b""


def test_api_key_is_read_from_the_environment_not_printed() -> None:
    command = curl_command("POST", URL, {"X-API-Key": SECRET}, None)
    assert SECRET not in command
    assert '"X-API-Key: $EXPORT_API_KEY"' in command


def test_odd_header_names_are_still_redacted_safely(run_in_shell: Runner) -> None:
    command = curl_command("GET", URL, {"x-key$`!": SECRET}, None, redact={"X-KEY$`!"})
    assert SECRET not in command
    argv, _ = run_in_shell(command)
    assert value_after(argv, "-H") == [f"x-key$`!: {SECRET}"]


def test_empty_key_is_sent_empty_not_replaced(run_in_shell: Runner) -> None:
    command = curl_command("POST", URL, {"x-api-key": ""}, {"sourceFileUrl": "https://a/b"})
    argv, _ = run_in_shell(command)
    # curl drops a header written "name:" but sends "name;" with an empty value.
    assert value_after(argv, "-H")[0] == "x-api-key;"


def test_nothing_is_redacted_when_asked_not_to(run_in_shell: Runner) -> None:
    command = curl_command("POST", URL, {"x-api-key": "wrong-key"}, None, redact=set())
    argv, _ = run_in_shell(command)
    assert value_after(argv, "-H") == ["x-api-key: wrong-key"]


def test_given_content_type_is_kept() -> None:
    command = curl_command("POST", URL, {"Content-Type": "text/plain"}, {"a": 1})
    assert value_after(shlex.split(command), "-H") == ["Content-Type: text/plain"]


def test_no_body_means_no_data_flags() -> None:
    argv = shlex.split(curl_command("OPTIONS", URL, {"Origin": "http://x"}, None))
    assert not {"--data-raw", "--data-binary"} & set(argv)
    assert value_after(argv, "-X") == ["OPTIONS"]


def test_head_uses_the_head_flag() -> None:
    argv = shlex.split(curl_command("HEAD", URL, {}, None))
    assert "--head" in argv
    assert "-X" not in argv


def test_urls_with_brackets_are_not_globbed() -> None:
    argv = shlex.split(curl_command("GET", "http://[::1]:8080/api?x={a,b}", {}, None))
    assert "--globoff" in argv
    assert argv[-1] == "http://[::1]:8080/api?x={a,b}"


def test_raw_text_body_is_sent_as_is(run_in_shell: Runner) -> None:
    argv, _ = run_in_shell(curl_command("POST", URL, {}, None, raw_body=b"@/etc/passwd null"))
    assert value_after(argv, "--data-raw") == ["@/etc/passwd null"]
    # curl would otherwise add a form content type the request never had.
    assert value_after(argv, "-H") == ["content-type:"]


def test_raw_non_utf8_body_goes_through_stdin(run_in_shell: Runner) -> None:
    body = b'{"sourceFileUrl": "\xff\x00%s\\n\'"}'
    argv, stdin = run_in_shell(
        curl_command("POST", URL, {"content-type": "application/json"}, None, raw_body=body)
    )
    assert value_after(argv, "--data-binary") == ["@-"]
    assert stdin == body


def test_json_and_raw_body_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        curl_command("POST", URL, {}, {"a": 1}, raw_body=b"{}")


@given(
    st.sampled_from(["GET", "POST", "DELETE", "OPTIONS"]),
    SHELL_TEXT,
    st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1), SHELL_TEXT.filter(bool)),
    st.recursive(
        st.none() | st.booleans() | st.integers() | SHELL_TEXT,
        lambda inner: st.lists(inner) | st.dictionaries(SHELL_TEXT, inner),
        max_leaves=8,
    ),
)
def test_every_part_survives_shell_quoting(
    method: str, url: str, headers: dict[str, str], body: object
) -> None:
    headers.pop("x-api-key", None)
    argv = shlex.split(curl_command(method, url, headers, body))
    assert argv[-1] == url
    assert value_after(argv, "-X") == [method]
    sent = value_after(argv, "-H")
    assert sent[: len(headers)] == [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        assert json.loads(value_after(argv, "--data-raw")[0]) == body
