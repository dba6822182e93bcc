export { parseDsn } from './dsn.js';
export { configFromEnv } from './env.js';
export type { ParleyConfig, ResolvedConfig } from './resolve.js';
export { resolveConfig } from './resolve.js';
