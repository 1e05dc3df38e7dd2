"""The API key (and a wrong one) never shows in logs, error bodies or the mock's journal.

Both servers run as real processes; every kind of request is sent with the valid key, a
wrong key, and the key misplaced into the query string or the body, as clients do by
mistake. The captured server output, every response body and the journal must not hold
either key. (The mock announces the key it accepts in its start-up banner, on purpose: it
is a development tool; its request log lines must not repeat it.)

A key misplaced where no name says it is one (`?k=KEY`, `?=KEY`, a bare `?KEY`, a path
segment, even the method) must stay out of the log too: the log never writes the target as
sent, only its route template and the spec's own parameter values.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

KEY = "sEcReT-kEy-4f1d9c0b7a3e"
WRONG = "wRoNg-kEy-0b1c2d3e4f5a"
URL = "https://canvas.example.com/files/plan.pdf"


def _exercise(base_url: str) -> list[httpx.Response]:
    """Every route, right and wrong, with the key in the right and in the wrong places."""
    answers = []
    with httpx.Client(base_url=base_url, headers={"x-api-key": KEY}, timeout=30) as client:
        answers.append(client.post("/viewer/exports", data={"sourceFileUrl": URL},
                                   files={"file": ("plan.pdf", b"%PDF-1.4 plan\n")}))
        answers.append(client.post(SINGLE, json={"sourceFileUrl": URL}))
        issued = client.post(SINGLE, params={"responseType": "urls"},
                             json={"sourceFileUrl": URL})
        answers += [issued, httpx.get(issued.json()["exportedUrl"])]
        answers.append(client.post(BATCH, json={"items": [{"sourceFileUrl": URL}]}))
        answers.append(client.post(BATCH, params={"responseType": "urls"},
                                   json={"items": [{"sourceFileUrl": URL}]}))
        answers.append(client.get("/viewer/exports"))
        answers.append(client.post(SINGLE, json={"sourceFileUrl": "https://x.invalid/a"}))
        answers.append(client.post(SINGLE, json={"sourceFileUrl": 42}))
        answers.append(client.post(SINGLE, content=b"not json",
                                   headers={"content-type": "application/json"}))
        answers.append(client.post(SINGLE, content=b"{}", headers={"content-type": "text/plain"}))
        answers.append(client.post(SINGLE, json={"sourceFileUrl": URL, "pad": "x" * 2**21}))
        # The key where it does not belong.
        answers.append(client.post(SINGLE, params={"x-api-key": KEY},
                                   json={"sourceFileUrl": URL}))
        answers.append(client.post(SINGLE, params={"api_key": KEY}, json={"sourceFileUrl": URL}))
        answers.append(client.post(SINGLE, json={"sourceFileUrl": URL, "apiKey": KEY}))
        answers.append(client.get("/viewer/exports", params={"key": KEY}))
        answers.append(client.delete("/viewer/exports", params={"sourceFileUrl": URL}))
    # A wrong key, and none.
    for headers in ({"x-api-key": WRONG}, {}):
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            answers.append(client.post(SINGLE, json={"sourceFileUrl": URL}))
            answers.append(client.post(SINGLE, params={"x-api-key": WRONG},
                                       json={"sourceFileUrl": URL}))
            answers.append(client.get("/viewer/exports"))
    return answers


def _assert_no_key_in_answers(answers: list[httpx.Response]) -> None:
    for answer in answers:
        if answer.status_code >= 400:
            assert answer.headers["content-type"].endswith("json"), answer.text[:200]
        for secret in (KEY, WRONG):
            assert secret not in answer.text, (answer.request.url, answer.text[:300])
            assert all(secret not in value for value in answer.headers.values())


@pytest.mark.parametrize("workers", [1, 2])
def test_the_reference_backend_never_logs_or_echoes_a_key(tmp_path: Path, workers: int) -> None:
    with ServerProcess(["serve", "--data-dir", str(tmp_path / "data"),
                        "--workers", str(workers)],
                       env={"EXPORT_API_KEYS": KEY}) as server:
        answers = _exercise(server.base_url)
        server.stop()
    output = "\n".join(server.banner)
    assert "POST /api/viewer/exports/download" in output  # the access log was captured
    assert KEY not in output and WRONG not in output, output
    assert "query parameter not logged" in output
    _assert_no_key_in_answers(answers)


def test_the_mock_never_logs_journals_or_echoes_a_key() -> None:
    with ServerProcess(["mock", "--api-key", KEY]) as server:
        banner_lines = len(server.banner)
        answers = _exercise(server.base_url)
        root = server.base_url.removesuffix("/api")
        journal = httpx.get(root + "/__mock/requests", timeout=30)
        server.stop()
    after_banner = "\n".join(server.banner[banner_lines:])
    assert "POST /api/viewer/exports/download" in after_banner  # request lines were captured
    assert KEY not in after_banner and WRONG not in after_banner, after_banner
    assert WRONG not in "\n".join(server.banner)
    _assert_no_key_in_answers(answers)
    assert journal.status_code == 200 and len(journal.json()["requests"]) >= len(answers) - 2
    # The body is the journal's point: a key a client put in its JSON body is shown as sent.
    journal_text = journal.text.replace(f'"apiKey": "{KEY}"', "")
    assert KEY not in journal_text and WRONG not in journal_text


def _misplace_key(base_url: str) -> int:
    """The key where nothing names it a key: query values and names, path segments, method.

    Returns how many requests the server must have logged.
    """
    sent = 0
    routes = [("GET", "/viewer/exports"), ("POST", SINGLE), ("POST", BATCH),
              ("GET", "/viewer/exports/files/abc.def")]
    queries = [f"k={KEY}", f"={KEY}", KEY, f"responseType={KEY}", f"responseType=urls&{KEY}",
               f"x={KEY}&y={WRONG}", f"{KEY}={WRONG}"]
    paths = [f"/viewer/exports/files/{KEY}", f"/{KEY}", f"/viewer/{KEY}/download",
             f"/viewer/exports/{KEY}", f"/viewer/exports/download/{KEY}",
             f"/viewer/exports/files/{KEY}/{WRONG}"]
    with httpx.Client(base_url=base_url, headers={"x-api-key": KEY}, timeout=30) as client:
        for method, path in routes:
            for query in queries:
                client.request(method, f"{path}?{query}", json={"sourceFileUrl": URL})
                sent += 1
        for path in paths:
            for method in ("GET", "POST", "HEAD"):
                client.request(method, path)
                sent += 1
        # Not counted: the HTTP parser may refuse such a method before the app sees it.
        client.request(KEY, "/viewer/exports")
    return sent


def _access_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if " ms" in line and "/api" in line]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_reference_backend_logs_no_key_sent_where_nothing_names_it(tmp_path: Path,
                                                                      workers: int) -> None:
    with ServerProcess(["serve", "--data-dir", str(tmp_path / "data"),
                        "--workers", str(workers)],
                       env={"EXPORT_API_KEYS": KEY}) as server:
        sent = _misplace_key(server.base_url)
        output = server.stop()
    assert len(_access_lines(output)) >= sent, output  # every request was logged
    assert "GET /api/viewer/exports/files/{token} " in output
    assert KEY not in output and WRONG not in output, output


def test_the_mock_logs_no_key_sent_where_nothing_names_it() -> None:
    with ServerProcess(["mock", "--api-key", KEY]) as server:
        banner_lines = len(server.banner)
        sent = _misplace_key(server.base_url)
        server.stop()
    after_banner = "\n".join(server.banner[banner_lines:])
    assert len(_access_lines(after_banner)) >= sent, after_banner
    assert "/api/viewer/exports/files/{token} -> " in after_banner
    assert KEY not in after_banner and WRONG not in after_banner, after_banner
