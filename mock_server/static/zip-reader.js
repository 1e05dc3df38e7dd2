// Reads a zip's central directory in the page, so the console can list a downloaded zip's
// entries and read a job's manifest.json without a server round trip or any library.
// Stored and deflated entries are read (deflate through the browser's DecompressionStream);
// ZIP64 sizes and offsets are honoured.

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UTF8_FLAG = 0x0800;

/**
 * @typedef {object} ZipEntry
 * @property {string} name
 * @property {number} size  uncompressed bytes
 * @property {number} compressedSize
 * @property {number} method  0 stored, 8 deflated
 * @property {number} localOffset
 */

/**
 * The entries of a zip, in central-directory order.
 * @param {ArrayBuffer} buffer
 * @returns {ZipEntry[]}
 * @throws {Error} when the bytes are not a readable zip
 */
export function readZipEntries(buffer) {
  const view = new DataView(buffer);
  const eocd = findEndOfCentralDirectory(view);
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) ({ count, offset } = readZip64End(view, eocd));
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== CENTRAL) {
      throw new Error(`The zip's central directory is damaged at entry ${i + 1}.`);
    }
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const nameBytes = new Uint8Array(buffer, offset + 46, nameLength);
    const entry = {
      name: decodeName(nameBytes, (flags & UTF8_FLAG) !== 0),
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
    };
    applyZip64Extra(view, offset + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * One entry's bytes.
 * @param {ArrayBuffer} buffer
 * @param {ZipEntry} entry
 * @returns {Promise<Uint8Array>}
 */
export async function readZipEntry(buffer, entry) {
  const view = new DataView(buffer);
  if (view.getUint32(entry.localOffset, true) !== LOCAL) {
    throw new Error(`The zip's local header of ${entry.name} is missing.`);
  }
  const start = entry.localOffset + 30 + view.getUint16(entry.localOffset + 26, true)
    + view.getUint16(entry.localOffset + 28, true);
  const raw = new Uint8Array(buffer, start, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method !== 8) throw new Error(`${entry.name} uses compression method ${entry.method}.`);
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function findEndOfCentralDirectory(view) {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at -= 1) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new Error("This is not a zip: no end-of-central-directory record.");
}

function readZip64End(view, eocd) {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) {
    throw new Error("The zip says it is ZIP64 but has no ZIP64 locator.");
  }
  const end = Number(view.getBigUint64(locator + 8, true));
  if (view.getUint32(end, true) !== ZIP64_EOCD) throw new Error("The zip's ZIP64 end record is missing.");
  return {
    count: Number(view.getBigUint64(end + 32, true)),
    offset: Number(view.getBigUint64(end + 48, true)),
  };
}

/** ZIP64 extra field (0x0001): the 64-bit values, in order, of the fields set to 0xFFFFFFFF. */
function applyZip64Extra(view, start, length, entry) {
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ["size", "compressedSize", "localOffset"]) {
        if (entry[key] === 0xffffffff && field + 8 <= at + 4 + size) {
          entry[key] = Number(view.getBigUint64(field, true));
          field += 8;
        }
      }
    }
    at += 4 + size;
  }
}

function decodeName(bytes, utf8) {
  if (utf8) return new TextDecoder("utf-8").decode(bytes);
  // Without the flag the name is CP437 by the spec; ASCII names (the common case) read the
  // same, and UTF-8 written without the flag is still shown right.
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("latin1").decode(bytes);
  }
}
