import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Store } from '@parley/core';
import { fileStore } from './file-store.js';

/** Where the CLI keeps its state: `--state`, else `$XDG_STATE_HOME/parley`, else `~/.local/state/parley`. */
export function stateDir(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'parley');
  return join(env.HOME || homedir(), '.local', 'state', 'parley');
}

/**
 * The store a command's messenger uses, so that idempotency keys and message records outlive the
 * run: `@parley/redis` with `--redis URL`, else files under `stateDir()`.
 */
export async function openStore(
  flags: { state?: string | undefined; redis?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Promise<Store & { close(): Promise<void> }> {
  if (flags.redis !== undefined) {
    // Loaded only when asked for: ioredis costs startup time every other run would pay.
    const { redisStore } = await import('@parley/redis');
    return redisStore({ url: flags.redis });
  }
  return fileStore(stateDir(flags.state, env));
}
