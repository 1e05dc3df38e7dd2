"""The export job page's snippets: create, poll, download, list, cancel; verify a webhook.

Each runs as printed: a shell script (curl and jq), a Python file (httpx), an ES module (the
browser client `export-client.js`, which the mock serves at `/export-client.js`). Paths and
the request body come from the spec; the base URL and the API key from the site settings.
The two verification snippets are functions a receiver calls with the raw body it got.
"""

from __future__ import annotations

import json
import pprint
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from export_contract.spec_files import SpecFileError

from .settings import SiteSettings
from .snippets import Snippet

__all__ = ["JobSnippets", "JobSnippetsError", "job_snippets"]

CLIENT_MODULE = "export-client.js"


class JobSnippetsError(SpecFileError, ValueError):
    """The spec lacks what the job snippets are made from."""


@dataclass(frozen=True)
class JobSnippets:
    lifecycle: tuple[Snippet, ...]
    listing: Snippet
    cancel: Snippet
    verify: tuple[Snippet, ...]


def job_snippets(spec: Mapping[str, Any], settings: SiteSettings) -> JobSnippets:
    jobs_path = _path_of(spec, "createExportJob")
    body = _job_body(spec)
    fill = {
        "@BASE_URL@": settings.base_url,
        "@JOBS_PATH@": jobs_path,
        "@KEY_ENV@": settings.api_key_env,
        "@BODY_SH@": shlex.quote(json.dumps(body)),
        "@BODY_PY@": _python_literal(body),
        "@BASE_URL_JS@": json.dumps(settings.base_url),
        "@API_KEY_JS@": json.dumps(settings.api_key_placeholder),
        "@NAME_JS@": json.dumps(body.get("name", "exports")),
        "@URLS_JS@": _js_urls(body),
        "@CLIENT@": CLIENT_MODULE,
    }
    return JobSnippets(
        lifecycle=(Snippet("curl", "sh", "curl and jq", _fill(_CURL, fill)),
                   Snippet("httpx", "python", "Python httpx", _fill(_HTTPX, fill)),
                   Snippet("client", "js", "Browser client", _fill(_CLIENT, fill))),
        listing=Snippet("httpx", "python", "Python httpx", _fill(_LIST, fill)),
        cancel=Snippet("client", "js", "Browser client", _fill(_CANCEL, fill)),
        verify=(Snippet("python", "python", "Python", _VERIFY_PY),
                Snippet("node", "js", "Node (node:crypto)", _VERIFY_NODE)),
    )


def _path_of(spec: Mapping[str, Any], operation_id: str) -> str:
    for path, item in (spec.get("paths") or {}).items():
        if any(isinstance(op, dict) and op.get("operationId") == operation_id
               for op in item.values()):
            return str(path)
    raise JobSnippetsError(f"the spec has no operation {operation_id}: the job page needs it "
                           "(or leave the `jobs` tag out of the spec).")


def _job_body(spec: Mapping[str, Any]) -> dict[str, Any]:
    """createExportJob's first request example, without `callbackUrl`: a snippet run as it is
    must not send webhooks to a host the reader does not own."""
    post: Mapping[str, Any] = spec["paths"][_path_of(spec, "createExportJob")]["post"]
    content: Mapping[str, Any] = ((post.get("requestBody") or {}).get("content") or {}).get(
        "application/json") or {}
    examples: Mapping[str, Any] = content.get("examples") or {}
    first: Mapping[str, Any] = next(iter(examples.values()), {})
    example = first.get("value") if examples else content.get("example")
    if not isinstance(example, dict) or not example.get("items"):
        raise JobSnippetsError("createExportJob needs a JSON request example with `items`.")
    return {key: value for key, value in example.items() if key != "callbackUrl"}


def _fill(template: str, values: Mapping[str, str]) -> str:
    for token, value in values.items():
        template = template.replace(token, value)
    return template.rstrip("\n")


def _python_literal(value: Any) -> str:
    """JSON's layout when it is also Python (no true, false or null), else pprint's."""
    text = json.dumps(value, indent=4, ensure_ascii=False)
    if json.loads(text.replace("true", '""').replace("false", '""').replace("null", '""')) \
            == value:
        return text
    return pprint.pformat(value, sort_dicts=False, width=90)


def _js_urls(body: Mapping[str, Any]) -> str:
    urls = [item["sourceFileUrl"] for item in body["items"]]
    return "[\n" + "".join(f"  {json.dumps(url)},\n" for url in urls) + "]"


_CURL = """\
BASE_URL=@BASE_URL@
# Start the job: 202 and the job, "processing" (its URL is also in the Location header).
job=$(curl -sS --fail-with-body -H "x-api-key: $@KEY_ENV@" \\
  -H 'Content-Type: application/json' \\
  -d @BODY_SH@ \\
  "$BASE_URL@JOBS_PATH@")
id=$(jq -r .id <<<"$job")
# Poll until it leaves "processing"; progress.done counts the items handled so far.
while [ "$(jq -r .state <<<"$job")" = processing ]; do
  sleep 1
  job=$(curl -sS --fail-with-body -H "x-api-key: $@KEY_ENV@" "$BASE_URL@JOBS_PATH@/$id")
  jq -r '"\\(.state) \\(.progress.done)/\\(.progress.total)"' <<<"$job"
done
[ "$(jq -r .state <<<"$job")" = complete ] || { jq . <<<"$job" >&2; exit 1; }
# downloadUrl is signed: no API key. curl saves the zip under its Content-Disposition name.
curl -sS --fail -OJ -w 'saved %{filename_effective}\\n' "$(jq -r .downloadUrl <<<"$job")"
"""

_HTTPX = """\
import json
import os
import time
import zipfile
from pathlib import Path

import httpx

BASE_URL = "@BASE_URL@"
JOB = @BODY_PY@

with httpx.Client(base_url=BASE_URL, headers={"x-api-key": os.environ["@KEY_ENV@"]},
                  timeout=30) as client:
    response = client.post("@JOBS_PATH@", json=JOB)
    response.raise_for_status()
    job = response.json()  # 202: state "processing"
    while job["state"] == "processing":
        time.sleep(1)
        response = client.get(f"@JOBS_PATH@/{job['id']}")
        response.raise_for_status()
        job = response.json()
        print(f"{job['state']}: {job['progress']['done']}/{job['progress']['total']}")
if job["state"] != "complete":
    raise SystemExit(f"the job ended {job['state']}: {job['error']}")

# downloadUrl is signed and needs no API key; it works until expiresAt.
target = Path(f"{job['name']}.zip")
with httpx.stream("GET", job["downloadUrl"], timeout=60) as download:
    download.raise_for_status()
    with target.open("wb") as out:
        for chunk in download.iter_bytes():
            out.write(chunk)
with zipfile.ZipFile(target) as archive:
    manifest = json.loads(archive.read("manifest.json"))
print(f"saved {target}: {manifest['summary']}")
for result in manifest["results"]:
    print(result["sourceFileUrl"], "->", result.get("filename") or result["error"])
"""

_CLIENT = """\
// An ES module. @CLIENT@ is the browser client: the mock serves it at /@CLIENT@.
import { downloadExportJob, saveBlob, startExportJob, waitForExportJob } from "./@CLIENT@";

const service = { baseUrl: @BASE_URL_JS@, apiKey: @API_KEY_JS@ };
const urls = @URLS_JS@;

const job = await startExportJob(urls, { ...service, name: @NAME_JS@ });
// Resolves once the job is complete; rejects with an ExportJobError (kind "job-error",
// "job-cancelled" or "job-gone") when it ends any other way.
const complete = await waitForExportJob(job, {
  ...service,
  onProgress: ({ state, done, total }) => console.log(`${state}: ${done}/${total}`),
});
const { blob, filename } = await downloadExportJob(complete); // signed URL, no API key
saveBlob(blob, filename);
"""

_LIST = """\
import os

import httpx

BASE_URL = "@BASE_URL@"

# Every complete job, newest first, 20 per page: pass each page's nextCursor as `cursor`
# (with the same `state`) until it is null.
params = {"state": "complete", "limit": 20}
with httpx.Client(base_url=BASE_URL, headers={"x-api-key": os.environ["@KEY_ENV@"]},
                  timeout=30) as client:
    while True:
        response = client.get("@JOBS_PATH@", params=params)
        response.raise_for_status()
        page = response.json()
        for job in page["jobs"]:
            print(job["id"], job["state"], job["name"], job["expiresAt"])
        if page["nextCursor"] is None:
            break
        params["cursor"] = page["nextCursor"]
"""

_CANCEL = """\
import { cancelExportJob, startExportJob } from "./@CLIENT@";

const service = { baseUrl: @BASE_URL_JS@, apiKey: @API_KEY_JS@ };
const job = await startExportJob(@URLS_JS@, service);

// On the user's "Cancel": a processing job becomes "cancelled" and never completes (a
// complete one becomes "gone"). A waitForExportJob on it rejects with kind "job-cancelled".
const cancelled = await cancelExportJob(job, service);
console.log(`${cancelled.id} is ${cancelled.state}`);
"""

_VERIFY_PY = """\
import hashlib
import hmac
import re
import time

SIGNATURE = re.compile(r"t=([0-9]+),v1=([0-9a-f]{64})")


def verify_export_webhook(secret: bytes, raw_body: bytes, header: str | None,
                          tolerance_seconds: int = 300) -> bool:
    \"\"\"True when X-Export-Signature signs these exact bytes with `secret`, recently.\"\"\"
    match = SIGNATURE.fullmatch((header or "").strip())
    if match is None:
        return False
    timestamp, received = match.groups()
    expected = hmac.new(secret, timestamp.encode() + b"." + raw_body,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):  # constant time
        return False
    return abs(time.time() - int(timestamp)) <= tolerance_seconds  # refuse replays
"""

_VERIFY_NODE = """\
import { createHmac, timingSafeEqual } from "node:crypto";

/** True when X-Export-Signature signs these exact bytes (a Buffer) with `secret`, recently. */
export function verifyExportWebhook(secret, rawBody, header, toleranceSeconds = 300) {
  const match = /^t=([0-9]+),v1=([0-9a-f]{64})$/.exec((header ?? "").trim());
  if (!match) return false;
  const [, timestamp, received] = match;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  if (!timingSafeEqual(Buffer.from(received, "hex"), expected)) return false; // constant time
  return Math.abs(Date.now() / 1000 - Number(timestamp)) <= toleranceSeconds; // refuse replays
}
"""
