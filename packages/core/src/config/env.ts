import { configError } from '../errors/factories.js';
import { Secret } from '../secret.js';
import { parseDsn } from './dsn.js';
import { isSafeKey, type RawConfig, setPath } from './raw.js';

const SECRET_NAME = /(key|token|secret|password|credential)$/i;

/** `API_KEY` → `apiKey`; `CONNECTOR_ID` → `connectorId`. */
function camel(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads a config from environment variables: `PARLEY_DSN`, or `PARLEY_PROVIDER` plus
 * `PARLEY_<PROVIDER>_<FIELD>` variables (`PARLEY_WOLKVOX_CONNECTOR_ID` → `connectorId`; a double
 * underscore nests: `PARLEY_DECISIONTELECOM_TRACKING__FIRST_POLL_MS`). Provider variables also
 * override fields of the DSN. Credentials come back wrapped in `Secret`, so printing the config
 * shows no secret. Validation happens in `createMessenger`.
 *
 * @example
 * const messenger = createMessenger(configFromEnv(process.env), { providers: [decisionTelecom, wolkvox] });
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): RawConfig {
  const dsn = env.PARLEY_DSN?.trim();
  const base: Record<string, unknown> = dsn ? { ...parseDsn(dsn) } : {};
  const provider = (env.PARLEY_PROVIDER?.trim() || (base.provider as string | undefined))?.toLowerCase();
  if (!provider) {
    throw configError([
      { path: 'PARLEY_DSN', message: 'set PARLEY_DSN, or PARLEY_PROVIDER and its PARLEY_<PROVIDER>_* variables' },
    ]);
  }
  if (base.provider !== undefined && base.provider !== provider) {
    throw configError([
      { path: 'PARLEY_PROVIDER', message: `names ${provider} but PARLEY_DSN is for ${String(base.provider)}` },
    ]);
  }
  base.provider = provider;
  const prefix = `PARLEY_${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const path = name.slice(prefix.length).split('__').map(camel);
    // PARLEY_<PROVIDER>_PROVIDER would replace the provider chosen above.
    if (!path.every(isSafeKey) || path[0] === 'provider') continue;
    const leaf = path.at(-1) as string;
    setPath(base, path, SECRET_NAME.test(leaf) ? new Secret(value) : value);
  }
  return base as RawConfig;
}
