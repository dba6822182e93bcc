import { baseUrlField, commonConfigEntries, integerField, secretField, stringField } from '@parley/core/provider';
import * as v from 'valibot';

/**
 * Default per-request time limit (ms): Wolkvox lets a request run up to 60 s (seed 003,
 * "Límite de tiempo de consumo del API"), so the client waits a little longer than that.
 */
export const DEFAULT_TIMEOUT_MS = 65_000;

/**
 * How long Wolkvox may work on one request (seed 003): a request the caller abandons keeps its
 * concurrency slot until its answer arrives or this long after it was sent.
 */
export const PROVIDER_MAX_REQUEST_MS = 60_000;

/** Wolkvox allows at most 2 simultaneous requests per token (seed 003). */
export const MAX_CONCURRENT_PER_TOKEN = 2;

/** The operation's server code: digits kept as text, so `0042` keeps its leading zeros. */
const serverField = v.pipe(
  v.string("server must be a string of digits such as '0042' (a number would lose its leading zeros)"),
  v.trim(),
  v.regex(/^\d{1,6}$/, "server must be 1 to 6 digits, such as '0042'"),
);

/** The WhatsApp connector's id; sent as a string, so a number is accepted and stringified. */
const connectorField = v.union(
  [stringField('connectorId', 64), v.pipe(v.number(), v.integer(), v.minValue(0), v.transform(String))],
  'connectorId must be a non-empty string or a whole number',
);

/**
 * The config of a Wolkvox messenger (without `provider`). Numbers may arrive as strings
 * (DSN, environment).
 *
 * @example
 * const config = v.parse(WolkvoxConfig, { token: 'T', server: '0042', connectorId: '1' });
 * // { token: Secret, server: '0042', connectorId: '1' }
 */
export const WolkvoxConfig = v.strictObject({
  token: secretField('token'),
  server: serverField,
  connectorId: connectorField,
  baseUrl: v.optional(baseUrlField('baseUrl')),
  maxConcurrent: v.optional(integerField('maxConcurrent', 1, MAX_CONCURRENT_PER_TOKEN)),
  dailyLimit: v.optional(integerField('dailyLimit', 1, 1_000_000_000)),
  ...commonConfigEntries,
});
export type WolkvoxConfig = v.InferOutput<typeof WolkvoxConfig>;

/**
 * The API base URL of an operation's server.
 *
 * @example
 * defaultBaseUrl('0042'); // 'https://wv0042.wolkvox.com/api/v2'
 */
export function defaultBaseUrl(server: string): string {
  return `https://wv${server}.wolkvox.com/api/v2`;
}
