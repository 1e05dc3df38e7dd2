// The console's zip reader (mock_server/static/zip-reader.js) on the zip at ZIP_PATH, driven
// by tests/mock_server/test_zip_reader_js.py. Prints one JSON object: each entry's name and
// size, and the text of the entry named READ (if any), or the reader's error message.
import { readFile } from "node:fs/promises";

import { readZipEntries, readZipEntry } from "../../../mock_server/static/zip-reader.js";

const bytes = await readFile(process.env.ZIP_PATH);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
try {
  const entries = readZipEntries(buffer);
  const wanted = entries.find((entry) => entry.name === process.env.READ);
  const text = wanted ? new TextDecoder().decode(await readZipEntry(buffer, wanted)) : null;
  console.log(JSON.stringify({ entries: entries.map(({ name, size }) => [name, size]), text }));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
}
