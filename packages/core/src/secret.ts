import { inspect } from 'node:util';

const BRAND = Symbol.for('parley.secret');
const REDACTED = '[redacted]';

/**
 * A credential that never shows itself: `String()`, `JSON.stringify`, template literals and
 * `util.inspect` all print `[redacted]`. Call `reveal()` at the one place that needs the value
 * (building an auth header).
 *
 * @example
 * const key = new Secret(process.env.API_KEY ?? '');
 * console.log(key);          // Secret [redacted]
 * headers.authorization = `Basic ${btoa(key.reveal())}`;
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Wraps a string; returns a `Secret` unchanged. */
  static from(value: string | Secret): Secret {
    return value instanceof Secret ? value : new Secret(value);
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret ${REDACTED}`;
  }
}

/** Reveals a `Secret` or passes a plain string through. */
export function reveal(value: string | Secret): string {
  return value instanceof Secret ? value.reveal() : value;
}

/**
 * Replaces every occurrence of the given secrets (and their base64 forms) in `text`.
 * Used at the boundary where provider text or error messages leave the library.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * Like `redactText`, for text cut short with `marker` at its end: also redacts a secret's
 * beginning left at the cut.
 */
export function redactTruncated(text: string, secrets: readonly string[], marker: string): string {
  const redacted = redactText(text, secrets);
  if (!redacted.endsWith(marker)) return redacted;
  const head = redacted.slice(0, -marker.length);
  for (const form of secretForms(secrets)) {
    for (let k = Math.min(form.length - 1, head.length); k >= 4; k--) {
      if (head.endsWith(form.slice(0, k))) return `${head.slice(0, -k)}${REDACTED}${marker}`;
    }
  }
  return redacted;
}

/** A secret as it may appear in text: raw, base64 (Basic auth) and JSON-escaped (with PHP's `\/`). */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret).toString('base64')]) {
      const escaped = JSON.stringify(form).slice(1, -1);
      forms.add(form).add(escaped).add(escaped.replaceAll('/', '\\/'));
    }
  }
  // Longest first, so an escaped form is replaced before the raw one inside it.
  return [...forms].sort((a, b) => b.length - a.length);
}

export { REDACTED };
