// The recipient check every correct client makes before it sends: libphonenumber-js's core with
// its "min" metadata, loaded exactly as @parley/core loads them (the ES module entries), resolved
// from @parley/core's own dependencies (the bench has no direct dependency on the library).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const coreEntry = createRequire(import.meta.url).resolve('@parley/core');
const libDir = dirname(createRequire(coreEntry).resolve('libphonenumber-js/package.json'));
const { parsePhoneNumberWithError } = await import(pathToFileURL(join(libDir, 'core/index.js')).href);
const { default: metadata } = await import(pathToFileURL(join(libDir, 'metadata.min.json.js')).href);

/** `+57 300 123 4567` → `573001234567`, or throws. */
export function checkRecipient(text) {
  const parsed = parsePhoneNumberWithError(`+${text.replace(/\D/g, '')}`, { extract: false }, metadata);
  if (!parsed.isPossible()) throw new Error('not a possible number');
  return parsed.number.slice(1);
}
