"""curl, wget, unzip, 7z, bsdtar and Python's zipfile agree with both servers.

Single files and batch zips are saved by `curl -OJ` and `wget --content-disposition` under
the names CONTRACT.md expects; every zip passes each tool's integrity test and extracts to
exactly the expected files, with nothing overwritten by a case-only or normalisation clash.
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import httpx
import pytest
from hardening_samples import (
    BATCH,
    BATCH_ENTRY_NAMES,
    BATCH_URLS,
    SAMPLES,
    SINGLE,
    RunningServer,
    Sample,
    batch_body,
)
from real_clients import (
    ARCHIVE_TOOLS,
    assert_safe_name,
    check_archive_with,
    curl_save,
    extract_with,
    files_in,
    list_with,
    require,
    wget_save,
)

pytestmark = pytest.mark.e2e

PDF, _, TEXT, _, _, _, PNG = SAMPLES
STORED_ONLY_URLS = [SAMPLES[0].url, SAMPLES[1].url, SAMPLES[6].url]
STORED_ONLY_NAMES = ["floor-plan.pdf", "floor-plan (1).pdf", "site-photo.png"]


def _expected_entries(server: RunningServer, urls: list[str]) -> list[bytes]:
    return [server.contents[url] for url in urls if url in server.contents]


# -- single files ------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", [PDF, PNG], ids=["pdf", "png"])
def test_curl_saves_an_ascii_named_file_under_its_name(any_server: RunningServer,
                                                        sample: Sample, tmp_path: Path) -> None:
    saved = curl_save(any_server.base_url + SINGLE, tmp_path, headers=any_server.headers,
                      json_body={"sourceFileUrl": sample.url})
    assert saved.name == sample.expected_name
    assert saved.read_bytes() == any_server.contents[sample.url]


def test_curl_saves_a_non_ascii_name_under_its_ascii_fallback(any_server: RunningServer,
                                                               tmp_path: Path) -> None:
    # curl documents that -J uses the plain `filename` parameter and ignores `filename*`.
    saved = curl_save(any_server.base_url + SINGLE, tmp_path, headers=any_server.headers,
                      json_body={"sourceFileUrl": TEXT.url})
    assert saved.name == "resume.txt"
    assert saved.read_bytes() == any_server.contents[TEXT.url]


@pytest.mark.parametrize("sample", [PDF, PNG], ids=["pdf", "png"])
def test_wget_saves_an_ascii_named_file_under_its_name(any_server: RunningServer,
                                                        sample: Sample, tmp_path: Path) -> None:
    saved = wget_save(any_server.base_url + SINGLE, tmp_path, headers=any_server.headers,
                      json_body={"sourceFileUrl": sample.url})
    assert saved.name == sample.expected_name
    assert saved.read_bytes() == any_server.contents[sample.url]


def test_wget_saves_a_non_ascii_name_from_filename_star_or_its_fallback(
        any_server: RunningServer, tmp_path: Path) -> None:
    # wget decodes RFC 6266 `filename*` (UTF-8) where it supports it, else takes `filename`.
    saved = wget_save(any_server.base_url + SINGLE, tmp_path, headers=any_server.headers,
                      json_body={"sourceFileUrl": TEXT.url})
    assert unicodedata.normalize("NFC", saved.name) in {"résumé.txt", "resume.txt"}
    assert_safe_name(saved.name)
    assert saved.read_bytes() == any_server.contents[TEXT.url]


def test_curl_and_wget_save_a_file_fetched_from_an_exported_url(any_server: RunningServer,
                                                                tmp_path: Path) -> None:
    with any_server.client() as client:
        exported = client.post(SINGLE, params={"responseType": "urls"},
                               json={"sourceFileUrl": PDF.url}).json()["exportedUrl"]
    by_curl = curl_save(exported, tmp_path / "curl")
    by_wget = wget_save(exported, tmp_path / "wget")
    for saved in (by_curl, by_wget):
        assert saved.name == "floor-plan.pdf"
        assert saved.read_bytes() == any_server.contents[PDF.url]
    assert httpx.get(exported).status_code == 200


def test_curl_resumes_a_cut_exported_url_download_into_an_identical_file(
        any_server: RunningServer, tmp_path: Path) -> None:
    require("curl")
    with any_server.client() as client:
        exported = client.post(SINGLE, params={"responseType": "urls"},
                               json={"sourceFileUrl": PDF.url}).json()["exportedUrl"]
    whole = any_server.contents[PDF.url]
    partial = tmp_path / "floor-plan.pdf"
    partial.write_bytes(whole[: len(whole) // 3])  # what a dropped download left
    result = subprocess.run(["curl", "-sS", "--fail", "-C", "-", "-o", str(partial),
                             "-w", "%{http_code}", exported],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "206"
    assert partial.read_bytes() == whole


# -- batch zips --------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["mixed", "stored-only"])
def saved_zips(request: pytest.FixtureRequest, any_server: RunningServer,
               tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[RunningServer, list[str], list[Path]]:
    """The batch saved by curl and by wget: deflated text and stored binaries (sent chunked),
    or stored entries only (sent with a Content-Length)."""
    urls = BATCH_URLS if request.param == "mixed" else STORED_ONLY_URLS
    folder = tmp_path_factory.mktemp("zips")
    saved = [save(any_server.base_url + BATCH, folder / tool, headers=any_server.headers,
                  json_body=batch_body(urls))
             for tool, save in (("curl", curl_save), ("wget", wget_save))]
    names = BATCH_ENTRY_NAMES if request.param == "mixed" else STORED_ONLY_NAMES
    return any_server, names, saved


def test_curl_and_wget_save_the_batch_under_a_zip_name(
        saved_zips: tuple[RunningServer, list[str], list[Path]]) -> None:
    _, _, saved = saved_zips
    for path in saved:
        assert path.name == "exports.zip"
        assert path.read_bytes()[:4] == b"PK\x03\x04"
    assert saved[0].read_bytes() == saved[1].read_bytes()


@pytest.mark.parametrize("tool", ARCHIVE_TOOLS)
def test_every_tool_passes_the_zips_integrity_test(
        saved_zips: tuple[RunningServer, list[str], list[Path]], tool: str) -> None:
    _, names, saved = saved_zips
    check_archive_with(tool, saved[0])
    assert [unicodedata.normalize("NFC", n) for n in list_with(tool, saved[0])] == names


@pytest.mark.parametrize("tool", ARCHIVE_TOOLS)
def test_every_tool_extracts_exactly_the_expected_files(
        saved_zips: tuple[RunningServer, list[str], list[Path]], tool: str,
        tmp_path: Path) -> None:
    server, names, saved = saved_zips
    extract_with(tool, saved[0], tmp_path / "out")
    extracted = files_in(tmp_path / "out")
    assert sorted(unicodedata.normalize("NFC", n) for n in extracted) == sorted(names)
    urls = BATCH_URLS if len(names) == len(BATCH_ENTRY_NAMES) else STORED_ONLY_URLS
    by_name = {unicodedata.normalize("NFC", n): data for n, data in extracted.items()}
    assert [by_name[name] for name in names] == _expected_entries(server, urls)
    # Distinct on a case-insensitive, normalisation-blind file system too: none would overwrite.
    keys = {unicodedata.normalize("NFC", name).casefold() for name in extracted}
    assert len(keys) == len(names)


def test_two_files_of_the_same_name_never_overwrite_each_other(any_server: RunningServer,
                                                               tmp_path: Path) -> None:
    # Both exports are called floor-plan.pdf. wget documents that it keeps the first and
    # saves the second as name.1; curl -J documents that it refuses to overwrite a file.
    first, second = SAMPLES[0], SAMPLES[1]
    wget_save(any_server.base_url + SINGLE, tmp_path / "wget", headers=any_server.headers,
              json_body={"sourceFileUrl": first.url})
    result = subprocess.run(
        ["wget", "-q", "--content-disposition", "--header", "Content-Type: application/json",
         *[f"--header={k}: {v}" for k, v in any_server.headers.items()],
         "--post-data", json.dumps({"sourceFileUrl": second.url}), any_server.base_url + SINGLE],
        cwd=tmp_path / "wget", capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path / "wget") == {"floor-plan.pdf": any_server.contents[first.url],
                                           "floor-plan.pdf.1": any_server.contents[second.url]}

    curl_save(any_server.base_url + SINGLE, tmp_path / "curl", headers=any_server.headers,
              json_body={"sourceFileUrl": first.url})
    refused = subprocess.run(
        ["curl", "-sS", "-OJ", "-H", "Content-Type: application/json",
         *[arg for k, v in any_server.headers.items() for arg in ("-H", f"{k}: {v}")],
         "--data-binary", json.dumps({"sourceFileUrl": second.url}),
         any_server.base_url + SINGLE],
        cwd=tmp_path / "curl", capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode != 0
    assert files_in(tmp_path / "curl") == {"floor-plan.pdf": any_server.contents[first.url]}
