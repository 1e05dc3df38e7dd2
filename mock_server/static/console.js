// The console's view of the mock itself, through its admin API under /__mock on this page's
// origin: the scenario catalogue (arm one for the next N requests) and the live journal.
//
// The journal is refreshed by polling `GET /__mock/requests?since=ID` every second rather
// than by server-sent events: the admin API stays plain request/response JSON (no connection
// held open against the mock's connection cap and keep-alive timeouts, nothing new for a
// proxy in front of it to buffer), `since` makes each poll carry only what is new, and a
// second is quick enough for watching one's own clicks.

import { byId, el } from "./dom.js";

const ADMIN = `${location.origin}/__mock`;
const POLL_MS = 1000;
const MAX_ROWS = 300;

let lastId = 0;
let timer = null;
let adminReachable = true;
/** Client-side facts about requests this page sent, by their `x-console-request` tag. */
const resolvedNames = new Map();

export function startConsole() {
  byId("disarm").addEventListener("click", () => disarm());
  byId("journal-clear").addEventListener("click", () => clearJournal());
  byId("journal-live").addEventListener("change", (event) => {
    if (event.target.checked) schedule(0);
    else clearTimeout(timer);
  });
  loadScenarios();
  schedule(0);
}

/** Records the filename the client resolved for a tagged request, for its journal row. */
export function noteResolvedFilename(tag, filename, source) {
  resolvedNames.set(tag, { filename, source });
  for (const cell of document.querySelectorAll(`tr[data-console-request="${tag}"] .client-filename`)) {
    cell.replaceChildren(filenameText(tag));
  }
}

async function admin(path, init = {}) {
  const response = await fetch(`${ADMIN}${path}`, {
    ...init,
    headers: { Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}) },
  });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`The admin API at ${ADMIN} did not answer JSON (${response.status}); is this page served by the mock?`);
  }
  if (!response.ok) throw new Error(body?.detail ?? `The admin API answered ${response.status}.`);
  return body;
}

// ---- scenarios --------------------------------------------------------------------------

async function loadScenarios() {
  const list = byId("scenario-list");
  try {
    const { scenarios } = await admin("/scenarios");
    list.replaceChildren(...scenarios.map(scenarioItem));
    await refreshArmed();
  } catch (error) {
    list.replaceChildren(el("li", { className: "error" }, error.message));
  }
}

function scenarioItem({ name, summary, status }) {
  const button = el("button", { type: "button", className: "arm", textContent: `Arm ${name}` });
  button.dataset.scenario = name;
  button.addEventListener("click", () => arm(name));
  return el(
    "li",
    {},
    button,
    " ",
    el("span", { className: "scenario-summary" }, summary, status ? ` (${status})` : ""),
  );
}

async function arm(name) {
  const raw = byId("arm-count").value.trim();
  const payload = { name };
  if (raw !== "") {
    const count = Number(raw);
    if (!Number.isInteger(count) || count < 1) {
      showArmed("error", `Requests to affect must be a whole number, 1 or more (got ${raw}); leave it empty for every request.`);
      return;
    }
    payload.count = count;
  }
  try {
    showArmedState(await admin("/scenario", { method: "PUT", body: JSON.stringify(payload) }));
  } catch (error) {
    showArmed("error", error.message);
  }
}

async function disarm() {
  try {
    showArmedState(await admin("/scenario", { method: "DELETE" }));
  } catch (error) {
    showArmed("error", error.message);
  }
}

async function refreshArmed() {
  showArmedState(await admin("/scenario"));
}

function showArmedState({ scenario, remaining }) {
  const box = byId("armed");
  if (box.dataset.scenario === (scenario ?? "") && box.dataset.remaining === String(remaining ?? "")
      && box.dataset.state !== "error") return;
  if (scenario === null) {
    showArmed("idle", "No scenario armed.");
  } else {
    const left = remaining === null ? "every request until disarmed" : `${remaining} request${remaining === 1 ? "" : "s"} left`;
    showArmed("armed", `Armed: ${scenario} (${left}).`);
  }
  box.dataset.scenario = scenario ?? "";
  box.dataset.remaining = String(remaining ?? "");
}

function showArmed(state, text) {
  const box = byId("armed");
  box.dataset.state = state;
  box.replaceChildren(el("p", { className: state === "error" ? "error" : "" }, text));
}

// ---- journal ----------------------------------------------------------------------------

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(poll, delay);
}

async function poll() {
  try {
    const { requests } = await admin(`/requests?since=${lastId}`);
    addRows(requests);
    await refreshArmed();
    adminReachable = true;
  } catch (error) {
    // Off the mock (the page served elsewhere) there is no journal: say so and stop asking.
    byId("journal-status").textContent = error.message;
    adminReachable = false;
  }
  if (adminReachable && byId("journal-live").checked) schedule(POLL_MS);
}

function addRows(entries) {
  const body = byId("journal-rows");
  for (const entry of entries) {
    lastId = Math.max(lastId, entry.id);
    body.prepend(journalRow(entry));
  }
  while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
  const count = body.rows.length;
  byId("journal-status").textContent = entries.length > 0
    ? `${entries.length} new; ${count} shown, newest first.`
    : byId("journal-status").textContent.replace("Loading…", `${count} shown, newest first.`);
}

function journalRow(entry) {
  const webhook = entry.kind === "webhook";
  const tag = webhook ? null : entry.headers?.["x-console-request"] ?? null;
  const row = el(
    "tr",
    { className: `journal-${entry.kind}` },
    el("td", {}, String(entry.id)),
    el("td", {}, webhook ? `webhook ${entry.event} #${entry.attempt}` : "request"),
    el("td", {}, entry.method),
    el("td", { className: "path" }, webhook ? entry.url : entry.path + queryText(entry.query)),
    el("td", { className: "status-code" }, entry.status === null ? `no answer: ${entry.error}` : String(entry.status)),
    el("td", {}, entry.scenario ?? ""),
    el("td", { className: "client-filename" }, tag ? filenameText(tag) : ""),
    el("td", {}, headersDetails(entry.headers)),
  );
  row.dataset.kind = entry.kind;
  row.dataset.status = String(entry.status);
  if (tag) row.dataset.consoleRequest = tag;
  return row;
}

function queryText(query) {
  const pairs = Object.entries(query ?? {});
  if (pairs.length === 0) return "";
  return `?${pairs.map(([key, value]) => `${key}=${value}`).join("&")}`;
}

function filenameText(tag) {
  const seen = resolvedNames.get(tag);
  if (!seen) return "";
  return seen.source === "fallback" ? `${seen.filename} (fallback)` : seen.filename;
}

function headersDetails(headers) {
  const lines = Object.entries(headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return el(
    "details",
    {},
    el("summary", {}, `${lines.length} header${lines.length === 1 ? "" : "s"}`),
    el("pre", { className: "headers" }, lines.join("\n")),
  );
}

async function clearJournal() {
  try {
    await admin("/requests", { method: "DELETE" });
    byId("journal-rows").replaceChildren();
    byId("journal-status").textContent = "Journal cleared.";
  } catch (error) {
    byId("journal-status").textContent = error.message;
  }
}
