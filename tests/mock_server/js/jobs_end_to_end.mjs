// The browser client's job functions against a real backend, driven by
// tests/mock_server/test_js_client_jobs_end_to_end.py, which starts `export-contract serve`
// and passes BASE_URL, API_KEY, ITEMS (a JSON list of source URLs) and ZIP_PATH. Prints one
// JSON object saying what happened; the Python test judges it.
import { writeFile } from "node:fs/promises";

import {
  cancelExportJob,
  downloadExportJob,
  startExportJob,
  waitForExportJob,
} from "../../../js/export-client.js";

const service = { baseUrl: process.env.BASE_URL, apiKey: process.env.API_KEY };
const items = JSON.parse(process.env.ITEMS);

function described(error) {
  return { name: error?.name, kind: error?.kind, code: error?.code, status: error?.status, message: error?.message };
}

const started = await startExportJob(items, { ...service, name: "Q3 plans" });
const progress = [];
const complete = await waitForExportJob(started, {
  ...service,
  intervalMs: 50,
  onProgress: (p) => progress.push(p),
});
const file = await downloadExportJob(complete);
await writeFile(process.env.ZIP_PATH, new Uint8Array(await file.blob.arrayBuffer()));
const cancelled = await cancelExportJob(complete, service);
const waitAfterCancel = await waitForExportJob(complete.id, service).then(() => null, described);
const downloadAfterCancel = await downloadExportJob(complete).then(() => null, described);

console.log(JSON.stringify({
  started: { id: started.id, state: started.state, name: started.name },
  progress,
  complete: { state: complete.state, downloadUrl: complete.downloadUrl },
  file: { filename: file.filename, filenameSource: file.filenameSource, contentType: file.contentType },
  cancelled: { state: cancelled.state },
  waitAfterCancel,
  downloadAfterCancel,
}));
