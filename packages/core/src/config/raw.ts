import type { Secret } from '../secret.js';

/**
 * A config before validation: `provider` plus that provider's fields. A DSN or the environment
 * may leave the credential under `credential`, to be given the provider's own field name
 * (`apiKey`, `token`) once the provider is known.
 */
export interface RawConfig {
  readonly provider: string;
  readonly credential?: Secret;
  readonly [field: string]: unknown;
}

/** Sets `value` at a dotted path (`tracking.firstPollMs`) of `target`, making objects as needed. */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a key read from untrusted text may become an object key. */
export function isSafeKey(key: string): boolean {
  return key.length > 0 && !UNSAFE_KEYS.has(key);
}

/**
 * Top-level names of a raw config that only a DSN's scheme and user part may set: a query
 * parameter of that name would replace them.
 */
const RESERVED_KEYS = new Set(['provider', 'credential']);

/** Whether a field path read from untrusted text would replace `provider` or `credential`. */
export function isReservedPath(path: readonly string[]): boolean {
  return RESERVED_KEYS.has(path[0] ?? '');
}
