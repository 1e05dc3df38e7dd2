"""verify judged against an independent Express 5 backend (``tests/backends/express``), run as a
real node process on a free loopback port: it passes the correct backend in strict mode, and
for each deliberately buggy variant (``BUG=name``) it fails exactly the rules that bug breaks.

The backend makes its own allowed choices: 401 for any bad key, 404 for a string it does not
know (URL or not), malformed items of a mixed batch skipped as ``{"index", "reason"}``, a 404
when no batch item resolves in either mode, ``plan (2).pdf`` de-duplication, in-memory exported
URL tickets valid ten minutes, at most 500 items and 256 KiB per body.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
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

pytestmark = pytest.mark.e2e

EXPRESS_DIR = BACKENDS_DIR / "express"
API_KEY = "express-backend-key-0123"
INSTALL = "npm ci --prefix tests/backends/express"
_CATALOG = json.loads((EXPRESS_DIR / "exports" / "catalog.json").read_text(encoding="utf-8"))
SOURCE_URLS = tuple(export["sourceFileUrl"] for export in _CATALOG["exports"])

BUGS: BugTable = {
    # Colliding names repeat: entries clash after NFC and case folding (Z3), and an entry whose
    # name is taken keeps it instead of a de-duplicated form (Z5). Bytes and count are right.
    "dedup-forgotten": ("MUST", frozenset({"Z3"})),
    # Exact repeats are numbered, but plan.pdf / Plan.PDF and the NFC / NFD résumé.txt pair
    # are not: the same two rules, found only through case folding and normalisation.
    "dedup-case-sensitive": ("MUST", frozenset({"Z3"})),
    # filename="résumé.txt" in raw UTF-8 still parses (obs-text is allowed in a quoted-string)
    # and names the file right, so F1, F2 and Z5 hold: only F3 (filename* plus an ASCII
    # fallback, a SHOULD) is broken, on downloads and exported URLs alike.
    "raw-filename": ("SHOULD", frozenset({"F3"})),
    # The browser hides the filename from the frontend: X2. F6 is the client's rule.
    "cors-no-expose": ("MUST", frozenset({"X2"})),
    # The single route answers every string it does not know with a (JSON) 500: an unknown
    # URL is not a 404 (S2), well-formed input gets a 5xx (S4), and a non-URL string, which
    # this backend answers 404 when healthy, gets neither 404 nor 400 (Q2). E1 holds (JSON, no
    # attachment); the batch route is untouched.
    "unknown-500": ("MUST", frozenset({"Q2", "S2", "S4"})),
    # The batch route serves zips and URLs without a key: A2.
    "key-one-route": ("MUST", frozenset({"A2"})),
    # No central directory: the zip does not open (Z1), so no other zip rule can be judged on
    # it (and Q4's mixed batch cannot be read either: not Q4's fault). Headers are fine.
    "zip-unfinished": ("MUST", frozenset({"Z1"})),
    # Every outcome is there and correctly named, only not in request order: Q7's SHOULD.
    # Z4 and Z5 match entries by bytes and names, U3 counts URLs: order is not theirs.
    "sorted-results": ("SHOULD", frozenset({"Q7"})),
    # Exported URLs answer 401 without the key: U4. No URL ever serves the file, so U5 (its
    # Content-Disposition) and U6 (still valid later) have nothing to judge.
    "exported-url-needs-key": ("SHOULD", frozenset({"U4"})),
}


def require_node_packages(directory: Path = EXPRESS_DIR) -> str:
    """The node executable. Fails (never skips) with the fix when Node or the packages are
    missing: a skipped conformance test would hide that the gate went unchecked."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed; the Express backend needs node >= 20 "
                    f"(apt-get install nodejs npm), then run: {INSTALL}", pytrace=False)
    if not (directory / "node_modules" / "express" / "package.json").is_file():
        pytest.fail(f"the Express backend's packages are not installed in "
                    f"{directory / 'node_modules'}; run: {INSTALL}", pytrace=False)
    return node


@pytest.fixture(scope="module")
def node() -> str:
    return require_node_packages()


@pytest.fixture(scope="module")
def reports(node: str) -> Reports:
    def run(bug: str | None, modes: Sequence[bool]) -> list[VerifyReport]:
        command = [node, "server.js", "--host", "127.0.0.1", "--port", "0"]
        env = {"EXPORT_API_KEYS": API_KEY, "BUG": bug or "", "CORS_ORIGINS": "*"}
        with serving(command, ready=r"Listening on (http://\S+/api)", cwd=EXPRESS_DIR,
                     env=env) as backend:
            return [run_verify(verify_options(backend.base_url, api_key=API_KEY,
                                              source_urls=SOURCE_URLS, strict=strict))
                    for strict in modes]

    return Reports(run, BUGS)


def test_verify_passes_correct_express_backend_in_strict_mode(reports: Reports) -> None:
    assert_passes_strict(reports.get(None, strict=True))


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_verify_fails_exactly_the_rules_an_express_bug_breaks(reports: Reports,
                                                              bug: str) -> None:
    assert_fails_exactly(reports.gating(bug), BUGS[bug][1])


@pytest.mark.parametrize("bug", should_bugs(BUGS))
def test_verify_lets_a_should_level_express_bug_pass_without_strict(reports: Reports,
                                                                     bug: str) -> None:
    report = reports.get(bug, strict=False)

    assert report.exit_code == 0
    assert report.failed_rule_ids == ()


def test_every_express_bug_has_an_expected_verdict(node: str) -> None:
    listed = subprocess.run(
        [node, "--input-type=module", "-e",
         "import { BUGS } from './src/bugs.js'; console.log(JSON.stringify(Object.keys(BUGS)))"],
        cwd=EXPRESS_DIR, capture_output=True, text=True, check=True, timeout=60)

    assert set(json.loads(listed.stdout)) == set(BUGS)


def test_express_backend_starts_only_with_a_known_bug(node: str) -> None:
    started = subprocess.run([node, "server.js", "--port", "0", "--bug", "no-such-bug"],
                             cwd=EXPRESS_DIR, env={"EXPORT_API_KEYS": API_KEY},
                             capture_output=True, text=True, timeout=60)

    assert started.returncode == 2
    assert 'unknown bug "no-such-bug"; known: dedup-forgotten' in started.stderr


def test_missing_node_packages_fail_with_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=re.escape(INSTALL)):
        require_node_packages(tmp_path)


def test_express_backend_shares_no_code_with_the_toolkit() -> None:
    dependencies = set(json.loads((EXPRESS_DIR / "package.json").read_text())["dependencies"])
    sources = [EXPRESS_DIR / "server.js", *sorted((EXPRESS_DIR / "src").glob("*.js"))]
    imported = {spec for source in sources
                for spec in re.findall(r"""(?:from|import)\s*\(?\s*['"]([^'"]+)['"]""",
                                       source.read_text(encoding="utf-8"))}
    foreign = sorted(spec for spec in imported
                     if not (spec.startswith(("./", "node:")) or spec in dependencies))

    assert imported  # the pattern found the imports at all
    assert foreign == []
