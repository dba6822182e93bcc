export { parseDsn } from './dsn.js';
export { configFromEnv } from './env.js';
export {
  baseUrlField,
  booleanField,
  commonConfigEntries,
  integerField,
  isLoopbackHost,
  publicUrlField,
  secretField,
  stringField,
} from './fields.js';
export type { RawConfig } from './raw.js';
export { isSafeKey, setPath } from './raw.js';
export type { ParleyConfig, ResolvedConfig } from './resolve.js';
export { resolveConfig, secretValues } from './resolve.js';
