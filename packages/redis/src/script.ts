import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA-1, run with EVALSHA. */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

export function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs a script by its SHA-1 and, when the server does not know it yet (first use, a restart, a
 * failover, `SCRIPT FLUSH`), sends its text once. Unlike `defineCommand`, this leaves a client
 * the caller passed in unchanged. The fallback is a second round trip, so a later command may
 * overtake it: the store's callers await each call, and the limiter, whose calls overlap, uses
 * plain EVAL instead.
 */
export async function run(
  client: Redis,
  s: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(s.lua, keys.length, ...keys, ...args);
  }
}
