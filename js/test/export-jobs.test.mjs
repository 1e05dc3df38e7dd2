// Unit tests of the browser client's export-job functions. Run: node --test mock_server/static/tests/
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";

import {
  ExportDownloadError,
  ExportJobError,
  cancelExportJob,
  downloadExportJob,
  startExportJob,
  waitForExportJob,
} from "../export-client.js";
import {
  BASE,
  PDF,
  TXT,
  jsonResponse as json,
  problemResponse as problem,
  rejection,
} from "./helpers.mjs";

const JOBS = `${BASE}/viewer/exports/jobs`;
const ZIP_URL = "https://backend.example.com/api/viewer/exports/jobs/j1/download?token=t";

function job(changes = {}) {
  return {
    success: true,
    id: "j1",
    state: "processing",
    name: "exports",
    createdAt: "2026-11-25T16:33:10.209Z",
    updatedAt: "2026-11-25T16:33:10.209Z",
    progress: { done: 0, total: 2 },
    downloadUrl: null,
    expiresAt: null,
    error: null,
    ...changes,
  };
}

const complete = (changes = {}) => job({
  state: "complete",
  progress: { done: 2, total: 2 },
  downloadUrl: ZIP_URL,
  expiresAt: "2026-11-26T16:33:10.209Z",
  ...changes,
});

/** A fake fetch answering each call with the next of `answers` (the last one repeats). */
function scripted(...answers) {
  const calls = [];
  const fetchImpl = async (url, init = {}) => {
    calls.push({ url, init, headers: new Headers(init.headers) });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer() : answer.clone();
  };
  fetchImpl.calls = calls;
  return fetchImpl;
}

/** Lets pending promise callbacks run (setImmediate is not faked). */
async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("startExportJob", () => {
  it("posts the items, name and callback URL with the key, and returns the job", async () => {
    const fetchImpl = scripted(json(job(), 202, { Location: `${JOBS}/j1` }));
    const started = await startExportJob([PDF, { sourceFileUrl: TXT }], {
      baseUrl: `${BASE}/`,
      apiKey: "k-123",
      name: "Q3 plans",
      callbackUrl: "https://hooks.example.com/exports",
      fetchImpl,
    });
    assert.equal(started.id, "j1");
    assert.equal(started.state, "processing");
    const [call] = fetchImpl.calls;
    assert.equal(call.url, JOBS);
    assert.equal(call.init.method, "POST");
    assert.equal(call.headers.get("x-api-key"), "k-123");
    assert.equal(call.headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(call.init.body), {
      items: [{ sourceFileUrl: PDF }, { sourceFileUrl: TXT }],
      name: "Q3 plans",
      callbackUrl: "https://hooks.example.com/exports",
    });
  });

  it("leaves out the name and callback URL when not given", async () => {
    const fetchImpl = scripted(json(job(), 202));
    await startExportJob([PDF], { baseUrl: BASE, fetchImpl });
    assert.deepEqual(JSON.parse(fetchImpl.calls[0].init.body), { items: [{ sourceFileUrl: PDF }] });
    assert.equal(fetchImpl.calls[0].headers.get("x-api-key"), null);
  });

  it("rejects a 400 with the service's detail, as the client's error type", async () => {
    const detail = "callbackUrl: expected an absolute http(s) URL";
    const error = await rejection(startExportJob([PDF], {
      baseUrl: BASE, callbackUrl: "ftp://x", fetchImpl: scripted(problem(400, detail)),
    }));
    assert.ok(error instanceof ExportDownloadError);
    assert.equal(error.kind, "bad-request");
    assert.equal(error.status, 400);
    assert.ok(error.message.includes(detail), error.message);
    assert.equal(error.retryAfter, null);
  });

  it("rejects a 429 carrying Retry-After delta-seconds as retryAfter", async () => {
    const error = await rejection(startExportJob([PDF], {
      baseUrl: BASE, fetchImpl: scripted(problem(429, "slow down", { "Retry-After": "42" })),
    }));
    assert.equal(error.kind, "rate-limited");
    assert.equal(error.retryAfter, 42);
  });

  it("rejects a 429 carrying an HTTP-date Retry-After as seconds from now", async () => {
    const later = new Date(Date.now() + 90_000).toUTCString();
    const error = await rejection(startExportJob([PDF], {
      baseUrl: BASE, fetchImpl: scripted(problem(429, "slow down", { "Retry-After": later })),
    }));
    assert.ok(error.retryAfter > 80 && error.retryAfter <= 90, String(error.retryAfter));
  });

  it("rejects a 429 without Retry-After with retryAfter null", async () => {
    const error = await rejection(startExportJob([PDF], { baseUrl: BASE, fetchImpl: scripted(problem(429, "slow")) }));
    assert.equal(error.kind, "rate-limited");
    assert.equal(error.retryAfter, null);
  });

  it("refuses no items before sending anything", async () => {
    const fetchImpl = scripted(json(job(), 202));
    const error = await rejection(startExportJob([], { baseUrl: BASE, fetchImpl }));
    assert.equal(error.kind, "bad-request");
    assert.match(error.message, /at least one source file URL/);
    assert.equal(fetchImpl.calls.length, 0);
  });

  it("calls an answer without the job's id and state a protocol error", async () => {
    const error = await rejection(startExportJob([PDF], { baseUrl: BASE, fetchImpl: scripted(json({ success: true }, 202)) }));
    assert.equal(error.kind, "protocol");
  });
});

describe("waitForExportJob", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
  afterEach(() => mock.timers.reset());

  it("polls every intervalMs, reports each change once and resolves with the complete job", async () => {
    const fetchImpl = scripted(
      json(job()),
      json(job({ progress: { done: 1, total: 2 } })),
      json(job({ progress: { done: 1, total: 2 } })),
      json(complete()),
    );
    const seen = [];
    const waiting = waitForExportJob(job(), {
      baseUrl: BASE, apiKey: "k", intervalMs: 500, fetchImpl, onProgress: (p) => seen.push(p),
    });
    await settle();
    assert.equal(fetchImpl.calls.length, 1); // the first poll goes out at once
    for (const expectedCalls of [2, 3, 4]) {
      mock.timers.tick(499);
      await settle();
      assert.equal(fetchImpl.calls.length, expectedCalls - 1, "polled before intervalMs passed");
      mock.timers.tick(1);
      await settle();
      assert.equal(fetchImpl.calls.length, expectedCalls);
    }
    const done = await waiting;
    assert.equal(done.downloadUrl, ZIP_URL);
    assert.deepEqual(seen, [
      { done: 0, total: 2, state: "processing" },
      { done: 1, total: 2, state: "processing" },
      { done: 2, total: 2, state: "complete" },
    ]);
    assert.equal(fetchImpl.calls[0].url, `${JOBS}/j1`);
    assert.equal(fetchImpl.calls[0].init.method, undefined); // GET
    assert.equal(fetchImpl.calls[0].headers.get("x-api-key"), "k");
  });

  it("takes a job id as well as a job", async () => {
    const fetchImpl = scripted(json(complete({ id: "a/b" })));
    await waitForExportJob("a/b", { baseUrl: BASE, fetchImpl });
    assert.equal(fetchImpl.calls[0].url, `${JOBS}/a%2Fb`);
  });

  for (const [state, changes, code] of [
    ["error", { error: { code: "not_found", message: "None of the items exists." } }, "not_found"],
    ["cancelled", {}, "cancelled"],
    ["gone", {}, "gone"],
  ]) {
    it(`rejects a job that ends ${state} with an ExportJobError carrying the job and code ${code}`, async () => {
      const ended = job({ state, ...changes });
      const seen = [];
      const error = await rejection(waitForExportJob("j1", {
        baseUrl: BASE, fetchImpl: scripted(json(ended)), onProgress: (p) => seen.push(p),
      }));
      assert.ok(error instanceof ExportJobError);
      assert.ok(error instanceof ExportDownloadError);
      assert.equal(error.name, "ExportJobError");
      assert.equal(error.kind, `job-${state}`);
      assert.equal(error.state, state);
      assert.equal(error.code, code);
      assert.deepEqual(error.job, ended);
      assert.deepEqual(seen, [{ done: 0, total: 2, state }]);
    });
  }

  it("says why an errored job failed, from its error message", async () => {
    const ended = job({ state: "error", error: { code: "not_found", message: "None of the items exists." } });
    const error = await rejection(waitForExportJob("j1", { baseUrl: BASE, fetchImpl: scripted(json(ended)) }));
    assert.match(error.message, /not_found/);
    assert.match(error.message, /None of the items exists/);
  });

  it("waits as long as a 429's Retry-After (delta-seconds) asks, then polls again", async () => {
    const fetchImpl = scripted(problem(429, "slow", { "Retry-After": "7" }), json(complete()));
    const waiting = waitForExportJob("j1", { baseUrl: BASE, intervalMs: 100, fetchImpl });
    await settle();
    mock.timers.tick(6_999);
    await settle();
    assert.equal(fetchImpl.calls.length, 1, "polled again before Retry-After");
    mock.timers.tick(1);
    await settle();
    assert.equal(fetchImpl.calls.length, 2);
    assert.equal((await waiting).state, "complete");
  });

  it("waits until a 429's Retry-After HTTP-date, then polls again", async () => {
    // Whole seconds from now: an HTTP-date has no finer resolution.
    const later = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5_000).toUTCString();
    const fetchImpl = scripted(problem(429, "slow", { "Retry-After": later }), json(complete()));
    const waiting = waitForExportJob("j1", { baseUrl: BASE, intervalMs: 100, fetchImpl });
    await settle();
    mock.timers.tick(3_000);
    await settle();
    assert.equal(fetchImpl.calls.length, 1, "polled again before the Retry-After date");
    mock.timers.tick(3_000);
    await settle();
    assert.equal(fetchImpl.calls.length, 2);
    await waiting;
  });

  it("waits intervalMs after a 429 without Retry-After", async () => {
    const fetchImpl = scripted(problem(429, "slow"), json(complete()));
    const waiting = waitForExportJob("j1", { baseUrl: BASE, intervalMs: 250, fetchImpl });
    await settle();
    mock.timers.tick(250);
    await settle();
    assert.equal(fetchImpl.calls.length, 2);
    await waiting;
  });

  it("rejects other failures while polling at once", async () => {
    const error = await rejection(waitForExportJob("j1", { baseUrl: BASE, fetchImpl: scripted(problem(404, "No job j1.")) }));
    assert.equal(error.kind, "not-found");
    assert.match(error.message, /No such export job/);
  });

  it("rejects with an AbortError and stops polling when aborted between polls", async () => {
    const fetchImpl = scripted(json(job()));
    const controller = new AbortController();
    const seen = [];
    const waiting = waitForExportJob("j1", {
      baseUrl: BASE, intervalMs: 1_000, fetchImpl, signal: controller.signal, onProgress: (p) => seen.push(p),
    });
    await settle();
    assert.equal(fetchImpl.calls.length, 1);
    controller.abort();
    const error = await rejection(waiting);
    assert.equal(error.name, "AbortError");
    mock.timers.tick(10_000);
    await settle();
    assert.equal(fetchImpl.calls.length, 1, "polled after the abort");
    assert.equal(seen.length, 1);
  });

  it("passes the signal to fetch and rejects at once when already aborted", async () => {
    const fetchImpl = scripted(json(job()));
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(waitForExportJob("j1", { baseUrl: BASE, fetchImpl, signal: controller.signal }));
    assert.equal(error.name, "AbortError");
    assert.equal(fetchImpl.calls.length, 0);

    const live = new AbortController();
    const second = scripted(json(complete()));
    await waitForExportJob("j1", { baseUrl: BASE, fetchImpl: second, signal: live.signal });
    assert.equal(second.calls[0].init.signal, live.signal);
  });

  it("lets a fetch aborted mid-request through as the AbortError", async () => {
    const abort = new DOMException("aborted", "AbortError");
    const error = await rejection(waitForExportJob("j1", { baseUrl: BASE, fetchImpl: scripted(abort) }));
    assert.equal(error, abort);
  });

  it("refuses something that is neither a job nor an id", async () => {
    const error = await rejection(waitForExportJob({}, { baseUrl: BASE, fetchImpl: scripted(json(job())) }));
    assert.ok(error instanceof TypeError);
  });
});

describe("cancelExportJob", () => {
  it("sends DELETE to the job's URL with the key and returns the job", async () => {
    const fetchImpl = scripted(json(job({ state: "cancelled" })));
    const cancelled = await cancelExportJob(job(), { baseUrl: BASE, apiKey: "k", fetchImpl });
    assert.equal(cancelled.state, "cancelled");
    assert.equal(fetchImpl.calls[0].url, `${JOBS}/j1`);
    assert.equal(fetchImpl.calls[0].init.method, "DELETE");
    assert.equal(fetchImpl.calls[0].headers.get("x-api-key"), "k");
  });

  it("rejects an unknown job as not-found", async () => {
    const error = await rejection(cancelExportJob("nope", { baseUrl: BASE, fetchImpl: scripted(problem(404, "No job nope.")) }));
    assert.equal(error.kind, "not-found");
    assert.equal(error.status, 404);
  });

  it("rejects a 429 carrying retryAfter", async () => {
    const error = await rejection(cancelExportJob("j1", {
      baseUrl: BASE, fetchImpl: scripted(problem(429, "slow", { "Retry-After": "3" })),
    }));
    assert.equal(error.retryAfter, 3);
  });
});

describe("downloadExportJob", () => {
  const zipBytes = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

  it("downloads the zip from downloadUrl without the key, named by Content-Disposition", async () => {
    const fetchImpl = scripted(new Response(zipBytes, {
      headers: { "Content-Type": "application/zip", "Content-Disposition": 'attachment; filename="Q3 plans.zip"' },
    }));
    const result = await downloadExportJob(complete(), { fetchImpl });
    assert.equal(fetchImpl.calls[0].url, ZIP_URL);
    assert.equal(fetchImpl.calls[0].headers.get("x-api-key"), null);
    assert.equal(result.kind, "file");
    assert.equal(result.filename, "Q3 plans.zip");
    assert.equal(result.filenameSource, "header");
    assert.equal(result.blob.size, zipBytes.length);
  });

  it("falls back to the batch name without Content-Disposition (F6)", async () => {
    const fetchImpl = scripted(new Response(zipBytes, { headers: { "Content-Type": "application/zip" } }));
    const result = await downloadExportJob(complete(), { fetchImpl });
    assert.equal(result.filename, "canvas-exports.zip");
    assert.equal(result.filenameSource, "fallback");
  });

  it("rejects an expired or deleted zip (410) as gone", async () => {
    const error = await rejection(downloadExportJob(complete(), { fetchImpl: scripted(problem(410, "The job is gone.")) }));
    assert.equal(error.kind, "gone");
    assert.equal(error.status, 410);
    assert.match(error.message, /expired or was deleted/);
  });

  it("refuses a job that has no download URL yet, saying to wait", async () => {
    const fetchImpl = scripted(json(job()));
    const error = await rejection(downloadExportJob(job(), { fetchImpl }));
    assert.equal(error.kind, "bad-request");
    assert.match(error.message, /state processing/);
    assert.equal(fetchImpl.calls.length, 0);
  });
});
