"""The mock answers the shared MSW cases as they expect: the generated handlers are held to
the same file (tests/export_contract_cli/test_msw_command.py), so both agree."""

from __future__ import annotations

from typing import Any

import pytest
from job_helpers import Clock, job_app, job_client
from msw_cases import CASES, observe_job, observe_request

from export_contract.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
async def test_the_mock_answers_each_shared_msw_case_as_expected(case: dict[str, Any]) -> None:
    app = job_app(clock=Clock(), settings=Settings(api_keys=(CASES["key"],)),
                  slow_stream_seconds=0.1)
    async with job_client(app) as client:
        client.headers.pop("x-api-key", None)  # each case says which key it sends
        observe = observe_job if "job" in case else observe_request
        assert await observe(client, case) == case["expect"]
