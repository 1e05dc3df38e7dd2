// Browser client for the export-download contract (client rules F6, U1-U3, E1, R1) and its
// export jobs (J1-J6): start one, wait for it with progress, download its zip, cancel it.
//
// Dependency-free ES module: import it straight from a <script type="module">. Works against
// any backend that implements the contract; nothing in here knows about the mock server.

const SINGLE_PATH = "/viewer/exports/download";
const BATCH_PATH = "/viewer/exports/download-batch";
const JOBS_PATH = "/viewer/exports/jobs";

export const FALLBACK_STEM = "canvas-export";
export const BATCH_FALLBACK_FILENAME = "canvas-exports.zip";

// Extensions for the media types exports commonly have; the server's filename rules pin the
// same list. Anything else gets no extension rather than a guess.
const EXTENSIONS = new Map([
  ["application/pdf", ".pdf"],
  ["image/png", ".png"],
  ["image/jpeg", ".jpg"],
  ["image/gif", ".gif"],
  ["image/webp", ".webp"],
  ["image/svg+xml", ".svg"],
  ["text/plain", ".txt"],
  ["text/csv", ".csv"],
  ["text/html", ".html"],
  ["application/json", ".json"],
  ["application/xml", ".xml"],
  ["text/xml", ".xml"],
  ["application/zip", ".zip"],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"],
  ["application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"],
  ["video/mp4", ".mp4"],
]);

/**
 * @typedef {"bad-request" | "unauthorized" | "not-found" | "rate-limited" | "server"
 *   | "network" | "protocol" | "gone" | "job-error" | "job-cancelled" | "job-gone"} ExportErrorKind
 */

/**
 * @typedef {object} FileResult
 * @property {"file"} kind
 * @property {Blob} blob
 * @property {string} filename
 * @property {"header" | "fallback"} filenameSource  where the name came from (rule F6)
 * @property {string} contentType  empty when the response had none
 */

/**
 * @typedef {"processing" | "complete" | "error" | "cancelled" | "gone"} ExportJobState
 */

/**
 * An export job as the service describes it (rule J2).
 * @typedef {object} ExportJob
 * @property {string} id
 * @property {ExportJobState} state
 * @property {string} name
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {{done: number, total: number}} progress
 * @property {string | null} downloadUrl  absolute; set only while `complete`
 * @property {string | null} expiresAt
 * @property {{code: string, message: string} | null} error  set only when `error`
 */

/**
 * What `waitForExportJob` reports on every change.
 * @typedef {object} ExportJobProgress
 * @property {number} done
 * @property {number} total
 * @property {ExportJobState} state
 */

/**
 * Where the service is and how to reach it; the same for every job function.
 * @typedef {object} ServiceOptions
 * @property {string} baseUrl  includes the `/api` prefix, e.g. `https://host/api`
 * @property {string} [apiKey]  sent as `x-api-key` when non-empty
 * @property {AbortSignal} [signal]
 * @property {typeof fetch} [fetchImpl]
 */

/**
 * @typedef {object} UrlsResult
 * @property {"urls"} kind
 * @property {string[]} exportedUrls  one element for a single download
 * @property {Array<{sourceFileUrl?: string, reason?: string}>} skipped  always empty for a single
 */

/** A download that failed, with a message fit to show a user. */
export class ExportDownloadError extends Error {
  /**
   * @param {ExportErrorKind} kind
   * @param {string} message
   * @param {{status?: number | null, detail?: string, problem?: object,
   *   retryAfterSeconds?: number, cause?: unknown}} [extra]
   */
  constructor(kind, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "ExportDownloadError";
    /** @type {ExportErrorKind} */
    this.kind = kind;
    /** HTTP status, or null when no response arrived (network, input) */
    this.status = extra.status ?? null;
    /** `detail` of the problem-details body, when there was one */
    this.detail = extra.detail;
    /** the whole parsed error body, when it was JSON */
    this.problem = extra.problem;
    /** seconds from `Retry-After` on a 429, when the header was readable */
    this.retryAfterSeconds = extra.retryAfterSeconds;
    /**
     * The same seconds, null when absent or unreadable (also on errors other than a 429).
     * @type {number | null}
     */
    this.retryAfter = extra.retryAfterSeconds ?? null;
  }
}

/**
 * An export job that ended without a zip to download: its state is `error` (then `code` is
 * the job's `error.code`, e.g. `not_found`), `cancelled` or `gone` (then `code` is the state).
 */
export class ExportJobError extends ExportDownloadError {
  /**
   * @param {ExportJob} job
   * @param {string} message
   */
  constructor(job, message) {
    super(/** @type {ExportErrorKind} */ (`job-${job.state}`), message, { status: 200 });
    this.name = "ExportJobError";
    /** the job as last seen */
    this.job = job;
    /** @type {"error" | "cancelled" | "gone"} */
    this.state = job.state;
    /** the job's `error.code` when it ended `error`, else its state */
    this.code = job.state === "error" ? String(job.error?.code ?? "error") : job.state;
  }
}

// ---------------------------------------------------------------------------------------------
// Content-Disposition (RFC 6266 + RFC 8187)

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const EXT_VALUE = /^([!#$&+^_`{}~0-9A-Za-z-]+)'([0-9A-Za-z-]*)'(.*)$/s;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The filename a `Content-Disposition` header names, ready to save under.
 *
 * `filename*` (RFC 8187, UTF-8 or ISO-8859-1) wins over `filename`; an undecodable `filename*`
 * is ignored in favour of `filename`. Any directory part is dropped. Returns null when the
 * header is absent, does not parse, or names nothing usable (empty, `.`, `..`, control codes).
 *
 * @param {string | null | undefined} header
 * @returns {string | null}
 */
export function filenameFromContentDisposition(header) {
  if (typeof header !== "string" || header.trim() === "") return null;
  const parsed = parseDisposition(header);
  if (!parsed) return null;
  const extended = parsed.params.get("filename*");
  const candidates = [
    extended === undefined ? null : decodeExtValue(extended),
    parsed.params.get("filename") ?? null,
  ];
  for (const candidate of candidates) {
    const name = candidate === null ? null : baseName(candidate);
    if (name) return name;
  }
  return null;
}

/**
 * Splits `type; name=value; …` into the type and a map of lower-cased parameter names.
 * Null on a syntax error or a repeated parameter (RFC 6266 calls those invalid, and taking
 * either copy would let a proxy and the browser disagree about the name).
 *
 * @param {string} header
 * @returns {{type: string, params: Map<string, string>} | null}
 */
function parseDisposition(header) {
  const cursor = { s: header, i: 0 };
  skipSpace(cursor);
  const type = readToken(cursor);
  if (!type) return null;
  const params = new Map();
  for (;;) {
    skipSpace(cursor);
    if (atEnd(cursor)) return { type: type.toLowerCase(), params };
    if (cursor.s[cursor.i] !== ";") return null;
    cursor.i++;
    skipSpace(cursor);
    if (atEnd(cursor)) return { type: type.toLowerCase(), params }; // trailing ";" is harmless
    const param = readParam(cursor);
    if (!param || params.has(param.name)) return null;
    params.set(param.name, param.value);
  }
}

/** @param {{s: string, i: number}} c */
function readParam(c) {
  const name = readToken(c);
  if (!name) return null;
  skipSpace(c);
  if (c.s[c.i] !== "=") return null;
  c.i++;
  skipSpace(c);
  const value = c.s[c.i] === '"' ? readQuoted(c) : readBare(c);
  return value === null ? null : { name: name.toLowerCase(), value };
}

/** @param {{s: string, i: number}} c */
function readToken(c) {
  const match = TOKEN.exec(c.s.slice(c.i));
  if (!match) return null;
  c.i += match[0].length;
  return match[0];
}

/** A quoted-string with its backslash escapes undone; null when the quote never closes. */
function readQuoted(c) {
  let out = "";
  for (c.i++; c.i < c.s.length; c.i++) {
    const ch = c.s[c.i];
    if (ch === '"') {
      c.i++;
      return out;
    }
    if (ch === "\\") {
      c.i++;
      if (c.i >= c.s.length) return null;
    }
    out += c.s[c.i];
  }
  return null;
}

// Strictly a value is a token, but servers send `filename=my plan.pdf` often enough that
// browsers accept everything up to the next ";". So do we.
function readBare(c) {
  const end = c.s.indexOf(";", c.i);
  const stop = end === -1 ? c.s.length : end;
  const value = c.s.slice(c.i, stop).trim();
  c.i = stop;
  return value;
}

function skipSpace(c) {
  while (c.i < c.s.length && (c.s[c.i] === " " || c.s[c.i] === "\t")) c.i++;
}

function atEnd(c) {
  return c.i >= c.s.length;
}

/**
 * Decodes an RFC 8187 ext-value (`charset'lang'pct-encoded`); null when it cannot.
 * @param {string} value
 * @returns {string | null}
 */
function decodeExtValue(value) {
  const match = EXT_VALUE.exec(value);
  if (!match) return null;
  const bytes = percentDecode(match[3]);
  if (!bytes) return null;
  const charset = match[1].toLowerCase();
  if (charset === "utf-8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  }
  // Not TextDecoder("iso-8859-1"): the Encoding Standard maps that label to windows-1252.
  if (charset === "iso-8859-1") return String.fromCharCode(...bytes);
  return null;
}

/** Bytes of a percent-encoded string; null on a broken escape or a raw non-ASCII character. */
function percentDecode(text) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = ch.charCodeAt(0);
      if (code < 0x21 || code > 0x7e) return null;
      bytes.push(code);
    }
  }
  return Uint8Array.from(bytes);
}

/** The last path segment of `name`, or null when that is not a usable file name. */
function baseName(name) {
  const last = name.split(/[\\/]/).pop().trim();
  if (last === "" || last === "." || last === "..") return null;
  if (CONTROL.test(last)) return null;
  return last;
}

// ---------------------------------------------------------------------------------------------
// Fallback names (rule F6)

/**
 * The name to save under when `Content-Disposition` is missing or unreadable (rule F6):
 * `canvas-exports.zip` for a batch, else `canvas-export` plus the extension of a known
 * `Content-Type`.
 *
 * @param {{batch: boolean, contentType?: string | null}} options
 * @returns {string}
 */
export function fallbackFilename({ batch, contentType }) {
  if (batch) return BATCH_FALLBACK_FILENAME;
  return FALLBACK_STEM + (EXTENSIONS.get(mediaType(contentType)) ?? "");
}

/** `application/pdf` for `Application/PDF; charset=binary`. */
function mediaType(contentType) {
  return String(contentType ?? "").split(";", 1)[0].trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Downloads

/**
 * Downloads one export or a batch, as a file (default mode) or as exported URLs (URL mode).
 *
 * One source URL uses the single route, several use the batch route; pass `batch: true` to
 * send a single URL through the batch route. How the body is read is fixed by `mode` before
 * the request goes out, so a file that happens to be JSON is never mistaken for an envelope.
 *
 * @param {object} options
 * @param {string} options.baseUrl  includes the `/api` prefix, e.g. `https://host/api`
 * @param {string} [options.apiKey]  sent as `x-api-key` when non-empty
 * @param {string[]} options.sourceFileUrls
 * @param {"file" | "urls"} [options.mode]
 * @param {boolean} [options.batch]  defaults to `sourceFileUrls.length > 1`
 * @param {AbortSignal} [options.signal]
 * @param {typeof fetch} [options.fetchImpl]
 * @returns {Promise<FileResult | UrlsResult>}
 * @throws {ExportDownloadError}
 */
export async function downloadExports({
  baseUrl,
  apiKey,
  sourceFileUrls,
  mode = "file",
  batch,
  signal,
  fetchImpl = globalThis.fetch,
}) {
  if (mode !== "file" && mode !== "urls") {
    throw new TypeError(`mode must be "file" or "urls", not ${JSON.stringify(mode)}`);
  }
  checkInput(baseUrl, sourceFileUrls);
  const useBatch = batch ?? sourceFileUrls.length > 1;
  if (!useBatch && sourceFileUrls.length > 1) {
    throw new TypeError("batch: false needs exactly one source file URL");
  }
  const url = routeUrl(baseUrl, useBatch, mode);
  const response = await send(fetchImpl, url, {
    method: "POST",
    headers: requestHeaders(apiKey),
    body: JSON.stringify(requestBody(sourceFileUrls, useBatch)),
    signal,
  });
  if (!response.ok) throw await errorFromResponse(response, Boolean(apiKey));
  return mode === "urls"
    ? readUrlsResult(response, useBatch)
    : readFileResult(response, useBatch);
}

function checkInput(baseUrl, sourceFileUrls) {
  if (typeof baseUrl !== "string" || baseUrl.trim() === "") {
    throw new ExportDownloadError("bad-request", "Enter the backend's base URL (for example https://host/api).");
  }
  if (!Array.isArray(sourceFileUrls) || sourceFileUrls.length === 0) {
    throw new ExportDownloadError("bad-request", "Enter at least one source file URL.");
  }
}

function routeUrl(baseUrl, batch, mode) {
  const base = baseUrl.trim().replace(/\/+$/, "");
  const query = mode === "urls" ? "?responseType=urls" : "";
  return base + (batch ? BATCH_PATH : SINGLE_PATH) + query;
}

function requestHeaders(apiKey) {
  return { "Content-Type": "application/json", ...keyHeaders(apiKey) };
}

/** Only the key: a GET or DELETE has no body to describe. */
function keyHeaders(apiKey) {
  return apiKey ? { "x-api-key": apiKey } : {};
}

function requestBody(sourceFileUrls, batch) {
  if (!batch) return { sourceFileUrl: sourceFileUrls[0] };
  return { items: sourceFileUrls.map((sourceFileUrl) => ({ sourceFileUrl })) };
}

/** fetch(), with "no response at all" turned into a network error. */
async function send(fetchImpl, url, init) {
  try {
    return await fetchImpl(url, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error; // the caller cancelled: not a failure to show
    throw new ExportDownloadError(
      "network",
      `Could not reach the export service at ${url}. Check the base URL and your connection; ` +
        "a backend on another origin must also allow this page by CORS.",
      { cause: error },
    );
  }
}

/** @returns {Promise<FileResult>} */
async function readFileResult(response, batch) {
  const blob = await readBody(response, () => response.blob());
  if (blob.size === 0) {
    throw protocolError(response, "The export service sent an empty file.");
  }
  const contentType = response.headers.get("content-type") ?? blob.type ?? "";
  // Cross-origin without Access-Control-Expose-Headers the browser hides the header and
  // get() answers null: the same as absent for us (rule F6).
  const fromHeader = filenameFromContentDisposition(response.headers.get("content-disposition"));
  return {
    kind: "file",
    blob,
    filename: fromHeader ?? fallbackFilename({ batch, contentType }),
    filenameSource: fromHeader ? "header" : "fallback",
    contentType,
  };
}

/** @returns {Promise<UrlsResult>} */
async function readUrlsResult(response, batch) {
  const text = await readBody(response, () => response.text());
  let envelope;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw protocolError(response, "The export service did not answer JSON although exported URLs were requested.");
  }
  if (envelope === null || typeof envelope !== "object" || envelope.success !== true) {
    // The literal true only (rule U1): "true" or 1 means the backend is not following the contract.
    throw protocolError(response, 'The export service\'s answer lacks "success": true.');
  }
  return batch ? batchUrls(response, envelope) : singleUrl(response, envelope);
}

function singleUrl(response, envelope) {
  if (!isHttpUrl(envelope.exportedUrl)) {
    throw protocolError(response, 'The export service\'s answer has no absolute http(s) "exportedUrl".');
  }
  return { kind: "urls", exportedUrls: [envelope.exportedUrl], skipped: [] };
}

function batchUrls(response, envelope) {
  const { exportedUrls, skipped } = envelope;
  if (!Array.isArray(exportedUrls) || !exportedUrls.every(isHttpUrl)) {
    throw protocolError(response, 'The export service\'s answer has no "exportedUrls" list of absolute http(s) URLs.');
  }
  if (!Array.isArray(skipped)) {
    throw protocolError(response, 'The export service\'s answer has no "skipped" list.');
  }
  return { kind: "urls", exportedUrls: [...exportedUrls], skipped: [...skipped] };
}

// Only http(s): the URLs end up as links in a page, where javascript: would run code.
function isHttpUrl(value) {
  if (typeof value !== "string") return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** Reads the body; a connection lost mid-body is a network error, not a protocol one. */
async function readBody(response, read) {
  try {
    return await read();
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ExportDownloadError(
      "network",
      "The connection to the export service broke off during the download; try again.",
      { status: response.status, cause: error },
    );
  }
}

function protocolError(response, message) {
  return new ExportDownloadError("protocol", message, { status: response.status });
}

// ---------------------------------------------------------------------------------------------
// Export jobs (rules J1-J6)

const FINAL_FAILURES = new Set(["error", "cancelled", "gone"]);

/**
 * Starts an export job for `items` (rule J1) and returns the job, `processing` as a rule.
 *
 * @param {Array<string | {sourceFileUrl: string}>} items  source file URLs
 * @param {ServiceOptions & {name?: string, callbackUrl?: string}} options
 *   `name` names the zip (the service's default is `exports`); `callbackUrl` is POSTed the
 *   job when it ends (rule J7)
 * @returns {Promise<ExportJob>}
 * @throws {ExportDownloadError}
 */
export async function startExportJob(items, {
  baseUrl,
  apiKey,
  name,
  callbackUrl,
  signal,
  fetchImpl = globalThis.fetch,
}) {
  const sourceFileUrls = Array.isArray(items)
    ? items.map((item) => (typeof item === "string" ? item : item?.sourceFileUrl))
    : items;
  checkInput(baseUrl, sourceFileUrls);
  const body = { items: sourceFileUrls.map((sourceFileUrl) => ({ sourceFileUrl })) };
  if (name !== undefined) body.name = name;
  if (callbackUrl !== undefined) body.callbackUrl = callbackUrl;
  const url = jobsUrl(baseUrl);
  const response = await send(fetchImpl, url, {
    method: "POST",
    headers: requestHeaders(apiKey),
    body: JSON.stringify(body),
    signal,
  });
  return readJob(response, Boolean(apiKey));
}

/**
 * Polls the job until it is `complete` and resolves with it (its `downloadUrl` set), or
 * rejects with an `ExportJobError` once it is `error`, `cancelled` or `gone`.
 *
 * `onProgress({done, total, state})` is called whenever one of the three changes (and for the
 * first answer). A 429 while polling waits as long as its `Retry-After` asks (else
 * `intervalMs`) and polls again; any other failure rejects. Aborting `signal` rejects with an
 * `AbortError` and stops polling.
 *
 * @param {ExportJob | string} jobOrId
 * @param {ServiceOptions & {onProgress?: (progress: ExportJobProgress) => void,
 *   intervalMs?: number}} options  `intervalMs` between polls, default 1000
 * @returns {Promise<ExportJob>}
 * @throws {ExportDownloadError | ExportJobError | DOMException}
 */
export async function waitForExportJob(jobOrId, {
  baseUrl,
  apiKey,
  onProgress,
  signal,
  intervalMs = 1000,
  fetchImpl = globalThis.fetch,
}) {
  const url = jobUrl(baseUrl, jobOrId);
  let last = "";
  for (;;) {
    throwIfAborted(signal);
    let job;
    try {
      const response = await send(fetchImpl, url, { headers: keyHeaders(apiKey), signal });
      job = await readJob(response, Boolean(apiKey));
    } catch (error) {
      if (!(error instanceof ExportDownloadError && error.kind === "rate-limited")) throw error;
      await sleep(error.retryAfter === null ? intervalMs : error.retryAfter * 1000, signal);
      continue;
    }
    const progress = {
      done: job.progress?.done ?? 0,
      total: job.progress?.total ?? 0,
      state: job.state,
    };
    const seen = `${progress.done}/${progress.total}/${progress.state}`;
    if (seen !== last) {
      last = seen;
      onProgress?.(progress);
    }
    if (job.state === "complete") return job;
    if (FINAL_FAILURES.has(job.state)) throw jobEnded(job);
    await sleep(intervalMs, signal);
  }
}

/**
 * Cancels a `processing` job, or deletes a `complete` one's zip (rule J5); returns the job as
 * it is afterwards (a job already ended is returned unchanged).
 *
 * @param {ExportJob | string} jobOrId
 * @param {ServiceOptions} options
 * @returns {Promise<ExportJob>}
 * @throws {ExportDownloadError}
 */
export async function cancelExportJob(jobOrId, {
  baseUrl,
  apiKey,
  signal,
  fetchImpl = globalThis.fetch,
}) {
  const url = jobUrl(baseUrl, jobOrId);
  const response = await send(fetchImpl, url, { method: "DELETE", headers: keyHeaders(apiKey), signal });
  return readJob(response, Boolean(apiKey));
}

/**
 * Downloads a `complete` job's zip from its `downloadUrl` (no API key: the URL is signed,
 * rule J6), named like any batch download (rule F6). A zip that has expired or was deleted
 * rejects with kind `gone`.
 *
 * @param {ExportJob} job  as `waitForExportJob` resolved it
 * @param {{signal?: AbortSignal, fetchImpl?: typeof fetch}} [options]
 * @returns {Promise<FileResult>}
 * @throws {ExportDownloadError}
 */
export async function downloadExportJob(job, { signal, fetchImpl = globalThis.fetch } = {}) {
  if (!isHttpUrl(job?.downloadUrl)) {
    const state = typeof job?.state === "string" ? job.state : "unknown";
    throw new ExportDownloadError(
      "bad-request",
      `This export job has no zip to download (state ${state}); wait until it is complete.`,
    );
  }
  const response = await send(fetchImpl, job.downloadUrl, { signal });
  if (!response.ok) throw await errorFromResponse(response, false);
  return readFileResult(response, true);
}

function jobsUrl(baseUrl) {
  if (typeof baseUrl !== "string" || baseUrl.trim() === "") {
    throw new ExportDownloadError("bad-request", "Enter the backend's base URL (for example https://host/api).");
  }
  return baseUrl.trim().replace(/\/+$/, "") + JOBS_PATH;
}

function jobUrl(baseUrl, jobOrId) {
  const id = typeof jobOrId === "string" ? jobOrId : jobOrId?.id;
  if (typeof id !== "string" || id === "") {
    throw new TypeError("pass an export job or its id (a non-empty string)");
  }
  return `${jobsUrl(baseUrl)}/${encodeURIComponent(id)}`;
}

/** The job in a 2xx answer; an error answer becomes the usual ExportDownloadError. */
async function readJob(response, sentKey) {
  if (!response.ok) throw await errorFromResponse(response, sentKey, "No such export job (404).");
  const text = await readBody(response, () => response.text());
  let job;
  try {
    job = JSON.parse(text);
  } catch {
    throw protocolError(response, "The export service's answer about the job is not JSON.");
  }
  if (job === null || typeof job !== "object" || typeof job.id !== "string" || typeof job.state !== "string") {
    throw protocolError(response, 'The export service\'s answer about the job lacks its "id" and "state".');
  }
  return job;
}

function jobEnded(job) {
  if (job.state === "error") {
    const why = job.error?.message ? ` ${job.error.message}` : "";
    return new ExportJobError(job, `The export job failed (${job.error?.code ?? "error"}).${why}`);
  }
  if (job.state === "cancelled") return new ExportJobError(job, "The export job was cancelled.");
  return new ExportJobError(job, "The export job's zip has expired or was deleted; start the job again.");
}

function abortError(signal) {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("The wait for the export job was aborted.", "AbortError");
}

function throwIfAborted(signal) {
  if (signal?.aborted) throw abortError(signal);
}

/** setTimeout as a promise that an abort rejects at once (and whose timer it clears). */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Error responses (rule E1: they are JSON, usually RFC 9457 problem details)

/**
 * @param {Response} response  a non-2xx response
 * @param {boolean} sentKey
 * @param {string} [notFound]  what a 404 means here (default: about downloads)
 * @returns {Promise<ExportDownloadError>}
 */
async function errorFromResponse(response, sentKey, notFound = "None of the requested exports exists (404).") {
  const problem = await readProblem(response);
  const detail = typeof problem?.detail === "string" && problem.detail ? problem.detail : undefined;
  const { status } = response;
  const extra = { status, detail, problem };
  if (status === 401 || status === 403) {
    const why = sentKey ? "the key was rejected" : "no key was sent";
    return new ExportDownloadError("unauthorized", `API key missing or not accepted (${status}: ${why}).`, extra);
  }
  if (status === 404) {
    return new ExportDownloadError("not-found", withDetail(notFound, detail), extra);
  }
  if (status === 410) {
    return new ExportDownloadError("gone", withDetail("The download has expired or was deleted (410).", detail), extra);
  }
  if (status === 429) return rateLimited(response, extra);
  if (status >= 500) {
    return new ExportDownloadError("server", withDetail(`The export service failed (${status}); try again.`, detail), extra);
  }
  if (status >= 400) return new ExportDownloadError("bad-request", badRequestMessage(status, detail), extra);
  return new ExportDownloadError("protocol", `The export service answered an unexpected status ${status}.`, extra);
}

/** The body parsed as JSON when it is JSON; error bodies are small, so reading them is cheap. */
async function readProblem(response) {
  try {
    const parsed = JSON.parse(await response.text());
    return parsed !== null && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function badRequestMessage(status, detail) {
  const lead = {
    413: "The request is too large (too many items or too big a body)",
    415: "The export service does not accept this request format",
  }[status] ?? "The export request was rejected";
  return withDetail(`${lead} (${status}).`, detail);
}

function rateLimited(response, extra) {
  const seconds = retryAfterSeconds(response.headers.get("retry-after"));
  const when = seconds === undefined
    ? "wait a moment and try again."
    : `the service asks to wait ${seconds} second${seconds === 1 ? "" : "s"} (Retry-After) before trying again.`;
  return new ExportDownloadError("rate-limited", `Too many requests (429); ${when}`, {
    ...extra,
    retryAfterSeconds: seconds,
  });
}

/** Seconds from a `Retry-After` value (delay-seconds or HTTP-date); undefined when unusable. */
function retryAfterSeconds(value) {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function withDetail(message, detail) {
  return detail ? `${message} ${detail}` : message;
}

// ---------------------------------------------------------------------------------------------
// Saving

/**
 * Hands `blob` to the browser's download manager under `filename`.
 *
 * @param {Blob} blob
 * @param {string} filename
 * @param {{document?: Document, urlApi?: typeof URL, revokeAfterMs?: number}} [env]
 *   overridable for tests; the defaults are the page's own
 * @returns {void}
 */
export function saveBlob(blob, filename, env = {}) {
  const doc = env.document ?? globalThis.document;
  const urlApi = env.urlApi ?? globalThis.URL;
  const objectUrl = urlApi.createObjectURL(blob);
  const link = doc.createElement("a");
  link.href = objectUrl;
  link.download = filename;
  link.rel = "noopener";
  link.style.display = "none";
  doc.body.append(link);
  link.click();
  link.remove();
  // Revoking right after click() can cancel the download in some browsers, which read the
  // object URL asynchronously; a delay keeps the blob alive long enough, then frees it.
  setTimeout(() => urlApi.revokeObjectURL(objectUrl), env.revokeAfterMs ?? 30_000);
}
