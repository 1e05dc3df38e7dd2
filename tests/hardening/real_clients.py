"""Real clients driven as subprocesses: curl, wget, unzip, 7z and bsdtar.

Each is skipped with the Debian package to install when it is missing. They run under a
UTF-8 locale, as on a developer's machine, so non-ASCII names are written as such.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

__all__ = [
    "ARCHIVE_TOOLS",
    "assert_safe_name",
    "check_archive_with",
    "curl_save",
    "curl_to_sparse_file",
    "extract_with",
    "files_in",
    "list_with",
    "require",
    "wget_save",
]

_PACKAGES = {"curl": "curl", "wget": "wget", "unzip": "unzip", "7z": "p7zip-full",
             "bsdtar": "libarchive-tools"}
ARCHIVE_TOOLS = ("unzip", "7z", "bsdtar", "zipfile")
_ENV = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
_TIMEOUT = 600
_SPARSE_CHUNK = 1024 * 1024


def require(tool: str) -> str:
    """The tool's path; skips the test (saying what to install) when it is missing."""
    if tool == "zipfile":
        return tool
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install {_PACKAGES[tool]}); "
                    ".ci/run installs it")
    return path


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=_ENV, capture_output=True, text=True,
                          timeout=_TIMEOUT, check=False)


def _request_options(tool: str, json_body: object | None, headers: Mapping[str, str]
                     ) -> list[str]:
    options: list[str] = []
    header_flag = "-H" if tool == "curl" else "--header"
    for name, value in headers.items():
        options += [header_flag, f"{name}: {value}"]
    if json_body is not None:
        options += [header_flag, "Content-Type: application/json"]
        body = json.dumps(json_body)
        options += ["--data-binary", body] if tool == "curl" else ["--post-data", body]
    return options


def curl_save(url: str, folder: Path, *, json_body: object | None = None,
              headers: Mapping[str, str] | None = None) -> Path:
    """`curl -OJ` into `folder` (POST when `json_body` is given); the one file it saved."""
    require("curl")
    folder.mkdir(parents=True, exist_ok=True)
    result = _run(["curl", "-sS", "--fail", "-OJ",
                   *_request_options("curl", json_body, headers or {}), url], cwd=folder)
    assert result.returncode == 0, f"curl failed ({result.returncode}): {result.stderr}"
    return _only_file(folder)


def wget_save(url: str, folder: Path, *, json_body: object | None = None,
              headers: Mapping[str, str] | None = None) -> Path:
    """`wget --content-disposition` into `folder`; the one file it saved."""
    require("wget")
    folder.mkdir(parents=True, exist_ok=True)
    result = _run(["wget", "-q", "--content-disposition",
                   *_request_options("wget", json_body, headers or {}), url], cwd=folder)
    assert result.returncode == 0, f"wget failed ({result.returncode}): {result.stderr}"
    return _only_file(folder)


def _only_file(folder: Path) -> Path:
    saved = list(folder.iterdir())
    assert len(saved) == 1, f"expected one saved file, found {sorted(p.name for p in saved)}"
    return saved[0]


def assert_safe_name(name: str) -> None:
    """What a saved file's name must be whatever the server sent (rule F2)."""
    assert name and name not in {".", ".."}
    assert "/" not in name and "\\" not in name
    assert not any(unicodedata.category(c) == "Cc" for c in name), repr(name)
    assert len(name.encode("utf-8")) <= 255


def check_archive_with(tool: str, archive: Path) -> None:
    """The tool's own integrity test (every entry read and its CRC checked) passes."""
    require(tool)
    if tool == "zipfile":
        with zipfile.ZipFile(archive) as opened:
            assert opened.testzip() is None
        return
    command = {"unzip": ["unzip", "-tqq", str(archive)],
               "7z": ["7z", "t", "-bd", str(archive)],
               # -t lists; reading every entry's data (to /dev/null) checks the CRCs too.
               "bsdtar": ["bsdtar", "-xOf", str(archive)]}[tool]
    result = subprocess.run(command, env=_ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=_TIMEOUT, check=False)
    assert result.returncode == 0, f"{tool} rejects the archive: {result.stderr[-2000:]}"
    if tool == "bsdtar":
        listing = _run(["bsdtar", "-tf", str(archive)])
        assert listing.returncode == 0, listing.stderr


def list_with(tool: str, archive: Path) -> list[str]:
    """The entry names as the tool reads them (central directory order)."""
    require(tool)
    if tool == "zipfile":
        with zipfile.ZipFile(archive) as opened:
            return opened.namelist()
    if tool == "unzip":
        result = _run(["unzip", "-Z1", str(archive)])
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()
    if tool == "7z":
        result = _run(["7z", "l", "-slt", "-ba", str(archive)])
        assert result.returncode == 0, result.stderr
        return [line[len("Path = "):] for line in result.stdout.splitlines()
                if line.startswith("Path = ")]
    result = _run(["bsdtar", "-tf", str(archive)])
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def extract_with(tool: str, archive: Path, destination: Path) -> None:
    """Extract every entry into `destination` (never overwriting: a clash is an error)."""
    require(tool)
    destination.mkdir(parents=True)
    if tool == "zipfile":
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(destination)
        return
    command = {"unzip": ["unzip", "-qn", str(archive), "-d", str(destination)],
               "7z": ["7z", "x", "-bd", "-aos", f"-o{destination}", str(archive)],
               "bsdtar": ["bsdtar", "-xkf", str(archive), "-C", str(destination)]}[tool]
    result = _run(command)
    assert result.returncode == 0, f"{tool} cannot extract: {result.stderr[-2000:]}"


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path (sub-folders would show as `a/b`)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def curl_to_sparse_file(url: str, destination: Path, *, body_file: Path,
                        headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """POST `body_file` as JSON with curl and write the response to `destination`.

    Runs of zero bytes become holes, so a multi-GiB archive of zeros costs no disk; every
    tool reads the holes back as zeros. Returns the response headers (lower-case names).
    """
    require("curl")
    header_dump = destination.with_name(destination.name + ".headers")
    command = ["curl", "-sS", "--fail", "-D", str(header_dump), "-o", "-",
               "-H", "Content-Type: application/json", "--data-binary", f"@{body_file}"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    zeros = bytes(_SPARSE_CHUNK)
    with subprocess.Popen([*command, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=_ENV) as curl, destination.open("wb") as out:
        assert curl.stdout is not None and curl.stderr is not None
        while chunk := curl.stdout.read(_SPARSE_CHUNK):
            if chunk == zeros[:len(chunk)]:
                out.seek(len(chunk), os.SEEK_CUR)
            else:
                out.write(chunk)
        out.truncate()
        errors = curl.stderr.read().decode(errors="replace")
        assert curl.wait(timeout=_TIMEOUT) == 0, f"curl failed: {errors}"
    lines = header_dump.read_text(encoding="latin-1").splitlines()
    return {name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:]) if value}
