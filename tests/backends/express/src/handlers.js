// The four download variants and the exported-file route.
import { HttpError } from './errors.js';
import { nameKey, uniqueNames } from './names.js';
import { parseBatch, parseSingle, responseMode } from './requests.js';
import { sendZip, sendZipUnfinished } from './zip.js';

/** Content-Disposition for `name`: res.attachment() sends filename*=UTF-8'' plus an ASCII fallback. */
function setFilename(res, name, bug) {
  if (bug === 'raw-filename') {
    // Node refuses characters above U+00FF in headers; re-reading the UTF-8 bytes as Latin-1
    // gets them through, raw, with no filename* for clients that need it.
    const header = `attachment; filename="${name.replace(/"/g, '\\"')}"`;
    res.set('Content-Disposition', Buffer.from(header, 'utf8').toString('latin1'));
    return;
  }
  res.attachment(name);
}

function zipNames(names, bug) {
  if (bug === 'dedup-forgotten') return names;
  if (bug === 'dedup-case-sensitive') return uniqueNames(names, (name) => name);
  return uniqueNames(names, nameKey);
}

export function makeHandlers({ catalog, tickets, bug }) {
  async function sendExport(res, entry) {
    setFilename(res, entry.filename, bug);
    res.type(entry.contentType);
    await new Promise((resolve, reject) => {
      // A stored file that cannot be read is the server's fault, whatever send() calls it.
      res.sendFile(entry.path, (err) => (err ? reject(Object.assign(err, { status: 500 })) : resolve()));
    });
  }

  function exportedUrl(req, entry) {
    return `${req.protocol}://${req.get('host')}${req.baseUrl}/viewer/exports/files/${tickets.issue(entry.id)}`;
  }

  async function single(req, res) {
    const mode = responseMode(req.query);
    const url = parseSingle(req.body);
    const entry = catalog.find(url);
    if (entry === undefined && bug !== 'unknown-500') {
      throw new HttpError(404, 'not_found', `No export is known for sourceFileUrl ${url}.`);
    }
    if (mode === 'urls') {
      res.json({ success: true, exportedUrl: exportedUrl(req, entry) });
      return;
    }
    await sendExport(res, entry);
  }

  async function batch(req, res) {
    const mode = responseMode(req.query);
    const items = parseBatch(req.body);
    const outcomes = items.map(({ index, url }) => (url === null
      ? { index, reason: 'invalid' }
      : { index, entry: catalog.find(url), reason: 'not_found' }));
    const entries = outcomes.filter((outcome) => outcome.entry).map((outcome) => outcome.entry);
    if (entries.length === 0) {
      throw new HttpError(404, 'not_found', `None of the ${items.length} items is a known export.`);
    }
    if (bug === 'sorted-results') entries.sort((a, b) => a.filename.localeCompare(b.filename));
    if (mode === 'urls') {
      const skipped = outcomes.filter((outcome) => !outcome.entry)
        .map(({ index, reason }) => ({ index, reason }));
      res.json({ success: true, exportedUrls: entries.map((entry) => exportedUrl(req, entry)), skipped });
      return;
    }
    const names = zipNames(entries.map((entry) => entry.filename), bug);
    const members = entries.map((entry, i) => ({ path: entry.path, name: names[i], store: entry.store }));
    await (bug === 'zip-unfinished' ? sendZipUnfinished : sendZip)(res, members);
  }

  async function exportedFile(req, res) {
    const id = tickets.redeem(req.params.ticket);
    if (id === undefined) {
      throw new HttpError(404, 'link_expired', 'This download link is unknown or has expired (links last 10 minutes); ask for a new one.');
    }
    await sendExport(res, catalog.byIndex(id));
  }

  return { single, batch, exportedFile };
}
