// The generated MSW handlers answer the shared cases (cases.json) as the mock does.
// Run by tests/export_contract_cli/test_msw_command.py, which generates the module and names it
// in MSW_HANDLERS: `MSW_HANDLERS=/path/handlers.js node --test msw-test/`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

import { setupServer } from "msw/node";

import { filenameFromContentDisposition } from "../export-client.js";

const BASE = "http://testserver/api";
const CASES = JSON.parse(readFileSync(new URL("./cases.json", import.meta.url), "utf8"));
const modulePath = process.env.MSW_HANDLERS;
if (!modulePath) throw new Error("set MSW_HANDLERS to the module `export-contract msw --out` wrote");
const { createExportHandlers, default: defaultHandlers } = await import(pathToFileURL(modulePath).href);

function headers(spec) {
  const out = { "Content-Type": "application/json" };
  const key = "key" in spec ? spec.key : CASES.key;
  if (key !== null) out["x-api-key"] = key;
  if (spec.prefer) out.Prefer = spec.prefer;
  return out;
}

/** Entry names from the central directory: the zip read from its bytes alone. */
function zipEntries(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, "no end of central directory: not a zip");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(view.getUint32(at, true), 0x02014b50, "bad central directory record");
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    names.push(new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extra;
  }
  return names;
}

function zipMember(bytes, wanted) {
  // Stored entries only (what the handlers write): the local header, then the bytes.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const start = at + 30 + nameLength + view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength));
    if (name === wanted) return bytes.subarray(start, start + size);
    at = start + size;
  }
  throw new Error(`${wanted} is not in the zip`);
}

async function fileFacts(response, expect) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const facts = { status: response.status };
  if ("filename" in expect) facts.filename = filenameFromContentDisposition(response.headers.get("content-disposition"));
  if ("contentType" in expect) facts.contentType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
  if ("magicHex" in expect) facts.magicHex = Buffer.from(bytes.subarray(0, expect.magicHex.length / 2)).toString("hex");
  if ("entries" in expect) facts.entries = zipEntries(bytes);
  if ("manifest" in expect) facts.manifest = JSON.parse(Buffer.from(response.headers.get("x-export-manifest"), "base64").toString("utf8"));
  if ("problem" in expect) {
    const body = JSON.parse(new TextDecoder().decode(bytes));
    facts.problem = response.headers.get("content-type").startsWith("application/problem+json")
      && body.success === false && body.status === response.status;
  }
  if ("retryAfter" in expect) facts.retryAfter = response.headers.get("retry-after");
  return { facts, bytes };
}

async function observeRequest(spec, expect) {
  const url = `${BASE}${spec.path}${spec.query ? `?${spec.query}` : ""}`;
  const body = "rawBody" in spec ? spec.rawBody : "body" in spec ? JSON.stringify(spec.body) : undefined;
  const response = await fetch(url, { method: spec.method ?? "POST", headers: headers(spec), body });
  const { facts, bytes } = await fileFacts(response, expect);
  if ("exportedUrls" in expect || "json" in expect) {
    const answer = JSON.parse(new TextDecoder().decode(bytes));
    const urls = answer.exportedUrls ?? [answer.exportedUrl];
    facts.exportedUrls = urls.length;
    if (expect.json) facts.json = Object.fromEntries(Object.keys(expect.json).map((k) => [k, answer[k]]));
    if (expect.follow) facts.follow = (await fileFacts(await fetch(urls[0]), expect.follow)).facts;
  }
  return facts;
}

async function observeJob(spec, expect) {
  const created = await fetch(`${BASE}/viewer/exports/jobs`, { method: "POST", headers: headers(spec), body: JSON.stringify(spec.body) });
  const facts = { createStatus: created.status };
  const { id } = await created.json();
  const job = await (await fetch(`${BASE}/viewer/exports/jobs/${id}`, { headers: headers({}) })).json();
  facts.state = job.state;
  if (expect.progress) facts.progress = job.progress;
  if ("errorCode" in expect) facts.errorCode = job.error?.code ?? null;
  if (expect.download) {
    const { facts: download, bytes } = await fileFacts(await fetch(job.downloadUrl), expect.download);
    if (expect.download.manifestResults) {
      const manifest = JSON.parse(new TextDecoder().decode(zipMember(bytes, "manifest.json")));
      const keep = ["sourceFileUrl", "success", "filename", "error"];
      download.manifestResults = manifest.results.map((r) => Object.fromEntries(keep.filter((k) => k in r).map((k) => [k, r[k]])));
    }
    facts.download = download;
  }
  if (expect.deleted) {
    const deleted = await fetch(`${BASE}/viewer/exports/jobs/${id}`, { method: "DELETE", headers: headers({}) });
    facts.deleted = (await deleted.json()).state;
    if ("afterDelete" in expect) facts.afterDelete = (await fetch(job.downloadUrl)).status;
  }
  return facts;
}

describe("the generated handlers answer the shared cases like the mock", () => {
  // A still clock: a job with job-duration=0 is complete at once, one of 600 s stays processing.
  const server = setupServer(...createExportHandlers({ baseUrl: BASE, now: () => 1_795_000_000_000 }));
  before(() => server.listen({ onUnhandledRequest: "error" }));
  after(() => server.close());

  for (const testCase of CASES.cases) {
    it(testCase.name, async () => {
      const observed = testCase.job ? await observeJob(testCase.job, testCase.expect) : await observeRequest(testCase.request, testCase.expect);
      assert.deepEqual(observed, testCase.expect);
    });
  }
});

describe("the module's own surface", () => {
  it("exports a default handlers array for the base URL it was generated with", () => {
    assert.ok(Array.isArray(defaultHandlers) && defaultHandlers.length >= 8);
  });

  it("serves the same bytes for the same URL, and fixtures win over generated files", async () => {
    const server = setupServer(...createExportHandlers({
      baseUrl: BASE,
      apiKey: null,
      fixtures: { "https://a.example.com/report.pdf": { filename: "Q3 report.pdf", body: "%PDF-1.4 fixture" } },
    }));
    server.listen({ onUnhandledRequest: "error" });
    try {
      const ask = (sourceFileUrl) => fetch(`${BASE}/viewer/exports/download`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sourceFileUrl }),
      });
      const [a, b] = await Promise.all([ask("https://x.example/plan.pdf"), ask("https://x.example/plan.pdf")]);
      assert.deepEqual(new Uint8Array(await a.arrayBuffer()), new Uint8Array(await b.arrayBuffer()));
      const fixture = await ask("https://a.example.com/report.pdf");
      assert.equal(filenameFromContentDisposition(fixture.headers.get("content-disposition")), "Q3 report.pdf");
      assert.equal(await fixture.text(), "%PDF-1.4 fixture");
    } finally {
      server.close();
    }
  });

  it("arms a scenario for the next N requests, as PUT /__mock/scenario does", async () => {
    const handlers = createExportHandlers({ baseUrl: BASE, apiKey: null });
    const server = setupServer(...handlers);
    server.listen({ onUnhandledRequest: "error" });
    try {
      handlers.arm("server-error", 1);
      const ask = () => fetch(`${BASE}/viewer/exports/download`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sourceFileUrl: "https://x.example/a.pdf" }),
      });
      assert.equal((await ask()).status, 500);
      assert.equal((await ask()).status, 200);
    } finally {
      server.close();
    }
  });

  it("moves a job along a clock: processing with progress, then complete", async () => {
    let now = 1_000_000;
    const server = setupServer(...createExportHandlers({ baseUrl: BASE, apiKey: null, jobSeconds: 10, now: () => now }));
    server.listen({ onUnhandledRequest: "error" });
    try {
      const items = ["a", "b", "c", "d"].map((n) => ({ sourceFileUrl: `https://x.example/${n}.pdf` }));
      const created = await (await fetch(`${BASE}/viewer/exports/jobs`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ items }),
      })).json();
      const poll = async () => (await fetch(`${BASE}/viewer/exports/jobs/${created.id}`)).json();
      assert.deepEqual([created.state, created.progress], ["processing", { done: 0, total: 4 }]);
      now += 5_000;
      assert.deepEqual((await poll()).progress, { done: 2, total: 4 });
      now += 5_000;
      const done = await poll();
      assert.equal(done.state, "complete");
      assert.match(done.downloadUrl, /^http:\/\/testserver\/api\/viewer\/exports\/jobs\/[0-9a-f]{32}\/download\?token=/);
    } finally {
      server.close();
    }
  });
});
