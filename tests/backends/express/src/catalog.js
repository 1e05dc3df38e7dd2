// The exports this backend serves, read from exports/catalog.json.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXPORTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'exports');

// Already-compressed formats are stored in the zip; deflating them again only costs time.
const STORED_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'application/zip'];

export class Catalog {
  constructor(entries, directory) {
    this.directory = directory;
    this.byId = entries.map((entry, id) => ({
      id,
      sourceFileUrl: entry.sourceFileUrl,
      path: join(directory, 'files', entry.file),
      filename: entry.filename,
      contentType: entry.contentType,
      store: STORED_TYPES.includes(entry.contentType.split(';')[0].trim()),
    }));
    this.byUrl = new Map(this.byId.map((entry) => [entry.sourceFileUrl, entry]));
  }

  static load(directory = EXPORTS_DIR) {
    const { exports } = JSON.parse(readFileSync(join(directory, 'catalog.json'), 'utf8'));
    return new Catalog(exports, directory);
  }

  /** The export registered under exactly this sourceFileUrl, or undefined. */
  find(url) {
    return this.byUrl.get(url);
  }

  byIndex(id) {
    return this.byId[id];
  }
}
