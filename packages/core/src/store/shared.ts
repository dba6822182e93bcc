import { memoryStore } from './memory.js';
import type { Store } from './types.js';

const KEY = Symbol.for('parley.store');

/**
 * The process-wide in-memory store that messengers use by default, so that messengers of one
 * credential share its daily quota count and tracked messages (as a Redis store would across
 * processes). Shared through `globalThis`, so duplicate copies of the package share it too.
 */
export function defaultStore(): Store {
  const holder = globalThis as { [KEY]?: Store };
  holder[KEY] ??= memoryStore();
  return holder[KEY];
}
