// Wires the console's download form and job panel to the export client. Everything shown
// comes from the client's results or errors; the page knows nothing about any particular
// backend. The scenarios and the journal are console.js's.

import {
  cancelExportJob,
  downloadExportJob,
  downloadExports,
  ExportDownloadError,
  saveBlob,
  startExportJob,
  waitForExportJob,
} from "./export-client.js";
import { noteResolvedFilename, startConsole } from "./console.js";
import { byId, el, table } from "./dom.js";
import { readZipEntries, readZipEntry } from "./zip-reader.js";

const form = byId("download-form");
const statusBox = byId("status");
const button = byId("download");
const jobStatus = byId("job-status");

prefill();
form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});
byId("job-start").addEventListener("click", () => runJob());
startConsole();

/**
 * `?base=…&key=…` prefill the inputs, so a link can open the page against any backend. A
 * server may also suggest a key with `<meta name="export-api-key">` (the mock does, for its
 * built-in development key).
 */
function prefill() {
  const params = new URLSearchParams(location.search);
  byId("base-url").value = params.get("base") ?? `${location.origin}/api`;
  const key = params.get("key") ?? document.querySelector('meta[name="export-api-key"]')?.content;
  if (key != null) byId("api-key").value = key;
}

function readForm() {
  const batch = byId("variant-batch").checked;
  const lines = byId("source-urls").value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return {
    baseUrl: byId("base-url").value.trim(),
    apiKey: byId("api-key").value,
    sourceFileUrls: batch ? lines : lines.slice(0, 1),
    allUrls: lines,
    mode: byId("mode-urls").checked ? "urls" : "file",
    batch,
  };
}

let nextTag = 1;

/**
 * A fetch that tags each request to this page's own origin with `x-console-request`, so the
 * journal row of a download can show the filename the client resolved for it. Requests to
 * other origins go out untouched (a custom header would need their CORS approval).
 */
function taggedFetch(extraHeaders = {}) {
  const tags = [];
  const fetchImpl = (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
    if (new URL(String(input), location.href).origin === location.origin) {
      const tag = `${Date.now().toString(36)}-${nextTag++}`;
      tags.push(tag);
      headers.set("x-console-request", tag);
    }
    return globalThis.fetch(input, { ...init, headers });
  };
  return { fetchImpl, tags };
}

// ---- downloads --------------------------------------------------------------------------

async function run() {
  const { allUrls, ...request } = readForm();
  showBusy();
  const { fetchImpl, tags } = taggedFetch();
  try {
    const result = await downloadExports({ ...request, fetchImpl });
    if (result.kind === "file") {
      for (const tag of tags) noteResolvedFilename(tag, result.filename, result.filenameSource);
      saveBlob(result.blob, result.filename);
      await showFile(result);
    } else {
      showUrls(result);
    }
  } catch (error) {
    showError(statusBox, error);
  } finally {
    button.disabled = false;
  }
}

function setState(box, state, ...children) {
  box.dataset.state = state;
  for (const key of ["filename", "filenameSource", "errorKind", "jobState"]) delete box.dataset[key];
  box.replaceChildren(...children);
}

function showBusy() {
  button.disabled = true;
  setState(statusBox, "busy", el("p", {}, "Downloading…"));
}

async function showFile({ filename, filenameSource, contentType, blob }) {
  const origin = filenameSource === "header"
    ? "name from the Content-Disposition header"
    : "fallback name: Content-Disposition missing or not exposed to this page";
  const parts = [
    el("p", {}, "Saved ", el("strong", { className: "filename" }, filename), ` (${origin}).`),
    el("p", { className: "meta" }, `${contentType || "no Content-Type"}, ${blob.size} bytes`),
  ];
  if (isZip(filename, contentType)) parts.push(await zipEntriesView(await blob.arrayBuffer()));
  setState(statusBox, "done", ...parts);
  statusBox.dataset.filename = filename;
  statusBox.dataset.filenameSource = filenameSource;
}

function isZip(filename, contentType) {
  return /zip/i.test(contentType ?? "") || filename.toLowerCase().endsWith(".zip");
}

/** The zip's entries as a table, read from its central directory in the page. */
async function zipEntriesView(buffer) {
  try {
    const entries = readZipEntries(buffer);
    return table(
      `Zip entries (${entries.length})`,
      ["Entry", "Bytes"],
      entries.map((entry) => [entry.name, String(entry.size)]),
      { className: "zip-entries" },
    );
  } catch (error) {
    return el("p", { className: "error" }, `Could not list the zip's entries: ${error.message}`);
  }
}

function showUrls({ exportedUrls, skipped }) {
  const links = exportedUrls.map((url) =>
    el("li", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url)));
  const parts = [
    el("p", {}, `${exportedUrls.length} exported URL${exportedUrls.length === 1 ? "" : "s"}:`),
    el("ul", { className: "exported-urls" }, ...links),
  ];
  if (skipped.length > 0) {
    const items = skipped.map((item) => el("li", {}, describeSkipped(item)));
    parts.push(el("p", {}, `${skipped.length} skipped:`), el("ul", { className: "skipped" }, ...items));
  }
  setState(statusBox, "done", ...parts);
}

function describeSkipped(item) {
  if (item === null || typeof item !== "object") return String(item);
  const source = item.sourceFileUrl ?? "(no sourceFileUrl)";
  return item.reason ? `${source} (${item.reason})` : source;
}

function showError(box, error, extra = []) {
  const kind = error instanceof ExportDownloadError ? error.kind : "protocol";
  let message = error instanceof Error ? error.message : String(error);
  if (kind === "rate-limited" && Number.isFinite(error.retryAfter) && !/\d+ second/.test(message)) {
    message += ` Retry after ${error.retryAfter} seconds.`;
  }
  const parts = [el("p", { className: `error error-${kind}` }, message)];
  // The backend's own explanation, unless the message already carries it.
  if (error?.detail && !message.includes(error.detail)) {
    parts.push(el("p", { className: "meta detail" }, `Backend says: ${error.detail}`));
  }
  setState(box, "error", ...parts, ...extra);
  box.dataset.errorKind = kind;
}

// ---- export jobs ------------------------------------------------------------------------

let running = null; // {job, controller} while a job is being watched

async function runJob() {
  const { baseUrl, apiKey, allUrls } = readForm();
  const options = jobOptions();
  if (options === null) return;
  const startButton = byId("job-start");
  const cancelButton = byId("job-cancel");
  startButton.disabled = true;
  showProgress(0, allUrls.length, "starting");
  setState(jobStatus, "busy", el("p", {}, "Starting the export job…"));
  const controller = new AbortController();
  try {
    const { fetchImpl } = taggedFetch(options.prefer);
    const job = await startExportJob(allUrls, { baseUrl, apiKey, fetchImpl, callbackUrl: options.callbackUrl });
    running = { job, controller };
    cancelButton.disabled = false;
    cancelButton.onclick = () => cancelJob(baseUrl, apiKey);
    setState(jobStatus, "busy", el("p", {}, `Job ${job.id} is ${job.state}.`));
    jobStatus.dataset.jobState = job.state;
    const done = await waitForExportJob(job, {
      baseUrl,
      apiKey,
      signal: controller.signal,
      intervalMs: 500,
      fetchImpl: taggedFetch().fetchImpl,
      onProgress: ({ done: count, total, state }) => showProgress(count, total, state),
    });
    cancelButton.disabled = true;
    await showJobResult(done);
  } catch (error) {
    if (error?.name === "AbortError") return; // cancelJob shows what happened
    cancelButton.disabled = true;
    showError(jobStatus, error);
    if (error?.job?.state) jobStatus.dataset.jobState = error.job.state;
  } finally {
    startButton.disabled = false;
    if (running?.controller === controller) running = null;
  }
}

/** The job panel's own inputs; null (and a message) when one is unusable. */
function jobOptions() {
  const duration = byId("job-duration").value.trim();
  const callbackUrl = byId("job-callback").value.trim() || undefined;
  const prefer = {};
  if (duration !== "") {
    const seconds = Number(duration);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
      setState(jobStatus, "error", el("p", { className: "error" },
        `Job duration must be a number of seconds from 0 to 3600 (got ${duration}); leave it empty for the mock's default.`));
      return null;
    }
    prefer.Prefer = `job-duration=${seconds}`;
  }
  return { prefer, callbackUrl };
}

function showProgress(done, total, state) {
  const bar = byId("job-progress");
  bar.max = Math.max(total, 1);
  bar.value = done;
  const percent = total > 0 ? Math.round((100 * done) / total) : 0;
  bar.setAttribute("aria-valuetext", `${percent}% (${done} of ${total} items, ${state})`);
  byId("job-progress-text").textContent = `${percent}% (${done} of ${total} items, ${state})`;
  bar.dataset.percent = String(percent);
  jobStatus.dataset.jobState = state;
}

async function cancelJob(baseUrl, apiKey) {
  const current = running;
  if (current === null) return;
  byId("job-cancel").disabled = true;
  current.controller.abort();
  try {
    const job = await cancelExportJob(current.job, { baseUrl, apiKey, fetchImpl: taggedFetch().fetchImpl });
    const text = job.state === "cancelled"
      ? `Job ${job.id} was cancelled.`
      : `Job ${job.id} had already ended (${job.state}).`;
    setState(jobStatus, job.state === "cancelled" ? "error" : "done", el("p", { className: "job-ended" }, text));
    jobStatus.dataset.jobState = job.state;
    byId("job-progress-text").textContent += ` — ${job.state}`;
  } catch (error) {
    showError(jobStatus, error);
  }
}

/** A complete job: its zip fetched, a link to save it, and its manifest as a table. */
async function showJobResult(job) {
  setState(jobStatus, "busy", el("p", {}, `Job ${job.id} is complete; fetching its zip…`));
  const { fetchImpl, tags } = taggedFetch();
  const file = await downloadExportJob(job, { fetchImpl });
  for (const tag of tags) noteResolvedFilename(tag, file.filename, file.filenameSource);
  const link = el("a", { href: URL.createObjectURL(file.blob), download: file.filename, id: "job-download" },
    `Download ${file.filename}`);
  const buffer = await file.blob.arrayBuffer();
  const parts = [
    el("p", {}, `Job ${job.id} is complete: `, link, ` (${file.blob.size} bytes).`),
    ...(await manifestView(buffer)),
    await zipEntriesView(buffer),
  ];
  setState(jobStatus, "done", ...parts);
  jobStatus.dataset.jobState = job.state;
  jobStatus.dataset.filename = file.filename;
}

async function manifestView(buffer) {
  let manifest;
  try {
    const entry = readZipEntries(buffer).find((candidate) => candidate.name === "manifest.json");
    if (!entry) return [el("p", { className: "error" }, "The job's zip has no manifest.json.")];
    manifest = JSON.parse(new TextDecoder().decode(await readZipEntry(buffer, entry)));
  } catch (error) {
    return [el("p", { className: "error" }, `Could not read the job's manifest.json: ${error.message}`)];
  }
  const rows = (manifest.results ?? []).map((result) => [
    result.sourceFileUrl ?? "",
    result.success ? result.filename ?? "" : `${result.error ?? "error"}: ${result.message ?? ""}`,
    result.success ? String(result.bytes ?? "") : "",
  ]);
  const summary = manifest.summary ?? {};
  return [
    table("Manifest (manifest.json)", ["Item", "Filename or error", "Bytes"], rows, { className: "manifest" }),
    el("p", { className: "manifest-summary" },
      `${summary.total ?? rows.length} items: ${summary.succeeded ?? "?"} succeeded, ${summary.failed ?? "?"} failed.`),
  ];
}
