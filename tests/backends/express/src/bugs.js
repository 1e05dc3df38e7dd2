// Deliberate, realistic bugs, one at a time (BUG=name or --bug name), so tests can check that
// the conformance gate catches each one and blames the right rule. Unset: the correct backend.
export const BUGS = Object.freeze({
  'dedup-forgotten': 'zip entries keep their filenames, so colliding names repeat',
  'dedup-case-sensitive': 'zip names are de-duplicated by exact string, not after NFC and case folding',
  'raw-filename': 'Content-Disposition carries the raw UTF-8 name in filename="…" without filename*',
  'cors-no-expose': 'CORS without Access-Control-Expose-Headers: Content-Disposition',
  'unknown-500': 'the single route forgets the not-found check and crashes on an unknown export',
  'key-one-route': 'the API key is checked on the single route only, not on the batch route',
  'zip-unfinished': 'the zip is sent once every entry is in, before finalize() writes the central directory',
  'sorted-results': 'batch results come sorted by filename instead of in request order',
  'exported-url-needs-key': 'the exported-file route sits behind the API key check',
});

/** The bug to enable: '' (none) or one of BUGS; anything else is a usage error. */
export function checkedBug(name) {
  const bug = (name ?? '').trim();
  if (bug && !Object.hasOwn(BUGS, bug)) {
    throw new Error(`unknown bug ${JSON.stringify(bug)}; known: ${Object.keys(BUGS).join(', ')}`);
  }
  return bug;
}
