import { configFromEnv, type ParleyConfig, type ProviderDefinition, parseDsn } from '@parley/core';
import { isSafeKey, type RawConfig, setPath } from '@parley/core/provider';
import { UsageError } from './io.js';

/**
 * The messenger config of a command: `--dsn`, else `PARLEY_DSN` / `PARLEY_PROVIDER` from the
 * environment; each `--set field=value` then overrides one field (dots nest).
 */
export function configFromFlags(
  flags: { dsn?: string | undefined; set?: string[] | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ParleyConfig {
  let config: Record<string, unknown>;
  if (flags.dsn) config = { ...parseDsn(flags.dsn) };
  else if (env.PARLEY_DSN || env.PARLEY_PROVIDER) config = { ...configFromEnv(env) };
  else throw new UsageError('no provider configured: pass --dsn, or set PARLEY_DSN (see parley --help)');
  for (const pair of flags.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes field=value, got '${pair}'`);
    const path = pair.slice(0, eq).split('.');
    if (!path.every(isSafeKey)) throw new UsageError(`--set: '${pair.slice(0, eq)}' is not a field name`);
    setPath(config, path, pair.slice(eq + 1));
  }
  return config as RawConfig;
}

/**
 * How `--wait` polls unless the config says otherwise: often enough to show each status within
 * a second of the provider reaching it (a library's defaults poll far less often, to spare the
 * provider; one message followed by a person is another matter).
 */
export const WAIT_TRACKING = { firstPollMs: 250, maxIntervalMs: 500 } as const;

/** `config` with `WAIT_TRACKING` under whatever tracking fields it sets, if its provider polls at all. */
export function withWaitTracking(config: ParleyConfig, known: readonly ProviderDefinition[]): ParleyConfig {
  const raw = config as Record<string, unknown>;
  const definition = known.find((p) => p.name === raw.provider);
  const entries = (definition?.configSchema as { entries?: Record<string, unknown> } | undefined)?.entries;
  if (entries === undefined || !('tracking' in entries)) return config;
  const tracking = raw.tracking;
  if (tracking === undefined || tracking === true || tracking === 'true') {
    return { ...raw, tracking: { ...WAIT_TRACKING } } as unknown as RawConfig;
  }
  if (typeof tracking === 'object' && tracking !== null) {
    return { ...raw, tracking: { ...WAIT_TRACKING, ...tracking } } as unknown as RawConfig;
  }
  return config; // tracking=false: left off, and --wait says so
}
