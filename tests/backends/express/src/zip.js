// Batch zips, streamed with archiver: PDFs and images stored, text deflated.
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';

export const ZIP_NAME = 'exports.zip';

/** Stream a zip of `entries` ({path, name, store}) as the response. */
export async function sendZip(res, entries) {
  // A missing file becomes a clean 500 here, not a zip cut off half-way.
  await Promise.all(entries.map(({ path }) => access(path, constants.R_OK)));
  res.attachment(ZIP_NAME);
  const archive = new ZipArchive({ zlib: { level: 6 } });
  // pipeline ends the response only after the archive has ended, central directory included,
  // and destroys it if the archive fails.
  const sent = pipeline(archive, res);
  // append() keeps request order; archive.file() would add entries as their stat() calls finish.
  for (const { path, name, store } of entries) archive.append(createReadStream(path), { name, store });
  await archive.finalize();
  await sent;
}

/**
 * BUG zip-unfinished: buffered to send a Content-Length, and sent as soon as the last entry
 * is in. finalize() writes the central directory only after that, so the zip is never valid.
 */
export async function sendZipUnfinished(res, entries) {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const chunks = [];
  archive.on('data', (chunk) => chunks.push(chunk));
  const allIn = new Promise((resolve, reject) => {
    let added = 0;
    archive.on('entry', () => {
      added += 1;
      if (added === entries.length) resolve();
    });
    archive.on('error', reject);
  });
  for (const { path, name, store } of entries) archive.append(createReadStream(path), { name, store });
  archive.finalize();
  await allIn;
  const body = Buffer.concat(chunks);
  res.attachment(ZIP_NAME).set('Content-Length', String(body.length)).end(body);
}
