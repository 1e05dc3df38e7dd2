// Zip entry names: each entry takes its export's download name; a name already taken (compared
// after Unicode NFC normalisation and case folding, as Windows and macOS compare file names)
// becomes "stem (2).ext", "stem (3).ext", ... like a browser saving the same file twice.

/** Full case folding as far as JavaScript offers it: upper then lower maps ß to ss. */
export const nameKey = (name) => name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');

function splitExtension(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** One unique name per input name, in order. `key` decides which names collide. */
export function uniqueNames(names, key = nameKey) {
  const taken = new Set();
  return names.map((name) => {
    let candidate = name;
    const [stem, extension] = splitExtension(name);
    for (let n = 2; taken.has(key(candidate)); n += 1) {
      candidate = `${stem} (${n})${extension}`;
    }
    taken.add(key(candidate));
    return candidate;
  });
}
