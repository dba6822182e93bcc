/**
 * JSON with numbers kept as their decimal digits. DecisionTelecom's message ids are JSON numbers
 * that may exceed 2^53, where `JSON.parse` and `JSON.stringify` would change their digits.
 */

/** A JSON number written as-is from its digits (a recipient, a message id). */
export class RawNumber {
  constructor(readonly digits: string) {
    if (!/^\d+$/.test(digits)) throw new TypeError('RawNumber takes decimal digits only');
  }
}

/**
 * A JSON object of `fields` in their order, skipping `undefined`; a `RawNumber` is written
 * from its digits, anything else with `JSON.stringify`.
 *
 * @example
 * writeObject({ message_id: new RawNumber('9007199254740993') }); // '{"message_id":9007199254740993}'
 */
export function writeObject(fields: Readonly<Record<string, unknown>>): string {
  // Written once per send: one string built in place, field names quoted once per process.
  let out = '{';
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += quotedKey(key);
    out += ':';
    out += value instanceof RawNumber ? value.digits : JSON.stringify(value);
  }
  return `${out}}`;
}

/** `JSON.stringify(key)`, remembered: the adapter writes the same few field names over and over. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 64) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * The raw text of the value of `key` in the top-level object of `json`, which must already be
 * known to be valid JSON. Returns `undefined` when the top level is not an object or lacks `key`.
 *
 * @example
 * topLevelRawValue('{"message_id": 9007199254740993}', 'message_id'); // '9007199254740993'
 */
export function topLevelRawValue(json: string, key: string): string | undefined {
  let depth = 0;
  let i = 0;
  let found: string | undefined;
  while (i < json.length) {
    const c = json[i] as string;
    if (c === '"') {
      const end = stringEnd(json, i);
      const colon = skipSpace(json, end);
      if (depth === 1 && json[colon] === ':' && keyIs(json, i, end, key)) {
        found = valueText(json, colon + 1);
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (depth === 0 && !isSpace(json.charCodeAt(i))) return undefined;
    i++;
  }
  // The last occurrence wins, as with JSON.parse.
  return found;
}

/** Whether the string token `json[start, end)` is `key`: compared in place unless it holds an escape. */
function keyIs(json: string, start: number, end: number, key: string): boolean {
  for (let k = start + 1; k < end - 1; k++) {
    if (json.charCodeAt(k) === 92) return JSON.parse(json.slice(start, end)) === key;
  }
  return end - start === key.length + 2 && json.startsWith(key, start + 1);
}

/** The index just past the string token that starts at `start`. */
function stringEnd(json: string, start: number): number {
  let i = start + 1;
  while (i < json.length) {
    const c = json[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

/** The raw text of a scalar value (number, literal or string) starting at or after `start`. */
function valueText(json: string, start: number): string {
  const i = skipSpace(json, start);
  if (json[i] === '"') return json.slice(i, stringEnd(json, i));
  let end = i;
  while (end < json.length && !endsScalar(json.charCodeAt(end))) end++;
  return json.slice(i, end);
}

function skipSpace(json: string, start: number): number {
  let i = start;
  while (i < json.length && isSpace(json.charCodeAt(i))) i++;
  return i;
}

/** Exactly the code units `/\s/` matches (and `String.prototype.trim` removes), without a regex per character. */
function isSpace(code: number): boolean {
  if (code > 32 && code < 160) return false;
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Whether a code unit ends a number or literal: what `/[\s,}\]]/` matches. */
function endsScalar(code: number): boolean {
  return code === 44 || code === 125 || code === 93 || isSpace(code);
}
