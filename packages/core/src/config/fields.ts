import * as v from 'valibot';
import { Secret } from '../secret.js';

/**
 * Config field schemas for provider definitions. Values from a DSN or the environment arrive
 * as strings, so numbers and booleans also accept their string forms.
 */

/** A credential: a string or a `Secret`, always output as a `Secret`. Its value is never echoed in issues. */
export const secretField = (name: string) =>
  v.pipe(
    v.union([v.string(), v.instance(Secret)], `${name} must be a string`),
    v.transform((value) => Secret.from(value)),
    v.check((s) => s.reveal().trim().length > 0, `${name} must not be empty`),
  );

/** A number, or a string of digits; an integer within [min, max]. */
export const integerField = (name: string, min: number, max: number) =>
  v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.regex(/^-?\d+$/), v.transform(Number))],
      `${name} must be a whole number`,
    ),
    v.integer(`${name} must be a whole number`),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

/** `true`/`false`, or their string forms (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export const booleanField = (name: string) =>
  v.union(
    [
      v.boolean(),
      v.pipe(
        v.picklist(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']),
        v.transform((s) => ['true', '1', 'yes', 'on'].includes(s)),
      ),
    ],
    `${name} must be true or false`,
  );

/** A non-empty string after trimming, at most `max` characters (code points: an emoji counts once). */
export const stringField = (name: string, max = 1024) =>
  v.pipe(
    v.string(`${name} must be a string`),
    v.trim(),
    v.minLength(1, `${name} must not be empty`),
    v.check((s) => codePoints(s) <= max, `${name} must be at most ${max} characters`),
  );

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL's host is this machine (where plain http is allowed). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** An absolute https URL (http only on loopback), without a trailing slash. */
export const baseUrlField = (name: string) =>
  v.pipe(
    v.string(`${name} must be a URL string`),
    v.check((s) => URL.canParse(s), `${name} must be an absolute URL`),
    v.check((s) => {
      if (!URL.canParse(s)) return true;
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
    }, `${name} must use https (http is allowed only for localhost and 127.0.0.1)`),
    v.transform((s) => s.replace(/\/+$/, '')),
  );

/** An absolute http(s) URL where the app receives callbacks. */
export const publicUrlField = (name: string) =>
  v.pipe(
    v.string(`${name} must be a URL string`),
    v.check((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), `${name} must be an absolute http(s) URL`),
  );

/** A positive number (or its string form) within (0, max]. */
const positiveNumberField = (name: string, max: number) =>
  v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/), v.transform(Number))],
      `${name} must be a number`,
    ),
    v.check((n) => Number.isFinite(n) && n > 0, `${name} must be more than 0`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

/** The fields every provider takes: `timeoutMs`, `retry.maxAttempts` and `rateLimit.perSecond`. */
export const commonConfigEntries = {
  timeoutMs: v.optional(integerField('timeoutMs', 100, 600_000)),
  retry: v.optional(v.strictObject({ maxAttempts: v.optional(integerField('retry.maxAttempts', 1, 10)) })),
  /** A known ceiling for the account's requests per second, shared by every messenger of the process. */
  rateLimit: v.optional(v.strictObject({ perSecond: positiveNumberField('rateLimit.perSecond', 100_000) })),
};
