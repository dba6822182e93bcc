import { configFromEnv, type ParleyConfig, parseDsn } from '@parley/core';
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
