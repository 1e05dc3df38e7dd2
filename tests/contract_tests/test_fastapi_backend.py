"""verify judged against an independent FastAPI backend (``tests/backends/fastapi_backend``):
it passes the correct backend in strict mode, in-process and served by uvicorn, and for each
deliberately buggy variant (``create_app(bug=...)``) it fails exactly the rules that bug breaks.

The backend makes its own allowed choices: 403 for any bad key, 400 for an identifier that is
not an absolute http(s) URL (a mixed batch is refused whole), a 200 with every item skipped
when nothing in a URL-mode batch resolves, skipped items as plain strings, ``name_2.ext``
de-duplication, permanent exported URLs, at most 1000 items and 2 MiB per body.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence
from pathlib import Path

import fastapi_backend
import httpx
import pytest
from fastapi_backend import SOURCE_URLS, create_app
from independent_backend_runs import (
    BACKENDS_DIR,
    BugTable,
    Reports,
    assert_fails_exactly,
    assert_passes_strict,
    serving,
    should_bugs,
    verify_options,
)

from contract_tests.runner import VerifyReport, run_verify

# zipfile warns about the duplicate names of the dedup-forgotten bug; under the suite's
# "warnings are errors" that warning would turn the bug into a 500 it does not have.
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")

API_KEY = "fastapi-backend-key-0123"
BASE_URL = "http://testserver/api"

BUGS: BugTable = {
    # Colliding names repeat: entries clash after NFC and case folding (Z3), and an entry whose
    # name is taken keeps it instead of a de-duplicated form (Z5). Bytes and count are right.
    "dedup-forgotten": ("MUST", frozenset({"Z3"})),
    # Exact repeats become name_2.ext, but floor-plan.pdf / Floor-Plan.PDF and the NFC / NFD
    # Übersicht.txt pair do not: the same two rules.
    "dedup-case-sensitive": ("MUST", frozenset({"Z3"})),
    # filename="Übersicht.txt" in raw UTF-8: it parses (obs-text) and names the file right, so
    # only F3's SHOULD (filename* plus an ASCII fallback) is broken.
    "raw-filename": ("SHOULD", frozenset({"F3"})),
    # Starlette's FileResponse(filename=...) sends filename* alone for a non-ASCII name: valid
    # and correctly named (F1, F2 hold), but without the ASCII fallback F3 asks for.
    "framework-filename": ("SHOULD", frozenset({"F3"})),
    # The browser hides the filename from the frontend: X2. F6 is the client's rule.
    "cors-no-expose": ("MUST", frozenset({"X2"})),
    # stored[url] raises KeyError, answered as a JSON 500, for an unknown URL on the single
    # route: not a 404 (S2), a 5xx for well-formed input (S4), and a string the backend cannot
    # resolve that gets neither 404 nor 400 (Q2: this backend takes URLs up to 8192
    # characters, so the over-2048 URL of the Q2 probes reaches the lookup; only non-URL
    # strings are still refused with 400 first). E1 holds (JSON); the batch route is intact.
    "unknown-500": ("MUST", frozenset({"Q2", "S2", "S4"})),
    # The batch route serves zips and URLs without a key: A2.
    "key-one-route": ("MUST", frozenset({"A2"})),
    # Every validation failure is a 422: no documented status (S3); bodies without a usable
    # identifier must get 400 (Q3); a non-URL string, refused by this backend, must get 400
    # or 404 (Q2); a batch mixing usable and malformed items must get 400 or a 200 that skips
    # them (Q4). An unknown responseType (Q6) and a batch far over the item limit (Q5, no
    # limits declared) get 422 too, but those parts are SHOULDs: warnings in this plain run.
    "default-422": ("MUST", frozenset({"Q2", "Q3", "Q4", "S3"})),
    # The zip's bytes are taken before its central directory is written: it does not open
    # (Z1), so no other zip rule can be judged on it.
    "zip-unclosed": ("MUST", frozenset({"Z1"})),
    # Exported URLs answer 403 without the key: U4. No URL ever serves the file, so U5 and U6
    # have nothing to judge.
    "exported-url-needs-key": ("SHOULD", frozenset({"U4"})),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    def run(bug: str | None, modes: Sequence[bool]) -> list[VerifyReport]:
        app = create_app(tmp_path_factory.mktemp("fastapi-exports"), api_keys=[API_KEY],
                         bug=bug)
        # A crash must reach verify as the 500 a real server sends, not as an exception
        # raised into the client (ASGITransport's default).
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return [run_verify(verify_options(BASE_URL, api_key=API_KEY, source_urls=SOURCE_URLS,
                                          strict=strict, transport=transport))
                for strict in modes]

    return Reports(run, BUGS)


def test_verify_passes_correct_fastapi_backend_in_strict_mode(tmp_path: Path) -> None:
    app = create_app(tmp_path, api_keys=[API_KEY])

    assert_passes_strict(run_verify(verify_options(BASE_URL, api_key=API_KEY,
                                                   source_urls=SOURCE_URLS, strict=True,
                                                   app=app)))


@pytest.mark.e2e
def test_verify_passes_correct_fastapi_backend_served_by_uvicorn(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "uvicorn", "fastapi_backend:create_app_from_env",
               "--factory", "--host", "127.0.0.1", "--port", "0", "--no-access-log",
               "--app-dir", str(BACKENDS_DIR)]
    env = {"EXPORT_FILES_DIR": str(tmp_path), "EXPORT_API_KEYS": API_KEY}
    with serving(command, ready=r"Uvicorn running on (http://\S+)", cwd=tmp_path, env=env,
                 suffix="/api") as backend:
        report = run_verify(verify_options(backend.base_url, api_key=API_KEY,
                                           source_urls=SOURCE_URLS, strict=True))

    assert_passes_strict(report)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_verify_fails_exactly_the_rules_a_fastapi_bug_breaks(reports: Reports,
                                                             bug: str) -> None:
    assert_fails_exactly(reports.gating(bug), BUGS[bug][1])


@pytest.mark.parametrize("bug", should_bugs(BUGS))
def test_verify_lets_a_should_level_fastapi_bug_pass_without_strict(reports: Reports,
                                                                     bug: str) -> None:
    report = reports.get(bug, strict=False)

    assert report.exit_code == 0
    assert report.failed_rule_ids == ()


def test_every_fastapi_bug_has_an_expected_verdict() -> None:
    assert set(fastapi_backend.BUGS) == set(BUGS)


def test_fastapi_backend_refuses_an_unknown_bug(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown bug 'no-such-bug'; known: dedup-forgotten"):
        create_app(tmp_path, api_keys=[API_KEY], bug="no-such-bug")


def test_fastapi_backend_shares_no_code_with_the_toolkit() -> None:
    toolkit = {"export_contract", "reference_impl", "mock_server", "contract_tests",
               "docs_site", "bench"}
    for module in (BACKENDS_DIR / "fastapi_backend").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert not roots & toolkit, f"{module.name} imports {sorted(roots & toolkit)}"
