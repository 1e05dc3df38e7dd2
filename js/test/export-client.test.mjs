// Unit tests of the browser export client. Run: node --test mock_server/static/tests/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  ExportDownloadError,
  downloadExports,
  fallbackFilename,
  filenameFromContentDisposition,
  saveBlob,
} from "../export-client.js";
import { BASE, PDF, TXT, jsonResponse, problemResponse, rejection } from "./helpers.mjs";

const MISSING = "https://canvas.example.com/archive/floor-plan.pdf";

/**
 * A fake fetch that records its calls and answers with `makeResponse()`. The response's
 * json() is booby-trapped: the client must choose parsing by mode, never by body.
 */
function fakeFetch(makeResponse) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init, headers: new Headers(init.headers), body: JSON.parse(init.body) });
    const response = makeResponse();
    response.json = () => {
      fetchImpl.jsonCalls++;
      throw new Error("json() must not be called");
    };
    return response;
  };
  fetchImpl.calls = calls;
  fetchImpl.jsonCalls = 0;
  return fetchImpl;
}

// fakeFetch() takes a response factory: each call gets a fresh one.
const problem = (status, detail, headers) => () => problemResponse(status, detail, headers);
const json = (body, status) => () => jsonResponse(body, status);

describe("filenameFromContentDisposition", () => {
  const cases = [
    ['attachment; filename="floor-plan.pdf"', "floor-plan.pdf"],
    ["attachment; filename=floor-plan.pdf", "floor-plan.pdf"],
    ['inline; filename="plan.pdf"', "plan.pdf"],
    ['ATTACHMENT; FILENAME="plan.pdf"', "plan.pdf"],
    ['attachment;filename="plan.pdf";', "plan.pdf"],
    ['attachment; filename="resume.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.txt', "résumé.txt"],
    ['attachment; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.txt; filename="resume.txt"', "résumé.txt"],
    ["attachment; filename*=utf-8'en'plan%20final.pdf", "plan final.pdf"],
    ["attachment; filename*=ISO-8859-1''r%E9sum%E9.txt", "résumé.txt"],
    ["attachment; filename*=iso-8859-1''%A4.txt", "¤.txt"], // 0xA4 is ¤ in Latin-1, € in windows-1252
    ['attachment; filename="say \\"hi\\".txt"', 'say "hi".txt'],
    ['attachment; filename="a\\;b.txt"', "a;b.txt"],
    ['attachment; filename="semi;colon.txt"', "semi;colon.txt"],
    ["attachment; filename=my plan.pdf", "my plan.pdf"],
    ['attachment; size=3; filename="plan.pdf"', "plan.pdf"],
  ];
  for (const [header, expected] of cases) {
    it(`reads ${header}`, () => {
      assert.equal(filenameFromContentDisposition(header), expected);
    });
  }

  it("falls back to filename when filename* does not decode", () => {
    const badUtf8 = 'attachment; filename="plan.pdf"; filename*=UTF-8\'\'%FF%FE.pdf';
    const unknownCharset = 'attachment; filename="plan.pdf"; filename*=KOI8-R\'\'%C1.pdf';
    const brokenEscape = 'attachment; filename="plan.pdf"; filename*=UTF-8\'\'%G1.pdf';
    const noQuotes = 'attachment; filename="plan.pdf"; filename*=plan.pdf';
    for (const header of [badUtf8, unknownCharset, brokenEscape, noQuotes]) {
      assert.equal(filenameFromContentDisposition(header), "plan.pdf", header);
    }
  });

  it("drops any path part", () => {
    assert.equal(filenameFromContentDisposition('attachment; filename="../../etc/passwd"'), "passwd");
    assert.equal(filenameFromContentDisposition("attachment; filename*=UTF-8''..%2F..%2Fx.pdf"), "x.pdf");
    // An escaped backslash is a backslash, and on Windows that separates directories.
    assert.equal(filenameFromContentDisposition('attachment; filename="C:\\\\Users\\\\plan.pdf"'), "plan.pdf");
  });

  it("rejects names that are empty, dots, or hold control characters", () => {
    const unusable = [
      'attachment; filename=""',
      'attachment; filename="."',
      'attachment; filename=".."',
      'attachment; filename="dir/"',
      "attachment; filename*=UTF-8''%2E%2E",
      "attachment; filename*=UTF-8''a%0Ab.txt",
      "attachment; filename*=UTF-8''a%00b.txt",
    ];
    for (const header of unusable) {
      assert.equal(filenameFromContentDisposition(header), null, header);
    }
  });

  it("answers null when there is no usable header", () => {
    const unparseable = [
      null,
      undefined,
      "",
      "   ",
      "attachment",
      '; filename="plan.pdf"',
      'attachment; filename="unterminated.pdf',
      'attachment; filename="a.pdf"; filename="b.pdf"',
      'attachment filename="plan.pdf"',
      "attachment; =plan.pdf",
    ];
    for (const header of unparseable) {
      assert.equal(filenameFromContentDisposition(header), null, String(header));
    }
  });
});

describe("fallbackFilename", () => {
  it("names every batch canvas-exports.zip", () => {
    assert.equal(fallbackFilename({ batch: true, contentType: "application/zip" }), "canvas-exports.zip");
    assert.equal(fallbackFilename({ batch: true, contentType: "application/pdf" }), "canvas-exports.zip");
    assert.equal(fallbackFilename({ batch: true }), "canvas-exports.zip");
  });

  it("adds the extension of a known content type to a single file", () => {
    const cases = {
      "application/pdf": "canvas-export.pdf",
      "Application/PDF; charset=binary": "canvas-export.pdf",
      "image/png": "canvas-export.png",
      "image/jpeg": "canvas-export.jpg",
      "image/svg+xml": "canvas-export.svg",
      "text/plain; charset=utf-8": "canvas-export.txt",
      "text/csv": "canvas-export.csv",
      "application/json": "canvas-export.json",
      "application/zip": "canvas-export.zip",
    };
    for (const [contentType, expected] of Object.entries(cases)) {
      assert.equal(fallbackFilename({ batch: false, contentType }), expected, contentType);
    }
  });

  it("adds no extension for an unknown or missing content type", () => {
    for (const contentType of ["application/octet-stream", "application/x-unheard-of", "", null, undefined]) {
      assert.equal(fallbackFilename({ batch: false, contentType }), "canvas-export", String(contentType));
    }
  });
});

describe("downloadExports, file mode", () => {
  it("posts one URL to the single route and names the file from the header", async () => {
    const fetchImpl = fakeFetch(() => new Response("%PDF-1.7 fake", {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Disposition": 'attachment; filename="floor-plan.pdf"',
      },
    }));
    const result = await downloadExports({ baseUrl: BASE, apiKey: "k1", sourceFileUrls: [PDF], mode: "file", fetchImpl });

    const [call] = fetchImpl.calls;
    assert.equal(call.url, `${BASE}/viewer/exports/download`);
    assert.equal(call.init.method, "POST");
    assert.equal(call.headers.get("content-type"), "application/json");
    assert.equal(call.headers.get("x-api-key"), "k1");
    assert.deepEqual(call.body, { sourceFileUrl: PDF });

    assert.equal(result.kind, "file");
    assert.equal(result.filename, "floor-plan.pdf");
    assert.equal(result.filenameSource, "header");
    assert.equal(result.contentType, "application/pdf");
    assert.equal(await result.blob.text(), "%PDF-1.7 fake");
  });

  it("never parses the body as JSON, even a JSON file", async () => {
    const body = '{"success": true, "exportedUrl": "https://x.example/y"}';
    const fetchImpl = fakeFetch(() => new Response(body, {
      headers: { "Content-Type": "application/json", "Content-Disposition": 'attachment; filename="data.json"' },
    }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl });
    assert.equal(fetchImpl.jsonCalls, 0);
    assert.equal(result.kind, "file");
    assert.equal(await result.blob.text(), body);
  });

  it("prefers filename* and reads non-ASCII names", async () => {
    const fetchImpl = fakeFetch(() => new Response("hello", {
      headers: {
        "Content-Type": "text/plain",
        "Content-Disposition": "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
      },
    }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [TXT], fetchImpl });
    assert.equal(result.filename, "résumé.txt");
    assert.equal(result.filenameSource, "header");
  });

  it("falls back to canvas-export plus extension when the header is absent", async () => {
    const fetchImpl = fakeFetch(() => new Response("%PDF", { headers: { "Content-Type": "application/pdf" } }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl });
    assert.equal(result.filename, "canvas-export.pdf");
    assert.equal(result.filenameSource, "fallback");
  });

  it("falls back when the browser hides the header (cross-origin, not exposed)", async () => {
    const fetchImpl = fakeFetch(() => {
      const response = new Response("%PDF", {
        headers: { "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="plan.pdf"' },
      });
      // What a browser's filtered CORS response does with a header it may not show.
      const get = response.headers.get.bind(response.headers);
      Object.defineProperty(response, "headers", {
        value: { get: (name) => (name.toLowerCase() === "content-disposition" ? null : get(name)) },
      });
      return response;
    });
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl });
    assert.equal(result.filename, "canvas-export.pdf");
    assert.equal(result.filenameSource, "fallback");
  });

  it("falls back when the header does not parse", async () => {
    const fetchImpl = fakeFetch(() => new Response("x", {
      headers: { "Content-Type": "image/png", "Content-Disposition": 'attachment; filename=".."' },
    }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl });
    assert.equal(result.filename, "canvas-export.png");
    assert.equal(result.filenameSource, "fallback");
  });

  it("posts several URLs to the batch route, in order, repeats kept", async () => {
    const fetchImpl = fakeFetch(() => new Response("PK\u0003\u0004", { headers: { "Content-Type": "application/zip" } }));
    const urls = [PDF, MISSING, PDF];
    const result = await downloadExports({ baseUrl: `${BASE}/`, sourceFileUrls: urls, fetchImpl });

    const [call] = fetchImpl.calls;
    assert.equal(call.url, `${BASE}/viewer/exports/download-batch`);
    assert.deepEqual(call.body, { items: urls.map((sourceFileUrl) => ({ sourceFileUrl })) });
    assert.equal(result.filename, "canvas-exports.zip");
    assert.equal(result.filenameSource, "fallback");
    assert.equal(fetchImpl.jsonCalls, 0);
  });

  it("sends a single URL through the batch route when asked", async () => {
    const fetchImpl = fakeFetch(() => new Response("PK", {
      headers: { "Content-Type": "application/zip", "Content-Disposition": 'attachment; filename="exports.zip"' },
    }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], batch: true, fetchImpl });
    assert.equal(fetchImpl.calls[0].url, `${BASE}/viewer/exports/download-batch`);
    assert.deepEqual(fetchImpl.calls[0].body, { items: [{ sourceFileUrl: PDF }] });
    assert.equal(result.filename, "exports.zip");
  });

  it("sends no x-api-key header without a key", async () => {
    const fetchImpl = fakeFetch(() => new Response("x", { headers: { "Content-Type": "text/plain" } }));
    await downloadExports({ baseUrl: BASE, apiKey: "", sourceFileUrls: [PDF], fetchImpl });
    assert.equal(fetchImpl.calls[0].headers.has("x-api-key"), false);
  });

  it("treats an empty 200 body as a protocol error", async () => {
    const fetchImpl = fakeFetch(() => new Response("", { headers: { "Content-Type": "application/pdf" } }));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(error.kind, "protocol");
  });
});

describe("downloadExports, URL mode", () => {
  it("reads a single exportedUrl", async () => {
    const exported = "https://backend.example.com/api/viewer/exports/files/abc.sig";
    const fetchImpl = fakeFetch(json({ success: true, exportedUrl: exported }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], mode: "urls", fetchImpl });
    assert.equal(fetchImpl.calls[0].url, `${BASE}/viewer/exports/download?responseType=urls`);
    assert.deepEqual(result, { kind: "urls", exportedUrls: [exported], skipped: [] });
  });

  it("reads a batch's exportedUrls and skipped", async () => {
    const exported = ["https://x.example/1", "https://x.example/2"];
    const skipped = [{ sourceFileUrl: MISSING, reason: "not_found" }];
    const fetchImpl = fakeFetch(json({ success: true, exportedUrls: exported, skipped }));
    const result = await downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF, MISSING, TXT], mode: "urls", fetchImpl });
    assert.equal(fetchImpl.calls[0].url, `${BASE}/viewer/exports/download-batch?responseType=urls`);
    assert.deepEqual(result, { kind: "urls", exportedUrls: exported, skipped });
  });

  const broken = {
    'the string "true" for success': { single: true, body: { success: "true", exportedUrl: "https://x.example/1" } },
    "success missing": { single: true, body: { exportedUrl: "https://x.example/1" } },
    "success false": { single: true, body: { success: false, exportedUrl: "https://x.example/1" } },
    "a relative exportedUrl": { single: true, body: { success: true, exportedUrl: "/files/1" } },
    "a javascript: exportedUrl": { single: true, body: { success: true, exportedUrl: "javascript:alert(1)" } },
    "exportedUrls not an array": { single: false, body: { success: true, exportedUrls: "https://x.example/1", skipped: [] } },
    "skipped missing": { single: false, body: { success: true, exportedUrls: ["https://x.example/1"] } },
    "a JSON array": { single: false, body: [] },
  };
  for (const [name, { single, body }] of Object.entries(broken)) {
    it(`reports ${name} as a protocol error`, async () => {
      const fetchImpl = fakeFetch(json(body));
      const sourceFileUrls = single ? [PDF] : [PDF, TXT];
      const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls, mode: "urls", fetchImpl }));
      assert.ok(error instanceof ExportDownloadError);
      assert.equal(error.kind, "protocol");
      assert.equal(error.status, 200);
    });
  }

  it("reports a non-JSON body as a protocol error", async () => {
    const fetchImpl = fakeFetch(() => new Response("%PDF-1.7", { headers: { "Content-Type": "application/pdf" } }));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], mode: "urls", fetchImpl }));
    assert.equal(error.kind, "protocol");
    assert.match(error.message, /JSON/);
  });
});

describe("downloadExports, errors", () => {
  const statuses = [
    [400, "bad-request"],
    [413, "bad-request"],
    [415, "bad-request"],
    [401, "unauthorized"],
    [403, "unauthorized"],
    [404, "not-found"],
    [429, "rate-limited"],
    [500, "server"],
    [502, "server"],
    [503, "server"],
  ];
  for (const mode of ["file", "urls"]) {
    for (const [status, kind] of statuses) {
      it(`maps ${status} to ${kind} in ${mode} mode`, async () => {
        const fetchImpl = fakeFetch(problem(status, `detail for ${status}`));
        const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], mode, fetchImpl }));
        assert.ok(error instanceof ExportDownloadError);
        assert.ok(error instanceof Error);
        assert.equal(error.name, "ExportDownloadError");
        assert.equal(error.kind, kind);
        assert.equal(error.status, status);
        assert.equal(error.detail, `detail for ${status}`);
        assert.equal(error.problem.success, false);
        assert.ok(error.message.length > 0);
      });
    }
  }

  it("says what was wrong with a 400, from detail", async () => {
    const detail = "items[2].sourceFileUrl: expected an absolute http(s) URL of at most 2048 characters";
    const fetchImpl = fakeFetch(problem(400, detail));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF, TXT], fetchImpl }));
    assert.ok(error.message.includes(detail), error.message);
  });

  it("says the API key is missing or not accepted on 401 and 403", async () => {
    for (const status of [401, 403]) {
      const fetchImpl = fakeFetch(problem(status, "whatever"));
      const error = await rejection(downloadExports({ baseUrl: BASE, apiKey: "bad", sourceFileUrls: [PDF], fetchImpl }));
      assert.match(error.message, /API key missing or not accepted/);
    }
  });

  it("says none of the exports exists on 404", async () => {
    const fetchImpl = fakeFetch(problem(404, "No export is registered."));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [MISSING], fetchImpl }));
    assert.match(error.message, /none of the requested exports exists/i);
  });

  it("mentions Retry-After on 429 when the header is there", async () => {
    const fetchImpl = fakeFetch(problem(429, "Retry after 30 seconds.", { "Retry-After": "30" }));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(error.retryAfterSeconds, 30);
    assert.match(error.message, /Retry-After/);
    assert.match(error.message, /30 seconds/);
  });

  it("reads an HTTP-date Retry-After", async () => {
    const later = new Date(Date.now() + 120_000).toUTCString();
    const fetchImpl = fakeFetch(problem(429, "slow down", { "Retry-After": later }));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.ok(error.retryAfterSeconds > 100 && error.retryAfterSeconds <= 120, String(error.retryAfterSeconds));
  });

  it("still explains a 429 without Retry-After", async () => {
    const fetchImpl = fakeFetch(problem(429, "slow down"));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(error.retryAfterSeconds, undefined);
    assert.match(error.message, /Too many requests/);
  });

  it("asks to try again on 5xx", async () => {
    const fetchImpl = fakeFetch(problem(503, undefined));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.match(error.message, /export service failed.*try again/);
  });

  it("copes with an error body that is not JSON", async () => {
    const fetchImpl = fakeFetch(() => new Response("<h1>Bad Gateway</h1>", { status: 502, headers: { "Content-Type": "text/html" } }));
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(error.kind, "server");
    assert.equal(error.detail, undefined);
  });

  it("reports a fetch that throws as a network error", async () => {
    const cause = new TypeError("Failed to fetch");
    const fetchImpl = async () => {
      throw cause;
    };
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.ok(error instanceof ExportDownloadError);
    assert.equal(error.kind, "network");
    assert.equal(error.status, null);
    assert.equal(error.cause, cause);
    assert.match(error.message, /Could not reach/);
  });

  it("lets a cancellation through unchanged", async () => {
    const abort = new DOMException("aborted", "AbortError");
    const fetchImpl = async () => {
      throw abort;
    };
    const error = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(error, abort);
  });

  it("refuses empty input before sending anything", async () => {
    const fetchImpl = fakeFetch(() => assert.fail("must not send"));
    const noUrls = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [], fetchImpl }));
    assert.equal(noUrls.kind, "bad-request");
    const noBase = await rejection(downloadExports({ baseUrl: " ", sourceFileUrls: [PDF], fetchImpl }));
    assert.equal(noBase.kind, "bad-request");
    const badMode = await rejection(downloadExports({ baseUrl: BASE, sourceFileUrls: [PDF], mode: "json", fetchImpl }));
    assert.ok(badMode instanceof TypeError);
    assert.equal(fetchImpl.calls.length, 0);
  });
});

describe("saveBlob", () => {
  it("clicks an <a download> with an object URL, then revokes it", async () => {
    const events = [];
    const link = {
      style: {},
      click: () => events.push(["click", link.href, link.download]),
      remove: () => events.push(["remove"]),
    };
    const document = {
      createElement: (tag) => {
        assert.equal(tag, "a");
        return link;
      },
      body: { append: (node) => events.push(["append", node === link]) },
    };
    const urlApi = {
      createObjectURL: () => "blob:fake-1",
      revokeObjectURL: (url) => events.push(["revoke", url]),
    };

    saveBlob(new Blob(["x"]), "résumé.txt", { document, urlApi, revokeAfterMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));

    assert.deepEqual(events, [
      ["append", true],
      ["click", "blob:fake-1", "résumé.txt"],
      ["remove"],
      ["revoke", "blob:fake-1"],
    ]);
  });
});
