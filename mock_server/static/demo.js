// Wires the demo form to the export client. Everything shown comes from the client's result
// or error; the page itself knows nothing about any particular backend.

import { downloadExports, saveBlob, ExportDownloadError } from "./export-client.js";

const byId = (id) => document.getElementById(id);

const form = byId("download-form");
const statusBox = byId("status");
const button = byId("download");

prefill();
form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

/**
 * `?base=…&key=…` prefill the inputs, so a link can open the demo against any backend. A
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
    mode: byId("mode-urls").checked ? "urls" : "file",
    batch,
  };
}

async function run() {
  const request = readForm();
  showBusy();
  try {
    const result = await downloadExports(request);
    if (result.kind === "file") {
      saveBlob(result.blob, result.filename);
      showFile(result);
    } else {
      showUrls(result);
    }
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function setState(state, ...children) {
  statusBox.dataset.state = state;
  delete statusBox.dataset.filename;
  delete statusBox.dataset.filenameSource;
  delete statusBox.dataset.errorKind;
  statusBox.replaceChildren(...children);
}

function showBusy() {
  button.disabled = true;
  setState("busy", el("p", {}, "Downloading…"));
}

function showFile({ filename, filenameSource, contentType, blob }) {
  const origin = filenameSource === "header"
    ? "name from the Content-Disposition header"
    : "fallback name: Content-Disposition missing or not exposed to this page";
  setState(
    "done",
    el("p", {}, "Saved ", el("strong", { className: "filename" }, filename), ` (${origin}).`),
    el("p", { className: "meta" }, `${contentType || "no Content-Type"}, ${blob.size} bytes`),
  );
  statusBox.dataset.filename = filename;
  statusBox.dataset.filenameSource = filenameSource;
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
  setState("done", ...parts);
}

function describeSkipped(item) {
  if (item === null || typeof item !== "object") return String(item);
  const source = item.sourceFileUrl ?? "(no sourceFileUrl)";
  return item.reason ? `${source} (${item.reason})` : source;
}

function showError(error) {
  const kind = error instanceof ExportDownloadError ? error.kind : "protocol";
  const message = error instanceof Error ? error.message : String(error);
  const parts = [el("p", { className: `error error-${kind}` }, message)];
  // The backend's own explanation, unless the message already carries it.
  if (error?.detail && !message.includes(error.detail)) {
    parts.push(el("p", { className: "meta detail" }, `Backend says: ${error.detail}`));
  }
  setState("error", ...parts);
  statusBox.dataset.errorKind = kind;
}

/** A small element builder; text goes in as text nodes, never as HTML. */
function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
