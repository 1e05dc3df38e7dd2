"""Both servers as real processes on free loopback ports, with the sample exports in place."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hardening_samples import KEY, SAMPLES, SINGLE, RunningServer, register_samples
from server_processes import ServerProcess


@pytest.fixture(scope="module")
def reference_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("reference-data")
    with ServerProcess(["serve", "--data-dir", str(data_dir)],
                       env={"EXPORT_API_KEYS": KEY}) as process:
        server = RunningServer(process, {"x-api-key": KEY},
                               {sample.url: sample.content for sample in SAMPLES})
        with server.client() as client:
            register_samples(client)
        yield server


@pytest.fixture(scope="module")
def mock_server() -> Iterator[RunningServer]:
    with ServerProcess(["mock", "--no-auth", "--quiet"]) as process:
        # The mock generates each export; its single downloads are what the zip must hold.
        contents = {}
        with httpx.Client(base_url=process.base_url, timeout=60) as client:
            for sample in SAMPLES:
                response = client.post(SINGLE, json={"sourceFileUrl": sample.url})
                assert response.status_code == 200, response.text
                contents[sample.url] = response.content
        yield RunningServer(process, {}, contents)


@pytest.fixture(scope="module", params=["reference", "mock"])
def any_server(request: pytest.FixtureRequest) -> RunningServer:
    server: RunningServer = request.getfixturevalue(f"{request.param}_server")
    return server
