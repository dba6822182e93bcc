import { configError } from '../errors/factories.js';
import { redactText, Secret } from '../secret.js';
import { isLoopbackHost } from './fields.js';
import { isReservedPath, isSafeKey, type RawConfig, setPath } from './raw.js';

const SCHEME = /^([a-z][a-z0-9-]*)(\+(https?))?:\/\//i;

/**
 * Parses a DSN such as `decisiontelecom://API_KEY@default?sender=Acme` or
 * `wolkvox://TOKEN@default?server=0042&connector=1` into a raw config. The user part is the
 * credential (percent-encoded); `default` keeps the provider's URL, any other host replaces it
 * (`https`, or `http` for loopback hosts; force one with `decisiontelecom+https://…`). Query
 * names are config fields; dots nest them (`tracking.firstPollMs=500`).
 *
 * Errors never echo the DSN, which holds the credential.
 *
 * @example
 * parseDsn('wolkvox://TOKEN@127.0.0.1:4010/api/v2?server=0042&connector=1');
 * // { provider: 'wolkvox', credential: Secret, baseUrl: 'http://127.0.0.1:4010/api/v2', server: '0042', connector: '1' }
 */
export function parseDsn(dsn: string): RawConfig {
  const scheme = SCHEME.exec(dsn);
  if (!scheme)
    throw configError([{ path: 'dsn', message: 'must look like provider://CREDENTIAL@default?field=value' }]);
  const provider = (scheme[1] as string).toLowerCase();
  const forced = scheme[3]?.toLowerCase();
  let url: URL;
  try {
    // Parse as http so that the host, port and path are read the same for every scheme.
    url = new URL(`http://${dsn.slice(scheme[0].length)}`);
  } catch {
    throw configError([{ path: 'dsn', message: 'is not a valid URL' }], provider);
  }
  const config: Record<string, unknown> = { provider };
  const user = safeDecode(url.username);
  const password = safeDecode(url.password);
  if (user === undefined || password === undefined) {
    throw configError([{ path: 'dsn', message: 'has a badly percent-encoded credential' }], provider);
  }
  if (user) config.credential = new Secret(password ? `${user}:${password}` : user);

  if (url.hostname.toLowerCase() !== 'default') {
    const loopback = isLoopbackHost(url.hostname);
    const protocol = forced ?? (loopback ? 'http' : 'https');
    if (protocol === 'http' && !loopback) {
      throw configError([{ path: 'dsn', message: 'may use http only for localhost or 127.0.0.1' }], provider);
    }
    config.baseUrl = `${protocol}://${url.host}${url.pathname}`.replace(/\/+$/, '');
  }
  for (const [name, value] of url.searchParams) {
    const path = name.split('.');
    if (!path.every(isSafeKey) || isReservedPath(path)) {
      // The name is echoed, so the credential is taken out of it.
      const shown = redactText(name, [user, password, `${user}:${password}`]);
      throw configError([{ path: shown, message: 'is not a valid field name' }], provider);
    }
    setPath(config, path, value);
  }
  return config as RawConfig;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
