"""The cases the mock and the generated MSW handlers must answer alike (js/msw-test/cases.json),
and how a case's answer is observed from the mock, one key per expectation."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
from werkzeug.http import parse_options_header

CASES_FILE = Path(__file__).resolve().parents[2] / "js" / "msw-test" / "cases.json"
CASES: dict[str, Any] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
JOBS = "/viewer/exports/jobs"


def _headers(spec: dict[str, Any]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    key = spec.get("key", CASES["key"])
    if key is not None:
        headers["x-api-key"] = key
    if "prefer" in spec:
        headers["Prefer"] = spec["prefer"]
    return headers


def _filename(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition")
    if header is None:
        return None
    return parse_options_header(header)[1].get("filename")


def _file_facts(response: httpx.Response, expect: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {"status": response.status_code}
    if "filename" in expect:
        facts["filename"] = _filename(response)
    if "contentType" in expect:
        facts["contentType"] = response.headers.get("content-type", "").split(";")[0].strip()
    if "magicHex" in expect:
        facts["magicHex"] = response.content[:len(expect["magicHex"]) // 2].hex()
    if "entries" in expect:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            facts["entries"] = archive.namelist()
    if "manifest" in expect:
        facts["manifest"] = json.loads(base64.b64decode(response.headers["x-export-manifest"]))
    if "problem" in expect:
        body = response.json()
        facts["problem"] = (response.headers["content-type"].startswith(
            "application/problem+json") and body["success"] is False
            and body["status"] == response.status_code)
    if "retryAfter" in expect:
        facts["retryAfter"] = response.headers.get("retry-after")
    return facts


async def observe_request(client: httpx.AsyncClient, case: dict[str, Any]) -> dict[str, Any]:
    spec, expect = case["request"], case["expect"]
    url = spec["path"] + (f"?{spec['query']}" if "query" in spec else "")
    content = (spec["rawBody"].encode() if "rawBody" in spec
               else json.dumps(spec["body"]).encode() if "body" in spec else None)
    response = await client.request(spec.get("method", "POST"), url, content=content,
                                    headers=_headers(spec))
    facts = _file_facts(response, expect)
    if "exportedUrls" in expect or "json" in expect:
        body = response.json()
        urls = body.get("exportedUrls", [body.get("exportedUrl")])
        facts["exportedUrls"] = len(urls)
        if "json" in expect:
            facts["json"] = {key: body.get(key) for key in expect["json"]}
        if "follow" in expect:
            followed = await client.get(urls[0], headers={"x-api-key": ""})
            facts["follow"] = _file_facts(followed, expect["follow"])
    return facts


async def observe_job(client: httpx.AsyncClient, case: dict[str, Any]) -> dict[str, Any]:
    spec, expect = case["job"], case["expect"]
    created = await client.post(JOBS, content=json.dumps(spec["body"]).encode(),
                                headers=_headers(spec))
    facts: dict[str, Any] = {"createStatus": created.status_code}
    job = (await client.get(f"{JOBS}/{created.json()['id']}",
                            headers=_headers({}))).json()
    facts["state"] = job["state"]
    if "progress" in expect:
        facts["progress"] = job["progress"]
    if "errorCode" in expect:
        facts["errorCode"] = (job["error"] or {}).get("code")
    if "download" in expect:
        response = await client.get(job["downloadUrl"], headers={"x-api-key": ""})
        download = _file_facts(response, expect["download"])
        if "manifestResults" in expect["download"]:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                manifest = json.loads(archive.read("manifest.json"))
            keep = ("sourceFileUrl", "success", "filename", "error")
            download["manifestResults"] = [{k: r[k] for k in keep if k in r}
                                           for r in manifest["results"]]
        facts["download"] = download
    if "deleted" in expect:
        deleted = await client.delete(f"{JOBS}/{job['id']}", headers=_headers({}))
        facts["deleted"] = deleted.json()["state"]
        if "afterDelete" in expect:
            again = await client.get(job["downloadUrl"], headers={"x-api-key": ""})
            facts["afterDelete"] = again.status_code
    return facts
